/**
 * The CLI as a user runs it: compiled JavaScript in a child process (`node dist/src/cli/main.js`), not
 * the TypeScript sources inside vitest. `ensureBuilt()` compiles src/ (tsconfig.build.json) when
 * dist/ is missing or older than any source file, so a fresh clone's `npm test` needs no build step.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): void {
  const inputs = Math.max(newestMtime(join(ROOT, 'src')), ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(join(ROOT, f)).mtimeMs));
  // tsc rewrites every output on each build, so main.js's time is the build's time.
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= inputs) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' });
}

/** Runs a command to completion with the given environment (not merged with this process's). */
export function runIn(cwd: string, env: NodeJS.ProcessEnv, command: string, args: readonly string[], timeoutMs = 240_000): SpawnSyncReturns<string> {
  return spawnSync(command, [...args], { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
}

/**
 * This process's environment without what npm and CI put there: `npm test` exports the project's
 * npm config (npm_config_onnxruntime_node_install=skip from .npmrc among it) to child processes, which
 * would hide exactly what the package and privacy tests look for. npm's cache location is kept.
 */
export function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && k.toLowerCase() !== 'npm_config_cache') continue;
    if (/^ONNXRUNTIME_NODE_INSTALL/.test(k) || k === 'INIT_CWD' || k === 'NODE_OPTIONS' || k.startsWith('VITEST')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
