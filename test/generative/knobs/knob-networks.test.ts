/**
 * The critic's mean-and-std pooling: its values against a direct computation on the pooled feature
 * map (float64 reference interpreter, no code shared with src/), and the network's input gradient
 * through it (what G's training sees of C) against central finite differences.
 */
import { describe, expect, it } from 'vitest';
import { knobDecoder, knobEncoder, propertyNet } from '../../../src/generative/knobs/knob-networks.js';
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

describe('latentStride 4', () => {
  it('encodes a 64×64 tile to a 16×16 z that the decoder draws back to 64×64, with A injected at 16×16 twice', async () => {
    const encoder = knobEncoder({ seed: 1, latentStride: 4, latent: 8 });
    const decoder = knobDecoder({ attributes: 3, seed: 2, latentStride: 4, latent: 8, upsampling: 'resize-conv' });
    expect(decoder.nodes.filter((n) => n.opType === 'Concat').map((n) => n.name)).toEqual(['join_latent', 'join16']);
    const run = async (g: Graph, feeds: Record<string, ReturnType<typeof tensor>>) => {
      const session = await createSession(g);
      const out = (await session.run(feeds))[g.outputs[0].name];
      await session.release();
      return out;
    };
    const z = await run(encoder, { input: randomTensor([2, 1, 64, 64], 3) });
    expect(z.shape).toEqual([2, 8, 16, 16]);
    expect((await run(decoder, { z, attributes: randomTensor([2, 3], 4) })).shape).toEqual([2, 1, 64, 64]);
  });
});

describe("knobDecoder with upsampling: 'resize-conv'", () => {
  const centreRange = (data: Float32Array, side: number, from: number, to: number) => {
    const centre = Array.from({ length: (to - from) ** 2 }, (_, i) => data[(from + Math.floor(i / (to - from))) * side + from + (i % (to - from))]);
    return Math.max(...centre) - Math.min(...centre);
  };

  it('draws a constant latent as a flat tile (no checkerboard), where ConvTranspose and the pixel shuffle draw a 2-pixel grid', async () => {
    const resizeConv = knobDecoder({ attributes: 3, seed: 2, upsampling: 'resize-conv' });
    expect(resizeConv.nodes.map((n) => n.opType)).not.toContain('ConvTranspose');
    expect(resizeConv.nodes.map((n) => n.opType)).not.toContain('DepthToSpace');
    const feeds = { z: tensor([1, 16, 8, 8], new Float32Array(16 * 64).fill(0.7)), attributes: tensor([1, 3], [0.2, 0.5, 0.9]) };
    const draw = async (g: Graph) => {
      const session = await createSession(g);
      const out = (await session.run(feeds))[g.outputs[0].name];
      await session.release();
      expect(out.shape).toEqual([1, 1, 64, 64]);
      return out.data;
    };
    // Padding reaches 9 pixels in from the border (1 per conv, doubled per upsampling); the centre is far from it.
    expect(centreRange(await draw(resizeConv), 64, 16, 48)).toBeLessThan(1e-6);
    expect(centreRange(await draw(knobDecoder({ attributes: 3, seed: 2 })), 64, 16, 48)).toBeGreaterThan(1e-3);
  });

  it.each(['resize-conv', 'resize-linear'] as const)('%s: its gradients w.r.t. the attributes and the latent match float64 central finite differences (relative L2 < 1e-3)', async (upsampling) => {
    const decoder = amplified(knobDecoder({ size: SIZE, width: 4, latent: 3, attributes: 3, seed: 5, upsampling }), 2);
    const output = decoder.outputs[0].name;
    const z = randomTensor([2, 3, 2, 2], 11, -1, 1);
    const a = randomTensor([2, 3], 12);
    const cotangent = randomTensor([2, 1, SIZE, SIZE], 13, -1, 1);
    const grads = buildGradientGraph(decoder, { outputs: [output], wrt: ['z', 'attributes'] });
    const session = await createSession(grads.graph);
    const out = await session.run({ z, attributes: a, [grads.cotangents[0]]: cotangent });
    await session.release();
    const objective = (zv: Float64Array, av: Float64Array) => {
      const y = runReference(decoder, { z: refTensor(z.shape, zv), attributes: refTensor(a.shape, av) }).get(output)!.data;
      return y.reduce((s, v, i) => s + v * cotangent.data[i], 0);
    };
    const h = 1e-6;
    const fdOf = (values: Float32Array, at: (x: Float64Array) => number) =>
      Array.from(values, (_, p) => {
        const up = Float64Array.from(values);
        const down = Float64Array.from(values);
        up[p] += h;
        down[p] -= h;
        return (at(up) - at(down)) / (2 * h);
      });
    const zBase = Float64Array.from(z.data);
    const aBase = Float64Array.from(a.data);
    const fdA = fdOf(a.data, (x) => objective(zBase, x));
    const fdZ = fdOf(z.data, (x) => objective(x, aBase));
    expect(Math.max(...fdA.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(relativeL2(Array.from(out[grads.gradients[1]].data), fdA)).toBeLessThan(1e-3);
    expect(relativeL2(Array.from(out[grads.gradients[0]].data), fdZ)).toBeLessThan(1e-3);
  });
});
