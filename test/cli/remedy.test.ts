/** `trustscope remedy`: help, and the one-line errors before any training starts. */
import { CHECK_IDS } from '../../src/audit/checks.js';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { writeNpy } from '../../src/data/formats/npy.js';
import { cornerMask, generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { trainClassifier } from '../../src/models/train.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tensor } from '../../src/tensor/tensor.js';
import { tempDir } from '../helpers/models.js';

describe('trustscope remedy', () => {
  it('--help documents --demo and the declared options with their defaults', async () => {
    const r = await runCli(['remedy', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--demo', '--remedies', '--lambda', '--paste-share', '--skip', '--out', '--seed', '--quiet']) expect(r.stdout).toContain(flag);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toMatch(/remedies to run, in order \(default counterfactual-augmentation,right-for-the-right-reasons\)/);
    expect(text).toMatch(/the rest have it erased\) \(default 0\.5\)/);
  });

  it('neither --demo nor --model, or --model without its files: one line naming what is missing', async () => {
    const r = await runCli(['remedy', '--out', 'never-written']);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual(["trustscope: give --demo (the demo's shortcut model) or --model with its data, not both or neither"]);
    const m = await runCli(['remedy', '--model', 'm.onnx', '--input', 'x.npy', '--out', 'never-written']);
    expect(m.stderr).toEqual([
      'trustscope: remedy --model also needs --train-input, --train-labels, --labels, --roi, --artifact-mask (or --from-audit audit.json) (the training data, the audited data with its regions of interest, and the artifact\'s mask)',
    ]);
    const d = await runCli(['remedy', '--demo', '--epochs', '3', '--out', 'never-written']);
    expect(d.stderr).toEqual(['trustscope: --epochs applies to --model runs; the demo retrains with its own recipe']);
  });

  it('bad values are refused in one line before any training', async () => {
    const cases: [string[], RegExp][] = [
      [['--lambda', '-1'], /--lambda must be .*≥ 0/],
      [['--paste-share', '2'], /--paste-share must be .*≤ 1/],
      [['--skip', 'shortcut'], /--skip shortcut: the remedy is judged by the shortcut and intervention checks; keep them/],
      [['--skip', 'nope'], /--skip takes a comma-separated list of .* \(got 'nope'\)/],
      [['--remedies', 'nope'], /there is no remedy 'nope'; remedies: counterfactual-augmentation, right-for-the-right-reasons/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['remedy', '--demo', '--out', 'never-written', '--quiet', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toHaveLength(1);
      expect(r.stderr[0]).toMatch(message);
    }
  });

  it('--model: your shortcut model, its data and the artifact mask → remedy.json, index.html, the models', async () => {
    const { path, cleanup } = await tempDir('trustscope-remedy-');
    try {
      // A 16×16 version of the demo: a 3×3 corner mark on exactly the defect tiles.
      const base = { size: 16, artifactSize: 3, radius: [2, 3] as [number, number], contrast: [0.2, 0.4] as [number, number], artifact: 'with-defect' as const };
      const train = generateEmDefects({ ...base, count: 500, seed: 3 });
      const test = generateEmDefects({ ...base, count: 120, seed: 4 });
      const flagged = await trainClassifier(tinyCnn({ size: 16, seed: 1 }), train.images, train.labels, { epochs: 4, batchSize: 32, learningRate: 3e-3, seed: 2 });
      await saveOnnxGraph(path('model.onnx'), flagged.graph);
      const labels = (l: readonly number[]) => tensor([l.length], Float32Array.from(l));
      await writeNpy(path('train.npy'), train.images);
      await writeNpy(path('train-labels.npy'), labels(train.labels));
      await writeNpy(path('test.npy'), test.images);
      await writeNpy(path('test-labels.npy'), labels(test.labels));
      await writeNpy(path('roi.npy'), test.masks!.defect);
      await writeNpy(path('artifact.npy'), tensor([16, 16], cornerMask(16, 3)));
      const skip = CHECK_IDS.filter((id) => id !== 'shortcut' && id !== 'intervention').join(',');
      const r = await runCli([
        'remedy', '--model', path('model.onnx'), '--train-input', path('train.npy'), '--train-labels', path('train-labels.npy'),
        '--input', path('test.npy'), '--labels', path('test-labels.npy'), '--roi', path('roi.npy'), '--artifact-mask', path('artifact.npy'),
        '--artifact-class', '1', '--remedies', 'counterfactual-augmentation', '--epochs', '4', '--skip', skip, '--out', path('out'), '--quiet',
      ]);
      expect(r.stderr).toEqual([]);
      expect(r.code).toBe(0);
      const json = JSON.parse(await readFile(path('out/remedy.json'), 'utf8'));
      const [m] = json.remedies;
      expect(m.name).toBe('counterfactual-augmentation');
      expect(Object.keys(m.before.verdicts).sort()).toEqual(['intervention', 'shortcut']);
      expect(m.before.verdicts.intervention).toBe('flag');
      expect(m.after.verdicts.intervention).not.toBe('flag');
      expect(m.training).toMatch(/^retrained from scratch/);
      expect(m.artifactFreeAccuracy.after).toBeGreaterThan(m.artifactFreeAccuracy.before);
      const run = JSON.parse(await readFile(path('out/run.json'), 'utf8'));
      expect(run.outputs).toEqual(expect.arrayContaining(['remedy.json', 'index.html', 'flagged-model.onnx', 'counterfactual-augmentation-model.onnx']));
      expect(run.inputs.length).toBe(7);
    } finally {
      await cleanup();
    }
  }, 300_000);
});
