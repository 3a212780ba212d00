/**
 * `trustscope shapley` on files: φ [N, F] equals W[target] ⊙ (x − mean b) on a linear ONNX model
 * (exact and KernelSHAP), equals the library result, and user errors are one line with exit code 1.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { shapleyValues } from '../../src/tabular/shapley.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, tempDir, uniformValues } from '../helpers/models.js';
import { expectUserErrors, runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-shapley-');
let path: (name: string) => string;
const W = uniformValues(2 * 4, 3);
const graph = linearModel([4], W, [0.5, -0.5]);
const x = randomTensor([3, 4], 4, -1, 1);
const bg = randomTensor([10, 4], 5, -1, 1);
const W14 = uniformValues(14, 6);
const x14 = randomTensor([2, 14], 7, -1, 1);
const bg14 = randomTensor([5, 14], 8, -1, 1);

function expected(w: ArrayLike<number>, xs: typeof x, b: typeof x): number[] {
  const [n, f] = xs.shape;
  const mean = Array.from({ length: f }, (_, j) => Array.from({ length: b.shape[0] }, (_, i) => b.data[i * f + j]).reduce((p, q) => p + q) / b.shape[0]);
  return Array.from({ length: n * f }, (_, k) => w[k % f] * (xs.data[k] - mean[k % f]));
}

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('lin.onnx'), graph);
  await saveOnnxGraph(path('lin14.onnx'), linearModel([14], W14, [0]));
  await writeNpy(path('x.npy'), x);
  await writeNpy(path('bg.npy'), bg);
  await writeNpy(path('x14.npy'), x14);
  await writeNpy(path('bg14.npy'), bg14);
  await writeNpy(path('bg3.npy'), randomTensor([4, 3], 9));
  const nan = bg.data.slice();
  nan[4 * 4 + 3] = Infinity;
  await writeNpy(path('bg-inf.npy'), tensor([10, 4], nan));
  await writeNpy(path('empty.npy'), tensor([0, 4]));
});
afterAll(async () => (await dirP).cleanup());

const shapley = (...args: string[]) => runCli(['shapley', '--quiet', ...args]);
const phiOf = (out: string) => join(out, 'shapley.npy');

describe('trustscope shapley', () => {
  it('--exact writes <out>/shapley.npy: φ = W[T] ⊙ (x − mean b), the library result; and run.json', async () => {
    const out = path('phi');
    const r = await shapley('--model', path('lin.onnx'), '--input', path('x.npy'), '--background', path('bg.npy'), '--target', '1', '--exact', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const phi = await readNpy(phiOf(out));
    expect(phi.shape).toEqual([3, 4]);
    expected(W.subarray(4, 8), x, bg).forEach((v, k) => expect(phi.data[k]).toBeCloseTo(v, 5));
    const lib = await shapleyValues(new OnnxModel(graph), x, bg, { target: 1 });
    expect(Array.from(phi.data)).toEqual(Array.from(lib.phi.data));
    expect(r.stdout).toContain('exact, 16 coalitions × 10 background rows');
    expect(r.stdout).toContain(`${phiOf(out)} [3, 4]`);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({ command: 'shapley', seed: 1, outputs: ['shapley.npy'] });
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual([path('lin.onnx'), path('x.npy'), path('bg.npy')]);
  });

  it('uses KernelSHAP for 14 features (exact on a linear model) and with --coalitions', async () => {
    const out = path('phi14');
    const r = await shapley('--model', path('lin14.onnx'), '--input', path('x14.npy'), '--background', path('bg14.npy'), '--coalitions', '200', '--seed', '2', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.stdout).toContain('KernelSHAP, 200 coalitions');
    const phi = await readNpy(phiOf(out));
    expected(W14, x14, bg14).forEach((v, k) => expect(phi.data[k]).toBeCloseTo(v, 4));
  });

  it('rejects bad input with one line, exit code 1 and no output file', async () => {
    const cases: [string[], RegExp][] = [
      [['--model', path('lin.onnx'), '--input', path('x.npy'), '--background', path('bg.npy'), '--exact', '--coalitions', '10'], /give --exact or --coalitions, not both/],
      [['--model', path('lin14.onnx'), '--input', path('x14.npy'), '--background', path('bg14.npy'), '--exact'], /--exact needs ≤ 12 features but the model has 14/],
      [['--model', path('lin.onnx'), '--input', path('x.npy'), '--background', path('bg3.npy')], /--background .* has shape \[4, 3\] but the model takes \[N, 4\]/],
      [['--model', path('lin.onnx'), '--input', path('x.npy'), '--background', path('bg.npy'), '--target', '2'], /--target 2 is not an output column of the model \(it has 2\)/],
      [['--model', path('lin.onnx'), '--input', path('x.npy'), '--background', path('bg.npy'), '--coalitions', '1'], /--coalitions must be an integer ≥ 2/],
      [['--model', path('lin.onnx'), '--input', path('x.npy'), '--background', path('bg-inf.npy')], /bg-inf\.npy: Infinity at row 4, column 3/],
      [['--model', path('lin.onnx'), '--input', path('empty.npy'), '--background', path('bg.npy')], /--input .*empty\.npy has no rows/],
      [['--model', path('lin.onnx'), '--input', path('x.npy'), '--background', path('empty.npy')], /--background .*empty\.npy has no rows/],
    ];
    await expectUserErrors(shapley, cases, path('bad'));
    // The old name of --coalitions is gone.
    expect((await shapley('--model', path('lin.onnx'), '--input', path('x.npy'), '--background', path('bg.npy'), '--samples', '10', '--out', path('old'))).stderr.join(' ')).toMatch(/unknown option '--samples'/);
  });

  it('--help explains the options', async () => {
    const r = await shapley('--help');
    expect(r.code).toBe(0);
    for (const option of ['--model', '--input', '--background', '--target', '--exact', '--coalitions', '--seed', '--out', '--force']) expect(r.stdout).toContain(option);
  });
});
