/**
 * What the queue tests share: `trustscope worker` processes from the compiled CLI (killable like a
 * real machine), a throw-away Redis per test (scale/local-redis.ts), and a look at the queue's
 * counts through BullMQ itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { CLI } from '../ship/built-cli.js';
import { redisConnection } from '../../src/scale/queue-connection.js';
import { parseRedisUrl } from '../../src/scale/redis-url.js';
import { QUEUE_NAME } from '../../src/scale/queue-result.js';

export interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first output line matching `pattern` (waits up to `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnCli(args: readonly string[]): WorkerProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter((l) => l.length > 0)) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    child,
    lines,
    waitFor(pattern, ms = 60_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms; got:\n${lines.join('\n')}`)), ms);
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}

export function startWorker(url: string, lockSeconds = 1): WorkerProcess {
  return spawnCli(['worker', '--queue', url, '--threads', '1', '--lock-seconds', String(lockSeconds)]);
}

/** BullMQ's own job counts of the queue (waiting, active, completed, failed…). */
export async function jobCounts(url: string): Promise<Record<string, number>> {
  const connection = redisConnection(parseRedisUrl(url));
  const queue = new Queue(QUEUE_NAME, { connection: connection as never });
  try {
    return await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export async function until(condition: () => Promise<boolean>, ms = 60_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
