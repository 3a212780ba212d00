/**
 * `--no-cache` (a program-wide flag, any command) and the optimised-graph store every command uses
 * otherwise (onnx/optimized-graph-store.ts): ONNX Runtime's optimised graphs of large models are kept
 * in `$TRUSTSCOPE_CACHE_DIR/optimized-graphs` (default `~/.cache/trustscope/…`) and reused by later
 * calls on the same model. The flag also sets TRUSTSCOPE_NO_CACHE, so that --workers threads and
 * anything the command starts keep out of the cache too.
 */
import type { Command } from 'commander';
import { optimizedGraphStoreFromEnv } from '../onnx/optimized-graph-store.js';
import { useOptimizedGraphStore } from '../onnx/runtime.js';
import { UsageError } from './errors.js';

export const NO_CACHE_HELP =
  "neither keep nor reuse ONNX Runtime's optimised graphs of large models in the cache folder ($TRUSTSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/trustscope or ~/.cache/trustscope; TRUSTSCOPE_NO_CACHE=1 does the same)";

export function addGraphCacheOption(program: Command): Command {
  return program.option('--no-cache', NO_CACHE_HELP).hook('preAction', () => installGraphStore(program.opts().cache !== false));
}

/** Turns the store on (from the environment) or off for this process; a bad TRUSTSCOPE_CACHE_MAX_MB is a usage error. */
export function installGraphStore(enabled: boolean, env: NodeJS.ProcessEnv = process.env): void {
  if (!enabled) env.TRUSTSCOPE_NO_CACHE = '1';
  try {
    useOptimizedGraphStore(optimizedGraphStoreFromEnv(env));
  } catch (e) {
    useOptimizedGraphStore(undefined);
    throw new UsageError((e as Error).message);
  }
}
