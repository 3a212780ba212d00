/** The blocked ReLU mask (positive-mask.ts): exactly 0 or 1 for every non-negative float32, subnormals and +∞ included. */
import { describe, expect, it } from 'vitest';
import { attr, floatTensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { reluMaskForms } from '../../../src/onnx/autodiff/positive-mask.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { tensor } from '../../../src/tensor/tensor.js';

const C = 16;

/**
 * x → Conv 1×1 identity (16 channels: ORT runs it blocked) → Relu → Conv 1×1 identity → Relu, then
 * MaxPool 2×2 (a plain ReLU mask and a fused pool mask) or not (two plain masks on every value).
 */
function net(pool: boolean) {
  const e = new GraphEditor('relu_mask');
  const x = e.input('x', ['N', C, 4, 4]);
  const identity = floatTensorValue([C, C, 1, 1], Array.from({ length: C * C }, (_, i) => (Math.floor(i / C) === i % C ? 1 : 0)));
  e.initializers.set('w1', identity);
  e.initializers.set('w2', identity);
  const r1 = e.op('Relu', [e.op('Conv', [x, 'w1'], { kernel_shape: attr.ints([1, 1]) })]);
  const r2 = e.op('Relu', [e.op('Conv', [r1, 'w2'], { kernel_shape: attr.ints([1, 1]) })]);
  e.output(pool ? e.op('MaxPool', [r2], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }) : r2);
  return e.build();
}

function withMaskForm<T>(form: typeof reluMaskForms.mask, build: () => T): T {
  const before = reluMaskForms.mask;
  reluMaskForms.mask = form;
  try {
    return build();
  } finally {
    reluMaskForms.mask = before;
  }
}

describe('blocked ReLU mask', () => {
  for (const pool of [false, true]) {
    it(`equals Where(y > 0, dy, 0) bit for bit, on zeros, negatives, subnormals and huge values${pool ? ' (fused into a MaxPool)' : ''}`, async () => {
      // Every class of float32 through both masks. No ±∞ in x (the identity Conv's zero weights
      // would make NaN of it in every channel); 3.4e38 already overflows the mask's 2¹²⁷ scaling to +∞.
      const special = [0, -0, -1, 1.4e-45, 1e-40, 1.1754944e-38, 1e-30, 0.5, 1, 3.4e38, -3.4e38, 2.5e-44, 2 ** -126, 7, -3e-45, 1e-44];
      const n = 2;
      const xs = new Float32Array(n * C * 16);
      for (let i = 0; i < xs.length; i++) xs[i] = special[(i * 7 + Math.floor(i / 16)) % special.length];
      const side = pool ? 2 : 4;
      const dy = tensor([n, C, side, side], Array.from({ length: n * C * side * side }, (_, i) => 1 + (i % 5)));
      const g = net(pool);
      const out = g.outputs[0].name;
      const results: Float32Array[] = [];
      for (const form of ['blocked', 'where'] as const) {
        const grad = withMaskForm(form, () => buildGradientGraph(g, { outputs: [out], wrt: ['x'] }));
        expect(grad.graph.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(form === 'blocked');
        const r = await (await createSession(grad.graph)).run({ x: tensor([n, C, 4, 4], xs), [grad.cotangents[0]]: dy });
        results.push(r[grad.gradients[0]].data);
      }
      // (Where writes +0 and the mask's product −0 for a negative dy; dy > 0 here, so Object.is holds.)
      const diff = Array.from(results[0]).flatMap((v, i) => (Object.is(v, results[1][i]) ? [] : [[i, xs[i], v, results[1][i]]]));
      expect(diff).toEqual([]);
      // And the reference: dy exactly where x > 0 (through both identity layers), nothing elsewhere.
      expect(results[0].some((v) => v !== 0)).toBe(true);
      for (let i = 0; i < xs.length; i++) {
        if (!(xs[i] > 0)) expect(results[0][i]).toBe(0);
        else if (!pool) expect(results[0][i]).toBe(dy.data[i]);
      }
    });
  }
});
