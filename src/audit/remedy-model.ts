/**
 * The remedy loop for any classifier: given the flagged model, its training data, the expert's mark
 * of the artifact (a mask and the intensity it paints) and what its audit saw, retrain it with each
 * remedy, re-audit each result with the same inputs and seed, and measure where the saliency sits
 * (inside the ROI vs the marked region) and the accuracy on artifact-free data when given.
 * Retraining starts from fresh weights when the caller can build them (`fresh`, as the demo can);
 * otherwise it fine-tunes the flagged model's own weights (an imported architecture's initialiser
 * is unknown).
 */
import type { Tensor } from '../tensor/tensor.js';
import { row, takeRows } from '../tensor/tensor.js';
import type { Graph } from '../onnx/graph.js';
import { OnnxModel } from '../models/model.js';
import { trainClassifier, type TrainOptions } from '../models/train.js';
import type { Dataset } from '../data/dataset.js';
import { saliency } from '../attribution/saliency.js';
import { regionContrast } from '../evaluate/region.js';
import { accuracyOn, type Patch } from '../trust/intervention.js';
import { counterfactualAugmentation } from '../training/counterfactual-augmentation.js';
import { auditModel, type AuditInput, type ModelAudit } from './audit.js';
import { roiMask } from './check.js';

export const REMEDIES = ['counterfactual-augmentation', 'right-for-the-right-reasons'] as const;
export type RemedyName = (typeof REMEDIES)[number];

export interface SaliencyPlacement {
  /** Mean normalised saliency inside the region of interest vs everywhere else. */
  roi: { inside: number; outside: number; ratio: number };
  /** Mean normalised saliency in the marked artifact region vs inside the ROI. */
  artifactOverRoi: number;
}

export interface RemediedModel {
  audit: ModelAudit;
  /** NaN when no artifact-free data was given. */
  artifactFreeAccuracy: number;
  saliency: SaliencyPlacement;
  /** Saliency maps of the example images (each explained for its own label). */
  maps: Tensor[];
  graph: Graph;
}

export interface RemedyOutcome extends RemediedModel {
  name: RemedyName;
  /** λ of the penalty; null for the augmentation (it has none). */
  lambda: number | null;
  training: string;
}

export interface RemedyResult {
  seed: number;
  before: RemediedModel;
  remedies: RemedyOutcome[];
  skipped: readonly string[];
  /** The example images (ROI-marked rows of the audited data) with their ROI masks. */
  examples: { images: Tensor[]; roi: Tensor[] };
  artifact: Patch;
  timings: Record<string, number>;
}

export interface RemedyModelInput {
  /** What the report calls the flagged model (default 'flagged model'). */
  name?: string;
  /** The flagged model, as trained. */
  graph: Graph;
  /** Its architecture with fresh weights, to retrain from scratch; absent: fine-tune `graph`. */
  fresh?: () => Graph;
  /** Its training data. */
  train: Dataset;
  /** The marked artifact: a [H, W] mask and the intensity it paints. */
  artifact: Patch;
  /** What the audits of every model see (the audited data needs ROI masks). */
  audit: Omit<AuditInput, 'name' | 'model'>;
  /** Data without the artifact, for the accuracy that tells a shortcut from the physics. */
  artifactFree?: Dataset;
  /** The training recipe of every retraining. */
  recipe: Pick<TrainOptions, 'epochs' | 'batchSize' | 'learningRate' | 'weightDecay' | 'schedule' | 'seed'>;
}

export interface RemedySettings {
  remedies: readonly RemedyName[];
  lambda: number;
  pasteShare: number;
  skip: readonly string[];
  /** Seed of the audits. */
  seed: number;
  explainImages: number;
  examples: number;
  onProgress?: (stage: string, fraction: number) => void;
}

function dropBatch(t: Tensor): Tensor {
  return { shape: t.shape.slice(1), data: t.data };
}

export function checkRemedySettings(s: Pick<RemedySettings, 'remedies' | 'lambda'>): void {
  if (!(s.lambda >= 0) || !Number.isFinite(s.lambda)) throw new Error(`remedy: λ must be a finite number ≥ 0 (got ${s.lambda})`);
  const unknown = s.remedies.find((n) => !REMEDIES.includes(n));
  if (unknown !== undefined) throw new Error(`remedy: there is no remedy '${unknown}'; remedies: ${REMEDIES.join(', ')}`);
  if (s.remedies.length === 0) throw new Error(`remedy: no remedy chosen; give one or more of ${REMEDIES.join(', ')}`);
}

