/**
 * LeakyRelu, Sigmoid, Tanh, Clip, HardSigmoid, HardSwish, Elu, Softplus and PRelu against finite
 * differences, and their values at the kinks against PyTorch's backward kernels.
 */
import { describe, expect, it } from 'vitest';
import { attr, floatTensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { Random } from '../../../src/tensor/random.js';
import { expectGradientsMatch, gradientsAt, opGraph, randomValue } from './fd-harness.js';

/** n seeded values uniform on [lo, hi): spread across an activation's kinks. */
function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

const scalar = (name: string, v: number) => ({ name, value: floatTensorValue([], [v]) });

describe('LeakyRelu', () => {
  it('default alpha (0.01), alpha 0.2, and a negative alpha (branch read from the input)', async () => {
    for (const alpha of [undefined, 0.2, -0.5]) {
      const g = opGraph('LeakyRelu', [{ name: 'x', shape: [2, 3, 4, 5] }], alpha === undefined ? {} : { alpha: attr.float(alpha) });
      await expectGradientsMatch(g, { label: `LeakyRelu alpha=${alpha ?? 'default'}` });
    }
  });

  it('after a Conv (the output-based mask keeps Conv+LeakyRelu fusable)', async () => {
    const e = new GraphEditor('conv_leaky');
    const x = e.input('x', [2, 2, 5, 5]);
    const w = e.input('w', [3, 2, 3, 3]);
    e.output(e.op('LeakyRelu', [e.op('Conv', [x, w], { pads: attr.ints([1, 1, 1, 1]) })], { alpha: attr.float(0.1) }));
    await expectGradientsMatch(e.build(), { label: 'Conv → LeakyRelu' });
  });
});

describe('Sigmoid and Tanh', () => {
  for (const op of ['Sigmoid', 'Tanh']) {
    it(`${op} on several shapes, including large inputs where the slope vanishes`, async () => {
      for (const shape of [[7], [2, 3, 4], [2, 3, 2, 5]]) {
        await expectGradientsMatch(opGraph(op, [{ name: 'x', shape }]), { label: `${op} [${shape}]`, seed: shape.length });
      }
      const wide = Float32Array.from([-9, -4, -1.5, -0.2, 0, 0.3, 2, 6]);
      await expectGradientsMatch(opGraph(op, [{ name: 'x', shape: [8] }]), { values: { x: wide }, label: `${op} wide range` });
    });
  }
});

describe('Clip', () => {
  it('ReLU6 with min/max inputs (opset 11, 13, 17), one bound only, no bounds', async () => {
    for (const opset of [11, 13, 17]) {
      const g = opGraph('Clip', [{ name: 'x', shape: [2, 3, 4, 5] }, scalar('lo', 0), scalar('hi', 6)], {}, opset);
      await expectGradientsMatch(g, { values: { x: uniform(120, -3, 9, opset) }, label: `ReLU6 opset ${opset}` });
    }
    const onlyMax = opGraph('Clip', [{ name: 'x', shape: [4, 5] }, null, scalar('hi', 0.5)], {}, 13);
    await expectGradientsMatch(onlyMax, { label: 'Clip max only' });
    const onlyMin = opGraph('Clip', [{ name: 'x', shape: [4, 5] }, scalar('lo', -0.2)], {}, 13);
    await expectGradientsMatch(onlyMin, { label: 'Clip min only' });
    await expectGradientsMatch(opGraph('Clip', [{ name: 'x', shape: [4, 5] }], {}, 13), { label: 'Clip unbounded' });
  });

  it('min/max attributes (opset 6–10 form): both, max only', async () => {
    const g = opGraph('Clip', [{ name: 'x', shape: [2, 3, 4] }], { min: attr.float(0), max: attr.float(6) }, 10);
    await expectGradientsMatch(g, { values: { x: uniform(24, -3, 9, 3) }, label: 'ReLU6 opset 10' });
    const onlyMax = opGraph('Clip', [{ name: 'x', shape: [2, 3, 4] }], { max: attr.float(0.3) }, 9);
    await expectGradientsMatch(onlyMax, { label: 'Clip opset 9 max only' });
  });

  it('computed bounds are differentiated too (lo where y ≤ lo, hi where y ≥ hi)', async () => {
    const g = opGraph('Clip', [{ name: 'x', shape: [3, 4] }, { name: 'lo', shape: [] }, { name: 'hi', shape: [] }], {}, 13);
    await expectGradientsMatch(g, { values: { x: uniform(12, -2, 2, 5), lo: [-0.5], hi: [0.7] }, label: 'Clip live bounds' });
  });

  it('after a Conv (output-based mask keeps Conv+Clip fusable), dynamic batch', async () => {
    const e = new GraphEditor('conv_relu6', 13);
    const x = e.input('x', ['N', 2, 5, 5]);
    e.initializers.set('w', randomValue([3, 2, 3, 3], 4, 2));
    e.names.reserve('w');
    const conv = e.op('Conv', [x, 'w'], { pads: attr.ints([1, 1, 1, 1]) });
    e.output(e.op('Clip', [conv, e.constFloat([0]), e.constFloat([6])]));
    await expectGradientsMatch(e.build(), { batch: 2, wrtInitializers: ['w'], label: 'Conv → ReLU6' });
  });

  it('ties: no gradient at exactly min or max (PyTorch hardtanh_backward: min < x < max)', async () => {
    const x = [-1, 0, 3, 6, 7, 5.999];
    const g = opGraph('Clip', [{ name: 'x', shape: [6] }, scalar('lo', 0), scalar('hi', 6)], {}, 13);
    const r = await gradientsAt(g, { x: { shape: [6], data: x } }, [2, 2, 2, 2, 2, 2], ['x']);
    expect(r.x).toEqual([0, 0, 2, 0, 0, 2]);
    const old = opGraph('Clip', [{ name: 'x', shape: [6] }], { min: attr.float(0), max: attr.float(6) }, 10);
    expect((await gradientsAt(old, { x: { shape: [6], data: x } }, [2, 2, 2, 2, 2, 2], ['x'])).x).toEqual([0, 0, 2, 0, 0, 2]);
  });
});

describe('HardSigmoid and HardSwish', () => {
  it('HardSigmoid: ONNX defaults (α 0.2, β 0.5) and torch\'s export (α 1/6, β 0.5)', async () => {
    await expectGradientsMatch(opGraph('HardSigmoid', [{ name: 'x', shape: [3, 4, 5] }]), { values: { x: uniform(60, -4, 4, 1) }, label: 'HardSigmoid default' });
    const torchForm = opGraph('HardSigmoid', [{ name: 'x', shape: [3, 4, 5] }], { alpha: attr.float(1 / 6), beta: attr.float(0.5) });
    await expectGradientsMatch(torchForm, { values: { x: uniform(60, -5, 5, 2) }, label: 'HardSigmoid torch' });
  });

  it('HardSwish (opset 14 and 17) across −3 and 3', async () => {
    for (const opset of [14, 17]) {
      await expectGradientsMatch(opGraph('HardSwish', [{ name: 'x', shape: [2, 3, 4, 5] }], {}, opset), { values: { x: uniform(120, -5, 5, opset) }, label: `HardSwish opset ${opset}` });
    }
  });

  it('ties as PyTorch: hardsigmoid passes α only for −3 < x < 3; hardswish is x/3 + 1/2 on [−3, 3]', async () => {
    const x = [-4, -3, -2.5, 0, 3, 4];
    const hs = opGraph('HardSigmoid', [{ name: 'x', shape: [6] }], { alpha: attr.float(1 / 6), beta: attr.float(0.5) });
    const a = (await gradientsAt(hs, { x: { shape: [6], data: x } }, [6, 6, 6, 6, 6, 6], ['x'])).x;
    [0, 0, 1, 1, 0, 0].forEach((v, i) => expect(a[i]).toBeCloseTo(v, 6));
    const sw = opGraph('HardSwish', [{ name: 'x', shape: [6] }], {}, 14);
    const b = (await gradientsAt(sw, { x: { shape: [6], data: x } }, [1, 1, 1, 1, 1, 1], ['x'])).x;
    [0, -0.5, -1 / 3, 0.5, 1.5, 1].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
  });
});

describe('Elu and Softplus', () => {
  it('Elu: default α, α 0.5 and a negative α (branch read from the input)', async () => {
    for (const alpha of [undefined, 0.5, -0.3]) {
      const g = opGraph('Elu', [{ name: 'x', shape: [2, 3, 4] }], alpha === undefined ? {} : { alpha: attr.float(alpha) });
      await expectGradientsMatch(g, { values: { x: uniform(24, -4, 3, 7) }, label: `Elu alpha=${alpha ?? 'default'}` });
    }
  });

  it('Elu at 0 has slope α (PyTorch elu_backward: x ≤ 0 takes the exponential side)', async () => {
    const g = opGraph('Elu', [{ name: 'x', shape: [3] }], { alpha: attr.float(0.5) });
    const r = (await gradientsAt(g, { x: { shape: [3], data: [-1, 0, 1] } }, [1, 1, 1], ['x'])).x;
    [0.5 * Math.exp(-1), 0.5, 1].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 6));
  });

  it('Softplus over a wide range (flat and linear tails)', async () => {
    await expectGradientsMatch(opGraph('Softplus', [{ name: 'x', shape: [2, 3, 4] }]), { label: 'Softplus' });
    const wide = Float32Array.from([-30, -8, -1, -0.1, 0, 0.4, 2, 9, 25]);
    await expectGradientsMatch(opGraph('Softplus', [{ name: 'x', shape: [9] }]), { values: { x: wide }, label: 'Softplus wide' });
  });
});

