/** The float64 reference for transformer ops against published values (erf tables, numpy slicing). */
import { describe, expect, it } from 'vitest';
import { attr } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { erf } from './reference-ops-transformer.js';
import { refTensor, runReference } from './reference-interpreter.js';

describe('reference erf', () => {
  it('matches tabulated values to 1e-15 (Abramowitz & Stegun table 7.1; scipy.special.erf)', () => {
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [-1.5, -0.9661051464753108],
    ];
    for (const [x, v] of table) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-15);
    expect(erf(0)).toBe(0);
    expect(erf(7)).toBe(1);
  });
});

describe('reference Slice, Gather, Split', () => {
  const arange = refTensor([10], Array.from({ length: 10 }, (_, i) => i));
  const sliceOf = (starts: number[], ends: number[], steps: number[]) => {
    const e = new GraphEditor('slice');
    const x = e.input('x', [10]);
    e.output(e.op('Slice', [x, e.constInt64(starts), e.constInt64(ends), e.constInt64([0]), e.constInt64(steps)]));
    const g = e.build();
    return Array.from(runReference(g, { x: arange }).get(g.outputs[0].name)!.data);
  };

  it('follows numpy: x[::-1], x[7:0:-2], x[-3:100], x[-100:2]', () => {
    expect(sliceOf([-1], [-(2 ** 62)], [-1])).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(sliceOf([7], [0], [-2])).toEqual([7, 5, 3, 1]);
    expect(sliceOf([-3], [100], [1])).toEqual([7, 8, 9]);
    expect(sliceOf([-100], [2], [1])).toEqual([0, 1]);
  });

  it('Gather with negative indices and Split by num_outputs (opset 18)', () => {
    const e = new GraphEditor('gather_split', 18);
    const x = e.input('x', [10]);
    e.output(e.op('Gather', [x, e.constInt64([-1, 0, 3])]));
    const parts = e.node('Split', [x], { num_outputs: attr.int(3) }, 3);
    parts.forEach((p) => e.output(p));
    const g = e.build();
    const values = runReference(g, { x: arange });
    expect(Array.from(values.get(g.outputs[0].name)!.data)).toEqual([9, 0, 3]);
    expect(parts.map((p) => Array.from(values.get(p)!.data))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });
});
