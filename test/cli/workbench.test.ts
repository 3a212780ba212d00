/** `trustscope workbench` and its static server: headers, MIME types, refusals, the command's lines. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileFor, startWorkbenchServer, type WorkbenchServer } from '../../src/cli/workbench-server.js';
import { defaultWorkbenchFolder } from '../../src/cli/workbench.js';
import { INTERRUPTED } from '../../src/cli/main.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-workbench-cli-');
let root: string;
let server: WorkbenchServer;
beforeAll(async () => {
  root = (await dirP).path('site');
  await mkdir(join(root, 'ort'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!DOCTYPE html><title>t</title>');
  await writeFile(join(root, 'ort', 'x.wasm'), new Uint8Array([0, 97, 115, 109]));
  await writeFile(join(root, 'ort', 'x.mjs'), 'export {};');
  await writeFile((await dirP).path('secret.txt'), 'outside');
  server = await startWorkbenchServer(root, 0);
});
afterAll(async () => {
  await server?.close();
  await (await dirP).cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('workbench server', () => {
  it('serves index.html at / with COOP/COEP, a CSP keeping requests on this origin, and no caching', async () => {
    const r = await fetch(server.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(r.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(await r.text()).toContain('<title>t</title>');
  });

  it('gives WASM as application/wasm and module scripts as JavaScript', async () => {
    const wasm = await fetch(`${server.url}ort/x.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
    expect((await fetch(`${server.url}ort/x.mjs`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('refuses paths outside the folder, unknown files and other methods', async () => {
    expect(fileFor('/srv/site', '/../secret.txt')).toBe('/srv/site/secret.txt');
    expect(fileFor('/srv/site', '/%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/site/etc/passwd');
    expect(fileFor('/srv/site', '/a%00b')).toBeUndefined();
    expect(fileFor('/srv/site', '/%E0%A4%A')).toBeUndefined();
    expect((await fetch(`${server.url}%2e%2e/secret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}nothing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}ort/`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST', body: 'x' })).status).toBe(405);
  });
});

describe('trustscope workbench', () => {
  it('prints the URL, serves the folder, and stops on SIGINT', async () => {
    const port = await freePort();
    const run = runCli(['workbench', '--dir', root, '--port', String(port)]);
    let ok = false;
    for (let i = 0; i < 200 && !ok; i++) {
      ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false);
      if (!ok) await new Promise((r) => setTimeout(r, 25));
    }
    expect(ok).toBe(true);
    process.emit('SIGINT');
    const r = await run;
    // Ctrl-C is how it stops: the CLI's usual interrupted line and code 130, and the port is free again.
    expect(r.code).toBe(INTERRUPTED);
    expect(r.stdout).toContain(`trustscope workbench: http://127.0.0.1:${port}/`);
    let closed = false;
    for (let i = 0; i < 200 && !closed; i++) {
      closed = await fetch(`http://127.0.0.1:${port}/`).then(() => false, () => true);
      if (!closed) await new Promise((r) => setTimeout(r, 25));
    }
    expect(closed).toBe(true);
  });

  it('refuses a folder without a build, and a bad port, in one line', async () => {
    const missing = await runCli(['workbench', '--dir', (await dirP).path('nowhere'), '--port', '0']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toHaveLength(1);
    expect(missing.stderr[0]).toMatch(/holds no built workbench \(index\.html\); build it with 'npm run build:web'/);
    const bad = await runCli(['workbench', '--port', '70000']);
    expect(bad.code).toBe(1);
    expect(bad.stderr[0]).toMatch(/--port must be at most 65535/);
    const busy = await runCli(['workbench', '--dir', root, '--port', String(server.port)]);
    expect(busy.code).toBe(1);
    expect(busy.stderr[0]).toMatch(/port \d+ is in use; choose another with --port/);
  });

  it('finds dist/web of the checkout it runs from', () => {
    expect(defaultWorkbenchFolder()).toMatch(/dist[/\\]web$/);
  });
});
