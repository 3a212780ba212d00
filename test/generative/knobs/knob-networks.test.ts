/**
 * The critic's mean-and-std pooling: its values against a direct computation on the pooled feature
 * map (float64 reference interpreter, no code shared with src/), and the network's input gradient
 * through it (what G's training sees of C) against central finite differences.
 */
import { describe, expect, it } from 'vitest';
import { knobDecoder, propertyNet } from '../../../src/generative/knobs/knob-networks.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { DataType, floatTensorValue, type Graph } from '../../../src/onnx/graph.js';
import { randomTensor, relativeL2 } from '../../helpers/models.js';
import { refTensor, runReference } from '../../onnx/reference-interpreter.js';

const SIZE = 16;
/** Weights scaled up so that an untrained net's gradients are well above float32 finite-difference noise. */
function amplified(graph: Graph, factor: number): Graph {
  const initializers = new Map([...graph.initializers].map(([k, v]) => [k, v.dataType === DataType.FLOAT && v.dims.length > 1 ? floatTensorValue(v.dims, Float32Array.from(v.data as Float32Array, (x) => x * factor)) : v]));
  return { ...graph, initializers };
}
const net = amplified(propertyNet({ outputs: 2, size: SIZE, width: 4, hidden: 8, pooling: 'mean-std', seed: 7 }), 3);
const image = randomTensor([2, 1, SIZE, SIZE], 8);

function valueOf(graph: Graph, opType: string): string {
  const node = graph.nodes.find((n) => n.opType === opType && n.outputs[0].includes('mean_std_pool'));
  if (!node) throw new Error(`no ${opType} node`);
  return node.outputs[0];
}

describe('propertyNet with mean-and-std pooling', () => {
  it('pools each channel to its spatial mean and standard deviation', () => {
    const pooledInput = net.nodes.find((n) => n.opType === 'MaxPool' && n.outputs[0].startsWith('pool3'))!.outputs[0];
    const values = runReference(net, { input: refTensor(image.shape, image.data) });
    const map = values.get(pooledInput)!;
    const pooled = values.get(valueOf(net, 'Concat'))!;
    const [n, c, h, w] = map.shape;
    expect(pooled.shape).toEqual([n, 2 * c, 1, 1]);
    let checked = 0;
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const cell = Array.from(map.data.subarray((i * c + ch) * h * w, (i * c + ch + 1) * h * w));
        const mean = cell.reduce((a, b) => a + b, 0) / cell.length;
        const variance = cell.reduce((a, v) => a + (v - mean) ** 2, 0) / cell.length;
        expect(pooled.data[i * 2 * c + ch]).toBeCloseTo(mean, 10);
        expect(pooled.data[i * 2 * c + c + ch]).toBeCloseTo(Math.sqrt(variance + 1e-4), 7); // ε is a float32 constant;
        if (variance > 1e-3) checked++;
      }
    }
    expect(checked).toBeGreaterThan(2);
  });

  it('its input gradient matches central finite differences (relative L2 < 1e-3)', async () => {
    const output = net.outputs[0].name;
    const grads = buildGradientGraph(net, { outputs: [output], wrt: ['input'] });
    const session = await createSession(grads.graph);
    const cotangent = [1, -0.5, 0.25, 2];
    const out = await session.run({ input: image, [grads.cotangents[0]]: tensor([2, 2], cotangent) });
    await session.release();
    const analytic = Array.from(out[grads.gradients[0]].data);
    const objective = (x: Float64Array) => {
      const y = runReference(net, { input: refTensor(image.shape, x) }).get(output)!.data;
      return y.reduce((a, v, i) => a + v * cotangent[i], 0);
    };
    // Every 7th pixel of both tiles: enough to cover the pooling's paths, cheap in float64.
    const h = 1e-6;
    const picked: number[] = [];
    const fd: number[] = [];
    for (let p = 0; p < image.data.length; p += 7) {
      const up = Float64Array.from(image.data);
      const down = Float64Array.from(image.data);
      up[p] += h;
      down[p] -= h;
      picked.push(analytic[p]);
      fd.push((objective(up) - objective(down)) / (2 * h));
    }
    expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(relativeL2(picked, fd)).toBeLessThan(1e-3);
  });
});

describe('knobDecoder', () => {
  it('injects the attributes at 8×8 and 16×16, and at 32×32 only when asked', async () => {
    const joins = (g: Graph) => g.nodes.filter((n) => n.opType === 'Concat').map((n) => n.name);
    expect(joins(knobDecoder({ attributes: 3, seed: 1 }))).toEqual(['join8', 'join16']);
    const withHalf = knobDecoder({ attributes: 3, seed: 1, injectAtHalfScale: true });
    expect(joins(withHalf)).toEqual(['join8', 'join16', 'join32']);
    const session = await createSession(withHalf);
    const out = await session.run({ z: randomTensor([2, 16, 8, 8], 3), attributes: randomTensor([2, 3], 4) });
    await session.release();
    expect(out[withHalf.outputs[0].name].shape).toEqual([2, 1, 64, 64]);
  });
});
