/**
 * The optimised-graph store of every command (onnx/optimized-graph-store.ts), when the environment
 * asks for it (TRUSTSCOPE_CACHE=1 or TRUSTSCOPE_CACHE_DIR): ONNX Runtime's optimised graphs of large
 * models are kept in `<cache folder>/optimized-graphs` and reused by later calls on the same model.
 * Off by default, by measurement (see optimizedGraphStoreFromEnv). `--no-cache` (program-wide, any
 * command) turns it off for one call; it also sets TRUSTSCOPE_NO_CACHE, so that --workers threads
 * and anything the command starts keep out of the cache too.
 */
import type { Command } from 'commander';
import { optimizedGraphStoreFromEnv } from '../onnx/optimized-graph-store.js';
import { useOptimizedGraphStore } from '../onnx/runtime.js';
import { UsageError } from './errors.js';

export const NO_CACHE_HELP =
  "with TRUSTSCOPE_CACHE=1 or TRUSTSCOPE_CACHE_DIR set: neither keep nor reuse ONNX Runtime's optimised graphs of large models in the cache folder for this call (TRUSTSCOPE_NO_CACHE=1 does the same)";

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
