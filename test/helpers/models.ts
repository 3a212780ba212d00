/**
 * Tiny analytic models for tests: graphs whose outputs, gradients and attributions are known in
 * closed form, so that a test can compare trustscope against arithmetic written in the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph } from '../../src/onnx/graph.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/tensor.js';

/**
 * y = Flatten(x) · Wᵀ + b for x [N, ...chw], W [K, D] (row-major, D = prod(chw)), b [K].
 * Value names: 'x' → 'flat' → 'logits'; node names 'flatten' and 'fc'.
 */
export function linearModel(chw: readonly number[], weights: Float32Array | readonly number[], bias: Float32Array | readonly number[]): Graph {
  const d = chw.reduce((a, b) => a * b, 1);
  const k = bias.length;
  if (weights.length !== k * d) throw new Error(`linearModel: ${weights.length} weights for [${k}, ${d}]`);
  const e = new GraphEditor('linear');
  const x = e.input('x', ['N', ...chw]);
  e.initializer('fc.weight', floatTensorValue([k, d], weights));
  e.initializer('fc.bias', floatTensorValue([k], bias));
  const flat = e.node('Flatten', [x], { axis: attr.int(1) }, 1, 'flatten')[0];
  const y = e.node('Gemm', [flat, 'fc.weight', 'fc.bias'], { transB: attr.int(1) }, 1, 'fc')[0];
  e.output(y, ['N', k]);
  return e.build();
}

/** Seeded values uniform in [low, high). */
export function uniformValues(n: number, seed: number, low = -1, high = 1): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(low, high));
}

export function randomTensor(shape: readonly number[], seed: number, low = 0, high = 1): Tensor {
  return tensor(shape, uniformValues(shape.reduce((a, b) => a * b, 1), seed, low, high));
}

/** Largest |a − b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export { relativeL2 } from '../../src/tensor/compare.js';

/** A fresh temporary directory and a function removing it. */
export async function tempDir(prefix = 'trustscope-test-'): Promise<{ dir: string; path: (name: string) => string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A linear per-pixel segmenter: a 1×1 Conv, logits[k, y, x] = Σ_c W[k, c]·x[c, y, x] + b[k], so
 * d logits[k, y, x] / d x[c, y', x'] = W[k, c] when (y', x') = (y, x), else 0.
 * Value names: 'x' → 'logits' [N, K, H, W]; node 'pointwise'.
 */
export function pointwiseSegmenter(chw: readonly [number, number, number], weights: readonly number[], bias: readonly number[]): Graph {
  const [c, h, w] = chw;
  const k = bias.length;
  if (weights.length !== k * c) throw new Error(`pointwiseSegmenter: ${weights.length} weights for [${k}, ${c}]`);
  const e = new GraphEditor('pointwise-segmenter');
  const x = e.input('x', ['N', c, h, w]);
  e.initializer('pointwise.weight', floatTensorValue([k, c, 1, 1], Float32Array.from(weights)));
  e.initializer('pointwise.bias', floatTensorValue([k], Float32Array.from(bias)));
  const y = e.node('Conv', [x, 'pointwise.weight', 'pointwise.bias'], { kernel_shape: attr.ints([1, 1]) }, 1, 'pointwise')[0];
  e.output(y, ['N', k, h, w]);
  return e.build();
}
