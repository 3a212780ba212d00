/**
 * Worker threads run JavaScript files, not TypeScript: the script of a pool is the compiled sibling
 * of the module that names it. Run from dist/ (the installed CLI) that is the file next to it; run
 * from src/ (vitest, which compiles on the fly but cannot start a thread from a .ts file) it is the
 * same file under dist/, which must have been built.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sep } from 'node:path';

export function compiledScript(moduleUrl: string, name: string): URL {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.js')) return new URL(`./${name}.js`, moduleUrl);
  const parts = here.split(sep);
  const src = parts.lastIndexOf('src');
  if (src < 0) throw new Error(`cannot place the compiled worker script for ${here}`);
  const compiled = [...parts.slice(0, src), 'dist', ...parts.slice(src, -1), `${name}.js`].join(sep);
  if (!existsSync(compiled)) throw new Error(`the worker script ${compiled} is not built; run \`npm run build\` first`);
  return pathToFileURL(compiled);
}
