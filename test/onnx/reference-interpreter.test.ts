/**
 * The float64 interpreter is the oracle of the autodiff tests, so it is checked here against worked
 * examples from the ONNX operator documentation (every FD test also checks it against ORT).
 */
import { describe, expect, it } from 'vitest';
import { attr, int64TensorValue } from '../../src/onnx/graph.js';
import { opGraph } from './autodiff/fd-harness.js';
import { refTensor, runReference } from './reference-interpreter.js';

const grid5 = refTensor([1, 1, 5, 5], Array.from({ length: 25 }, (_, i) => i + 1));

function run(g: ReturnType<typeof opGraph>, feeds: Record<string, ReturnType<typeof refTensor>>) {
  return runReference(g, feeds).get(g.outputs[0].name)!;
}

describe('reference interpreter', () => {
  it('AveragePool 5×5 pads 2, with and without count_include_pad (spec examples)', () => {
    const attrs = { kernel_shape: attr.ints([5, 5]), pads: attr.ints([2, 2, 2, 2]) };
    const excluded = run(opGraph('AveragePool', [{ name: 'x', shape: [1, 1, 5, 5] }], attrs), { x: grid5 });
    expect(Array.from(excluded.data.slice(0, 5))).toEqual([7, 7.5, 8, 8.5, 9]);
    const included = run(opGraph('AveragePool', [{ name: 'x', shape: [1, 1, 5, 5] }], { ...attrs, count_include_pad: attr.int(1) }), { x: grid5 });
    expect(Array.from(included.data.slice(10, 15)).map((v) => +v.toFixed(4))).toEqual([7.2, 10, 13, 10.8, 8.4]);
  });

  it('AveragePool ceil_mode and SAME_UPPER (spec examples)', () => {
    const x = refTensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i + 1));
    const ceil = run(opGraph('AveragePool', [{ name: 'x', shape: [1, 1, 4, 4] }], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) }), { x });
    expect(Array.from(ceil.data)).toEqual([6, 7.5, 12, 13.5]);
    const same = run(opGraph('AveragePool', [{ name: 'x', shape: [1, 1, 5, 5] }], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), auto_pad: attr.string('SAME_UPPER') }), { x: grid5 });
    expect(Array.from(same.data)).toEqual([4, 5.5, 7, 11.5, 13, 14.5, 19, 20.5, 22]);
  });

  it('Softmax is shift-invariant at large values; MatMul drops promoted axes; Reshape copies 0 and infers -1', () => {
    const soft = run(opGraph('Softmax', [{ name: 'x', shape: [2, 4] }]), { x: refTensor([2, 4], [0, 1, 2, 3, 10000, 10001, 10002, 10003]) });
    expect(soft.data[3]).toBeCloseTo(0.6439143, 6);
    expect(soft.data[7]).toBeCloseTo(0.6439143, 6);
    const mm = run(opGraph('MatMul', [{ name: 'a', shape: [3] }, { name: 'b', shape: [2, 3, 2] }]), {
      a: refTensor([3], [1, 2, 3]),
      b: refTensor([2, 3, 2], [1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 1, 1]),
    });
    expect(mm.shape).toEqual([2, 2]);
    expect(Array.from(mm.data)).toEqual([4, 5, 5, 7]);
    const reshaped = run(opGraph('Reshape', [{ name: 'x', shape: [2, 3, 4] }, { name: 's', value: int64TensorValue([3], [0, -1, 2]) }]), { x: refTensor([2, 3, 4], new Array(24).fill(0)) });
    expect(reshaped.shape).toEqual([2, 6, 2]);
  });

  it('Gemm with transposes, alpha, beta and a broadcast [N] bias', () => {
    const g = opGraph('Gemm', [{ name: 'a', shape: [2, 2] }, { name: 'b', shape: [2, 2] }, { name: 'c', shape: [2] }], {
      transA: attr.int(1), transB: attr.int(1), alpha: attr.float(2), beta: attr.float(10),
    });
    const y = run(g, { a: refTensor([2, 2], [1, 2, 3, 4]), b: refTensor([2, 2], [1, 0, 0, 1]), c: refTensor([2], [1, -1]) });
    // Aᵀ = [[1, 3], [2, 4]], Bᵀ = I: 2·Aᵀ + 10·c
    expect(Array.from(y.data)).toEqual([12, -4, 14, -2]);
  });
});
