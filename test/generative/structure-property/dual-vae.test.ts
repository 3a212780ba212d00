/**
 * The dual VAE's loss graph: its KL term equals the closed form, its KL and reconstruction
 * gradients (from trustscope's ONNX autodiff) match central finite differences and the analytic
 * ∂KL/∂μ = μ, ∂KL/∂log σ² = ½(σ² − 1); training is deterministic under a seed.
 */
import { describe, expect, it } from 'vitest';
import { DUAL_VAE, dualVaeImageEncoder, dualVaeSpectrumDecoder, dualVaeSpectrumEncoder, dualVaeTrainingGraph } from '../../../src/generative/structure-property/dual-vae.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { weightsAsInputs } from '../../../src/models/train.js';
import { trainSummedLoss } from '../../../src/models/train-summed-loss.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor, takeRows, type Tensor } from '../../../src/tensor/tensor.js';

const shape = { channels: 1, size: 8, width: 2, bins: 6, latent: 3, hidden: 8 };
const N = 4;
function inputs(seed: number): Record<string, Tensor> {
  const r = new Random(seed);
  const draw = (dims: number[], f: () => number) => tensor(dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, f));
  return {
    [DUAL_VAE.image]: draw([N, 1, 8, 8], () => r.next()),
    [DUAL_VAE.spectrum]: draw([N, 6], () => r.uniform(0, 1.5)),
    [DUAL_VAE.epsilonImage]: draw([N, 3], () => r.normal()),
    [DUAL_VAE.epsilonSpectrum]: draw([N, 3], () => r.normal()),
  };
}

