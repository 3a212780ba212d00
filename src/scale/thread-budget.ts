/**
 * How many ONNX Runtime intra-op threads each worker gets. ORT's default is one thread per core in
 * every session, so N workers with default sessions run N × cores threads on cores cores and thrash;
 * the budget gives each worker floor(cores / workers) threads (at least one), so workers × threads ≤
 * cores whenever workers ≤ cores.
 */
import { availableParallelism } from 'node:os';

export interface ThreadBudget {
  workers: number;
  threadsPerWorker: number;
  cores: number;
  /** More workers than cores: every worker gets one thread and the cores are shared (said in the run's output). */
  oversubscribed: boolean;
}

export function threadBudget(workers: number, cores = availableParallelism()): ThreadBudget {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be an integer ≥ 1 (got ${workers})`);
  const threadsPerWorker = Math.max(1, Math.floor(cores / workers));
  return { workers, threadsPerWorker, cores, oversubscribed: workers * threadsPerWorker > cores };
}
