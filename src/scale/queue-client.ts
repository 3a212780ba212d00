/**
 * Many machines: the client side of a queued run. Jobs go into a BullMQ queue on Redis under ids
 * derived from the run (the same command on the same files gives the same ids), workers anywhere
 * take them (queue-worker.ts), and the client merges what they return by item id (item-rows.ts).
 *
 * - Resume: jobs finished by an earlier, interrupted client stay in Redis (kept a week), so a re-run
 *   merges them at once and waits only for the rest; a job that failed then is submitted again.
 * - Lost jobs: every few seconds the client checks the jobs it still waits for; one Redis no longer
 *   knows (Redis restarted without persistence) is submitted again. Results already merged live in
 *   the client, so nothing is lost and nothing is counted twice.
 * - Lost Redis: when the queue cannot be reached for `timeoutSeconds`, the run fails with one line
 *   saying how far it got and how to resume — never a silently short output.
 * - Duplicates: a job retried after a worker stalled may be finished twice; item-rows keeps one row.
 */
import { Queue, QueueEvents, type Job } from 'bullmq';
import { ItemRows } from './item-rows.js';
import { parseRedisUrl } from './redis-url.js';
import { redisConnection } from './queue-connection.js';
import { fromQueued, QUEUE_NAME } from './queue-result.js';

export interface QueuedJob<J> {
  /** Unique within the queue, stable across re-runs of the same run. */
  id: string;
  data: J;
  /** The items the job answers (to fail them when the job fails). */
  items: readonly number[];
}

export interface QueueRun<J> {
  url: string;
  jobs: readonly QueuedJob<J>[];
  rows: ItemRows;
  /** Tries per job before it counts as failed (a worker that dies mid-job costs one). */
  attempts?: number;
  /** How long the queue may be unreachable before the run gives up (default 60 s). */
  timeoutSeconds?: number;
  /** How often the client checks the jobs it waits for (default 2000 ms). */
  checkEveryMs?: number;
  onProgress?(finished: number, total: number): void;
  /** One line of news (jobs resumed, jobs resubmitted). */
  onNote?(line: string): void;
}

export interface QueueSummary {
  /** Jobs an earlier client had already seen finished. */
  resumed: number;
  /** Jobs submitted again because Redis no longer knew them. */
  resubmitted: number;
  submitted: number;
}

const WEEK_SECONDS = 7 * 24 * 3600;

export async function runOnQueue<J>(run: QueueRun<J>): Promise<QueueSummary> {
  const address = parseRedisUrl(run.url);
  // Commands fail at once while Redis is away: the watchdog below decides when to give up.
  const connection = redisConnection(address);
  const eventsConnection = redisConnection(address);
  const queue = new Queue(QUEUE_NAME, { connection: connection as never });
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection as never });
  const swallow = () => undefined;
  // Connection errors surface through the watchdog, once, as a sentence; not as unhandled events.
  queue.on('error', swallow);
  events.on('error', swallow);
  const timeoutMs = (run.timeoutSeconds ?? 60) * 1000;
  const attempts = run.attempts ?? 3;
  const byId = new Map(run.jobs.map((j) => [j.id, j]));
  const pending = new Set(byId.keys());
  const summary: QueueSummary = { resumed: 0, resubmitted: 0, submitted: 0 };
  const total = run.rows.count;
  const progress = () => run.onProgress?.(run.rows.finished, total);

  const jobOptions = { attempts, backoff: { type: 'fixed', delay: 200 }, removeOnComplete: { age: WEEK_SECONDS }, removeOnFail: { age: WEEK_SECONDS } };
  const add = async (jobs: readonly QueuedJob<J>[]) => {
    for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000).map((j) => ({ name: 'explain', data: j.data, opts: { ...jobOptions, jobId: j.id } })));
  };
  const settle = (id: string, job: Job | undefined, state: string) => {
    if (!pending.has(id)) return;
    const queued = byId.get(id)!;
    if (state === 'completed') run.rows.add(fromQueued(job!.returnvalue));
    else {
      const reason = (job?.failedReason ?? 'failed').split('\n')[0];
      run.rows.add({ ids: [], rowShape: [], values: new Float32Array(0), failures: queued.items.map((item) => ({ id: item, message: `job ${id} failed after ${attempts} tries: ${reason}` })) });
    }
    pending.delete(id);
    progress();
  };

  /** Looks at every job still pending: merges finished ones, resubmits lost ones. */
  const check = async (first: boolean) => {
    const ids = [...pending];
    const lost: QueuedJob<J>[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      const jobs = await Promise.all(slice.map((id) => queue.getJob(id)));
      const states = await Promise.all(jobs.map((j) => (j ? j.getState() : Promise.resolve('missing'))));
      for (const [k, id] of slice.entries()) {
        const job = jobs[k];
        const state = states[k];
        if (state === 'missing') lost.push(byId.get(id)!);
        else if (first && (state === 'failed' || (state === 'completed' && fromQueued(job!.returnvalue).failures.length > 0))) {
          // An earlier run's failure may have been fixed since (a file restored): try it again.
          await job!.remove();
          lost.push(byId.get(id)!);
        } else if (state === 'completed' || state === 'failed') {
          if (first) summary.resumed++;
          settle(id, job, state);
        }
      }
    }
    if (lost.length === 0) return;
    await add(lost);
    if (first) summary.submitted += lost.length;
    else {
      summary.resubmitted += lost.length;
      run.onNote?.(`the queue lost ${lost.length} unfinished job(s) (Redis restarted?); submitted them again`);
    }
  };

  try {
    await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), timeoutMs, () => `cannot reach the queue at ${address.shown} within ${timeoutMs / 1000} s; start Redis there (redis-server) or check --queue`);
    events.on('completed', ({ jobId, returnvalue }) => {
      if (!pending.has(jobId)) return;
      try {
        run.rows.add(fromQueued(returnvalue));
        pending.delete(jobId);
        progress();
      } catch {
        // Left pending: the next check reads the job itself.
      }
    });
    await check(true);
    if (summary.resumed > 0) run.onNote?.(`resumed: ${summary.resumed} of ${run.jobs.length} jobs were already done`);
    progress();
    let lastContact = Date.now();
    let lastError = '';
    while (pending.size > 0) {
      await sleep(run.checkEveryMs ?? 2000);
      if (pending.size === 0) break;
      try {
        await check(false);
        lastContact = Date.now();
      } catch (e) {
        lastError = (e as Error).message.split('\n')[0];
        if (Date.now() - lastContact > timeoutMs) {
          throw new Error(`lost the queue at ${address.shown} for ${Math.round(timeoutMs / 1000)} s (${lastError}) with ${run.rows.finished} of ${total} items done; nothing was written — restart Redis and run the same command again to resume`);
        }
      }
    }
    return summary;
  } finally {
    // Closing waits on Redis; when Redis is gone that wait is not worth more than a moment.
    await Promise.race([Promise.allSettled([events.close(), queue.close()]), new Promise((r) => setTimeout(r, 2000).unref())]);
    connection.disconnect();
    eventsConnection.disconnect();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
