/**
 * `trustscope remedy --demo` (issue 17): the demo's shortcut model is retrained with each remedy
 * that uses the expert's mark of its corner artifact, then re-audited (remedy-model.ts), so the
 * report can show the verdicts, the saliency and the accuracy on artifact-free tiles before and
 * after. Two remedies, both real runs of the demo's own recipe on the shortcut model's own training
 * tiles, from the same initial weights:
 * - counterfactual augmentation (training/counterfactual-augmentation.ts): paste or erase the
 *   artifact at random in every batch, so it no longer predicts the label;
 * - right for the right reasons (models/input-gradient-penalty.ts): λ·Σ(mask ⊙ ∂ Σ_k log p_k/∂x)²
 *   added to the loss, via second-order reverse mode through the ONNX autodiff.
 * Both retrain from scratch rather than fine-tune: the remedied model must not inherit the
 * shortcut's features and merely mask them, and a from-scratch run costs the same as the original
 * training (12 epochs of 3000 tiles).
 */
import type { OptionSpec } from '../options/option-spec.js';
import { DEMO_SETTINGS, demoArchitecture, demoData, demoTrainOptions, trainDemoModel, type DemoSettings } from './demo.js';
import { demoArtifact, demoAuditInput, probeImages } from './demo-audit.js';
import { tinyCnnRecipe } from '../trust/leakage.js';
import { OnnxModel } from '../models/model.js';
import { auditJson } from './audit.js';
import { REMEDIES, checkRemedySettings, remedyModel, type RemedyName, type RemedyResult, type RemediedModel } from './remedy-model.js';

export { REMEDIES, type RemedyName, type RemedyResult, type RemediedModel, type RemedyOutcome } from './remedy-model.js';

export const REMEDY_DEFAULTS = {
  /** λ of the right-reasons penalty (seed 1: λ = 1, 10 and 100 all clear the flags; README "Remedy"). */
  lambda: 10,
  /** Share of images the artifact is pasted into by the augmentation (the rest: erased). */
  pasteShare: 0.5,
  /** Checks left out of the before/after audits: leakage retrains 6 models and judges the data split, which no remedy changes. */
  skip: ['leakage'] as readonly string[],
  /** ROI-marked test images whose saliency is summarised, and example overlays kept. */
  explainImages: 200,
  examples: 4,
};

/** The remedy run's options, declared once: the CLI's flags and --help come from here. */
export const REMEDY_OPTIONS: readonly OptionSpec[] = [
  { key: 'remedies', flag: '--remedies', kind: 'string-list', default: REMEDIES, help: 'remedies to run, in order' },
  { key: 'lambda', flag: '--lambda', kind: 'number', default: REMEDY_DEFAULTS.lambda, min: 0, help: 'λ of the right-for-the-right-reasons penalty λ·Σ(mask ⊙ ∂ Σ_k log p_k/∂x)²' },
  { key: 'pasteShare', flag: '--paste-share', kind: 'number', default: REMEDY_DEFAULTS.pasteShare, min: 0, max: 1, help: 'counterfactual augmentation: share of each batch the artifact is pasted into (the rest have it erased)' },
  { key: 'skip', flag: '--skip', kind: 'string-list', default: REMEDY_DEFAULTS.skip, help: 'audit checks left out of the before/after audits (leakage retrains 6 models and judges the split, not the model)' },
];

/** The retraining recipe of a remedy on your own model (the demo uses its own recipe). */
export const REMEDY_RECIPE_OPTIONS: readonly OptionSpec[] = [
  { key: 'epochs', flag: '--epochs', kind: 'integer', default: 12, min: 1, help: 'with --model: epochs of each retraining' },
  { key: 'learningRate', flag: '--learning-rate', kind: 'number', default: 3e-3, above: 0, help: 'with --model: Adam learning rate (cosine schedule)' },
  { key: 'weightDecay', flag: '--weight-decay', kind: 'number', default: 0, min: 0, help: 'with --model: L2 weight decay' },
  {
    key: 'start',
    flag: '--start',
    kind: 'choice',
    choices: ['scratch', 'fine-tune'],
    default: 'scratch',
    help: "with --model: retrain from re-initialised weights (PyTorch's default initialiser, seeded) or fine-tune the flagged weights (on the demo, 4 fine-tuning epochs left augmentation at 0.79 and RRR at 0.53 artifact-free accuracy)",
  },
];

