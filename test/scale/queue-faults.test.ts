/**
 * The queue against a real Redis (Debian's redis-server, started per test on a free loopback port,
 * no persistence) and real `trustscope worker` processes: the merged output equals the local pool's
 * byte for byte after a worker is killed mid-job, after Redis restarts empty mid-run, and after the
 * client is interrupted and re-run; a file spoiled after submission fails its images with one line
 * each while the rest completes; and Redis gone for good fails the run with a line saying how to
 * resume, never a short output.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { startLocalRedis, type LocalRedis } from '../../src/scale/local-redis.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { ensureBuilt } from '../ship/built-cli.js';
import { runCli } from '../cli/cli-harness.js';
import { jobCounts, spawnCli, startWorker, until, type WorkerProcess } from './queue-helpers.js';

const dirP = tempDir('trustscope-queue-');
let path: (name: string) => string;
const N = 12;
let redis: LocalRedis | undefined;
let workers: WorkerProcess[] = [];
/** Slow enough per job (a few hundred model calls) that a kill lands mid-job. */
const METHOD = ['--method', 'smoothgrad', '--nt-samples', '64', '--stdevs', '0.2', '--seed', '9'];

beforeAll(async () => {
  ensureBuilt();
  path = (await dirP).path;
  await saveOnnxGraph(path('cnn.onnx'), tinyCnn({ size: 8, seed: 3 }));
  await writeNpy(path('batch.npy'), randomTensor([N, 1, 8, 8], 21));
  await mkdir(path('two'));
  await writeNpy(path('two/a.npy'), randomTensor([3, 1, 8, 8], 22));
  await writeNpy(path('two/b.npy'), randomTensor([2, 1, 8, 8], 23));
  // The reference: the local pool (itself checked against 1/2/3 workers and the library in test/cli/explain-scaled.test.ts).
  const r = await runCli(['explain', '--model', path('cnn.onnx'), '--input', path('batch.npy'), ...METHOD, '--workers', '2', '--quiet', '--out', path('pool')]);
  expect(r.code, r.stderr.join('\n')).toBe(0);
  // A stale dist/ is rebuilt first (minutes on a busy machine).
}, 900_000);
afterEach(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  workers = [];
  await redis?.stop();
  redis = undefined;
});
afterAll(async () => (await dirP).cleanup());

const queued = (url: string, out: string, ...extra: string[]) => runCli(['explain', '--model', path('cnn.onnx'), '--input', path('batch.npy'), ...METHOD, '--queue', url, '--job-size', '2', '--quiet', '--out', out, ...extra]);
const sameAsPool = (out: string) => readFileSync(join(out, 'attributions.npy')).equals(readFileSync(join(path('pool'), 'attributions.npy')));

describe('explain --queue on a real Redis', () => {
  it('loses nothing and duplicates nothing when a worker is killed mid-job', async () => {
    redis = await startLocalRedis();
    const doomed = startWorker(redis.url);
    const survivor = startWorker(redis.url);
    workers.push(doomed, survivor);
    await Promise.all([doomed.waitFor(/waiting for jobs/), survivor.waitFor(/waiting for jobs/)]);
    const client = queued(redis.url, path('killed'));
    const started = await doomed.waitFor(/started/);
    await doomed.kill('SIGKILL');
    const r = await client;
    expect(r.code, r.stderr.join('\n')).toBe(0);
    // The killed worker's job was finished by the other one.
    const job = started.match(/job (\S+):/)![1];
    expect(survivor.lines.some((l) => l.includes(`job ${job}: done`))).toBe(true);
    expect(sameAsPool(path('killed'))).toBe(true);
    const run = JSON.parse(readFileSync(join(path('killed'), 'run.json'), 'utf8'));
    expect(run.failed).toBeUndefined();
    expect(run.scale.mode).toBe('queue');
  });

  it('resubmits what a restarted (empty) Redis lost and still writes the full output', async () => {
    redis = await startLocalRedis();
    const worker = startWorker(redis.url);
    workers.push(worker);
    await worker.waitFor(/waiting for jobs/);
    const client = queued(redis.url, path('restarted'));
    await worker.waitFor(/done in/);
    await redis.stop();
    await redis.start();
    const r = await client;
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(r.stderr.some((l) => /the queue lost \d+ unfinished job\(s\)/.test(l))).toBe(true);
    expect(sameAsPool(path('restarted'))).toBe(true);
  });

  it('fails with one line saying how to resume when Redis stays away', async () => {
    redis = await startLocalRedis();
    const client = queued(redis.url, path('gone'), '--queue-timeout', '2');
    await until(async () => ((await jobCounts(redis!.url)).waiting ?? 0) > 0, 60_000, 'jobs in the queue');
    await redis.stop();
    const r = await client;
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/lost the queue at redis:\/\/127\.0\.0\.1:\d+ for 2 s .* run the same command again to resume/);
    expect(existsSync(join(path('gone'), 'attributions.npy'))).toBe(false);
  });

  it('resumes from the finished jobs when an interrupted client is run again', async () => {
    redis = await startLocalRedis();
    const url = redis.url;
    // The client as a user runs it, interrupted (Ctrl-C) while it waits for workers.
    const first = spawnCli(['explain', '--model', path('cnn.onnx'), '--input', path('batch.npy'), ...METHOD, '--queue', url, '--job-size', '2', '--quiet', '--out', path('resumed')]);
    await until(async () => ((await jobCounts(url)).waiting ?? 0) === N / 2, 60_000, 'all jobs submitted');
    await first.kill('SIGINT');
    const worker = startWorker(url);
    workers.push(worker);
    await until(async () => (await jobCounts(url)).completed === N / 2, 60_000, 'all jobs done');
    const r = await queued(url, path('resumed'), '--force');
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(r.stderr).toContain(`trustscope: resumed: ${N / 2} of ${N / 2} jobs were already done`);
    expect(sameAsPool(path('resumed'))).toBe(true);
  });

  it('fails only the images of a file spoiled after submission, one line each, and completes the rest', async () => {
    redis = await startLocalRedis();
    const url = redis.url;
    const client = runCli(['explain', '--model', path('cnn.onnx'), '--input', path('two'), '--method', 'saliency', '--queue', url, '--job-size', '1', '--quiet', '--out', path('poisoned')]);
    await until(async () => ((await jobCounts(url)).waiting ?? 0) === 5, 60_000, 'jobs in the queue');
    writeFileSync(path('two/b.npy'), 'not an array any more');
    const worker = startWorker(url);
    workers.push(worker);
    const r = await client;
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(r.stdout).toContain('3 of 5 image(s)');
    const warnings = r.stderr.filter((l) => l.startsWith('trustscope: warning: image'));
    expect(warnings).toHaveLength(2);
    for (const w of warnings) expect(w).toMatch(/b\.npy changed since the run started/);
    const run = JSON.parse(readFileSync(join(path('poisoned'), 'run.json'), 'utf8'));
    expect(run.failed.map((f: { id: number }) => f.id)).toEqual([3, 4]);
  });
});