/** The training-option addition that is each remedy. */
function remedyTraining(name: RemedyName, artifact: Patch, s: RemedySettings): Pick<TrainOptions, 'augment' | 'inputGradientPenalty'> {
  return name === 'counterfactual-augmentation'
    ? { augment: counterfactualAugmentation(artifact, { pasteShare: s.pasteShare }) }
    : { inputGradientPenalty: { mask: artifact.mask, lambda: s.lambda, explained: 'all-classes' } };
}

function describeTraining(name: RemedyName, s: RemedySettings, fromScratch: boolean, epochs: number): string {
  const start = fromScratch ? `retrained from scratch (same initial weights and batches as the flagged model, ${epochs} epochs)` : `fine-tuned from the flagged model's weights (${epochs} epochs)`;
  return name === 'counterfactual-augmentation'
    ? `${start}, the marked artifact pasted into ${100 * s.pasteShare}% of each batch's images of every class and erased from the rest`
    : `${start} with λ·Σ(mask ⊙ ∂ Σ_k log p_k/∂x)² added to the loss, λ = ${s.lambda}, mask = the marked artifact`;
}

export async function remedyModel(input: RemedyModelInput, s: RemedySettings): Promise<RemedyResult> {
  checkRemedySettings(s);
  const progress = s.onProgress ?? (() => undefined);
  const timings: Record<string, number> = {};
  const clock = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = (performance.now() - t) / 1000;
    }
  };
  const roi = roiMask(input.audit.data);
  if (!roi) throw new Error('remedy: the audited data has no region-of-interest masks; give them (--roi): the shortcut check and the saliency placement need them');
  const [, , h, w] = input.audit.data.images.shape;
  if (input.artifact.mask.length !== h * w) throw new Error(`remedy: the artifact mask has ${input.artifact.mask.length} pixels but the images are ${h}×${w}; give an [H, W] mask`);
  const plane = h * w;
  const marked = input.audit.data.labels.map((_, i) => i).filter((i) => roi.mask.data.subarray(i * plane, (i + 1) * plane).some((v) => v > 0.5)).slice(0, s.explainImages);
  if (marked.length === 0) throw new Error('remedy: every region-of-interest mask is empty; mark the evidence in at least one image');
  const images = takeRows(input.audit.data.images, marked);
  const roiMasks = takeRows(roi.mask, marked);
  const labels = marked.map((i) => input.audit.data.labels[i]);
  const artifactMasks: Tensor = { shape: roiMasks.shape, data: new Float32Array(roiMasks.data.length).map((_, i) => input.artifact.mask[i % plane]) };
  const k = Math.min(s.examples, marked.length);
  const pick = (x: Tensor) => Array.from({ length: k }, (_, i) => dropBatch(row(x, i)));

  const assess = async (label: string, graph: Graph): Promise<RemediedModel> => {
    const model = new OnnxModel(graph, { internalBatchSize: 256 });
    try {
      const audit = await clock(`${label}: audit`, () => auditModel({ ...input.audit, name: label, model }, { seed: s.seed, skip: s.skip, onProgress: progress }));
      const artifactFreeAccuracy = input.artifactFree ? await accuracyOn(model, input.artifactFree.images, input.artifactFree.labels) : NaN;
      const sal = await saliency.attribute(model, images, { target: labels });
      const inRoi = regionContrast(sal.values, roiMasks);
      const artifactOverRoi = regionContrast(sal.values, artifactMasks, roiMasks).ratio;
      return { audit, artifactFreeAccuracy, saliency: { roi: { ...inRoi }, artifactOverRoi }, maps: pick(sal.values), graph };
    } finally {
      await model.dispose();
    }
  };

  const before = await assess(input.name ?? 'flagged model', input.graph);
  const remedies: RemedyOutcome[] = [];
  for (const name of s.remedies) {
    const start = input.fresh ? input.fresh() : input.graph;
    const trained = await clock(`${name}: training`, () =>
      trainClassifier(start, input.train.images, input.train.labels, {
        ...input.recipe,
        ...remedyTraining(name, input.artifact, s),
        onProgress: (p) => progress(`training the ${name} model`, p.fraction),
      }),
    );
    const after = await assess(`${name} model`, trained.graph);
    remedies.push({ name, lambda: name === 'right-for-the-right-reasons' ? s.lambda : null, training: describeTraining(name, s, input.fresh !== undefined, input.recipe.epochs), ...after });
  }
  return { seed: s.seed, before, remedies, skipped: s.skip, examples: { images: pick(images), roi: pick(roiMasks) }, artifact: input.artifact, timings };
}
