/**
 * The adversarial term: D's LSGAN step and G's γ·(D(edited) − 1)² term must have the gradients of
 * their objectives, checked against central finite differences computed by the float64 reference
 * interpreter (test/onnx, no code shared with src/); and γ > 0 training stays reproducible.
 */
import { describe, expect, it } from 'vitest';
import { ATTRIBUTES } from '../../../src/generative/knobs/knob-networks.js';
import { discriminatorObjective, patchDiscriminator, realThenFakeTargets } from '../../../src/generative/knobs/knob-discriminator.js';
import { generatorObjective, trainKnobGenerator } from '../../../src/generative/knobs/train-knob-generator.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { concatRows, tensor, type Tensor } from '../../../src/tensor/tensor.js';
import type { Graph } from '../../../src/onnx/graph.js';
import { randomTensor, relativeL2 } from '../../helpers/models.js';
import { amplified, B, K, SIZE, smallBatch, smallCritic, smallDecoder, smallEncoder } from '../../helpers/small-knob-networks.js';
import { refTensor, runReference } from '../../onnx/reference-interpreter.js';

const encoder = smallEncoder();
const decoder = smallDecoder();
const critic = smallCritic();
const discriminator = amplified(patchDiscriminator({ size: SIZE, width: 4, seed: 9 }), 2);
const { tiles, a, edited } = smallBatch();
const run = async (g: Graph, feeds: Record<string, Tensor>) => {
  const s = await createSession(g);
  const out = await s.run(feeds);
  await s.release();
  return out;
};
const h = 1e-4;

describe('the patch discriminator and the adversarial term', () => {
  it("D's LSGAN step: its gradient w.r.t. D's weights matches central finite differences", async () => {
    const d = discriminatorObjective(discriminator);
    expect(d.scoreShape).toEqual([1, SIZE / 4, SIZE / 4]);
    const cells = SIZE * SIZE / 16;
    const x = concatRows([tiles, randomTensor([B, 1, SIZE, SIZE], 7)]);
    const t = realThenFakeTargets(B, cells);
    const out = await run(d.grads.graph, {
      [d.input]: x,
      [d.target]: tensor([2 * B, 1, SIZE / 4, SIZE / 4], t),
      [d.grads.cotangents[0]]: tensor([2 * B, 1, SIZE / 4, SIZE / 4], new Float32Array(2 * B * cells).fill(1 / (2 * B * cells))),
      ...d.weights.feeds(),
    });
    const loss = (w: number, e: number, delta: number) => {
      const feeds: Record<string, ReturnType<typeof refTensor>> = { [d.input]: refTensor(x.shape, x.data), [d.target]: refTensor([2 * B, 1, SIZE / 4, SIZE / 4], t) };
      d.weights.names.forEach((name, i) => {
        const v = Float64Array.from(d.weights.values[i]);
        if (i === w) v[e] += delta;
        feeds[name] = refTensor(d.weights.shapes[i], v);
      });
      const sq = runReference(d.forward, feeds).get(d.squared)!.data;
      return sq.reduce((s, v) => s + v, 0) / sq.length;
    };
    const picks = d.weights.names.flatMap((_, w) => [0, 5].map((e) => ({ w, e: e % d.weights.values[w].length })));
    const fd = picks.map(({ w, e }) => (loss(w, e, h) - loss(w, e, -h)) / (2 * h));
    const analytic = picks.map(({ w, e }) => out[d.grads.gradients[w]].data[e]);
    expect(Math.max(...analytic.map(Math.abs))).toBeGreaterThan(1e-4);
    expect(relativeL2(analytic, fd)).toBeLessThan(1e-3);
  });

  it("G's adversarial term: D reads the edited half, and the gradient w.r.t. E's and G's weights matches finite differences", async () => {
    const o = generatorObjective(encoder, decoder, critic, false, discriminator);
    const dWeights = discriminatorObjective(discriminator).weights;
    const dFeeds = Object.fromEntries(o.discriminatorInputs!.map((name, i) => [name, tensor(dWeights.shapes[i], dWeights.values[i])]));
    const cells = SIZE * SIZE / 16;
    const gamma = 0.7;
    const base = { [o.input]: tiles, [ATTRIBUTES]: concatRows([a, edited]), [o.target]: edited, ...dFeeds, ...o.weights.feeds() };
    const out = await run(o.grads.graph, {
      ...base,
      [o.grads.cotangents[0]]: tensor([B, 1, SIZE, SIZE], new Float32Array(B * SIZE * SIZE)),
      [o.grads.cotangents[1]]: tensor([B, K], new Float32Array(B * K)),
      [o.grads.cotangents[2]]: tensor([B, 1, SIZE / 4, SIZE / 4], new Float32Array(B * cells).fill(gamma / (B * cells))),
    });
    // Forward check: the adversarial output is (D(edited tiles) − 1)² with D run on its own.
    const scores = (await run(discriminator, { input: out[o.edited] }))[discriminator.outputs[0].name];
    expect(relativeL2(Array.from(out[o.adversarial!].data), Array.from(scores.data, (v) => (v - 1) ** 2))).toBeLessThan(1e-5);
    expect(o.weights.names.some((n) => n.startsWith('discriminator/') || n.startsWith('critic/'))).toBe(false);
    const loss = (w: number, e: number, delta: number) => {
      const feeds: Record<string, ReturnType<typeof refTensor>> = {};
      for (const [name, value] of Object.entries(base)) feeds[name] = refTensor(value.shape, value.data);
      o.weights.names.forEach((name, i) => {
        const v = Float64Array.from(o.weights.values[i]);
        if (i === w) v[e] += delta;
        feeds[name] = refTensor(o.weights.shapes[i], v);
      });
      const sq = runReference(o.forward, feeds).get(o.adversarial!)!.data;
      return (gamma * sq.reduce((s, v) => s + v, 0)) / sq.length;
    };
    const picks = ['enc1.weight', 'decoder/dec1.weight', 'decoder/dec_out.weight'].flatMap((name) => {
      const w = o.weights.names.indexOf(name);
      expect(w, name).toBeGreaterThanOrEqual(0);
      return [0, 7, 13].map((e) => ({ w, e }));
    });
    const fd = picks.map(({ w, e }) => (loss(w, e, h) - loss(w, e, -h)) / (2 * h));
    const analytic = picks.map(({ w, e }) => out[o.grads.gradients[w]].data[e]);
    expect(Math.max(...analytic.map(Math.abs))).toBeGreaterThan(1e-5);
    expect(relativeL2(analytic, fd)).toBeLessThan(1e-3);
  });

  it('trains with γ > 0 reproducibly, reporting both adversarial losses, and rejects a negative γ', async () => {
    const images = randomTensor([6, 1, SIZE, SIZE], 7);
    const attributes = randomTensor([6, K], 8);
    const train = () => trainKnobGenerator({ encoder, decoder, critic, images, attributes, epochs: 2, batchSize: 4, seed: 3, adversarialWeight: 0.2 });
    const [first, second] = [await train(), await train()];
    for (const e of first.history) expect(Number.isFinite(e.adversarial!) && Number.isFinite(e.discriminator!)).toBe(true);
    expect(second.history).toEqual(first.history);
    expect(first.discriminator).toBeDefined();
    await expect(trainKnobGenerator({ encoder, decoder, critic, images, attributes, epochs: 1, seed: 3, adversarialWeight: -1 })).rejects.toThrow(/γ ≥ 0/);
  });
});
