/**
 * `trustscope workbench`: serves the browser workbench (built by `npm run build:web` into dist/web)
 * on this machine only and prints its URL. Everything the page computes stays in the browser; the
 * server only hands out the app's own files (workbench-server.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError, parseInteger } from './errors.js';
import { startWorkbenchServer } from './workbench-server.js';

export const DEFAULT_WORKBENCH_PORT = 8321;

/** dist/web of this checkout or package: found from this module's own place (src/cli or dist/src/cli). */
export function defaultWorkbenchFolder(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'web');
    dir = dirname(dir);
  }
  return resolve('dist', 'web');
}

export function registerWorkbench(program: Command): void {
  program
    .command('workbench')
    .description('serve the browser workbench on this machine (127.0.0.1) and print its URL: drop a model and images, explain or audit, all computed in the browser')
    .option('--port <n>', 'port to listen on (0: any free port)', parseInteger('--port', 0), DEFAULT_WORKBENCH_PORT)
    .option('--dir <folder>', 'the built workbench to serve (default: dist/web of this installation, made by npm run build:web)')
    .addHelpText('after', '\nThe server binds to 127.0.0.1 only and sends COOP/COEP (WASM threads) and a Content-Security-Policy that keeps every request on this origin. Stop it with Ctrl-C.')
    .action(async (opts: { port: number; dir?: string }) => {
      if (opts.port > 65535) throw new UsageError(`--port must be at most 65535 (got ${opts.port})`);
      const root = opts.dir !== undefined ? resolve(opts.dir) : defaultWorkbenchFolder();
      if (!existsSync(join(root, 'index.html'))) {
        throw new UsageError(`${root} holds no built workbench (index.html); build it with 'npm run build:web'${opts.dir === undefined ? '' : ' or point --dir at its output'}`);
      }
      let server;
      try {
        server = await startWorkbenchServer(root, opts.port);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`port ${opts.port} is in use; choose another with --port (0 picks a free one)`);
        throw new UsageError(`cannot listen on 127.0.0.1:${opts.port}: ${(e as Error).message}`);
      }
      console.log(`trustscope workbench: ${server.url}  (serving ${root}; Ctrl-C stops it)`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
