/**
 * `explain --tile` with a fully convolutional model (dynamic H/W): a 256² micrograph whose gradient
 * fits the memory budget runs in one pass, and its saliency is the analytic gradient of
 * Conv3×3 → GlobalAveragePool over the whole image (zero padding only at the true image border).
 * Over budget the model is sized to square tiles of a multiple of 32 that fit (chooseSpatialPass).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { attr, floatTensorValue, type Graph } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { chooseSpatialPass, gradientBytes, TILE_SIDE_STEP } from '../../src/models/spatial-pass.js';
import { TILES_JSON } from '../../src/cli/explain-tiled.js';
import { maxAbsDiff, randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const KERNELS = [
  [0.5, -1, 0.25, 2, 1, -0.5, 0.75, 0.1, -2],
  [1, 1, 1, 1, -3, 1, 1, 1, 1],
];

/** x [N, 1, H, W] (H, W symbolic) → Conv 3×3 pad 1 (two channels) → GlobalAveragePool → [N, 2]. */
function dynamicConvClassifier(): Graph {
  const e = new GraphEditor('dynamic-conv-gap');
  const x = e.input('x', ['N', 1, 'H', 'W']);
  e.initializer('conv.weight', floatTensorValue([2, 1, 3, 3], Float32Array.from(KERNELS.flat())));
  e.initializer('conv.bias', floatTensorValue([2], Float32Array.from([0.1, -0.2])));
  const c = e.node('Conv', [x, 'conv.weight', 'conv.bias'], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }, 1, 'conv')[0];
  const g = e.node('GlobalAveragePool', [c], {}, 1, 'gap')[0];
  const y = e.node('Flatten', [g], { axis: attr.int(1) }, 1, 'flatten')[0];
  e.output(y, ['N', 2]);
  return e.build();
}

/** |∂ mean(conv_k(x)) / ∂x[y, x]| on an h×w image: the kernel taps whose output pixel lies inside. */
function analyticSaliency(k: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let g = 0;
      // Output pixel (oy, ox) reads input (oy + dy − 1, ox + dx − 1) with weight K[dy][dx].
      for (let dy = 0; dy < 3; dy++)
        for (let dx = 0; dx < 3; dx++) {
          const oy = y - dy + 1;
          const ox = x - dx + 1;
          if (oy >= 0 && oy < h && ox >= 0 && ox < w) g += KERNELS[k][dy * 3 + dx];
        }
      out[y * w + x] = Math.abs(g / (h * w));
    }
  return out;
}

const dirP = tempDir('trustscope-tiled-dynamic-');
let path: (name: string) => string;
const graph = dynamicConvClassifier();

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('fcn.onnx'), graph);
  await writeNpy(path('micrograph.npy'), randomTensor([256, 256], 5));
});
afterAll(async () => (await dirP).cleanup());

describe('explain --tile with a dynamic-H/W model', () => {
  it('runs a 256² image in one pass, says so, and its saliency is the analytic whole-image gradient (= explain without --tile)', async () => {
    const out = path('whole');
    const r = await runCli(['explain', '--model', path('fcn.onnx'), '--input', path('micrograph.npy'), '--method', 'saliency', '--target', '1', '--tile', '--quiet', '--out', out]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/256×256\): whole image in one pass/);
    const map = await readNpy(join(out, 'attributions.npy'));
    expect(map.shape).toEqual([1, 256, 256]);
    const expected = analyticSaliency(1, 256, 256);
    // Values ~1e-4: float32 rounding of a 65536-term mean's gradient.
    expect(maxAbsDiff(map.data, expected)).toBeLessThan(1e-9);
    const json = JSON.parse(readFileSync(join(out, TILES_JSON), 'utf8'));
    expect(json.images[0].pass.kind).toBe('whole');
    expect(json.images[0].grid).toMatchObject({ count: 1, tile: [256, 256] });

    const plain = path('plain');
    const p = await runCli(['explain', '--model', path('fcn.onnx'), '--input', path('micrograph.npy'), '--method', 'saliency', '--target', '1', '--out', plain]);
    expect(p.code).toBe(0);
    // Equal up to the stitcher's w·m/w normalisation (one float32 rounding).
    expect(maxAbsDiff((await readNpy(join(plain, 'attributions.npy'))).data, map.data)).toBeLessThan(1e-10);
  });

  it('over the budget chooses the largest square tile (a multiple of 32) whose gradient fits', () => {
    const whole = gradientBytes(graph, [1, 256, 256]);
    const budget = whole / 5;
    const pass = chooseSpatialPass(graph, [1, 256, 256], budget);
    expect(pass.kind).toBe('tiles');
    if (pass.kind !== 'tiles') return;
    const side = pass.shape[1];
    expect(side % TILE_SIDE_STEP).toBe(0);
    expect(pass.shape[2]).toBe(side);
    expect(pass.bytes).toBeLessThanOrEqual(budget);
    expect(gradientBytes(graph, [1, side + TILE_SIDE_STEP, side + TILE_SIDE_STEP])).toBeGreaterThan(budget);
    expect(pass.wholeBytes).toBe(whole);
    expect(chooseSpatialPass(graph, [1, 256, 256], whole)).toMatchObject({ kind: 'whole', bytes: whole });
  });

  it('refuses a dense (segmenter) model with --tile in one line, pointing to the whole-image run', async () => {
    const seg = join(import.meta.dirname, '..', 'fixtures', 'families', 'segmentation-head-dynamic-opset17');
    const r = await runCli(['explain', '--model', join(seg, 'model.onnx'), '--input', join(seg, 'x.npy'), '--method', 'saliency', '--tile', '--quiet', '--out', path('never')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/per-pixel outputs \[2, 24, 40\] \(a segmenter\): drop --tile \(this one has a dynamic input size, so without --tile it runs on the whole image\)/);
  });
});
