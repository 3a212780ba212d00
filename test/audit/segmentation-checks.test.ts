/**
 * The segmentation forms of the audit on two hand-built linear segmenters with known answers:
 * "clean" predicts class 1 where the pixel itself is bright; "shortcut" paints the whole image
 * class 1 when the top-left corner pixel is bright (it copies the corner into its mask).
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { attr, floatTensorValue, int64TensorValue } from '../../src/onnx/graph.js';
import { tensor } from '../../src/tensor/tensor.js';
import { auditModel } from '../../src/audit/audit.js';
import { calibrationCheck } from '../../src/audit/calibration-check.js';
import { pixelCalibrationCheck } from '../../src/audit/pixel-calibration-check.js';
import { segmentationShortcutCheck, dilateMask } from '../../src/audit/segmentation-shortcut-check.js';
import { Random } from '../../src/tensor/random.js';

const S = 8;
const P = S * S;

/** logits[k, p] = Σ_q W[(k, p), q]·x[q] + b: Flatten → Gemm → Reshape to [N, 2, S, S]. */
function linearSegmenter(weight: (k: number, p: number, q: number) => number, bias: (k: number) => number) {
  const e = new GraphEditor('linear-segmenter');
  const x = e.input('x', ['N', 1, S, S]);
  const W = new Float32Array(2 * P * P);
  const b = new Float32Array(2 * P);
  for (let k = 0; k < 2; k++) for (let p = 0; p < P; p++) {
    b[k * P + p] = bias(k);
    for (let q = 0; q < P; q++) W[(k * P + p) * P + q] = weight(k, p, q);
  }
  e.initializer('w', floatTensorValue([2 * P, P], W));
  e.initializer('b', floatTensorValue([2 * P], b));
  e.initializer('shape', int64TensorValue([4], [-1, 2, S, S]));
  const flat = e.node('Flatten', [x], { axis: attr.int(1) }, 1, 'flatten')[0];
  const y = e.node('Gemm', [flat, 'w', 'b'], { transB: attr.int(1) }, 1, 'fc')[0];
  const out = e.node('Reshape', [y, 'shape'], {}, 1, 'to_mask')[0];
  e.output(out, ['N', 2, S, S]);
  return new OnnxModel(e.build());
}

// class 1 − class 0 logit = 8·(x − 0.5): exactly ±3.2 on pixels of 0.1 / 0.9
const clean = linearSegmenter((k, p, q) => (k === 1 && p === q ? 8 : 0), (k) => (k === 1 ? -4 : 0));
const shortcut = linearSegmenter((k, _p, q) => (k === 1 && q === 0 ? 8 : 0), (k) => (k === 1 ? -4 : 0));

/** 24 images: background 0.1, a bright 2×2 object (0.9) away from the corner, the corner pixel bright too. */
function data() {
  const rng = new Random(3);
  const n = 24;
  const images = new Float32Array(n * P).fill(0.1);
  const roi = new Float32Array(n * P);
  const truth = new Float32Array(n * P);
  for (let i = 0; i < n; i++) {
    const y0 = rng.int(3, S - 2);
    const x0 = rng.int(3, S - 2);
    for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
      const p = (y0 + dy) * S + x0 + dx;
      images[i * P + p] = 0.9;
      roi[i * P + p] = 1;
      truth[i * P + p] = 1;
    }
    images[i * P] = 0.9; // the corner artifact
  }
  return { images: tensor([n, 1, S, S], images), labels: new Array<number>(n).fill(1), masks: { roi: tensor([n, S, S], roi), 'pixel-labels': tensor([n, S, S], truth) } };
}

describe('segmentation audit forms', () => {
  const checks = [calibrationCheck, pixelCalibrationCheck, segmentationShortcutCheck];

  it('clean segmenter: IoU per class from its masks, pixel ECE = 1 − σ(3.2) on the one wrong-free confidence, no shortcut', async () => {
    const a = await auditModel({ name: 'clean', model: clean, data: data() }, { checks });
    expect(Number.isNaN(a.accuracy)).toBe(true);
    // it also marks the corner pixel as class 1 (the corner is bright, the labels say background)
    const objectPixels = 24 * 4;
    expect(a.overlap!.iou[1]).toBeCloseTo(objectPixels / (objectPixels + 24), 10);
    const byId = Object.fromEntries(a.findings.map((f) => [f.id, f]));
    expect(byId.calibration.verdict).toBe('not-run');
    expect(byId.calibration.summary).toMatch(/segmenter \(class scores per pixel, \[2, 8, 8\]\), not one class-score vector per image/);
    // every pixel has confidence σ(3.2); accuracy 1 − 24/(24·64) (the corner pixels are wrong)
    const conf = 1 / (1 + Math.exp(-3.2));
    const acc = 1 - 24 / (24 * P);
    expect(byId['pixel-calibration'].evidence.ece as number).toBeCloseTo(Math.abs(acc - conf), 5);
    expect(byId['segmentation-shortcut'].verdict).toBe('pass');
  });

  it('shortcut segmenter: the mask\'s evidence is the corner, outside the ROI → flag', async () => {
    const a = await auditModel({ name: 'shortcut', model: shortcut, data: data() }, { checks });
    const f = a.findings.find((x) => x.id === 'segmentation-shortcut')!;
    expect(f.verdict).toBe('flag');
    expect(f.evidence.medianOutsideShare as number).toBeCloseTo(1, 6);
    expect(f.summary).toMatch(/predicted mask lies outside the ROI/);
  });

  it('segmentation checks say NOT RUN on a classifier, naming why', async () => {
    const { tinyCnn } = await import('../../src/models/zoo/tiny-cnn.js');
    const model = new OnnxModel(tinyCnn({ size: 8, seed: 1 }));
    const d = data();
    const a = await auditModel({ name: 'cnn', model, data: { images: d.images, labels: d.labels.map((_, i) => i % 2), masks: { roi: d.masks.roi } } }, { checks: [pixelCalibrationCheck, segmentationShortcutCheck] });
    for (const f of a.findings) {
      expect(f.verdict).toBe('not-run');
      expect(f.summary).toMatch(/the model \(--model\) gives one class-score vector per image, not per-pixel class scores \[K, H, W\]/);
    }
  });

  it('dilateMask grows a region by a square neighbourhood', () => {
    const m = new Float32Array(25);
    m[12] = 1;
    expect(Array.from(dilateMask(m, 5, 5, 1)).reduce((a, b) => a + b, 0)).toBe(9);
    expect(Array.from(dilateMask(m, 5, 5, 0))).toEqual(Array.from(m));
  });
});
