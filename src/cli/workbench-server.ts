/**
 * The static server behind `trustscope workbench`: serves the built web app (dist/web) on the
 * loopback interface only, with the headers the app needs and nothing else:
 * - the correct MIME types (WASM must be application/wasm for streaming compilation; module
 *   scripts must be JavaScript);
 * - COOP/COEP, which make the page cross-origin isolated so onnxruntime-web may use WASM threads;
 * - the same Content-Security-Policy as the page's meta tag, here also covering the Web Worker
 *   (a worker takes its policy from its script's response, not from the page);
 * - no caching, so a rebuilt workbench is never mixed with an old one.
 * No directory listings; paths outside the folder are refused.
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The policy: our own origin for scripts, workers, WASM and fetches. 'unsafe-eval' is for Vega, which
 * compiles chart expressions with Function() when the worker draws the audit's charts; it runs only
 * our own bundled code, and connect-src still keeps every request on this origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const WORKBENCH_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export interface WorkbenchServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The file a request path names inside root, or undefined when it would leave root. */
export function fileFor(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const file = resolve(root, '.' + normalize('/' + path));
  if (file !== resolve(root) && !file.startsWith(resolve(root) + sep)) return undefined;
  return path.endsWith('/') ? join(file, 'index.html') : file;
}

async function respond(root: string, method: string, urlPath: string): Promise<{ status: number; type: string; body: Uint8Array | string }> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, type: 'text/plain; charset=utf-8', body: 'method not allowed\n' };
  const file = fileFor(root, urlPath);
  if (!file) return { status: 403, type: 'text/plain; charset=utf-8', body: 'forbidden\n' };
  try {
    if (!(await stat(file)).isFile()) return { status: 404, type: 'text/plain; charset=utf-8', body: 'not found\n' };
    return { status: 200, type: MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', body: await readFile(file) };
  } catch {
    return { status: 404, type: 'text/plain; charset=utf-8', body: 'not found\n' };
  }
}

/** Serves root on host:port (port 0: any free port); resolves once listening. */
export function startWorkbenchServer(root: string, port: number, host = '127.0.0.1'): Promise<WorkbenchServer> {
  const server: Server = createServer((req, res) => {
    respond(root, req.method ?? 'GET', req.url ?? '/').then(
      ({ status, type, body }) => {
        res.writeHead(status, { ...WORKBENCH_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      },
    );
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolvePromise({
        url: `http://${host}:${actual}/`,
        port: actual,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
