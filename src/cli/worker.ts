/**
 * `trustscope worker --queue redis://…`: a worker process for queued runs (`explain|audit … --queue`).
 * It takes jobs until it is stopped, explains their images or runs their audit checks with the same
 * code as the --workers threads (worker-job.ts) and returns the rows through Redis. Start one per machine (or one per core with
 * --threads 1); stopping one (Ctrl-C, a crash, a lost machine) hands its current job to another
 * after --lock-seconds.
 *
 * What a worker reads: the model, image and method files named in the jobs (an audit's: all its input
 * files), at the same paths as the client (a shared folder), each checked against the client's SHA-256; with `explain --ship-data`
 * the images come inside the jobs. It writes nothing to disk and sends its results only to Redis.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { parseRedisUrl } from '../scale/redis-url.js';
import { parseInteger, parseNumber, UsageError } from './errors.js';
import { runWorkerJob, type ExplainJob } from './worker-job.js';
import type { AuditJob } from './audit-job.js';

interface WorkerCliOptions {
  queue: string;
  concurrency: number;
  threads?: number;
  lockSeconds: number;
  quiet?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run queued jobs (explain|audit … --queue) until stopped; results go back through the queue')
    .requiredOption('--queue <redis-url>', 'the Redis the runs use: redis://[user:password@]host:port (never printed with its password)')
    .option('--concurrency <n>', 'jobs this process runs at once', parseInteger('--concurrency', 1), 1)
    .option('--threads <n>', 'ONNX Runtime threads per operator (default: the cores divided by --concurrency)', parseInteger('--threads', 1))
    .option('--lock-seconds <s>', 'how long a job stays with a worker that stopped answering before another worker takes it', parseNumber('--lock-seconds'), 30)
    .option('--quiet', 'no line per job')
    .addHelpText('after', '\nExample (two workers on this machine, one core each):\n  redis-server --port 6379 --bind 127.0.0.1 &\n  trustscope worker --queue redis://127.0.0.1:6379 --threads 1 &\n  trustscope worker --queue redis://127.0.0.1:6379 --threads 1 &\n  trustscope explain --model model.onnx --input images.npy --method saliency --queue redis://127.0.0.1:6379 --out maps\n  trustscope audit --model model.onnx --input images.npy --labels labels.npy --queue redis://127.0.0.1:6379 --out report')
    .action(async (opts: WorkerCliOptions) => {
      let shown: string;
      try {
        shown = parseRedisUrl(opts.queue).shown;
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if (!(opts.lockSeconds >= 0.5)) throw new UsageError(`--lock-seconds must be at least 0.5 (got ${opts.lockSeconds})`);
      const threads = opts.threads ?? Math.max(1, Math.floor(availableParallelism() / opts.concurrency));
      const say = (line: string) => {
        if (!opts.quiet) console.log(line);
      };
      const { startQueueWorker } = await import('../scale/queue-worker.js');
      await startQueueWorker<ExplainJob | AuditJob>({
        url: opts.queue,
        concurrency: opts.concurrency,
        lockSeconds: opts.lockSeconds,
        process: (job) => runWorkerJob(job, threads),
        onJob: (e) => {
          if (e.stage === 'started') say(`job ${e.id}: ${e.items} ${e.id.startsWith('audit-') ? 'check' : 'image'}(s) started`);
          else if (e.stage === 'done') say(`job ${e.id}: done in ${e.seconds!.toFixed(2)} s`);
          else console.error(`trustscope worker: job ${e.id} failed: ${e.failed}`);
        },
        onError: (line) => console.error(`trustscope worker: ${line}`),
      });
      console.error(`trustscope worker: waiting for jobs on ${shown} (${opts.concurrency} at a time, ${threads} ONNX Runtime thread(s) each)`);
      // Runs until the process is stopped: main() turns SIGINT/SIGTERM into exit code 130.
      await new Promise<never>(() => undefined);
    });
}
