/**
 * The trust audit of one classifier, in the lecture's order: check leakage → check calibration →
 * explain (is the evidence where it should be?) → validate the explanation (sanity) → describe it in
 * physical terms → check the data (out of distribution) → per-image uncertainty. Each stage returns a
 * Finding; a stage whose inputs are missing says so (not-run) instead of guessing.
 */
import type { Dataset } from '../data/dataset.js';
import type { OnnxModel } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, firstNonFinite, shapeToString, takeRows } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { saliency } from '../attribution/saliency.js';
import type { TrainingRecipe } from '../trust/leakage.js';
import type { Finding } from './findings.js';
import { leakageCheck } from './leakage-check.js';
import { calibrationCheck, conformalCheck } from './calibration-check.js';
import { shortcutCheck } from './shortcut-check.js';
import { sanityCheck } from './sanity-check.js';
import { descriptorCheck } from './descriptor-check.js';
import { oodCheck } from './ood-check.js';
import { interventionCheck, type InterventionSpec } from './intervention-check.js';

export interface AuditInput {
  /** Shown in the report ("clean model", the file name…). */
  name: string;
  model: OnnxModel;
  /** The audited data: images with labels; groups (specimen ids) and masks ('roi' or 'defect') when known. */
  data: Dataset;
  /** Training-distribution images for the OOD detectors (labels needed for Mahalanobis class means). */
  reference?: Dataset;
  /** Images for the descriptor surrogate (default: the audited images). */
  probe?: Tensor;
  probeNote?: string;
  /** Retraining recipe for the leakage check (default: the model's architecture re-initialised). */
  recipe?: TrainingRecipe;
  /** A suspected nuisance patch and the class it might fake (the inject test). */
  intervention?: InterventionSpec;
}

export interface AuditOptions {
  seed?: number;
  /** Images for the randomisation sanity check (default 16). */
  sanityImages?: number;
  /** Folds of the leakage check (default 5). */
  folds?: number;
  /** Skip stages by id (e.g. 'leakage' to save its retraining time). */
  skip?: readonly Finding['id'][];
  onProgress?: (stage: string, fraction: number) => void;
}

export interface ModelAudit {
  name: string;
  images: number;
  accuracy: number;
  findings: Finding[];
  /** Seconds per stage. */
  timings: Record<string, number>;
}

function checkInput(input: AuditInput): void {
  const { data, model } = input;
  const n = data.images.shape[0];
  if (data.images.shape.slice(1).join() !== model.inputShape.join()) {
    throw new Error(`audit: the images have shape ${shapeToString(data.images.shape)} but the model takes [N, ${model.inputShape.join(', ')}]`);
  }
  if (data.labels.length !== n) throw new Error(`audit: ${n} images but ${data.labels.length} labels; give one label per image (--labels)`);
  if (data.groups && data.groups.length !== n) throw new Error(`audit: ${n} images but ${data.groups.length} group ids; give one specimen id per image (--groups)`);
  if (n < 20) throw new Error(`audit: only ${n} images; the checks need at least 20 labelled images`);
  const bad = firstNonFinite(data.images.data);
  if (bad >= 0) throw new Error(`audit: the images hold a non-finite value (${data.images.data[bad]}) at flat index ${bad}; clean the data first`);
}

export async function auditModel(input: AuditInput, options: AuditOptions = {}): Promise<ModelAudit> {
  checkInput(input);
  const { model, data } = input;
  const seed = options.seed ?? 0;
  const skip = new Set(options.skip ?? []);
  const timings: Record<string, number> = {};
  const findings: Finding[] = [];
  const progress = (stage: string) => (f: number) => options.onProgress?.(`${input.name}: ${stage}`, f);
  const stage = async (id: Finding['id'], label: string, run: () => Promise<Finding>) => {
    if (skip.has(id)) return;
    const t = performance.now();
    progress(label)(0);
    findings.push(await run());
    progress(label)(1);
    timings[label] = (performance.now() - t) / 1000;
  };

  const logits = await model.forward(data.images);
  const predicted = argmaxRows(logits);
  const accuracy = predicted.filter((p, i) => p === data.labels[i]).length / predicted.length;

  await stage('leakage', 'leakage (grouped retraining)', () => leakageCheck(model, data, { folds: options.folds, seed, recipe: input.recipe, onProgress: progress('leakage (grouped retraining)') }));
  await stage('calibration', 'calibration', () => calibrationCheck(logits, data.labels, seed));
  await stage('shortcut', 'shortcut (explain + transplant)', () => shortcutCheck(model, data, { seed }));
  if (input.intervention) await stage('intervention', 'intervention (named patch)', () => interventionCheck(model, data, input.intervention!));
  await stage('sanity', 'sanity (randomisation)', () => {
    const rows = new Random(seed + 3).permutation(data.labels.length).slice(0, options.sanityImages ?? 16);
    return sanityCheck(model, saliency, takeRows(data.images, rows), { seed, onProgress: progress('sanity (randomisation)') });
  });
  await stage('descriptors', 'descriptors (surrogate)', () => descriptorCheck(model, input.probe ?? data.images, { seed, probeNote: input.probeNote }));
  await stage('ood', 'out of distribution', () => oodCheck(model, input.reference, data.images, { seed, onProgress: (s, f) => options.onProgress?.(`${input.name}: ${s}`, f) }));
  await stage('conformal', 'conformal sets', async () => conformalCheck(logits, data.labels, seed));
  return { name: input.name, images: data.labels.length, accuracy, findings, timings };
}

/** audit.json's view of a model audit (numbers and verdicts, no pictures). */
export function auditJson(a: ModelAudit) {
  return {
    name: a.name,
    images: a.images,
    accuracy: a.accuracy,
    verdicts: Object.fromEntries(a.findings.map((f) => [f.id, f.verdict])),
    findings: a.findings.map(({ figures: _figures, ...rest }) => rest),
    timings: a.timings,
  };
}
