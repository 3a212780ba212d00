#!/usr/bin/env node
/**
 * Builds the browser workbench (web/) into static files: `npm run build:web` → dist/web/. The same
 * function is what test/web/workbench.browser.test.ts calls, so `npm test` alone builds what it tests.
 *
 * The build runs trustscope's own src/ in the browser with one swap, as DESIGN.md reserves it:
 * `onnxruntime-node` resolves to src/onnx/runtime-web-ort.ts (onnxruntime-web, WASM) and the Node
 * telemetry switch to its browser stand-in; runtime.ts itself is unchanged. Node built-ins that
 * readers import at load time get small browser shims (web/shims/): zlib via fflate for TIFF
 * Deflate, utif2 through a createRequire stand-in, and file-system functions that say they are
 * Node-only (the workbench hands readers bytes, never paths). ORT's .wasm/.mjs are copied into
 * ort/ so they are served from our own origin, never a CDN.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ORT_DIST = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
/** The files onnxruntime-web's extern-wasm build loads at run time (CPU, SIMD, threads when allowed). */
export const ORT_ASSETS = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];

async function versionOf(packageJson) {
  return JSON.parse(await readFile(packageJson, 'utf8')).version;
}

const shim = (name) => join(ROOT, 'web', 'shims', name);

/** Builds into outDir (default dist/web); returns the folder. */
export async function buildWeb({ outDir = join(ROOT, 'dist', 'web'), quiet = false } = {}) {
  const { build } = await import('vite');
  const trustscope = await versionOf(join(ROOT, 'package.json'));
  const ort = await versionOf(join(ROOT, 'node_modules', 'onnxruntime-web', 'package.json'));
  await build({
    configFile: false,
    root: join(ROOT, 'web'),
    // Relative asset URLs: the folder works from any static host and any sub-path.
    base: './',
    logLevel: quiet ? 'error' : 'warn',
    resolve: {
      alias: [
        { find: /^onnxruntime-node$/, replacement: join(ROOT, 'src', 'onnx', 'runtime-web-ort.ts') },
        { find: /^onnxruntime-web\/wasm$/, replacement: join(ORT_DIST, 'ort.wasm.min.mjs') },
        { find: /^\.\/ort-privacy\.js$/, replacement: join(ROOT, 'src', 'onnx', 'runtime-web-privacy.ts') },
        { find: /^node:zlib$/, replacement: shim('zlib.ts') },
        { find: /^node:module$/, replacement: shim('module.ts') },
        { find: /^node:(fs|fs\/promises|path|crypto|url|os|worker_threads)$/, replacement: shim('node-only.ts') },
      ],
    },
    define: {
      'process.env.TRUSTSCOPE_DEBUG': 'undefined',
      __TRUSTSCOPE_VERSION__: JSON.stringify(trustscope),
      __ORT_WEB_VERSION__: JSON.stringify(ort),
    },
    worker: { format: 'es' },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      // No inline script (the CSP allows scripts from 'self' only).
      modulePreload: { polyfill: false },
      chunkSizeWarningLimit: 8000,
      reportCompressedSize: false,
    },
  });
  await mkdir(join(outDir, 'ort'), { recursive: true });
  for (const f of ORT_ASSETS) await copyFile(join(ORT_DIST, f), join(outDir, 'ort', f));
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  const started = performance.now();
  buildWeb(out ? { outDir: out } : {}).then(
    (dir) => console.log(`workbench built in ${((performance.now() - started) / 1000).toFixed(1)} s → ${dir}`),
    (e) => {
      console.error(`build:web failed: ${e.message.split('\n')[0]}`);
      process.exit(1);
    },
  );
}
