/**
 * `trustscope train` on a tiny microstructure set (seconds), and `explore --epochs` with its three
 * sources agreeing: the predictions recorded while training, the per-epoch checkpoints run on the
 * same images, and a hand-written CSV whose counts are known.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxModel } from '../../src/models/import/onnx-file.js';
import { writeNpy } from '../../src/data/formats/npy.js';
import { generateMicrostructures } from '../../src/data/synthetic/microstructures.js';
import { normalise } from '../../src/data/normalise.js';
import { argmaxRows, tensor, type Tensor } from '../../src/tensor/tensor.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-train-');
let dir: Awaited<typeof dirP>;
const classes = [0, 1, 2];
const train = generateMicrostructures({ count: 48, seed: 1, size: 16, classes });
const test = generateMicrostructures({ count: 15, seed: 2, size: 16, classes });
const z = (t: Tensor) => normalise(t, { kind: 'zscore' });
const testX = z(test.images);

beforeAll(async () => {
  dir = await dirP;
  await writeNpy(dir.path('x.npy'), z(train.images));
  await writeNpy(dir.path('y.npy'), tensor([48], train.labels));
  await writeNpy(dir.path('tx.npy'), testX);
  await writeNpy(dir.path('ty.npy'), tensor([15], test.labels));
});
afterAll(async () => dir.cleanup());

async function predict(path: string): Promise<number[]> {
  const m = await loadOnnxModel(path);
  try {
    return argmaxRows(await m.forward(testX));
  } finally {
    await m.dispose();
  }
}

const trainArgs = (out: string) => ['train', '--model-arch', 'cifar-cnn', '--input', dir.path('x.npy'), '--labels', dir.path('y.npy'), '--test-input', dir.path('tx.npy'), '--test-labels', dir.path('ty.npy'), '--class-names', 'equiaxed,elongated,twins', '--epochs', '3', '--out', out, '--quiet'];

describe('trustscope train', () => {
  it('writes model.onnx, a checkpoint per epoch and the predictions of every instance per epoch, which the checkpoints reproduce', async () => {
    const out = dir.path('run');
    const r = await runCli(trainArgs(out));
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cifar-cnn: 3 epochs; accuracy train \d\.\d{3}, test \d\.\d{3}/);
    expect(r.stdout).toMatch(/test accuracy of elongated: \d\.\d{3}/);
    const record = JSON.parse(await readFile(`${out}/predictions-per-epoch.json`, 'utf8'));
    expect(record.classNames).toEqual(['equiaxed', 'elongated', 'twins']);
    expect(record.epochs).toEqual([1, 2, 3]);
    expect(record.instances).toHaveLength(63);
    expect(record.provenance.command).toBe('train');
    const held = record.instances.filter((i: { set: string }) => i.set === 'test');
    expect(held.map((i: { label: number }) => i.label)).toEqual(test.labels);
    for (const epoch of [1, 2, 3]) {
      expect(held.map((i: { predicted: number[] }) => i.predicted[epoch - 1]), `epoch ${epoch}`).toEqual(await predict(`${out}/checkpoints/epoch-${epoch}.onnx`));
    }
    expect(await predict(`${out}/model.onnx`)).toEqual(held.map((i: { predicted: number[] }) => i.predicted[2]));
    const summary = JSON.parse(await readFile(`${out}/train.json`, 'utf8'));
    expect(summary.history).toHaveLength(3);
    expect(Object.keys(summary.perClassAccuracy.test)).toEqual(['equiaxed', 'elongated', 'twins']);
    const correct = held.filter((i: { label: number; predicted: number[] }) => i.predicted[2] === i.label).length;
    expect(summary.accuracy.test).toBeCloseTo(correct / 15, 12);

    // The same seed trains the same weights.
    const again = dir.path('run-again');
    expect((await runCli(trainArgs(again))).code).toBe(0);
    expect(await readFile(`${again}/model.onnx`)).toEqual(await readFile(`${out}/model.onnx`));
  }, 60_000);

  it('refuses an unknown architecture and images the pools cannot halve, in one line', async () => {
    const a = await runCli(['train', '--model-arch', 'resnet', '--input', dir.path('x.npy'), '--labels', dir.path('y.npy'), '--out', dir.path('bad1'), '--quiet']);
    expect(a.code).toBe(1);
    expect(a.stderr).toEqual([expect.stringMatching(/--model-arch must be one of cifar-cnn, tiny-cnn \(got 'resnet'\)/)]);
    await writeNpy(dir.path('x12.npy'), tensor([4, 1, 12, 12]));
    await writeNpy(dir.path('y12.npy'), tensor([4], [0, 1, 0, 1]));
    const b = await runCli(['train', '--input', dir.path('x12.npy'), '--labels', dir.path('y12.npy'), '--out', dir.path('bad2'), '--quiet']);
    expect(b.code).toBe(1);
    expect(b.stderr).toEqual([expect.stringMatching(/cifar-cnn needs a side that is a multiple of 8.*12×12/)]);
    expect(existsSync(dir.path('bad2/run.json'))).toBe(false);
  });
});

describe('trustscope explore --epochs', () => {
  const exploreArgs = (epochs: string, out: string) => ['explore', '--model', dir.path('run/model.onnx'), '--input', dir.path('tx.npy'), '--labels', dir.path('ty.npy'), '--class-names', 'equiaxed,elongated,twins', '--epochs', epochs, '--ice-concepts', '2', '--top-k', '2', '--gallery', '2', '--out', out, '--quiet'];

  it('gives the same flow from the checkpoint folder as from the predictions recorded while training', async () => {
    const fromCheckpoints = dir.path('explore-ckpt');
    const a = await runCli(exploreArgs(dir.path('run/checkpoints'), fromCheckpoints));
    expect(a.stderr).toEqual([]);
    expect(a.code).toBe(0);
    const flowA = JSON.parse(await readFile(`${fromCheckpoints}/explore.json`, 'utf8')).flow;
    expect(flowA.epochs).toEqual([1, 2, 3]);
    const fromFile = dir.path('explore-file');
    expect((await runCli(exploreArgs(dir.path('run/predictions-per-epoch.json'), fromFile))).code).toBe(0);
    const flowB = JSON.parse(await readFile(`${fromFile}/explore.json`, 'utf8')).flow;
    expect(Object.keys(flowB.sets)).toEqual(['train', 'test']);
    expect(flowB.sets.test.classes).toEqual(flowA.sets.input.classes);
    for (const set of Object.values(flowB.sets) as { classes: Record<string, { size: number; counts: number[][] }> }[]) {
      for (const c of Object.values(set.classes)) for (const row of c.counts) expect(row.reduce((s, v) => s + v)).toBe(c.size);
    }
    const html = await readFile(`${fromFile}/index.html`, 'utf8');
    expect(html).toContain('instance flow');
    expect(html).toMatch(/<svg[^>]*aria-label="Instance flow of equiaxed/);
  }, 60_000);

  it('reads a hand-written CSV (labels from --labels by row) into known counts', async () => {
    // Instances 0–2 (test labels known), epochs 1 and 2; class names and indices mixed.
    const lines = ['instance,epoch,predicted'];
    const predicted = [[0, 1], [1, 1], [2, 0]];
    predicted.forEach((p, i) => p.forEach((c, e) => lines.push(`${i},${e + 1},${e === 0 ? c : ['equiaxed', 'elongated', 'twins'][c]}`)));
    await writeFile(dir.path('flow.csv'), lines.join('\n') + '\n');
    const out = dir.path('explore-csv');
    const r = await runCli(exploreArgs(dir.path('flow.csv'), out));
    expect(r.stderr).toEqual([]);
    const flow = JSON.parse(await readFile(`${out}/explore.json`, 'utf8')).flow;
    const expected: Record<string, { size: number; counts: number[][] }> = {};
    const names = ['equiaxed', 'elongated', 'twins'];
    predicted.forEach((p, i) => {
      const c = (expected[names[test.labels[i]]] ??= { size: 0, counts: [[0, 0, 0], [0, 0, 0]] });
      c.size++;
      p.forEach((k, e) => c.counts[e][k]++);
    });
    expect(flow.sets.input.classes).toEqual(Object.fromEntries(names.filter((n) => expected[n]).map((n) => [n, expected[n]])));
    const bad = await runCli(exploreArgs(dir.path('nothing-here'), dir.path('explore-bad')));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toEqual([expect.stringMatching(/--epochs .*nothing-here does not exist; give a predictions-per-epoch file/)]);
  }, 60_000);
});
