/** `trustscope hallucination` writes the library's result; bad input is one line and writes nothing. */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { filled, tensor } from '../../src/tensor/tensor.js';
import { linearModel, pointwiseSegmenter } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

describe('trustscope hallucination', () => {
  let dir = '';
  const f = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trustscope-halluc-'));
    // 4×4 image-to-image: copies pixel 0, paints pixel 15 from its bias alone.
    const weights = new Float32Array(16 * 16);
    for (let p = 0; p < 8; p++) weights[p * 16 + p] = 1;
    const bias = new Float32Array(16);
    bias[15] = 1;
    await saveOnnxGraph(f('m.onnx'), linearModel([1, 4, 4], weights, bias));
    await writeNpy(f('x.npy'), filled([1, 4, 4], 0.5));
    const masks = new Float32Array(2 * 16);
    masks[0] = 1;
    masks[16 + 15] = 1;
    await writeNpy(f('features.npy'), tensor([2, 4, 4], masks));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('flags the painted pixel and writes the supports into <out>/hallucination.json with run.json', async () => {
    const out = f('h');
    const r = await runCli(['hallucination', '--model', f('m.onnx'), '--input', f('x.npy'), '--features', f('features.npy'), '--out', out]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'hallucination.json'), 'utf8'));
    expect(json.features.map((x: { support: number }) => x.support)).toEqual([0.5, 0]);
    expect(json.features.map((x: { flagged: boolean }) => x.flagged)).toEqual([false, true]);
    expect(json.reference).toBe(0);
    expect(r.stdout).toContain('FLAG');
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.command).toBe('hallucination');
    expect(manifest.outputs).toEqual(['hallucination.json']);
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual([f('m.onnx'), f('x.npy'), f('features.npy')]);
    expect(manifest.seed).toBeUndefined();
  });

  it('--reference-feature picks the yardstick (--reference means reference images everywhere, so it is not a flag here)', async () => {
    const r = await runCli(['hallucination', '--model', f('m.onnx'), '--input', f('x.npy'), '--features', f('features.npy'), '--reference-feature', '1', '--out', f('h1')]);
    // Feature 1 has no support: it cannot be the yardstick.
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/reference feature 1 has no support/);
    const old = await runCli(['hallucination', '--model', f('m.onnx'), '--input', f('x.npy'), '--features', f('features.npy'), '--reference', '0', '--out', f('h2')]);
    expect(old.code).toBe(1);
    expect(old.stderr.join(' ')).toMatch(/unknown option '--reference'/);
  });

  it('bad input: one line, exit 1, nothing written', async () => {
    const nan = new Float32Array(2 * 16);
    nan[16 + 5] = NaN;
    await writeNpy(f('nan-features.npy'), tensor([2, 4, 4], nan));
    const cases: [string[], RegExp][] = [
      [['--input', f('features.npy'), '--features', f('features.npy')], /features\.npy holds 2 images; give one image/],
      [['--input', f('x.npy'), '--features', f('nan-features.npy')], /nan-features\.npy: NaN at feature 1, pixel \(1, 1\)/],
      [['--input', f('x.npy'), '--features', f('features.npy'), '--reference-feature', '2'], /--reference-feature 2 is not a feature of .*features\.npy \(it has 2: 0\.\.1\)/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['hallucination', '--model', f('m.onnx'), ...args, '--out', f('bad')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(message);
      expect(await readdir(dir)).not.toContain('bad');
    }
  });

  it('takes the segmentation reducers as features (--feature-pixels, --feature-image, --channel) and refuses a classifier --task', async () => {
    const seg = f('seg.onnx');
    // Channel 0 = 2·x (grounded), channel 1 = 0.7 from the bias alone (painted).
    await saveOnnxGraph(seg, pointwiseSegmenter([1, 4, 4], [2, 0], [0, 0.7]));
    for (const [channel, support] of [['0', [1, 1]], ['1', [0, 0]]] as const) {
      const out = f(`reducers-${channel}`);
      const args = ['hallucination', '--model', seg, '--input', f('x.npy'), '--feature-pixels', '1,2', '--feature-image', '--channel', channel, '--reference-feature', '0', '--task', 'image-to-image', '--out', out];
      const r = await runCli(args);
      if (channel === '1') {
        expect(r.code).toBe(1);
        expect(r.stderr[0]).toMatch(/reference feature 0 has no support/);
        continue;
      }
      expect(r.stderr).toEqual([]);
      expect(r.code).toBe(0);
      const json = JSON.parse(await readFile(join(out, 'hallucination.json'), 'utf8'));
      // x = 0.5 everywhere: |0.5 · 2| per output pixel, for one pixel and for the whole image alike.
      expect(json.features.map((x: { support: number }) => x.support)).toEqual(support);
      expect(json.features.map((x: { kind: string }) => x.kind)).toEqual(['pixel (1, 2), channel 0', 'image, channel 0']);
    }
    const r = await runCli(['hallucination', '--model', seg, '--input', f('x.npy'), '--feature-image', '--task', 'classification', '--out', f('never')]);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/a classification model has none: give an image-to-image model/);
  });
});
