/**
 * `explain --workers N`: the determinism contract. The attributions written with 1, 2 and 3 worker
 * threads are byte-identical; each image's row is what the library gives for that image alone with
 * its item seed (an independent, in-process computation); and for a deterministic method the rows
 * equal the plain single-process run to float rounding. The pool runs the compiled worker script,
 * so dist/ is built first when stale.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { smoothGrad } from '../../src/attribution/noise-tunnel.js';
import { itemSeed } from '../../src/scale/item-seed.js';
import { relativeL2 } from '../../src/tensor/compare.js';
import { tensor } from '../../src/tensor/tensor.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { ensureBuilt } from '../ship/built-cli.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-scaled-');
let path: (name: string) => string;
const graph = tinyCnn({ size: 8, seed: 3 });
const N = 7;
const batch = randomTensor([N, 1, 8, 8], 11);

beforeAll(async () => {
  ensureBuilt();
  path = (await dirP).path;
  await saveOnnxGraph(path('cnn.onnx'), graph);
  await writeNpy(path('batch.npy'), batch);
  // A stale dist/ is rebuilt first (minutes on a busy machine).
}, 900_000);
afterAll(async () => (await dirP).cleanup());

const explain = (...args: string[]) => runCli(['explain', '--model', path('cnn.onnx'), '--input', path('batch.npy'), '--quiet', ...args]);
const bytes = (out: string) => readFileSync(join(out, 'attributions.npy'));

describe('explain --workers', () => {
  it('writes byte-identical maps with 1, 2 and 3 workers, each row the library result for its image and item seed', async () => {
    const sampling = ['--method', 'smoothgrad', '--nt-samples', '4', '--stdevs', '0.2', '--seed', '5'];
    for (const w of [1, 2, 3]) {
      const r = await explain(...sampling, '--workers', String(w), '--job-size', String(w), '--out', path(`sg${w}`));
      expect(r.code, r.stderr.join('\n')).toBe(0);
      expect(r.stdout).toContain(`${N} of ${N} image(s) on ${w} worker thread(s)`);
    }
    expect(bytes(path('sg2')).equals(bytes(path('sg1')))).toBe(true);
    expect(bytes(path('sg3')).equals(bytes(path('sg1')))).toBe(true);
    const written = await readNpy(join(path('sg1'), 'attributions.npy'));
    expect(written.shape).toEqual([N, 1, 8, 8]);
    const model = new OnnxModel(graph);
    try {
      for (const i of [0, 4, 6]) {
        const one = tensor([1, 1, 8, 8], batch.data.slice(i * 64, (i + 1) * 64));
        const expected = await smoothGrad.attribute(model, one, { ntSamples: 4, stdevs: 0.2, seed: itemSeed(5, i) });
        expect(Array.from(written.data.slice(i * 64, (i + 1) * 64))).toEqual(Array.from(expected.values.data));
      }
    } finally {
      await model.dispose();
    }
    const run = JSON.parse(readFileSync(join(path('sg2'), 'run.json'), 'utf8'));
    expect(run.scale.mode).toBe('workers');
  });

  it('gives a deterministic method the plain run’s maps to float rounding', async () => {
    expect((await explain('--method', 'saliency', '--out', path('plain'))).code).toBe(0);
    expect((await explain('--method', 'saliency', '--workers', '2', '--out', path('pooled'))).code).toBe(0);
    const plain = await readNpy(join(path('plain'), 'attributions.npy'));
    const pooled = await readNpy(join(path('pooled'), 'attributions.npy'));
    expect(pooled.shape).toEqual(plain.shape);
    expect(relativeL2(pooled.data, plain.data)).toBeLessThan(1e-6);
  });

  it('refuses contradictory scale flags in one line', async () => {
    const cases: [string[], RegExp][] = [
      [['--workers', '2', '--queue', 'redis://127.0.0.1:1'], /not both/],
      [['--ship-data'], /applies with --queue/],
      [['--job-size', '4'], /applies with --workers or --queue/],
      [['--workers', '2', '--targets', '0,1'], /--targets does not run with --workers/],
      [['--queue', 'http://x'], /Redis URL/],
      [['--workers', '0'], /--workers must be an integer ≥ 1/],
    ];
    for (const [args, message] of cases) {
      const r = await explain('--method', 'saliency', ...args, '--out', path('bad'));
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(message);
    }
  });
});
