/**
 * The audit's door: one `Check` per question. A check declares what it needs (ROI masks, specimen
 * ids, reference images, a named patch — each with the flag that provides it and why), its options
 * (flags built by the CLI from the same declarations), and what it cannot tell; `run` gets an
 * `AuditContext` holding everything computed once for all checks (logits, predictions, accuracy)
 * and the check's own random stream. A new check is one file, one line in checks.ts, one test.
 *
 * `runCheck` is the only caller of `run`: when a declared need is missing it records NOT RUN with a
 * reason derived from the declaration (run() is not called), and it stamps the check's id, question
 * and limits on the finding, so a check cannot report under another check's name.
 */
import type { Dataset } from '../data/dataset.js';
import type { OnnxModel } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Random } from '../tensor/random.js';
import type { Patch } from '../trust/intervention.js';
import type { TrainingRecipe } from '../trust/leakage.js';
import { OptionError, defaultsOf, validateOptionValue, type OptionSpec } from '../options/option-spec.js';
import type { Finding } from './findings.js';
import { GradientUnavailableError } from '../onnx/autodiff/gradient-error.js';
import { inferTask, type Task } from '../models/task.js';
import type { AuditedOutput } from './regression-outputs.js';

/** A suspected nuisance patch and the class it might fake (the inject test). */
export interface InterventionSpec {
  patch: Patch;
  /** The class the patch might fake. */
  targetClass: number;
}

/** One grouping variable of the audited images (specimen, session, operator, microscope…): a group id per image. */
export interface NamedGrouping {
  readonly name: string;
  readonly ids: readonly number[];
}

/** What the user gives the audit of one model. */
export interface AuditInput {
  /** Shown in the report ("clean model", the file name…). */
  name: string;
  model: OnnxModel;
  /** The audited data: images with labels; groups (specimen ids) and masks ('roi' or 'defect') when known. */
  data: Dataset;
  /**
   * Every grouping the user gave (`--groups specimen=G.npy,session=S.npy`), first = `data.groups`.
   * Default: `data.groups` alone, named 'specimen'.
   */
  groupings?: readonly NamedGrouping[];
  /** Training-distribution images for the OOD detectors (labels needed for Mahalanobis class means). */
  reference?: Dataset;
  /** Images for the descriptor surrogate (default: the audited images). */
  probe?: Tensor;
  probeNote?: string;
  /** Retraining recipe for the leakage check (default: the model's architecture re-initialised). */
  recipe?: TrainingRecipe;
  /** A suspected nuisance patch and the class it might fake (the inject test). */
  intervention?: InterventionSpec;
  /** What the outputs are (default inferred: one output → regression, K outputs → class scores). */
  task?: Task;
  /** Regression: the real-valued target per image [N, K] (or [N, 1] with quantile outputs); default: `data.labels` as one column. */
  targets?: Tensor;
  /** Regression: the quantile level of each output (`--quantiles 0.05,0.95`): the outputs are a band of one quantity. */
  quantiles?: readonly number[];
  /** When each image was acquired (any increasing unit, or the acquisition order): the drift check's time axis. */
  acquisitionTime?: AcquisitionTime;
  /** A per-image descriptor table given by the user (`--descriptors table.csv`), used instead of the built-in EM descriptors. */
  descriptorTable?: DescriptorTable;
  /** Descriptors that must not drive the predictions (`--nuisance a,b`); default: the built-in nuisance list (corner_brightness). */
  nuisance?: readonly string[];
}

/** A time per image and what its unit is, for the drift check's axis ("hours since the first image", "acquisition order"). */
export interface AcquisitionTime {
  readonly values: readonly number[];
  readonly unit: string;
}

/** Named numeric columns, one row per audited image. */
export interface DescriptorTable {
  readonly names: readonly string[];
  /** Row-major [images, names.length]. */
  readonly values: Float64Array;
  /** Where it came from (the CSV's path), for the summary. */
  readonly source: string;
}

/** The audited model's task: declared, else a regression when quantile levels are given, else inferred from its output count. */
export function taskOf(input: Pick<AuditInput, 'model' | 'task' | 'quantiles'>): Task {
  return inferTask(input.model.outputShape ?? [input.model.outputSize], input.task ?? (input.quantiles ? 'regression' : undefined));
}