describe('dual VAE loss graph', () => {
  const training = dualVaeTrainingGraph(shape, 7, { beta: 1, align: 0.5 });
  const feeds = inputs(11);

  it('computes KL = −½ Σ(1 + log σ² − μ² − σ²) of both posteriors and decodes z = μ + σ·ε through its cuts', async () => {
    const full = await createSession(training.graph);
    const out = await full.run(feeds);
    const encI = await createSession(dualVaeImageEncoder(training));
    const encS = await createSession(dualVaeSpectrumEncoder(training));
    const dec = await createSession(dualVaeSpectrumDecoder(training));
    const eI = await encI.run({ [DUAL_VAE.image]: feeds[DUAL_VAE.image] });
    const eS = await encS.run({ [DUAL_VAE.spectrum]: feeds[DUAL_VAE.spectrum] });
    let kl = 0;
    let sse = 0;
    const spectrum = feeds[DUAL_VAE.spectrum].data;
    for (const [e, mu, lv, eps] of [[eI, DUAL_VAE.muImage, DUAL_VAE.logVarImage, DUAL_VAE.epsilonImage], [eS, DUAL_VAE.muSpectrum, DUAL_VAE.logVarSpectrum, DUAL_VAE.epsilonSpectrum]] as const) {
      const z = new Float32Array(N * 3);
      for (let i = 0; i < N * 3; i++) {
        const m = e[mu].data[i];
        const l = e[lv].data[i];
        kl += -0.5 * (1 + l - m * m - Math.exp(l));
        z[i] = m + Math.exp(0.5 * l) * feeds[eps].data[i];
      }
      const decoded = (await dec.run({ [DUAL_VAE.z]: tensor([N, 3], z) }))[DUAL_VAE.spectrumOut].data;
      for (let i = 0; i < N * 6; i++) sse += (decoded[i] - spectrum[i]) ** 2;
    }
    expect(out[DUAL_VAE.terms.kl].data[0]).toBeCloseTo(kl, 4);
    // Both samples are decoded by the one spectrum decoder: the term is Σ over both of the per-example mean over bins.
    expect(out[DUAL_VAE.terms.spectrumReconstruction].data[0]).toBeCloseTo(sse / 6, 4);
    const again = dualVaeTrainingGraph(shape, 7, { beta: 1, align: 0.5 });
    expect(again.graph.initializers.get('mu_image.weight')!.data).toEqual(training.graph.initializers.get('mu_image.weight')!.data);
    await Promise.all([full.release(), encI.release(), encS.release(), dec.release()]);
  });

  it('gives ∂KL/∂μ = μ and ∂KL/∂log σ² = ½(σ² − 1) exactly', async () => {
    const g = buildGradientGraph(training.graph, { outputs: [DUAL_VAE.terms.kl], wrt: [DUAL_VAE.muImage, DUAL_VAE.logVarImage], keep: [DUAL_VAE.muImage, DUAL_VAE.logVarImage] });
    const s = await createSession(g.graph);
    const out = await s.run({ ...feeds, [g.cotangents[0]]: tensor([], [1]) });
    const mu = out[DUAL_VAE.muImage].data;
    const lv = out[DUAL_VAE.logVarImage].data;
    for (let i = 0; i < N * 3; i++) {
      expect(out[g.gradients[0]].data[i]).toBeCloseTo(mu[i], 5);
      expect(out[g.gradients[1]].data[i]).toBeCloseTo(0.5 * (Math.exp(lv[i]) - 1), 5);
    }
    await s.release();
  });

  for (const term of ['kl', 'imageReconstruction', 'spectrumReconstruction'] as const) {
    it(`matches central finite differences for the ${term} term's weight gradients`, async () => {
      const value = DUAL_VAE.terms[term];
      const w = weightsAsInputs(training.graph);
      const g = buildGradientGraph(w.editor.build(), { outputs: [value], wrt: w.names, keep: [value] });
      const s = await createSession(g.graph);
      const evaluate = async () => (await s.run({ ...feeds, ...w.feeds(), [g.cotangents[0]]: tensor([], [1]) }));
      const base = await evaluate();
      // One entry of each family of parameters the term reaches: encoder conv, heads, decoders.
      const probes = ['image_encoder_conv1.weight', 'image_encoder_fc.weight', 'logvar_image.weight', 'mu_spectrum.bias', 'spectrum_encoder_fc1.weight', 'image_decoder_up2.weight', 'spectrum_decoder_fc2.weight'];
      let compared = 0;
      for (const name of probes) {
        const k = w.names.indexOf(name);
        expect(k).toBeGreaterThanOrEqual(0);
        const analytic = base[g.gradients[k]].data;
        for (const j of [0, Math.floor(w.values[k].length / 2)]) {
          const h = 1e-2;
          const keep = w.values[k][j];
          w.values[k][j] = keep + h;
          const up = (await evaluate())[value].data[0];
          w.values[k][j] = keep - h;
          const down = (await evaluate())[value].data[0];
          w.values[k][j] = keep;
          const numeric = (up - down) / (2 * h);
          expect(Math.abs(numeric - analytic[j])).toBeLessThan(2e-3 + 1e-2 * Math.abs(analytic[j]));
          if (analytic[j] !== 0) compared++;
        }
      }
      expect(compared).toBeGreaterThan(3);
      await s.release();
    });
  }

  it('trains deterministically under a seed (same weights twice; another seed differs)', async () => {
    const data = inputs(5);
    const count = N;
    const spec = {
      loss: DUAL_VAE.loss,
      terms: Object.values(DUAL_VAE.terms),
      count,
      feeds: (rows: readonly number[], random: Random) => ({
        [DUAL_VAE.image]: takeRows(data[DUAL_VAE.image], rows),
        [DUAL_VAE.spectrum]: takeRows(data[DUAL_VAE.spectrum], rows),
        [DUAL_VAE.epsilonImage]: tensor([rows.length, 3], Float32Array.from({ length: rows.length * 3 }, () => random.normal())),
        [DUAL_VAE.epsilonSpectrum]: tensor([rows.length, 3], Float32Array.from({ length: rows.length * 3 }, () => random.normal())),
      }),
    };
    const run = (seed: number) => trainSummedLoss(training.graph, spec, { epochs: 3, batchSize: 2, learningRate: 1e-2, seed });
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    const weightsOf = (r: typeof a) => Array.from(r.graph.initializers.get('spectrum_decoder_fc3.weight')!.data as Float32Array);
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(a.history).toEqual(b.history);
    expect(weightsOf(c)).not.toEqual(weightsOf(a));
    expect(a.history[2].loss).toBeLessThan(a.history[0].loss);
  });
});
