import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/onnx/builder.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { iceFidelity, iceForClass } from '../../src/concepts/ice.js';
import { modelTail } from '../../src/concepts/model-tail.js';

/** 1×1 identity conv → ReLU → global mean → linear head W: class k's score is Σ_c W[k,c]·mean(x_c). */
const W = [1.5, -1, -0.5, 2];
function model(): OnnxModel {
  const b = new ModelBuilder('ice-analytic', 1);
  const x = b.input('x', [2, 4, 4]);
  const c = b.conv(x, 'conv1', 2, { kernel: 1 });
  const r = b.relu(c, 'relu1');
  const g = b.globalAveragePool(r, 'gap');
  const f = b.flatten(g, 'flat');
  const y = b.linear(f, 'head', 2);
  const set = (name: string, values: number[]) => (b.editor.initializers.get(name)!.data as Float32Array).set(values);
  set('conv1.weight', [1, 0, 0, 1]);
  set('conv1.bias', [0, 0]);
  set('head.weight', W);
  set('head.bias', [0, 0]);
  return new OnnxModel(b.output(y));
}

/** An image with `strength` in channel `ch` on a 2×2 patch at (oy, ox), zero elsewhere. */
function image(ch: number, strength: number, oy: number, ox: number): number[] {
  const out = new Array(32).fill(0);
  for (let y = oy; y < oy + 2; y++) for (let x = ox; x < ox + 2; x++) out[ch * 16 + y * 4 + x] = strength;
  return out;
}

// Four class-0 images (channel 0), four class-1 images (channel 1), and two class-1 images that
// carry channel 0 more strongly than any class-0 image: the class-0 concept's top 5 are those two
// and three class-0 images, purity 3/5.
const rows = [image(0, 1, 0, 0), image(0, 1.2, 2, 2), image(0, 0.8, 1, 1), image(0, 1.1, 0, 2), image(1, 1, 0, 0), image(1, 1, 2, 2), image(1, 0.9, 1, 0), image(1, 1.3, 2, 1), image(0, 3, 1, 1), image(0, 2.5, 0, 1)];
const labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
const images = tensor([rows.length, 2, 4, 4], rows.flat());

describe('iceForClass on an analytic model', () => {
  it('finds the class channel as the concept, with known top images, purity and importance', async () => {
    const m = model();
    const r = await iceForClass(m, images, labels, 0, { layer: 'relu1_out', components: 1, topK: 5, seed: 2 });
    const [concept] = r.concepts;
    expect(concept.direction[0]).toBeCloseTo(1, 6);
    expect(Math.abs(concept.direction[1])).toBeLessThan(1e-6);
    expect(concept.topImages).toEqual([8, 9, 1, 3, 0]);
    expect(concept.purity).toBeCloseTo(0.6, 12);
    // d(score_0)/d(concept) = Σ_positions W[0,0]/16 · P_0 = W[0,0] for the unit direction P = e0.
    expect(concept.importance).toBeCloseTo(W[0], 5);
    expect(r.relativeError).toBeLessThan(1e-4);
    expect(concept.maps.shape).toEqual([5, 4, 4]);
    // Image 1's patch sits at rows/cols 2..3: its concept map is the patch's strength there, 0 elsewhere.
    const map1 = concept.maps.data.subarray(2 * 16, 3 * 16);
    const scale = map1[2 * 4 + 2] / 1.2;
    for (let p = 0; p < 16; p++) expect(map1[p]).toBeCloseTo((rows[1][p] ?? 0) * scale, 5);
  });
});

describe('ICE purity by share of activation', () => {
  it('ranks an image by how much of its activation the concept explains, not by the raw concept map', async () => {
    // Image 10 (class 1) carries channel 0 at strength 4 (the largest concept map of all) but
    // channel 1 at 4 too: the class-0 concept explains half of its activation, so the share ranking
    // drops it; the mean-map ranking puts it first.
    const both = image(0, 4, 0, 0).map((v, i) => v + image(1, 4, 0, 0)[i]);
    const x = tensor([rows.length + 1, 2, 4, 4], [...rows.flat(), ...both]);
    const y = [...labels, 1];
    const r = await iceForClass(model(), x, y, 0, { layer: 'relu1_out', components: 1, topK: 5, seed: 2 });
    const [concept] = r.concepts;
    expect(concept.meanScoreTopImages[0]).toBe(10);
    expect(concept.meanScorePurity).toBeCloseTo(0.4, 12);
    expect(concept.topImages).toEqual([8, 9, 1, 3, 0]);
    expect(concept.purity).toBeCloseTo(0.6, 12);
    for (const s of concept.topShares) expect(s).toBeCloseTo(1, 4);
    // Contribution to score 0: the head is linear after global pooling, so ∇ = W[0, c]/16 everywhere
    // and image i's contribution is 1.5 × mean channel-0 activation: image 10 (4 on 4 of 16 pixels)
    // gives 1.5, image 8 gives 1.5 × 0.75; the ranking is the mean-map ranking here.
    expect(concept.contributionTopImages).toEqual(concept.meanScoreTopImages);
    expect(concept.topContributions[0]).toBeCloseTo(1.5, 4);
    expect(concept.topContributions[1]).toBeCloseTo(1.5 * 0.75, 4);
    expect(concept.contributionPurity).toBeCloseTo(0.4, 12);
  });
});

describe('iceFidelity', () => {
  it('keeps every prediction at full rank and matches the direct forward pass', async () => {
    const m = model();
    const direct = (await m.forward(images)).data;
    const tail = modelTail(m, 'relu1_out');
    const [a] = await m.activations(images, ['relu1_out']);
    expect(Array.from((await tail.forward(a)).data)).toEqual(Array.from(direct));
    const f = await iceFidelity(m, images, labels, 'relu1_out', [1, 2], 4);
    // Predictions: class 0 for channel-0 images (1.5·m > −0.5·m), class 1 for channel-1 ones: 8/10 right.
    expect(f.baseline).toBeCloseTo(0.8, 12);
    expect(f.points[1]).toEqual({ components: 2, accuracy: 0.8, agreement: 1 });
    expect(f.points[0].components).toBe(1);
  });

  it('refuses a layer that a skip connection bypasses', () => {
    const b = new ModelBuilder('skip', 1);
    const x = b.input('x', [2]);
    const h = b.linear(x, 'fc1', 2);
    const y = b.op('Add', 'sum', [h, x], [-1, 2]);
    expect(() => modelTail(new OnnxModel(b.output(y)), 'fc1_out')).toThrow(/skip connection/);
  });
});
