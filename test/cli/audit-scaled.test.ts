/**
 * `audit --workers N` and `audit --queue`: the determinism contract. audit.json (without its
 * provenance and timings) is byte-identical for the plain run, 1 and 2 worker threads, and two
 * `trustscope worker` processes on a real Redis (started here on a free loopback port), also when a
 * worker is killed mid-check; an input spoiled after the jobs were queued makes the checks NOT RUN
 * with a one-line reason while the audit is still written. The leakage check (it retrains the model)
 * runs only in the kill test, on 2 folds, to keep this fast; its seed stream is keyed like every
 * other check's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { cornerMask, generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { startLocalRedis, type LocalRedis } from '../../src/scale/local-redis.js';
import { tensor } from '../../src/tensor/tensor.js';
import { CHECK_IDS } from '../../src/audit/checks.js';
import { tempDir } from '../helpers/models.js';
import { ensureBuilt } from '../ship/built-cli.js';
import { jobCounts, startWorker, until, type WorkerProcess } from '../scale/queue-helpers.js';
import { expectUserErrors, runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-audit-scaled-');
let path: (name: string) => string;
let redis: LocalRedis | undefined;
let workers: WorkerProcess[] = [];
const N = 40;

beforeAll(async () => {
  ensureBuilt();
  path = (await dirP).path;
  const data = generateEmDefects({ count: N, seed: 3 });
  await saveOnnxGraph(path('model.onnx'), tinyCnn({ seed: 2 }));
  await writeNpy(path('x.npy'), data.images);
  await writeNpy(path('y.npy'), tensor([N], data.labels));
  await writeNpy(path('roi.npy'), data.masks!.defect);
  await writeNpy(path('g.npy'), tensor([N], Array.from({ length: N }, (_, i) => i % 4)));
  await writeNpy(path('corner.npy'), tensor([32, 32], cornerMask(32, 6)));
  const r = await audit('--out', path('plain'));
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

const audit = (...args: string[]) =>
  runCli(['audit', '--model', path('model.onnx'), '--input', path('x.npy'), '--labels', path('y.npy'), '--roi', path('roi.npy'), '--groups', path('g.npy'), '--patch-file', path('corner.npy'), '--patch-class', '1', '--skip', 'leakage', '--seed', '4', '--no-progress', ...args]);

/** audit.json without what differs between any two runs (provenance: command, times; seconds per check). */
function findings(out: string): string {
  const json = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'));
  delete json.provenance;
  delete json.timings;
  for (const m of json.models) delete m.timings;
  return JSON.stringify(json, null, 1);
}

describe('audit --workers', () => {
  it('writes the plain run’s audit.json with 1 and 2 worker threads', async () => {
    const plain = findings(path('plain'));
    const verdicts = JSON.parse(plain).models[0].verdicts as Record<string, string>;
    // Checks with figures and seeded draws ran (not a comparison of NOT RUNs).
    expect(['shortcut', 'sanity', 'calibration', 'conformal'].map((id) => verdicts[id]).filter((v) => v === 'not-run')).toEqual([]);
    for (const w of [1, 2]) {
      const r = await audit('--workers', String(w), '--out', path(`w${w}`));
      expect(r.code, r.stderr.join('\n')).toBe(0);
      expect(findings(path(`w${w}`))).toBe(plain);
      const run = JSON.parse(readFileSync(join(path(`w${w}`), 'run.json'), 'utf8'));
      expect(run.scale.mode).toBe('workers');
      expect(run.scale.where).toContain(`${w} worker thread(s)`);
    }
    // The page draws the same findings and figures: only its provenance footer and timings differ.
    const page = (out: string) => readFileSync(join(out, 'index.html'), 'utf8').replace(/<footer class="provenance">[\s\S]*<\/footer>/, '').replace(/[\d.]+ s\b/g, '').replace(/clip\d+/g, 'clip');
    expect(page(path('w2'))).toBe(page(path('plain')));
  }, 300_000);

  it('refuses what a scaled audit does not do in one line', async () => {
    await expectUserErrors(
      (...a) => runCli(['audit', ...a]),
      [
        [['--demo', '--workers', '2'], /--demo trains its own models/],
        [['--model', 'm.onnx', '--workers', '2', '--queue', 'redis://127.0.0.1:1'], /not both/],
        [['--model', 'm.onnx', '--queue', 'http://x'], /redis:\/\//],
      ],
      path('refused'),
    );
  });
});

describe('audit --queue on a real Redis', () => {
  it('merges two workers’ findings into the plain run’s audit.json', async () => {
    redis = await startLocalRedis();
    workers.push(startWorker(redis.url), startWorker(redis.url));
    await Promise.all(workers.map((w) => w.waitFor(/waiting for jobs/)));
    const r = await audit('--queue', redis.url, '--out', path('queued'));
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(findings(path('queued'))).toBe(findings(path('plain')));
    expect(JSON.parse(readFileSync(join(path('queued'), 'run.json'), 'utf8')).scale.mode).toBe('queue');
    // Both workers took checks.
    for (const w of workers) expect(w.lines.some((l) => /job audit-.*started/.test(l))).toBe(true);
  }, 300_000);

  it('reruns a check whose worker was killed mid-check on another worker: nothing lost, nothing twice', async () => {
    // Leakage (it retrains, so a kill lands mid-check) and calibration, on 2 folds to stay quick.
    const only = ['--folds', '2', '--skip', CHECK_IDS.filter((id) => id !== 'leakage' && id !== 'calibration').join(',')];
    const plain = await audit(...only, '--out', path('plain-leakage'));
    expect(plain.code, plain.stderr.join('\n')).toBe(0);
    redis = await startLocalRedis();
    const doomed = startWorker(redis.url);
    workers.push(doomed);
    await doomed.waitFor(/waiting for jobs/);
    const client = audit(...only, '--queue', redis.url, '--out', path('killed'));
    // Jobs go in registry order: the first a worker takes is leakage.
    await doomed.waitFor(/job audit-\S+-leakage: 1 check\(s\) started/);
    await doomed.kill('SIGKILL');
    const survivor = startWorker(redis.url);
    workers.push(survivor);
    const r = await client;
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(survivor.lines.some((l) => /job audit-\S+-leakage: done/.test(l))).toBe(true);
    expect(findings(path('killed'))).toBe(findings(path('plain-leakage')));
    expect(JSON.parse(findings(path('killed'))).models[0].verdicts.leakage).not.toBe('not-run');
  }, 300_000);

  it('turns checks whose input changed after queueing into NOT RUN with one line, and still writes the audit', async () => {
    redis = await startLocalRedis();
    const running = audit('--queue', redis.url, '--out', path('spoiled'));
    await until(async () => ((await jobCounts(redis!.url)).waiting ?? 0) > 0, 60_000, 'queued audit jobs');
    // The ROI masks change under the queued run: every worker's SHA-256 check refuses them.
    await writeNpy(path('roi.npy'), tensor([N, 32, 32], new Float32Array(N * 32 * 32).fill(1)));
    workers.push(startWorker(redis.url));
    const r = await running;
    expect(r.code, r.stderr.join('\n')).toBe(0);
    const json = JSON.parse(readFileSync(join(path('spoiled'), 'audit.json'), 'utf8'));
    const failed = json.models[0].findings.filter((f: { evidence: { failed?: string } }) => f.evidence.failed);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) {
      expect(f.verdict).toBe('not-run');
      expect(f.summary).toMatch(/roi\.npy changed since the run started/);
      expect(f.summary).not.toContain('\n');
    }
    expect(r.stderr.join('\n')).toMatch(/warning: check \S+ not run/);
  }, 300_000);
});