describe('PRelu', () => {
  it('per-channel slope [C, 1, 1] as torch exports it: gradients w.r.t. x and the slope weight', async () => {
    const g = opGraph('PRelu', [{ name: 'x', shape: [2, 3, 4, 5] }, { name: 'slope', value: randomValue([3, 1, 1], 11, 0.3) }]);
    await expectGradientsMatch(g, { wrtInitializers: ['slope'], label: 'PRelu per channel' });
  });

  it('one shared slope [1], a slope as a graph input, a [N, C] input with a [C] slope', async () => {
    const shared = opGraph('PRelu', [{ name: 'x', shape: [2, 3, 4] }, { name: 'slope', value: floatTensorValue([1], [0.25]) }]);
    await expectGradientsMatch(shared, { wrtInitializers: ['slope'], label: 'PRelu shared slope' });
    await expectGradientsMatch(opGraph('PRelu', [{ name: 'x', shape: [2, 3, 4] }, { name: 'slope', shape: [3, 1] }]), { label: 'PRelu slope input' });
    await expectGradientsMatch(opGraph('PRelu', [{ name: 'x', shape: ['N', 5] }, { name: 'slope', shape: [5] }]), { batch: 3, label: 'PRelu [N, C]' });
  });

  it('at x = 0 the input gets slope·g (PyTorch: x > 0 takes the identity side)', async () => {
    const g = opGraph('PRelu', [{ name: 'x', shape: [3] }, { name: 'slope', shape: [1] }]);
    const r = await gradientsAt(g, { x: { shape: [3], data: [-2, 0, 1] }, slope: { shape: [1], data: [0.25] } }, [1, 1, 1], ['x', 'slope']);
    expect(r.x).toEqual([0.25, 0.25, 1]);
    expect(r.slope).toEqual([-2]);
  });
});

describe('Selu, Celu, Softsign', () => {
  it('default and explicit parameters, both sides of 0', async () => {
    const values = { x: [-2.1, -0.7, -0.05, 0.3, 1.2, 2.5] };
    await expectGradientsMatch(opGraph('Selu', [{ name: 'x', shape: [2, 3] }], {}, 13), { label: 'Selu', values });
    await expectGradientsMatch(opGraph('Selu', [{ name: 'x', shape: [2, 3] }], { alpha: attr.float(1.5), gamma: attr.float(0.8) }, 13), { label: 'Selu α γ', values });
    await expectGradientsMatch(opGraph('Celu', [{ name: 'x', shape: [2, 3] }], {}, 13), { label: 'Celu', values });
    await expectGradientsMatch(opGraph('Celu', [{ name: 'x', shape: [2, 3] }], { alpha: attr.float(0.5) }, 13), { label: 'Celu α', values });
    await expectGradientsMatch(opGraph('Softsign', [{ name: 'x', shape: [2, 3] }], {}, 13), { label: 'Softsign', values });
  });
});
