/**
 * The trust audit of one classifier: every registered check (checks.ts, in the lecture's order) run
 * on one shared context. The model's logits on the audited images are computed here once and handed
 * to every check; each check gets its own seed stream keyed by its id; a check whose declared inputs
 * are missing says so (NOT RUN) instead of guessing.
 */
import { argmaxRows, firstNonFinite, shapeToString, tensor, type Tensor } from '../tensor/tensor.js';
import type { Task } from '../models/task.js';
import { regressionFit, type RegressionFit } from '../trust/regression-intervals.js';
import { auditedOutputs } from './regression-outputs.js';
import { Random } from '../tensor/random.js';
import type { Finding } from './findings.js';
import { runCheck, taskOf, type AuditContext, type AuditInput, type Check } from './check.js';
import { CHECKS } from './checks.js';
import { qualityText, segmentationSummary } from './segmentation-summary.js';
import type { SegmentationOverlap } from '../trust/segmentation-overlap.js';

export type { AuditInput, InterventionSpec } from './check.js';

export interface AuditOptions {
  seed?: number;
  /** Options per check id, overriding its declared defaults, e.g. `{ leakage: { folds: 3 } }`. */
  checkOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Skip checks by id (e.g. 'leakage' to save its retraining time). */
  skip?: readonly string[];
  /** The checks to run, in order (default: the registry). */
  checks?: readonly Check[];
  onProgress?: (stage: string, fraction: number) => void;
}

export interface ModelAudit {
  name: string;
  images: number;
  task: Task;
  /** Share of correct argmax predictions; NaN for a regressor (see `fit`). */
  accuracy: number;
  /** A segmenter's IoU/Dice per class and pixel accuracy (segmentation-summary.ts), in place of accuracy. */
  overlap?: SegmentationOverlap;
  /** Regression: MAE, RMSE and R² of each audited quantity against its targets. */
  fit?: ({ name: string } & RegressionFit)[];
  findings: Finding[];
  /** Seconds per check, by check id. */
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
  for (const g of input.groupings ?? []) {
    if (g.ids.length !== n) throw new Error(`audit: ${n} images but ${g.ids.length} '${g.name}' group ids; give one ${g.name} id per image (--groups ${g.name}=…)`);
  }
  if (n < 20) throw new Error(`audit: only ${n} images; the checks need at least 20 labelled images`);
  const bad = firstNonFinite(data.images.data);
  if (bad >= 0) throw new Error(`audit: the images hold a non-finite value (${data.images.data[bad]}) at flat index ${bad}; clean the data first`);
}

function checkIds(checks: readonly Check[], options: AuditOptions): void {
  const ids = checks.map((c) => c.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`audit: two checks have the id '${dup}'; ids key the seed streams and audit.json`);
  const unknown = [...(options.skip ?? []), ...Object.keys(options.checkOptions ?? {})].find((id) => !ids.includes(id));
  if (unknown !== undefined) throw new Error(`audit: there is no check '${unknown}'; checks: ${ids.join(', ')}`);
}

/** What every check of one audit shares, computed once (the logits and what follows from them). */
export interface PreparedAudit {
  readonly input: AuditInput;
  readonly seed: number;
  readonly logits: Tensor;
  readonly predicted: readonly number[];
  readonly accuracy: number;
  readonly task: Task;
  readonly outputs?: ReturnType<typeof auditedOutputs>;
  readonly fit?: ({ name: string } & RegressionFit)[];
}

/**
 * Checks the input and computes what every check reads (logits, predictions, accuracy, a
 * regressor's outputs). A scaled audit (cli/audit-scaled.ts) calls it once per worker and then
 * runs only its share of the checks: each check's numbers depend on this and its own seed stream.
 */
export async function prepareAudit(input: AuditInput, seed = 0): Promise<PreparedAudit> {
  checkInput(input);
  // Computed once: calibration and conformal read the logits, shortcut, intervention, sanity and
  // descriptors the predictions.
  const logits = await input.model.forward(input.data.images);
  const predicted = argmaxRows(logits);
  const task = taskOf(input);
  // A regressor has no accuracy (argmax of one output is always 0: 'accuracy' 1.000 whatever it predicts).
  const accuracy = task !== 'classification' ? NaN : predicted.filter((p, i) => p === input.data.labels[i]).length / predicted.length;
  const outputs = task === 'regression' ? auditedOutputs(logits, regressionTargets(input), input.quantiles) : undefined;
  const fit = outputs?.map((o) => ({ name: o.name, ...regressionFit(o.predicted, o.target) }));
  return { input, seed, logits, predicted, accuracy, task, ...(outputs ? { outputs } : {}), ...(fit ? { fit } : {}) };
}

