/**
 * The attack's second-order gradient ∂L/∂x (L contains the input gradient) from ONNX Runtime,
 * against central differences of L computed by the float64 reference interpreter on the same graph:
 * an independent computation of the same quantity, on a small softplus CNN, for each map kind.
 */
import { describe, expect, it } from 'vitest';
import { manipulationLossGraph, ManipulationLoss, normaliseMaps, type GradientMap } from '../../src/models/manipulation-loss.js';
import { smoothRelus } from '../../src/onnx/softplus-smoothing.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { relativeL2 } from '../../src/tensor/compare.js';
import { refTensor, runReference } from '../onnx/reference-interpreter.js';

const SIZE = 8;
const BATCH = 2;
const CLASSES = 2;

function seeded(shape: number[], rng: Random, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(shape, Float32Array.from({ length: n }, () => rng.normal() * scale));
}

/** Inputs of the loss graph: images, one-hot selector (class 1 for row 0, class 0 for row 1), a random target map, random reference outputs. */
function feeds(seed: number) {
  const rng = new Random(seed);
  return {
    x: seeded([BATCH, 1, SIZE, SIZE], rng),
    selector: tensor([BATCH, CLASSES], [0, 1, 1, 0]),
    target: normaliseMaps(seeded([BATCH, 1, SIZE, SIZE], rng)),
    reference: seeded([BATCH, CLASSES], rng),
  };
}

async function compareWithFiniteDifferences(map: GradientMap, beta: number, gamma: number) {
  const { graph: smooth } = smoothRelus(tinyCnn({ size: SIZE, width: 2, hidden: 4, seed: 3 }), beta);
  const spec = manipulationLossGraph(smooth, 'input', smooth.outputs[0].name, map, gamma);
  const f = feeds(11);
  const loss = await ManipulationLoss.create(smooth, 'input', smooth.outputs[0].name, map, gamma);
  const ort = await loss.run(f.x, f.selector, f.target, f.reference);
  await loss.dispose();

  const { inputs, outputs } = spec;
  const base = { [inputs.selector]: refTensor(f.selector.shape, f.selector.data), [inputs.target]: refTensor(f.target.shape, f.target.data), [inputs.reference]: refTensor(f.reference.shape, f.reference.data) };
  const lossAt = (x: Float64Array) => runReference(spec.lossGraph, { ...base, [inputs.x]: refTensor(f.x.shape, x) }).get(outputs.loss)!.data[0];
  const x0 = Float64Array.from(f.x.data);
  expect(Math.abs(lossAt(x0) - ort.loss) / Math.abs(lossAt(x0))).toBeLessThan(1e-4);
  const probes = new Random(5).shuffle(Array.from({ length: x0.length }, (_, i) => i)).slice(0, 24);
  const fd: number[] = [];
  const analytic: number[] = [];
  for (const i of probes) {
    const h = 1e-4;
    const plus = x0.slice();
    const minus = x0.slice();
    plus[i] += h;
    minus[i] -= h;
    fd.push((lossAt(plus) - lossAt(minus)) / (2 * h));
    analytic.push(ort.gradient.data[i]);
  }
  return { error: relativeL2(analytic, fd), fd, ort };
}

describe('the manipulation loss and its second-order input gradient', () => {
  for (const map of ['abs-gradient', 'gradient', 'gradient-x-input'] as const) {
    it(`∂L/∂x of the ${map} map on a softplus CNN equals finite differences`, async () => {
      const { error, fd } = await compareWithFiniteDifferences(map, 3, 0.5);
      // The map term, not just the output term, carries gradient: γ = 0 must still give a nonzero gradient.
      expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(1e-4);
      expect(error).toBeLessThan(1e-5);
    }, 60_000);
  }

  it('with γ = 0 the gradient is the map term alone and still equals finite differences', async () => {
    const { error, fd } = await compareWithFiniteDifferences('abs-gradient', 3, 0);
    expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(1e-4);
    expect(error).toBeLessThan(1e-5);
  }, 60_000);

  it('on the ReLU network the saliency term has no gradient (why the attack smooths): ∂L/∂x = 0 with γ = 0', async () => {
    const relu = tinyCnn({ size: SIZE, width: 2, hidden: 4, seed: 3 });
    const f = feeds(11);
    const loss = await ManipulationLoss.create(relu, 'input', relu.outputs[0].name, 'abs-gradient', 0);
    const r = await loss.run(f.x, f.selector, f.target, f.reference);
    await loss.dispose();
    expect(r.loss).toBeGreaterThan(0);
    expect(Math.max(...Array.from(r.gradient.data, Math.abs))).toBe(0);
  });

  it('the map it returns is the normalised gradient map (mean |ĥ| = 1 per image)', async () => {
    const { ort } = await compareWithFiniteDifferences('abs-gradient', 3, 0.5);
    const d = SIZE * SIZE;
    for (let i = 0; i < BATCH; i++) {
      const mean = Array.from(ort.map.data.subarray(i * d, (i + 1) * d)).reduce((a, v) => a + Math.abs(v), 0) / d;
      expect(mean).toBeCloseTo(1, 4);
    }
  }, 60_000);

  it('refuses a negative γ with a one-line reason', () => {
    const g = tinyCnn({ size: SIZE, width: 2, hidden: 4, seed: 3 });
    expect(() => manipulationLossGraph(g, 'input', g.outputs[0].name, 'gradient', -1)).toThrow(/γ must be a number ≥ 0/);
  });
});
