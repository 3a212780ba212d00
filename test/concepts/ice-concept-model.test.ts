import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/onnx/builder.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { iceForClass } from '../../src/concepts/ice.js';
import { rankByClassProbability, reconstructFromConcepts } from '../../src/concepts/ice-concept-model.js';

/**
 * Planted concepts. 1×1 identity conv → ReLU → global mean → linear head, three channels, three
 * classes: z_A = 4·mean(ch0), z_B = 4·(mean(ch1) − mean(ch2)), z_C = 4·mean(ch2). Class A has its own
 * channel 0; class B is channel 1 alone; class C is channels 1 and 2 together, so B's one concept
 * (channel 1) is also in every C image. A 2×2 patch of strength s on the 4×4 map has mean s/4: the
 * winning logit is s.
 */
function model(): OnnxModel {
  const b = new ModelBuilder('ice-planted', 1);
  const x = b.input('x', [3, 4, 4]);
  const r = b.relu(b.conv(x, 'conv1', 3, { kernel: 1 }), 'relu1');
  const y = b.linear(b.flatten(b.globalAveragePool(r, 'gap'), 'flat'), 'head', 3);
  const set = (name: string, values: number[]) => (b.editor.initializers.get(name)!.data as Float32Array).set(values);
  set('conv1.weight', [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  set('conv1.bias', [0, 0, 0]);
  set('head.weight', [4, 0, 0, 0, 4, -4, 0, 0, 4]);
  set('head.bias', [0, 0, 0]);
  return new OnnxModel(b.output(y));
}

function image(channels: number[], s: number): number[] {
  const out = new Array(48).fill(0);
  for (const ch of channels) for (let y = 1; y < 3; y++) for (let x = 1; x < 3; x++) out[ch * 16 + y * 4 + x] = s;
  return out;
}

// A: 0..3, B: 4..7, C: 8..9 (C's patches stronger than any B's).
const planted: [number[], number, number][] = [
  [[0], 1, 0], [[0], 1.2, 0], [[0], 0.8, 0], [[0], 1.1, 0],
  [[1], 1, 1], [[1], 1.1, 1], [[1], 0.9, 1], [[1], 1.2, 1],
  [[1, 2], 1.5, 2], [[1, 2], 1.3, 2],
];
const images = tensor([planted.length, 3, 4, 4], planted.flatMap(([ch, s]) => image(ch, s)));
const labels = planted.map(([, , y]) => y);
/** The network's probability of the winning class when its logit is s and the other two are 0. */
const p = (s: number) => Math.exp(s) / (Math.exp(s) + 2);

describe('ICE concept-model purity on planted concepts', () => {
  it('is 1 for the class with its own channel', async () => {
    const r = await iceForClass(model(), images, labels, 0, { layer: 'relu1_out', components: 1, topK: 4, seed: 3 });
    expect(r.conceptModel!.topImages).toEqual([1, 3, 0, 2]);
    expect(r.conceptModel!.purity).toBe(1);
    expect(r.network!.purity).toBe(1);
    expect(r.conceptModel!.topProbabilities[0]).toBeCloseTo(p(1.2), 5);
  });

  it('drops to 1/2 for the class whose only concept another class shares, while the network itself is pure', async () => {
    const r = await iceForClass(model(), images, labels, 1, { layer: 'relu1_out', components: 1, topK: 4, seed: 3 });
    // B's concept is channel 1: a C image reconstructed from it loses channel 2 and becomes a B image of strength 1.5 / 1.3.
    expect(r.conceptModel!.topImages).toEqual([8, 9, 7, 5]);
    expect(r.conceptModel!.purity).toBe(0.5);
    [1.5, 1.3, 1.2, 1.1].forEach((s, t) => expect(r.conceptModel!.topProbabilities[t]).toBeCloseTo(p(s), 5));
    // Unreconstructed, C's channel 2 cancels z_B: the network's own top 4 are the B images.
    expect(r.network!.topImages).toEqual([7, 5, 4, 6]);
    expect(r.network!.purity).toBe(1);
  });

  it('keeps the class whose concept includes what sets it apart', async () => {
    // C's concept is channels 1+2 equally: a B image (channel 1 at s) reconstructs to s/2 on both, logit z_C = s/2 < C's own.
    const r = await iceForClass(model(), images, labels, 2, { layer: 'relu1_out', components: 1, topK: 3, seed: 3 });
    expect(r.conceptModel!.topImages).toEqual([8, 9, 7]);
    expect(r.conceptModel!.purity).toBeCloseTo(2 / 3, 12);
    expect(r.conceptModel!.topProbabilities[2]).toBeCloseTo(p(0.6), 5);
  });
});

describe('ranking helpers', () => {
  it('ranks by softmax probability with ties to the lower index, and reconstructs S·P position by position', () => {
    const out = tensor([3, 2], [0, 1, 1, 0, 0, 1]);
    const ranked = rankByClassProbability(out, [1, 0, 0], 1, 2);
    expect(ranked.topImages).toEqual([0, 2]);
    expect(ranked.purity).toBe(0.5);
    for (const q of ranked.topProbabilities) expect(q).toBeCloseTo(Math.exp(1) / (Math.exp(1) + 1), 6);
    // One image, 2 positions, 2 concepts over 3 channels.
    const r = reconstructFromConcepts(new Float64Array([1, 0, 2, 3]), new Float64Array([1, 0, 1, 0, 1, 0]), 1, 3, 2, 2);
    expect(Array.from(r)).toEqual([1, 2, 0, 3, 1, 2]);
  });
});