/** Runs one check on a prepared audit with its own seed stream `Random.forKey(seed, check.id)`. */
export async function runPreparedCheck(prepared: PreparedAudit, check: Check, given?: Readonly<Record<string, unknown>>, onProgress?: AuditOptions['onProgress']): Promise<Finding> {
  const { input, logits, predicted, accuracy, task, outputs } = prepared;
  const report = (fraction: number, stage?: string) => onProgress?.(`${input.name}: ${stage ?? check.id}`, fraction);
  const context: AuditContext = { ...input, logits, predicted, accuracy, task, outputs, random: Random.forKey(prepared.seed, check.id), progress: report };
  report(0);
  const finding = await runCheck(check, context, given);
  report(1);
  return finding;
}

/** The checks an audit runs, in registry order (after validating ids, skips and option keys). */
export function chosenChecks(options: AuditOptions): Check[] {
  const checks = options.checks ?? CHECKS;
  checkIds(checks, options);
  const skip = new Set(options.skip ?? []);
  return checks.filter((c) => !skip.has(c.id));
}

/** The audit of one model from its findings (in registry order) and their timings. */
export function assembleAudit(prepared: PreparedAudit, findings: Finding[], timings: Record<string, number>): ModelAudit {
  const { input, task, accuracy, fit } = prepared;
  const overlap = segmentationSummary(input, prepared.logits);
  return { name: input.name, images: input.data.labels.length, task, accuracy, ...(fit ? { fit } : {}), ...(overlap ? { overlap } : {}), findings, timings };
}

export async function auditModel(input: AuditInput, options: AuditOptions = {}): Promise<ModelAudit> {
  checkInput(input);
  const checks = chosenChecks(options);
  const prepared = await prepareAudit(input, options.seed ?? 0);
  const timings: Record<string, number> = {};
  const findings: Finding[] = [];
  for (const check of checks) {
    const t = performance.now();
    findings.push(await runPreparedCheck(prepared, check, options.checkOptions?.[check.id], options.onProgress));
    timings[check.id] = (performance.now() - t) / 1000;
  }
  return assembleAudit(prepared, findings, timings);
}

/** A regressor's targets [N, K]: given, or the labels as one column. */
function regressionTargets(input: AuditInput): Tensor {
  const t = input.targets ?? tensor([input.data.labels.length, 1], Float32Array.from(input.data.labels));
  const bad = firstNonFinite(t.data);
  if (bad >= 0) throw new Error(`audit: the regression targets hold a non-finite value at flat index ${bad}; clean the labels first`);
  return t;
}

/**
 * One line on how good the predictions are: accuracy for a classifier, MAE/RMSE/R² per audited
 * output for a regressor, IoU/Dice for a segmenter (segmentation-summary.ts).
 */
export function performanceLine(a: Pick<ModelAudit, 'accuracy' | 'fit' | 'task' | 'overlap'>): string {
  if (a.fit) return a.fit.map((f) => `${a.fit!.length > 1 ? `${f.name}: ` : ''}MAE ${f.mae.toPrecision(3)}, RMSE ${f.rmse.toPrecision(3)}, R² ${Number.isFinite(f.r2) ? f.r2.toFixed(3) : 'n/a'}`).join('; ');
  if (a.overlap || Number.isFinite(a.accuracy)) return qualityText(a);
  return `a ${a.task} model: no accuracy`;
}

/** audit.json's view of a model audit (numbers and verdicts, no figures). */
export function auditJson(a: ModelAudit) {
  return {
    name: a.name,
    images: a.images,
    task: a.task,
    accuracy: a.accuracy,
    ...(a.overlap ? { overlap: a.overlap } : {}),
    ...(a.fit ? { fit: a.fit } : {}),
    verdicts: Object.fromEntries(a.findings.map((f) => [f.id, f.verdict])),
    findings: a.findings.map(({ figures: _figures, ...rest }) => rest),
    timings: a.timings,
  };
}
