/**
 * The thread side of pool.ts: answers each job the pool sends with its result (the rows' buffer is
 * transferred, not copied) or, when the job throws, with the error's first line.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ItemResult } from './item-rows.js';
import type { FromThread, ToThread } from './pool.js';

export function servePoolJobs<J>(handle: (job: J, data: Record<string, unknown> & { threads: number }) => Promise<ItemResult>): void {
  const port = parentPort;
  if (!port) throw new Error('servePoolJobs runs inside a worker thread started by runPool');
  const data = workerData as Record<string, unknown> & { threads: number };
  port.on('message', (m: ToThread<J>) => {
    handle(m.job, data).then(
      (result) => port.postMessage({ type: 'result', index: m.index, result } satisfies FromThread, [result.values.buffer as ArrayBuffer]),
      (e: unknown) => port.postMessage({ type: 'error', index: m.index, message: (e instanceof Error ? e.message : String(e)).split('\n')[0] } satisfies FromThread),
    );
  });
}
