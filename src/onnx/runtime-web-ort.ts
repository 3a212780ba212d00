/**
 * The browser's ONNX Runtime: onnxruntime-web (WASM, CPU), configured for a page that must not reach
 * any other host. The workbench build (scripts/build-web.mjs) aliases `onnxruntime-node` to this
 * module, so runtime.ts — still the only file that runs sessions — is the same code in Node and in
 * the browser; Node never loads this file.
 *
 * Why each setting:
 * - wasmPaths: ORT's default is to fetch its .wasm/.mjs next to its own script, which in a bundle can
 *   resolve to a CDN; the build copies both files into `ort/` beside index.html and we point there,
 *   so they come from our own origin (the CSP's connect-src 'self' would refuse anything else).
 * - numThreads: WASM threads need SharedArrayBuffer, i.e. a cross-origin-isolated page (COOP/COEP,
 *   which `trustscope workbench` sends). Elsewhere (a plain static host) one thread, set explicitly
 *   so ORT does not try to spawn workers it cannot use.
 * - proxy: false; the workbench already runs all compute in its own Web Worker.
 * - Telemetry: onnxruntime-web has no usage telemetry (the native builds' uploader is not in the
 *   WASM build); nothing here or in ORT opens a connection except the wasm fetch from `ort/`.
 */
// The extern-wasm build loads ort-wasm-simd-threaded.mjs/.wasm from wasmPaths (the bundled variant
// would make our own worker chunk the pthread script).
import * as ort from 'onnxruntime-web/wasm';

/** The folder, relative to the page, that holds ORT's .wasm and .mjs (the build copies them there). */
export const ORT_ASSET_FOLDER = 'ort/';

interface WorkerScope {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  location?: { href: string };
}

const scope = globalThis as unknown as WorkerScope;

/** Threads ORT may use here: up to 4 when the page is cross-origin isolated, else 1. */
export function browserThreads(isolated = scope.crossOriginIsolated === true, cores = scope.navigator?.hardwareConcurrency ?? 1): number {
  return isolated ? Math.max(1, Math.min(4, cores)) : 1;
}

/**
 * Where ORT's files are, as an absolute URL on this origin. The worker's script lives in assets/,
 * so its own URL is one folder below the page.
 */
export function ortAssetUrl(scriptUrl: string): string {
  return new URL(`../${ORT_ASSET_FOLDER}`, scriptUrl).href;
}

ort.env.wasm.wasmPaths = ortAssetUrl(import.meta.url);
ort.env.wasm.numThreads = browserThreads();
ort.env.wasm.proxy = false;

// The same names onnxruntime-node exports, which is all runtime.ts uses.
export * from 'onnxruntime-web/wasm';