/** What every check receives: the inputs, what was computed once for all checks, and its own seed stream. */
export interface AuditContext extends Readonly<AuditInput> {
  /** The model's logits on `data.images` [N, K], computed once for every check. */
  readonly logits: Tensor;
  /** argmax of `logits` per image. */
  readonly predicted: readonly number[];
  /** Share of `predicted` equal to the labels (NaN for a regressor). */
  readonly accuracy: number;
  readonly task: Task;
  /** Regression: the audited quantities (prediction and target per image), computed once. */
  readonly outputs?: readonly AuditedOutput[];
  /**
   * This check's random stream, `Random.forKey(seed, check.id)`: it depends on the audit seed and
   * the check's id only, so adding, skipping or reordering checks never changes another check's numbers.
   * Fork it by purpose (`random.fork('split')`) rather than drawing in sequence, so that a change
   * in one step's draws leaves the others alone.
   */
  readonly random: Random;
  /** Progress of this check in [0, 1], optionally naming a sub-stage ("training the OOD autoencoder"). */
  progress(fraction: number, stage?: string): void;
}

/** The groupings to test: the given ones, else `data.groups` as 'specimen', else none. */
export function groupingsOf(input: Pick<AuditInput, 'data' | 'groupings'>): readonly NamedGrouping[] {
  if (input.groupings?.length) return input.groupings;
  return input.data.groups ? [{ name: 'specimen', ids: input.data.groups }] : [];
}

/** The ROI masks the shortcut check uses, by name in order of preference. */
export const ROI_MASK_NAMES: readonly string[] = ['roi', 'defect'];

export function roiMask(data: Dataset): { name: string; mask: Tensor } | undefined {
  for (const name of ROI_MASK_NAMES) if (data.masks?.[name]) return { name, mask: data.masks[name] };
  return undefined;
}

/**
 * The optional inputs a check can need: what they are called, the flag that provides them (the CLI
 * declares its input flags from here, so a NOT RUN reason names a flag that exists), and how to tell
 * whether the user gave them.
 */
export const AUDIT_INPUTS = {
  /** One class-score vector per image: not a regressor (real-valued outputs), not a segmenter (scores per pixel). */
  classifier: { label: 'class scores', flag: '--task', present: (i: AuditInput) => taskOf(i) === 'classification' },
  regressor: { label: 'real-valued outputs', flag: '--task', present: (i: AuditInput) => taskOf(i) === 'regression' },
  /** Class scores per pixel [K, H, W]: the segmentation forms of the checks. */
  segmenter: { label: 'per-pixel class scores', flag: '--model', present: (i: AuditInput) => taskOf(i) === 'segmentation' },
  /** The true class of every pixel (segmentation labels), as data.masks['pixel-labels']. */
  pixelLabels: { label: 'per-pixel labels', flag: '--labels', present: (i: AuditInput) => i.data.masks?.['pixel-labels'] !== undefined },
  groups: { label: 'specimen ids', flag: '--groups', present: (i: AuditInput) => groupingsOf(i).length > 0 },
  roi: { label: 'region-of-interest masks', flag: '--roi', present: (i: AuditInput) => roiMask(i.data) !== undefined },
  reference: { label: 'reference (training-distribution) images', flag: '--reference', present: (i: AuditInput) => i.reference !== undefined },
  patch: { label: 'suspected nuisance patch', flag: '--patch-file', present: (i: AuditInput) => i.intervention !== undefined },
  acquisitionTime: { label: 'acquisition times', flag: '--acquisition-time', present: (i: AuditInput) => i.acquisitionTime !== undefined },
} as const;

export type AuditInputKind = keyof typeof AUDIT_INPUTS;

/** One declared need: the input, its name and flag, and why the check cannot run without it. */
export interface CheckNeed {
  readonly input: AuditInputKind;
  readonly label: string;
  readonly flag: string;
  readonly why: string;
}

export function need(input: AuditInputKind, why: string): CheckNeed {
  const { label, flag } = AUDIT_INPUTS[input];
  return { input, label, flag, why };
}

/** What run() returns: the finding without its identity (id, question and limits come from the declaration). */
export type CheckResult = Omit<Finding, 'id' | 'title' | 'limits'>;

export interface Check<Id extends string = string, O = Readonly<Record<string, unknown>>> {
  /** Stable id: audit.json's key, `--skip`'s value and the seed stream's key. */
  readonly id: Id;
  /** The question, e.g. "Does the model use a shortcut outside the region of interest?" (a yes is the problem: FLAG). */
  readonly title: string;
  /** Inputs without which the check cannot run; missing ones give NOT RUN before run() is called. */
  readonly needs: readonly CheckNeed[];
  /** Its options, declared once (key, flag, kind, default, help, bounds); run() gets every key filled. */
  readonly options: readonly OptionSpec[];
  /** What the check cannot establish, shown with every finding (also NOT RUN ones). */
  readonly limits: string;
  run(context: AuditContext, options: O): Promise<CheckResult>;
}

