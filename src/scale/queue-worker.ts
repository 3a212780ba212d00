/**
 * Many machines: one worker process on the queue (`trustscope worker --queue redis://…`). BullMQ
 * holds a lock on the job a worker runs and renews it while the worker lives; a worker that dies
 * stops renewing, and after `lockSeconds` another worker's stall check puts the job back in the
 * queue, so a killed machine costs time, never results. A job that throws is retried (up to the
 * attempts the client set) and then reported failed, item by item, by the client.
 */
import { Worker } from 'bullmq';
import type { ItemResult } from './item-rows.js';
import { parseRedisUrl } from './redis-url.js';
import { redisConnection } from './queue-connection.js';
import { QUEUE_NAME, toQueued } from './queue-result.js';

export interface QueueWorkerOptions<J> {
  url: string;
  /** Jobs this process runs at once (each on the same ONNX Runtime thread pool). */
  concurrency?: number;
  /** How long a silent worker keeps its job before the job is handed to another (default 30 s). */
  lockSeconds?: number;
  process(data: J): Promise<ItemResult>;
  onJob?(event: { id: string; items: number; seconds?: number; failed?: string; stage: 'started' | 'done' | 'failed' }): void;
  onError?(message: string): void;
}

export interface RunningWorker {
  /** Finishes the current jobs and disconnects. */
  close(): Promise<void>;
}

export async function startQueueWorker<J extends { items: readonly unknown[] }>(options: QueueWorkerOptions<J>): Promise<RunningWorker> {
  const address = parseRedisUrl(options.url);
  const lockDuration = Math.round((options.lockSeconds ?? 30) * 1000);
  const connection = redisConnection(address);
  const worker = new Worker<J>(
    QUEUE_NAME,
    async (job) => {
      const started = performance.now();
      options.onJob?.({ id: job.id ?? '?', items: job.data.items.length, stage: 'started' });
      const result = await options.process(job.data);
      options.onJob?.({ id: job.id ?? '?', items: job.data.items.length, seconds: (performance.now() - started) / 1000, stage: 'done' });
      return toQueued(result);
    },
    {
      connection: connection as never,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      // Check for stalled jobs as often as a lock can expire, so a dead worker's job waits one lock at most.
      stalledInterval: lockDuration,
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, e) => options.onJob?.({ id: job?.id ?? '?', items: job?.data.items.length ?? 0, failed: e.message.split('\n')[0], stage: 'failed' }));
  let lastError = '';
  worker.on('error', (e) => {
    const line = e.message.split('\n')[0];
    // Redis away: ioredis retries on its own; say so once per distinct error, not every second.
    if (line !== lastError) options.onError?.(`${line} (queue ${address.shown}; retrying)`);
    lastError = line;
  });
  worker.on('ready', () => (lastError = ''));
  await worker.waitUntilReady();
  return {
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}
