/**
 * The generator's training step: E encodes the batch once, G draws it twice (A, then A'), C reads
 * only the edited half. Its outputs must equal E, G and C run one after another, and its gradient
 * w.r.t. E's and G's weights must match central finite differences of the objective computed by the
 * float64 reference interpreter (test/onnx, no code shared with src/).
 */
import { describe, expect, it } from 'vitest';
import { ATTRIBUTES, LATENT } from '../../../src/generative/knobs/knob-networks.js';
import { generatorObjective, trainKnobGenerator } from '../../../src/generative/knobs/train-knob-generator.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { concatRows, tensor } from '../../../src/tensor/tensor.js';
import type { Graph } from '../../../src/onnx/graph.js';
import { blurImage } from '../../../src/generative/knobs/critic-augmentation.js';
import { randomTensor, relativeL2 } from '../../helpers/models.js';
import { B, K, SIZE, smallBatch, smallCritic, smallDecoder, smallEncoder } from '../../helpers/small-knob-networks.js';
import { refTensor, runReference } from '../../onnx/reference-interpreter.js';

const encoder = smallEncoder();
const decoder = smallDecoder();
const critic = smallCritic();
const { tiles, a, edited } = smallBatch();
const run = async (g: Graph, feeds: Record<string, ReturnType<typeof tensor>>) => {
  const s = await createSession(g);
  const out = await s.run(feeds);
  await s.release();
  return out;
};

describe('the generator training objective', () => {
  it('reconstructs with A and lets C read only the A′ half, as E, G and C run one after another do', async () => {
    const o = generatorObjective(encoder, decoder, critic);
    const out = await run(o.forward, { [o.input]: tiles, [ATTRIBUTES]: concatRows([a, edited]), [o.target]: edited, ...o.weights.feeds() });
    const z = (await run(encoder, { input: tiles }))[LATENT];
    const recon = (await run(decoder, { [LATENT]: z, [ATTRIBUTES]: a }))[decoder.outputs[0].name];
    const drawn = (await run(decoder, { [LATENT]: z, [ATTRIBUTES]: edited }))[decoder.outputs[0].name];
    const read = (await run(critic, { input: drawn }))[critic.outputs[0].name];
    expect(out[o.reconstruction].shape).toEqual([B, 1, SIZE, SIZE]);
    expect(out[o.attribute].shape).toEqual([B, K]);
    const reconSquared = Array.from(recon.data, (v, i) => (v - tiles.data[i]) ** 2);
    const attrSquared = Array.from(read.data, (v, i) => (v - edited.data[i]) ** 2);
    expect(relativeL2(Array.from(out[o.reconstruction].data), reconSquared)).toBeLessThan(1e-5);
    expect(relativeL2(Array.from(out[o.attribute].data), attrSquared)).toBeLessThan(1e-5);
  });

  it('with blurCriticInput, C reads the edited tiles through the 3×3 binomial blur (edges replicated)', async () => {
    const o = generatorObjective(encoder, decoder, critic, true);
    const out = await run(o.forward, { [o.input]: tiles, [ATTRIBUTES]: concatRows([a, edited]), [o.target]: edited, ...o.weights.feeds() });
    const z = (await run(encoder, { input: tiles }))[LATENT];
    const drawn = (await run(decoder, { [LATENT]: z, [ATTRIBUTES]: edited }))[decoder.outputs[0].name];
    const blurred = tensor(drawn.shape, Array.from({ length: B }, (_, i) => Array.from(blurImage(drawn.data.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE), SIZE, 1))).flat());
    const read = (await run(critic, { input: blurred }))[critic.outputs[0].name];
    expect(relativeL2(Array.from(out[o.attribute].data), Array.from(read.data, (v, i) => (v - edited.data[i]) ** 2))).toBeLessThan(1e-5);
    expect(o.weights.names.some((n) => n.includes('blur'))).toBe(false);
  });

  it("its gradient w.r.t. E's and G's weights matches central finite differences (relative L2 < 1e-3)", async () => {
    const o = generatorObjective(encoder, decoder, critic);
    const pixels = SIZE * SIZE;
    const weightsOfTerm = [1, 1, 3];
    const cot = tensor([B, K], Array.from({ length: B * K }, (_, i) => weightsOfTerm[i % K] / (B * K)));
    const out = await run(o.grads.graph, {
      [o.input]: tiles,
      [ATTRIBUTES]: concatRows([a, edited]),
      [o.target]: edited,
      [o.grads.cotangents[0]]: tensor([B, 1, SIZE, SIZE], new Float32Array(B * pixels).fill(1 / (B * pixels))),
      [o.grads.cotangents[1]]: cot,
      ...o.weights.feeds(),
    });
    // A few entries of the first encoder conv, the first decoder conv and the last decoder conv.
    const picks = ['enc1.weight', 'decoder/dec1.weight', 'decoder/dec_out.weight'].flatMap((name) => {
      const w = o.weights.names.indexOf(name);
      expect(w, name).toBeGreaterThanOrEqual(0);
      return [0, 7, 13].map((e) => ({ w, e }));
    });
    const objective = (w: number, e: number, d: number) => {
      const feeds: Record<string, ReturnType<typeof refTensor>> = {
        [o.input]: refTensor(tiles.shape, tiles.data),
        [ATTRIBUTES]: refTensor([2 * B, K], [...a.data, ...edited.data]),
        [o.target]: refTensor(edited.shape, edited.data),
      };
      o.weights.names.forEach((name, i) => {
        const v = Float64Array.from(o.weights.values[i]);
        if (i === w) v[e] += d;
        feeds[name] = refTensor(o.weights.shapes[i], v);
      });
      const r = runReference(o.forward, feeds);
      const recon = r.get(o.reconstruction)!.data.reduce((s, v) => s + v, 0) / (B * pixels);
      const attr = r.get(o.attribute)!.data.reduce((s, v, i) => s + v * cot.data[i], 0);
      return recon + attr;
    };
    const h = 1e-4;
    const fd = picks.map(({ w, e }) => (objective(w, e, h) - objective(w, e, -h)) / (2 * h));
    const analytic = picks.map(({ w, e }) => out[o.grads.gradients[w]].data[e]);
    expect(Math.max(...analytic.map(Math.abs))).toBeGreaterThan(1e-4);
    expect(relativeL2(analytic, fd)).toBeLessThan(1e-3);
  });

  it('trains: one epoch on a handful of tiles lowers neither term to NaN and is reproducible', async () => {
    const images = randomTensor([6, 1, SIZE, SIZE], 7);
    const attributes = randomTensor([6, K], 8);
    const train = () => trainKnobGenerator({ encoder, decoder, critic, images, attributes, epochs: 2, batchSize: 4, seed: 3 });
    const [first, second] = [await train(), await train()];
    expect(first.history).toHaveLength(2);
    for (const e of first.history) expect(Number.isFinite(e.reconstruction) && Number.isFinite(e.attribute)).toBe(true);
    expect(second.history).toEqual(first.history);
  });
});
