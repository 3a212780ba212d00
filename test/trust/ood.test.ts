/** OOD detectors on hand logits, and the AUROC table on the demo's clean model with cheap training. */
import { describe, expect, it } from 'vitest';
import { energyScores, formatOodTable, layerFeatures, maxSoftmaxScores, oodShare, oodTable, reconstructionErrors, typicalityCentre, typicalityScores } from '../../src/trust/ood.js';
import { OnnxModel } from '../../src/models/model.js';
import { trainClassifier } from '../../src/models/train.js';
import { trainReconstruction } from '../../src/models/train-autoencoder.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { convAutoencoder } from '../../src/models/zoo/autoencoder.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { generateShiftedSet } from '../../src/data/synthetic/shifts.js';
import { DEMO_SETTINGS } from '../../src/audit/demo.js';
import { tensor } from '../../src/tensor/tensor.js';

describe('detector scores on hand values', () => {
  // Logits are float32: log 3 is stored to ~1e-8, so 7 digits.
  const logits = tensor([2, 2], [0, Math.log(3), 5, 5]);

  it('max-softmax: −0.75 for softmax (¼, ¾), −0.5 for a tie', () => {
    const s = maxSoftmaxScores(logits);
    expect(s[0]).toBeCloseTo(-0.75, 7);
    expect(s[1]).toBeCloseTo(-0.5, 7);
  });

  it('energy: −T·log Σ exp(z/T) at T = 1 and T = 2', () => {
    const e1 = energyScores(logits);
    expect(e1[0]).toBeCloseTo(-Math.log(4), 7);
    expect(e1[1]).toBeCloseTo(-(5 + Math.log(2)), 7);
    expect(energyScores(logits, 2)[0]).toBeCloseTo(-2 * Math.log(1 + Math.sqrt(3)), 7);
    expect(() => energyScores(logits, 0)).toThrow(/temperature must be > 0/);
  });

  it('typicality: |log e − median log e| of the reference errors', () => {
    const centre = typicalityCentre([1, Math.E, Math.E ** 2]);
    expect(centre).toBeCloseTo(1, 12);
    expect(Array.from(typicalityScores([Math.E ** 3, 1, Math.E], centre)).map((v) => +v.toFixed(12))).toEqual([2, 1, 0]);
  });

  it('oodShare: threshold at the in-distribution quantile (linear interpolation), share above it', () => {
    const r = oodShare([1, 2, 3, 4, 5], [4, 4.9, 5, 6], 0.75);
    expect(r.threshold).toBe(4);
    expect(r.share).toBe(0.75);
  });
});

describe('the AUROC table on the clean demo model', () => {
  it('heavy noise is caught by reconstruction error; contrast loss by its two-sided typicality form', async () => {
    const gen = DEMO_SETTINGS.generator;
    const train = generateEmDefects({ count: 400, seed: 21, ...gen });
    const test = generateEmDefects({ count: 150, seed: 22, ...gen });
    const clf = await trainClassifier(tinyCnn({ seed: 11 }), train.images, train.labels, {
      epochs: 3, learningRate: DEMO_SETTINGS.learningRate, weightDecay: DEMO_SETTINGS.weightDecay, schedule: 'cosine', seed: 13,
    });
    const ae = await trainReconstruction(convAutoencoder({ width: 4, code: 8, seed: 3 }), train.images, { epochs: 4, batchSize: 32, learningRate: 3e-3, schedule: 'cosine', seed: 4 });
    const classifier = new OnnxModel(clf.graph, { internalBatchSize: 256 });
    const autoencoder = new OnnxModel(ae.graph, { internalBatchSize: 256 });
    const shifted = (['dose-creep', 'contrast-loss', 'thickness'] as const).map((kind, i) => ({
      name: kind,
      images: generateShiftedSet(kind, { count: 150, seed: 30 + i, severity: 1, generator: gen }).images,
    }));
    const table = await oodTable({ classifier, autoencoder, train, inDistribution: test.images, shifted });
    console.log(`[ood] AUROC, clean tiny CNN (400 images, 3 epochs) + autoencoder (4 epochs), severity 1:\n${formatOodTable(table)}`);
    const row = (name: string) => table.shifts.find((s) => s.name === name)!.auroc;
    expect(row('dose-creep').reconstruction!).toBeGreaterThan(0.9);
    expect(row('contrast-loss')['reconstruction-typicality']!).toBeGreaterThan(0.8);
    // Scores line up with their sets and the reconstruction column is what reconstructionErrors gives.
    expect(table.inDistribution.reconstruction!.length).toBe(150);
    expect(Array.from(table.inDistribution.reconstruction!.slice(0, 3))).toEqual(Array.from((await reconstructionErrors(autoencoder, test.images)).slice(0, 3)));

    // The penultimate features: the cut graph's forward equals layerVjp's activation with a zero cotangent.
    const fast = await layerFeatures(classifier, tensor([8, 1, 32, 32], test.images.data.slice(0, 8 * 1024)));
    const viaVjp = await classifier.layerVjp(tensor([8, 1, 32, 32], test.images.data.slice(0, 8 * 1024)), 'relu3_out', tensor([8, 2]));
    expect(fast.shape).toEqual([8, 32]);
    expect(Array.from(fast.data)).toEqual(Array.from(viaVjp.activation.data));
    await classifier.dispose();
    await autoencoder.dispose();
  }, 120_000);
});
