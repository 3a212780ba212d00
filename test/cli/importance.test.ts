/**
 * `trustscope importance` on files: the JSON it writes equals the library's result, an ignored
 * column gets exactly 0, and user errors are one 'trustscope: ' line with exit code 1 and no file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tensor } from '../../src/tensor/tensor.js';
import { permutationImportance } from '../../src/tabular/permutation-importance.js';
import { linearModel, randomTensor, tempDir } from '../helpers/models.js';
import { expectUserErrors, runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-importance-');
let path: (name: string) => string;
// Two classes from 3 columns; column 1 has weight 0 in both rows, so the model ignores it.
const W = [2, 0, -1, -2, 0, 1];
const graph = linearModel([3], W, [0, 0]);
const x = randomTensor([60, 3], 1, -1, 1);
const labels = tensor([60], Array.from({ length: 60 }, (_, i) => (2 * x.data[3 * i] - x.data[3 * i + 2] > 0 ? 0 : 1)));

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('tab.onnx'), graph);
  await saveOnnxGraph(path('cnn.onnx'), tinyCnn({ size: 8, seed: 1 }));
  await writeNpy(path('x.npy'), x);
  await writeNpy(path('y.npy'), labels);
  await writeNpy(path('y-short.npy'), tensor([5], [0, 1, 0, 1, 0]));
  await writeNpy(path('x4.npy'), randomTensor([60, 4], 2));
  const nan = x.data.slice();
  nan[2 * 3 + 1] = NaN;
  await writeNpy(path('x-nan.npy'), tensor([60, 3], nan));
  await writeNpy(path('x-empty.npy'), tensor([0, 3]));
  const badLabels = Array.from(labels.data);
  badLabels[7] = 2;
  await writeNpy(path('y2.npy'), tensor([60], badLabels));
  const nanLabels = Array.from(labels.data);
  nanLabels[4] = NaN;
  await writeNpy(path('y-nan.npy'), tensor([60], nanLabels));
  await writeNpy(path('reg.npy'), tensor([60], Array.from({ length: 60 }, (_, i) => 2 * x.data[3 * i] - x.data[3 * i + 2])));
});
afterAll(async () => (await dirP).cleanup());

const importance = (...args: string[]) => runCli(['importance', '--quiet', ...args]);

describe('trustscope importance', () => {
  it('writes <out>/importance.json {features, mean, std, baselineScore} equal to the library result, and run.json', async () => {
    const out = path('pi');
    const r = await importance('--model', path('tab.onnx'), '--input', path('x.npy'), '--labels', path('y.npy'), '--repeats', '10', '--seed', '3', '--names', 'a,b,c', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'importance.json'), 'utf8'));
    expect(Object.keys(json)).toEqual(['features', 'mean', 'std', 'baselineScore', 'provenance']);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({ command: 'importance', seed: 3, outputs: ['importance.json'] });
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual([path('tab.onnx'), path('x.npy'), path('y.npy')]);
    const lib = await permutationImportance(new OnnxModel(graph), x, labels.data, { repeats: 10, seed: 3, names: ['a', 'b', 'c'] });
    expect({ ...json, provenance: undefined }).toEqual({ features: ['a', 'b', 'c'], mean: lib.mean, std: lib.std, baselineScore: lib.baselineScore });
    expect(json.baselineScore).toBe(1);
    expect(json.mean[1]).toBe(0);
    expect(json.std[1]).toBe(0);
    expect(json.mean[0]).toBeGreaterThan(json.mean[2]);
    expect(r.stdout).toContain('permutation importance (accuracy, 10 repeats, baseline 1.0000)');
  });

  it('scores a one-output regression with r2 and neg-mse', async () => {
    await saveOnnxGraph(path('reg.onnx'), linearModel([3], [2, 0, -1], [0]));
    for (const scoring of ['r2', 'neg-mse']) {
      const out = path(`reg-${scoring}`);
      const r = await importance('--model', path('reg.onnx'), '--input', path('x.npy'), '--labels', path('reg.npy'), '--scoring', scoring, '--repeats', '5', '--out', out);
      expect(r.stderr).toEqual([]);
      const json = JSON.parse(await readFile(join(out, 'importance.json'), 'utf8'));
      expect(json.baselineScore).toBeCloseTo(scoring === 'r2' ? 1 : 0, 5);
      expect(json.mean[1]).toBe(0);
      expect(json.features).toEqual(['f0', 'f1', 'f2']);
    }
  });

  it('rejects bad input with one line, exit code 1 and no output file', async () => {
    const cases: [string[], RegExp][] = [
      [['--model', path('cnn.onnx'), '--input', path('x.npy'), '--labels', path('y.npy')], /takes input \[N, 1, 8, 8\]; tabular commands need a model with input \[N, F\]/],
      [['--model', path('tab.onnx'), '--input', path('x4.npy'), '--labels', path('y.npy')], /--input .* has shape \[60, 4\] but the model takes \[N, 3\]/],
      [['--model', path('tab.onnx'), '--input', path('x.npy'), '--labels', path('y-short.npy')], /--labels .* has shape \[5\] but --input has 60 rows/],
      [['--model', path('tab.onnx'), '--input', path('x.npy'), '--labels', path('y.npy'), '--names', 'a,b'], /--names lists 2 names for 3 columns/],
      [['--model', path('tab.onnx'), '--input', path('x.npy'), '--labels', path('y.npy'), '--scoring', 'f1'], /--scoring must be one of accuracy, r2, neg-mse/],
      [['--model', path('tab.onnx'), '--input', path('x.npy'), '--labels', path('reg.npy')], /reg\.npy row 0: .* is not an integer class label; use --scoring r2 or neg-mse/],
      [['--model', path('tab.onnx'), '--input', path('x-nan.npy'), '--labels', path('y.npy')], /x-nan\.npy: NaN at row 2, column 1/],
      [['--model', path('tab.onnx'), '--input', path('x-empty.npy'), '--labels', path('y.npy')], /--input .*x-empty\.npy has no rows/],
      [['--model', path('tab.onnx'), '--input', path('x.npy'), '--labels', path('y-nan.npy')], /y-nan\.npy: NaN at row 4/],
      [['--model', path('tab.onnx'), '--input', path('x.npy'), '--labels', path('y2.npy')], /y2\.npy row 7: label 2, but the model has 2 classes \(0\.\.1\)/],
      [['--model', path('missing.onnx'), '--input', path('x.npy'), '--labels', path('y.npy')], /cannot read .*missing.onnx: no such file/],
    ];
    await expectUserErrors(importance, cases, path('bad'));
  });

  it('--help explains the options', async () => {
    const r = await importance('--help');
    expect(r.code).toBe(0);
    for (const option of ['--model', '--input', '--labels', '--repeats', '--seed', '--scoring', '--names', '--out']) expect(r.stdout).toContain(option);
  });

  it('piped progress: plain lines by default, JSON lines with --json-progress, nothing with --quiet (no ANSI codes)', async () => {
    const args = ['importance', '--model', path('tab.onnx'), '--input', path('x.npy'), '--labels', path('y.npy'), '--repeats', '5'];
    const plain = await runCli([...args, '--out', path('p1')]);
    expect(plain.code).toBe(0);
    expect(plain.stderr.length).toBeGreaterThan(0);
    expect(plain.stderr.every((l) => /^\[\s*\d+\.\d s\] permutation importance \d+%$/.test(l))).toBe(true);
    expect(plain.stderr.join('')).not.toMatch(/\u001b\[/);
    const json = await runCli([...args, '--json-progress', '--out', path('p2')]);
    const events = json.stderr.map((l) => JSON.parse(l) as { stage: string; fraction: number; elapsed: number });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.stage === 'permutation importance' && e.fraction >= 0 && e.fraction <= 1)).toBe(true);
    expect((await runCli([...args, '--quiet', '--out', path('p3')])).stderr).toEqual([]);
  });
});
