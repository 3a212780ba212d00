/** Erf, Sqrt, Pow, Exp, Log and Abs against finite differences. */
import { describe, expect, it } from 'vitest';
import { floatTensorValue, int64TensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { expectGradientsMatch, gradientsAt, opGraph } from './fd-harness.js';

const positive = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => 0.3 + ((i * 7 + seed) % 11) / 4);

describe('Erf', () => {
  it('over a wide range, including the flat tails', async () => {
    await expectGradientsMatch(opGraph('Erf', [{ name: 'x', shape: [2, 3, 4] }]), { label: 'Erf' });
    const wide = Float32Array.from([-4, -2.5, -1, -0.3, 0, 0.2, 0.9, 1.7, 3, 5]);
    await expectGradientsMatch(opGraph('Erf', [{ name: 'x', shape: [10] }]), { values: { x: wide }, label: 'Erf wide' });
  });

  it('exact GELU: 0.5·x·(1 + erf(x/√2))', async () => {
    const e = new GraphEditor('gelu');
    const x = e.input('x', [3, 5]);
    const inner = e.op('Erf', [e.op('Div', [x, e.constFloat([Math.SQRT2])])]);
    e.output(e.op('Mul', [e.op('Mul', [x, e.constFloat([0.5])]), e.op('Add', [inner, e.constFloat([1])])]));
    await expectGradientsMatch(e.build(), { label: 'GELU' });
  });
});

describe('Sqrt', () => {
  it('on positive inputs', async () => {
    await expectGradientsMatch(opGraph('Sqrt', [{ name: 'x', shape: [3, 4] }]), { values: { x: positive(12, 1) }, label: 'Sqrt' });
  });
});

describe('Pow', () => {
  it('constant exponent 2 (no Pow in the gradient), 3 as int64, 0.5, and −1.5, on any base the power allows', async () => {
    const exps = [floatTensorValue([], [2]), int64TensorValue([], [3]), floatTensorValue([], [0.5]), floatTensorValue([1, 4], [-1.5, 1, 2.5, 0.5])];
    for (const [k, exponent] of exps.entries()) {
      const g = opGraph('Pow', [{ name: 'x', shape: [3, 4] }, { name: 'p', value: exponent }]);
      const integer = k < 2;
      const values = integer ? undefined : { x: positive(12, k) };
      await expectGradientsMatch(g, { values, label: `Pow exponent #${k}` });
      if (k === 0) expect(buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph.nodes.filter((n) => n.opType === 'Pow')).toHaveLength(1);
    }
  });

  it('gradient w.r.t. a broadcast exponent input too', async () => {
    const g = opGraph('Pow', [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }]);
    await expectGradientsMatch(g, { values: { a: positive(6, 2), b: [0.5, 1.5, -1] }, label: 'Pow wrt base and exponent' });
  });

  it('exponent gradient is 0 where the base is 0 (0^b has slope 0 in b for b > 0)', async () => {
    const g = opGraph('Pow', [{ name: 'a', shape: [3] }, { name: 'b', shape: [3] }]);
    const r = await expectGradientsMatch(g, { values: { a: [0, 1.5, 2], b: [2, 1.5, 3] }, label: 'Pow zero base' });
    expect(Math.abs(r.gradients.b.data[0])).toBe(0);
  });
});

describe('Exp, Log, Abs', () => {
  it('Exp over a wide range, Log on positive inputs (near 0 too)', async () => {
    await expectGradientsMatch(opGraph('Exp', [{ name: 'x', shape: [2, 3, 4] }]), { label: 'Exp' });
    const wide = Float32Array.from([-20, -3, -0.5, 0, 0.7, 4, 10]);
    await expectGradientsMatch(opGraph('Exp', [{ name: 'x', shape: [7] }]), { values: { x: wide }, label: 'Exp wide' });
    await expectGradientsMatch(opGraph('Log', [{ name: 'x', shape: [3, 4] }]), { values: { x: positive(12, 3) }, label: 'Log' });
    // Not much closer to 0: the central difference's own error grows as (h/x)² (3·10⁻⁵ at x = 0.01).
    const small = Float32Array.from([0.1, 0.25, 0.6, 1, 30]);
    await expectGradientsMatch(opGraph('Log', [{ name: 'x', shape: [5] }]), { values: { x: small }, label: 'Log small inputs' });
  });

  it('Abs, and its gradient 0 at x = 0 (PyTorch: grad·sgn(x))', async () => {
    await expectGradientsMatch(opGraph('Abs', [{ name: 'x', shape: [2, 3, 4] }]), { label: 'Abs' });
    const r = await gradientsAt(opGraph('Abs', [{ name: 'x', shape: [3] }]), { x: { shape: [3], data: [-2, 0, 3] } }, [5, 5, 5], ['x']);
    expect(r.x).toEqual([-5, 0, 5]);
  });
});