export interface RemedyOptions {
  seed?: number;
  remedies?: readonly RemedyName[];
  lambda?: number;
  pasteShare?: number;
  skip?: readonly string[];
  /** Overrides of the demo's settings (smaller runs for tests; the defaults are what the README reports). */
  settings?: Partial<DemoSettings>;
  onProgress?: (stage: string, fraction: number) => void;
}

export async function runDemoRemedy(options: RemedyOptions = {}): Promise<RemedyResult> {
  const seed = options.seed ?? 1;
  const settings = {
    remedies: options.remedies ?? REMEDIES,
    lambda: options.lambda ?? REMEDY_DEFAULTS.lambda,
    pasteShare: options.pasteShare ?? REMEDY_DEFAULTS.pasteShare,
    skip: options.skip ?? REMEDY_DEFAULTS.skip,
    seed,
    explainImages: REMEDY_DEFAULTS.explainImages,
    examples: REMEDY_DEFAULTS.examples,
    onProgress: options.onProgress,
  };
  // Before minutes of training.
  checkRemedySettings(settings);
  const data = demoData(seed, options.settings);
  const probe = probeImages(seed, data.base);
  const t = performance.now();
  const shortcut = await trainDemoModel('shortcut', data.shortcutTrain, seed, { settings: options.settings, onProgress: (p) => options.onProgress?.(p.stage, p.fraction) });
  const trainingSeconds = (performance.now() - t) / 1000;
  // Only the leakage check reads the recipe (skipped by default).
  const recipe = tinyCnnRecipe({ epochs: 10, batchSize: DEMO_SETTINGS.batchSize, learningRate: DEMO_SETTINGS.learningRate, weightDecay: DEMO_SETTINGS.weightDecay });
  // The audit input's model is replaced per audited model; this one only carries the shape.
  const { name: _n, model: _m, ...audit } = demoAuditInput('shortcut model', new OnnxModel(shortcut.graph), data.shortcutTrain, data.shortcutTest, probe, recipe);
  const result = await remedyModel(
    {
      name: 'shortcut model',
      graph: shortcut.graph,
      fresh: () => demoArchitecture(seed),
      train: data.shortcutTrain,
      artifact: demoArtifact(),
      audit,
      // The shortcut test tiles before the corner was painted in: the same tiles, no artifact.
      artifactFree: { images: data.shortcutTest.withoutArtifact, labels: data.shortcutTest.labels },
      recipe: demoTrainOptions(seed, options.settings),
    },
    settings,
  );
  result.timings['shortcut model: training'] = trainingSeconds;
  return result;
}

/** remedy.json: per remedy the keys (name, lambda, verdicts and artifact-free accuracy before/after), plus the saliency placement. */
export function remedyJson(r: RemedyResult) {
  const verdicts = (m: RemediedModel) => auditJson(m.audit).verdicts;
  return {
    seed: r.seed,
    skippedChecks: r.skipped,
    remedies: r.remedies.map((m) => ({
      name: m.name,
      lambda: m.lambda,
      training: m.training,
      before: { verdicts: verdicts(r.before) },
      after: { verdicts: verdicts(m) },
      artifactFreeAccuracy: { before: r.before.artifactFreeAccuracy, after: m.artifactFreeAccuracy },
      saliency: { before: r.before.saliency, after: m.saliency },
    })),
    /** Seconds per stage (training and audit of each model). */
    timings: r.timings,
  };
}
