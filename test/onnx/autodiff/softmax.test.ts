/** Softmax and LogSoftmax along any axis, in opset-13 and pre-13 (2-D coercion) semantics. */
import { describe, it } from 'vitest';
import { attr } from '../../../src/onnx/graph.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

const cases: { shape: number[]; axis?: number }[] = [
  { shape: [3, 5] },
  { shape: [2, 3, 5], axis: -1 },
  { shape: [2, 3, 4, 2], axis: 1 },
  { shape: [3, 2, 2], axis: 0 },
];

for (const op of ['Softmax', 'LogSoftmax']) {
  describe(op, () => {
    it(`opset 17 (one axis): ${cases.map((c) => `[${c.shape}] axis ${c.axis ?? 'default'}`).join(', ')}`, async () => {
      for (const { shape, axis } of cases) {
        const g = opGraph(op, [{ name: 'x', shape }], axis === undefined ? {} : { axis: attr.int(axis) });
        await expectGradientsMatch(g, { label: `${op} opset 17 [${shape}] axis ${axis ?? 'default'}` });
      }
    });

    it('opsets 11 and 9 (input coerced to 2-D: normalised over every axis from `axis` on)', async () => {
      for (const [opset, axis] of [[11, -1], [11, undefined], [11, 0], [12, 2], [9, undefined]] as const) {
        const g = opGraph(op, [{ name: 'x', shape: [2, 3, 2, 2] }], axis === undefined ? {} : { axis: attr.int(axis) }, opset);
        await expectGradientsMatch(g, { label: `${op} opset ${opset} axis ${axis ?? 'default'}` });
      }
    });
  });
}
