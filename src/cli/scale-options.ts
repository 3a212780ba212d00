/**
 * The flags that spread a dataset-wide command over cores or machines, declared once: `--workers N`
 * (worker threads on this machine), `--queue redis://…` (jobs for `trustscope worker` processes
 * anywhere), `--job-size`, `--ship-data` and `--queue-timeout`.
 */
import type { Command } from 'commander';
import { parseInteger, parseNumber, UsageError } from './errors.js';
import { parseRedisUrl } from '../scale/redis-url.js';

export interface ScaleFlags {
  workers?: number;
  queue?: string;
  jobSize?: number;
  shipData?: boolean;
  queueTimeout: number;
}

export const DEFAULT_QUEUE_JOB_SIZE = 16;

/** What the flags split: explain's images, or audit's checks (one job per check: no --job-size; no --ship-data yet, its workers read the files). */
export type ScaledCommand = 'explain' | 'audit';

export function addScaleOptions(command: Command, what: ScaledCommand = 'explain'): Command {
  if (what === 'audit') {
    return command
      .option('--workers <n>', 'run the checks on N worker threads of this machine, each with its own model, ONNX Runtime session and cores/N threads; every check has its own seed stream, so audit.json is the same for any N (and with --queue)', parseInteger('--workers', 1))
      .option('--queue <redis-url>', 'one job per check on a Redis queue (redis://[user:password@]host:port) for `trustscope worker` processes, which read the same files (checked by SHA-256); the findings are merged here; the URL is never printed with its password')
      .option('--queue-timeout <s>', 'with --queue: give up (with a line saying how to resume) when Redis is unreachable this long', parseNumber('--queue-timeout'), 60);
  }
  return command
    .option('--workers <n>', 'explain on N worker threads of this machine, each with its own ONNX Runtime session and cores/N threads; every image gets its own seed stream, so the output is the same for any N (and with --queue)', parseInteger('--workers', 1))
    .option('--queue <redis-url>', 'split the images into jobs on a Redis queue (redis://[user:password@]host:port) for `trustscope worker` processes and merge their results here; the URL is never printed with its password')
    .option('--job-size <n>', `images per job with --workers or --queue (default with --queue: ${DEFAULT_QUEUE_JOB_SIZE}; with --workers: the images split about 8 ways per worker)`, parseInteger('--job-size', 1))
    .option('--ship-data', 'with --queue: put the image rows into the jobs (workers then need only the model file, not the images)')
    .option('--queue-timeout <s>', 'with --queue: give up (with a line saying how to resume) when Redis is unreachable this long', parseNumber('--queue-timeout'), 60);
}

/** Whether the flags ask for a scaled run; refuses contradictions in one line. */
export function scaledRun(flags: ScaleFlags): boolean {
  if (flags.workers !== undefined && flags.queue !== undefined) throw new UsageError('give --workers (threads here) or --queue (workers elsewhere), not both');
  if (flags.shipData && flags.queue === undefined) throw new UsageError('--ship-data puts images into queue jobs; it applies with --queue');
  if (flags.jobSize !== undefined && flags.workers === undefined && flags.queue === undefined) throw new UsageError('--job-size applies with --workers or --queue');
  if (!(flags.queueTimeout > 0)) throw new UsageError(`--queue-timeout must be a positive number of seconds (got ${flags.queueTimeout})`);
  if (flags.queue !== undefined) {
    try {
      parseRedisUrl(flags.queue);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return flags.workers !== undefined || flags.queue !== undefined;
}
