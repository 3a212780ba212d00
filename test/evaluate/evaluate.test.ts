/**
 * The checks on the demo's two models (the lecture scenario, trained with the demo's recipe on fewer
 * images): weight randomisation makes the clean model's saliency collapse, and localisation puts
 * the clean model's saliency inside the defect and the shortcut model's in the corner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateExplanations, evaluationJson, parseMetrics } from '../../src/evaluate/evaluate.js';
import { DEMO_SETTINGS } from '../../src/audit/demo.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import type { EmDefectSet } from '../../src/data/synthetic/em-defects.js';
import { indicesWhere, subset } from '../../src/data/dataset.js';
import type { Dataset } from '../../src/data/dataset.js';
import { trainClassifier } from '../../src/models/train.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { OnnxModel } from '../../src/models/model.js';
import { saliency } from '../../src/attribution/saliency.js';

const SEED = 1;
const TRAIN_IMAGES = 800;
const EPOCHS = 6;
const EXPLAINED = 24;

async function train(data: EmDefectSet): Promise<OnnxModel> {
  const s = DEMO_SETTINGS;
  const trained = await trainClassifier(tinyCnn({ seed: SEED + 11 }), data.images, data.labels, {
    epochs: EPOCHS,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    weightDecay: s.weightDecay,
    schedule: 'cosine',
    seed: SEED + 13,
  });
  return new OnnxModel(trained.graph, { internalBatchSize: 256 });
}

let clean: OnnxModel;
let shortcut: OnnxModel;
let cleanDefects: Dataset;
let shortcutDefects: Dataset;

beforeAll(async () => {
  const g = DEMO_SETTINGS.generator;
  const base = { ...g, contrast: [...g.contrast] as [number, number], radius: [...g.radius] as [number, number] };
  clean = await train(generateEmDefects({ ...base, count: TRAIN_IMAGES, seed: SEED, artifact: 'none' }));
  shortcut = await train(generateEmDefects({ ...base, count: TRAIN_IMAGES, seed: SEED, artifact: 'with-defect' }));
  const pick = (set: EmDefectSet) => subset(set, indicesWhere(set, (l) => l === 1).slice(0, EXPLAINED));
  cleanDefects = pick(generateEmDefects({ ...base, count: 120, seed: SEED + 1000, artifact: 'none' }));
  shortcutDefects = pick(generateEmDefects({ ...base, count: 120, seed: SEED + 1000, artifact: 'with-defect' }));
});

afterAll(async () => {
  await clean?.dispose();
  await shortcut?.dispose();
});

describe('evaluate on the demo models', () => {
  it('randomisation: the clean model\'s saliency collapses by the last cascade step and passes', async () => {
    const r = await evaluateExplanations(clean, saliency, cleanDefects.images, {
      metrics: ['randomisation', 'localisation', 'complexity'],
      mask: cleanDefects.masks!.defect,
      target: 1,
      metricOptions: { randomisation: { modes: ['cascading'] } },
    });
    const rand = r.randomisation!;
    const steps = rand.cascading!;
    console.log('clean saliency cascade ρ:', steps.map((s) => `${s.layer} ${s.spearman.toFixed(3)}`).join(', '), '| baseline', rand.baseline.spearman.toFixed(3), '| ssim', steps.map((s) => s.ssim.toFixed(3)).join(' '), '| hotspots', steps.map((s) => s.hotspotSurvival.toFixed(2)).join(' '));
    expect(rand.baseline.kind).toBe('input-noise');
    expect(rand.baseline.spearman).toBeGreaterThan(0.8);
    expect(steps[steps.length - 1].spearman).toBeLessThan(0.3);
    expect(rand.verdict.passes).toBe(true);
    expect(r.verdicts.map((v) => v.check)).toEqual(['randomisation', 'localisation', 'complexity']);

    const loc = r.localisation!;
    console.log('clean saliency in the defect: AUC', loc.auc.mean, 'μ', loc.attributionLocalisation.mean, 'pointing', loc.pointingGame.mean, 'inside/outside', loc.insideOutside?.ratio);
    expect(loc.auc.mean!).toBeGreaterThan(0.8);
    expect(loc.pointingGame.mean!).toBeGreaterThan(0.7);
    expect(r.verdicts[1].passes).toBe(true);
    // JSON has no tensors and no NaN.
    const json = JSON.stringify(evaluationJson(r));
    expect(json).not.toMatch(/NaN|"attributions"|"maps"/);
  });

  it('localisation: the shortcut model\'s saliency sits in the corner, the clean model\'s in the defect', async () => {
    const corner = await evaluateExplanations(shortcut, saliency, shortcutDefects.images, { metrics: ['localisation'], mask: shortcutDefects.masks!.corner, target: 1 });
    const defect = await evaluateExplanations(shortcut, saliency, shortcutDefects.images, { metrics: ['localisation'], mask: shortcutDefects.masks!.defect, target: 1 });
    const cleanCorner = await evaluateExplanations(clean, saliency, cleanDefects.images, { metrics: ['localisation'], mask: cleanDefects.masks!.corner, target: 1 });
    const cleanDefect = await evaluateExplanations(clean, saliency, cleanDefects.images, { metrics: ['localisation'], mask: cleanDefects.masks!.defect, target: 1 });
    const m = (r: typeof corner) => r.localisation!.relevanceMassAccuracy.mean!;
    console.log('mass accuracy: shortcut corner', m(corner), 'defect', m(defect), '| clean corner', m(cleanCorner), 'defect', m(cleanDefect));
    // Per pixel of region: the shortcut model's mass sits in the corner, the clean model's in the defect.
    expect(corner.localisation!.pointingGame.mean!).toBeGreaterThan(0.7);
    expect(corner.localisation!.auc.mean!).toBeGreaterThan(cleanCorner.localisation!.auc.mean!);
    expect(cleanDefect.localisation!.auc.mean!).toBeGreaterThan(defect.localisation!.auc.mean!);
    expect(cleanCorner.localisation!.pointingGame.mean!).toBeLessThan(0.1);
  });

  it('names bad requests in one line', async () => {
    await expect(evaluateExplanations(clean, saliency, cleanDefects.images, { metrics: ['localisation'] })).rejects.toThrow(/localisation needs a region mask/);
    expect(() => parseMetrics('randomisation,speed')).toThrow(/unknown metric 'speed'; choose from randomisation, localisation, faithfulness, robustness, complexity/);
    expect(parseMetrics('complexity, randomisation,complexity')).toEqual(['complexity', 'randomisation']);
  });
});