/**
 * Declares a check with typed options. The registry holds checks with plain option records; the
 * options type is erased here because runCheck fills every declared key (defaults, validated
 * overrides) before calling run, which is what the declared type promises.
 */
export function defineCheck<const Id extends string, O>(check: Check<Id, O>): Check<Id> {
  return check as unknown as Check<Id>;
}

/** The first declared need the input does not provide. */
export function missingNeed(check: Check, input: AuditInput): CheckNeed | undefined {
  return check.needs.find((n) => !AUDIT_INPUTS[n.input].present(input));
}

export function notRunReason(n: CheckNeed, input?: AuditInput): string {
  const task = input ? taskOf(input) : n.input === 'classifier' ? 'regression' : 'classification';
  if (n.input === 'classifier' && task === 'segmentation') {
    return `the model is a segmenter (class scores per pixel, [${input!.model.outputShape.join(', ')}]), not one class-score vector per image; this check's segmentation form is not built yet (see the pixel checks).`;
  }
  if (n.input === 'classifier') return `the model is a regressor (real-valued outputs, not class scores): ${n.why}.`;
  if (n.input === 'regressor') return `the model gives ${task === 'segmentation' ? 'class scores per pixel' : 'class scores'}, not real-valued outputs (declare --task regression for a regressor with several outputs): ${n.why}.`;
  if (n.input === 'segmenter') return `the model (${n.flag}) ${task === 'regression' ? 'is a regressor (real-valued outputs, not class scores)' : 'gives one class-score vector per image'}, not ${n.label} [K, H, W]: ${n.why}.`;
  return `no ${n.label} given (${n.flag}): ${n.why}.`;
}

/** A NOT RUN result found inside run() (e.g. too few groups), with the reason as its summary. */
export function notRunResult(reason: string, evidence: Record<string, unknown> = {}): CheckResult {
  return { verdict: 'not-run', summary: reason, rule: '—', evidence };
}

/** The check's options: declared defaults, overridden by the given values (validated; unknown keys refused). */
export function resolveCheckOptions(check: Check, given: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  for (const key of Object.keys(given)) {
    if (!check.options.some((s) => s.key === key)) {
      const known = check.options.map((s) => s.key).join(', ') || 'none';
      throw new OptionError(`the ${check.id} check has no option '${key}' (its options: ${known})`);
    }
  }
  const out = defaultsOf(check.options);
  for (const spec of check.options) {
    const value = given[spec.key];
    if (value === undefined) continue;
    validateOptionValue(spec, value);
    out[spec.key] = value;
  }
  return out;
}

/** Runs one check: NOT RUN from its declared needs, or run() with its resolved options. */
/**
 * Runs a check; when the model's gradient cannot be built (an op without a rule), the check is NOT
 * RUN with that reason instead of stopping the whole audit — the checks that need only forward
 * passes still give their verdicts. Any other error is a bug or bad input and propagates.
 */
async function runOrDegrade(check: Check, context: AuditContext, options: Record<string, unknown>): Promise<CheckResult> {
  try {
    return await check.run(context, options);
  } catch (e) {
    if (e instanceof GradientUnavailableError) return notRunResult(`this check needs the model's gradient, which trustscope cannot build yet: ${e.message.replace(/^autodiff: /, '').split('; supported ops')[0]}.`, { gradient: 'unavailable' });
    throw e;
  }
}

export async function runCheck(check: Check, context: AuditContext, given?: Readonly<Record<string, unknown>>): Promise<Finding> {
  // Options first: a wrong option is the user's mistake whether or not the check can run.
  const options = resolveCheckOptions(check, given);
  const missing = missingNeed(check, context);
  const r = missing ? notRunResult(notRunReason(missing, context), { missing: missing.input }) : await runOrDegrade(check, context, options);
  // Built field by field: the identity always comes from the declaration, in audit.json's usual order.
  const finding: Finding = { id: check.id, title: check.title, verdict: r.verdict, summary: r.summary, rule: r.rule, evidence: r.evidence, limits: check.limits };
  if (r.headline && (r.verdict === 'flag' || r.verdict === 'warn')) finding.headline = r.headline;
  if (r.figures) finding.figures = r.figures;
  return finding;
}
