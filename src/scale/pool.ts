/**
 * All cores of one machine: a pool of worker threads (node:worker_threads; each thread loads its own
 * model and ONNX Runtime session, with its share of the cores from thread-budget.ts) that takes jobs
 * from one list until it is empty. A job is a list of items; results come back per item and are
 * merged by item id (item-rows.ts), so the number of workers and the order jobs finish in change
 * nothing in the output. A job that throws stops the run with its one-line message (a local run
 * fails fast; the queue retries instead).
 */
import { Worker } from 'node:worker_threads';
import type { ItemResult } from './item-rows.js';
import { threadBudget, type ThreadBudget } from './thread-budget.js';

export interface PoolRun<J> {
  /** The compiled worker script (compiledScript), which calls servePoolJobs. */
  script: URL;
  workers: number;
  /** Handed to every worker thread, with `threads` (its ONNX Runtime intra-op threads) added. */
  workerData: Record<string, unknown>;
  jobs: readonly J[];
  onResult(result: ItemResult, job: J): void;
  /** Cores to share (default: this machine's). */
  cores?: number;
}

/** Messages between the pool and its threads. */
export type ToThread<J> = { type: 'job'; index: number; job: J };
export type FromThread = { type: 'result'; index: number; result: ItemResult } | { type: 'error'; index: number; message: string };

export async function runPool<J>(run: PoolRun<J>): Promise<ThreadBudget> {
  const budget = threadBudget(run.workers, run.cores);
  // Never more threads than jobs: an idle thread still loads a model.
  const count = Math.min(budget.workers, Math.max(1, run.jobs.length));
  let next = 0;
  let finished = 0;
  const threads: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      if (run.jobs.length === 0) return resolve();
      let failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const feed = (worker: Worker) => {
        if (next >= run.jobs.length) return;
        const index = next++;
        worker.postMessage({ type: 'job', index, job: run.jobs[index] } satisfies ToThread<J>);
      };
      for (let w = 0; w < count; w++) {
        const worker = new Worker(run.script, { workerData: { ...run.workerData, threads: budget.threadsPerWorker } });
        threads.push(worker);
        worker.on('message', (m: FromThread) => {
          if (failed) return;
          if (m.type === 'error') return fail(new Error(m.message));
          try {
            run.onResult(m.result, run.jobs[m.index]);
          } catch (e) {
            return fail(e as Error);
          }
          finished++;
          if (finished === run.jobs.length) return resolve();
          feed(worker);
        });
        worker.on('error', (e) => fail(new Error(`a worker thread failed: ${e.message.split('\n')[0]}`)));
        worker.on('exit', (code) => {
          if (finished < run.jobs.length) fail(new Error(`a worker thread exited (code ${code}) with ${run.jobs.length - finished} job(s) unfinished`));
        });
        feed(worker);
      }
    });
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
  return { ...budget, workers: count };
}
