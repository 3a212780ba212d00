/**
 * `trustscope audit --demo`: the built-in scenario audited end to end. The clean and the shortcut
 * tiny CNN are trained with the demo's recipe, then each is audited the way a user would audit it:
 * on its own test split (with the defect masks as regions of interest and the specimen ids as
 * groups), with its training split as the OOD reference, and with a probe set whose corner artifact
 * appears independently of the defect for the descriptor surrogate.
 */
import { OnnxModel } from '../models/model.js';
import { ARTIFACT_INTENSITY, cornerMask, generateEmDefects } from '../data/synthetic/em-defects.js';
import { concatRows } from '../tensor/tensor.js';
import { subset, type Dataset } from '../data/dataset.js';
import { DEMO_SETTINGS, demoData, trainDemoModel } from './demo.js';
import type { Graph } from '../onnx/graph.js';
import { auditModel, type AuditInput, type AuditOptions, type ModelAudit } from './audit.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EmDefectSet } from '../data/synthetic/em-defects.js';
import { tinyCnnRecipe } from '../trust/leakage.js';

export interface DemoAuditOptions {
  seed?: number;
  /** Per-check options over the demo's own (3 leakage folds), e.g. from the command line. */
  checkOptions?: AuditOptions['checkOptions'];
  skip?: AuditOptions['skip'];
  onProgress?: (stage: string, fraction: number) => void;
}

export interface DemoAuditResult {
  seed: number;
  audits: { clean: ModelAudit; shortcut: ModelAudit };
  graphs: { clean: Graph; shortcut: Graph };
  timings: Record<string, number>;
  /**
   * The first EXAMPLE_IMAGES tiles of the shortcut model's test split, with labels, specimen ids and
   * defect masks: what the README's examples run on (the CLI writes them as .npy, TIFF and PNG).
   */
  examples: Dataset;
}

/** Test tiles handed out as examples: enough for every check the README runs, small enough to read. */
export const EXAMPLE_IMAGES = 64;

/** Probe images: half without, half with the corner artifact, whatever the label. */
export function probeImages(seed: number, base: ReturnType<typeof demoData>['base']) {
  const without = generateEmDefects({ ...base, count: 200, seed: seed + 7001, artifact: 'none' });
  const withArtifact = generateEmDefects({ ...base, count: 200, seed: seed + 7002, artifact: 'always' });
  return concatRows([without.images, withArtifact.images]);
}

/** What the demo audit hands a model's audit: its test split with the defect masks as ROI, its training split as reference, the probe set and the corner patch. */
export function demoAuditInput(name: string, model: OnnxModel, train: EmDefectSet, test: EmDefectSet, probe: Tensor, recipe: AuditInput['recipe']): AuditInput {
  return {
    name,
    model,
    data: { images: test.images, labels: test.labels, groups: test.groups, masks: { defect: test.masks!.defect } },
    reference: { images: train.images, labels: train.labels },
    probe,
    probeNote: 'Probe images: 400 tiles, the corner artifact on a random half whatever the label.',
    recipe,
    // The lecture's inject test: a user who suspects the detector's bright corner names it.
    intervention: { patch: demoArtifact(), targetClass: 1 },
  };
}

/** The demo's shortcut artifact: the saturated top-left square. */
export function demoArtifact() {
  return { mask: cornerMask(32, DEMO_SETTINGS.generator.artifactSize), value: ARTIFACT_INTENSITY };
}

export async function runDemoAudit(options: DemoAuditOptions = {}): Promise<DemoAuditResult> {
  const seed = options.seed ?? 1;
  const timings: Record<string, number> = {};
  let t = performance.now();
  const data = demoData(seed);
  const probe = probeImages(seed, data.base);
  timings['generating data'] = (performance.now() - t) / 1000;
  const onProgress = options.onProgress;
  // Three folds instead of five keep the leakage check's 2 × k retrainings near seven seconds per model.
  const checkOptions = { ...options.checkOptions, leakage: { folds: 3, ...options.checkOptions?.leakage } };
  // The leakage check retrains per fold: a shorter version of the demo recipe keeps the audit near a minute per model.
  const recipe = tinyCnnRecipe({ epochs: 10, batchSize: DEMO_SETTINGS.batchSize, learningRate: DEMO_SETTINGS.learningRate, weightDecay: DEMO_SETTINGS.weightDecay });
  const run = async (kind: 'clean' | 'shortcut') => {
    const train = kind === 'clean' ? data.cleanTrain : data.shortcutTrain;
    const test = kind === 'clean' ? data.cleanTest : data.shortcutTest;
    t = performance.now();
    const trained = await trainDemoModel(kind, train, seed, { onProgress: (p) => onProgress?.(p.stage, p.fraction) });
    timings[`${kind}: training`] = (performance.now() - t) / 1000;
    const model = new OnnxModel(trained.graph, { internalBatchSize: 256 });
    try {
      const audit = await auditModel(demoAuditInput(`${kind} model`, model, train, test, probe, recipe), { seed, checkOptions, skip: options.skip, onProgress });
      for (const [k, v] of Object.entries(audit.timings)) timings[`${kind}: ${k}`] = v;
      return { audit, graph: trained.graph };
    } finally {
      await model.dispose();
    }
  };
  const clean = await run('clean');
  const shortcut = await run('shortcut');
  const examples = subset(data.shortcutTest, Array.from({ length: Math.min(EXAMPLE_IMAGES, data.shortcutTest.labels.length) }, (_, i) => i));
  return { seed, audits: { clean: clean.audit, shortcut: shortcut.audit }, graphs: { clean: clean.graph, shortcut: shortcut.graph }, timings, examples };
}
