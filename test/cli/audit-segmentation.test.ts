/**
 * `trustscope audit` on a segmenter from files: --labels holds the class of every pixel (any
 * readable format), so IoU/Dice and per-pixel calibration run from the CLI. The IoU is checked
 * against arithmetic written here on the model's own predicted masks; bad labels are one line.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinySegmenter } from '../../src/models/zoo/tiny-segmenter.js';
import { tensor } from '../../src/tensor/tensor.js';
import { majorityClasses } from '../../src/cli/pixel-labels.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const N = 20;
const S = 16;
const graph = tinySegmenter({ size: S, classes: 2, seed: 4 });
const images = randomTensor([N, 1, S, S], 11, -1, 1);
const dirP = tempDir('trustscope-audit-seg-');
let path: (name: string) => string;
/** The true classes: the model's own argmax, with every 7th pixel flipped (so IoU < 1, known exactly). */
let truth: Float32Array;
let predicted: Float32Array;

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('seg.onnx'), graph);
  // The same segmenter as a dynamic-H/W export: the audit sizes it to the images by itself.
  const dynamic = (d: readonly (number | string)[]) => [d[0], d[1], 'H', 'W'];
  await saveOnnxGraph(path('seg-dynamic.onnx'), { ...graph, inputs: graph.inputs.map((i) => (i.shape ? { ...i, shape: dynamic(i.shape) } : i)), outputs: graph.outputs.map((o) => (o.shape ? { ...o, shape: dynamic(o.shape) } : o)) });
  await writeNpy(path('x.npy'), images);
  const model = new OnnxModel(graph);
  const logits = await model.forward(images);
  await model.dispose();
  const per = S * S;
  predicted = new Float32Array(N * per);
  for (let i = 0; i < N; i++) for (let p = 0; p < per; p++) predicted[i * per + p] = logits.data[i * 2 * per + per + p] > logits.data[i * 2 * per + p] ? 1 : 0;
  truth = predicted.map((c, j) => (j % 7 === 0 ? 1 - c : c));
  await writeNpy(path('labels.npy'), tensor([N, S, S], truth));
  await writeNpy(path('labels-nchw.npy'), tensor([N, 1, S, S], truth));
  await writeNpy(path('image-labels.npy'), tensor([N], new Array(N).fill(1)));
  const bad = truth.slice();
  bad[S * S + 3 * S + 4] = 5;
  await writeNpy(path('bad-labels.npy'), tensor([N, S, S], bad));
});
afterAll(async () => (await dirP).cleanup());

/** IoU of class c between the predicted and true masks, counted here. */
function iou(c: number): number {
  let inter = 0;
  let union = 0;
  for (let j = 0; j < truth.length; j++) {
    const a = predicted[j] === c;
    const b = truth[j] === c;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return inter / union;
}

describe('trustscope audit --labels per pixel (segmenter)', () => {
  it('runs IoU/Dice and pixel calibration from the CLI; the IoU is the counted one', async () => {
    for (const [model, labels] of [
      ['seg.onnx', 'labels.npy'],
      ['seg.onnx', 'labels-nchw.npy'],
      ['seg-dynamic.onnx', 'labels.npy'],
    ]) {
      const out = path(`report-${model}-${labels}`);
      const r = await runCli(['audit', '--model', path(model), '--input', path('x.npy'), '--labels', path(labels), '--out', out, '--no-progress']);
      expect(r.stderr).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/mean IoU .*pixel accuracy/);
      const json = JSON.parse(await readFile(join(out, 'audit.json'), 'utf8'));
      const m = json.models[0];
      expect(m.task).toBe('segmentation');
      expect(m.overlap.iou[0]).toBeCloseTo(iou(0), 12);
      expect(m.overlap.iou[1]).toBeCloseTo(iou(1), 12);
      const flipped = Math.ceil(truth.length / 7);
      expect(m.overlap.pixelAccuracy).toBeCloseTo(1 - flipped / truth.length, 12);
      expect(m.verdicts['pixel-calibration']).not.toBe('not-run');
    }
  });

  it('refuses per-image labels and ids outside the classes in one line', async () => {
    for (const [file, message] of [
      ['image-labels.npy', /one label per image, but the model is a segmenter; give per-pixel class ids \(20, 16, 16\)/],
      ['bad-labels.npy', /5 at image 1, pixel \(3, 4\) is not a class of the model \(integers 0\.\.1\)/],
    ] as const) {
      const r = await runCli(['audit', '--model', path('seg.onnx'), '--input', path('x.npy'), '--labels', path(file), '--out', path('never'), '--no-progress']);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(message);
    }
  });

  it('derives each image\'s label as its majority pixel class (ties: the lower class)', () => {
    const labels = tensor([3, 1, 4], [1, 1, 0, 2, 0, 0, 1, 1, 2, 2, 2, 0]);
    expect(majorityClasses(labels, 3)).toEqual([1, 0, 2]);
  });
});
