/**
 * What a model's outputs are, which decides what "the target" and every check mean: class scores
 * (classification: a target is a class, the audit speaks of accuracy), real-valued outputs
 * (regression: a target is an output index, the audit speaks of residuals and intervals), per-pixel
 * class scores (segmentation: targets are reducers over [K, H, W], the audit counts pixels) or an
 * image (image-to-image). One shared definition for the audit, the CLI and the targets.
 *
 * The output shape alone cannot tell a 3-output regressor from a 3-class classifier, nor a per-pixel
 * regressor (denoiser, depth) from a segmenter, so a vector output is taken for class scores and a
 * [K, H, W] output for a segmenter unless the user declares otherwise (`--task`); a single output can
 * only be a regression (softmax over one output is always 1).
 */
import type { OptionSpec } from '../options/option-spec.js';

export const TASKS = ['classification', 'regression', 'segmentation', 'image-to-image'] as const;
export type Task = (typeof TASKS)[number];

export function isTask(name: string): name is Task {
  return (TASKS as readonly string[]).includes(name);
}

/** The `--task` flag of explain, evaluate and audit, declared once. */
export const TASK_OPTION: OptionSpec = {
  key: 'task',
  flag: '--task',
  kind: 'choice',
  choices: TASKS,
  help: "what the outputs are (default: inferred from the output shape: one output → regression, K outputs → classification, [K, H, W] → segmentation); give 'regression' for a model with several real-valued outputs",
};

/**
 * The task of a model with this per-example output shape (batch axis excluded): the declared one
 * when given and possible, else inferred. A declaration the shape contradicts (classification with
 * one output) is refused with a line naming the fix; other ranks have no default.
 */
export function inferTask(outputShape: readonly number[], declared?: Task | string): Task {
  if (declared !== undefined && !isTask(declared)) throw new Error(`task must be one of ${TASKS.join(', ')} (got '${String(declared)}')`);
  const rank = outputShape.length;
  const size = outputShape.reduce((a, b) => a * b, 1);
  if (declared === 'classification' && rank === 1 && size < 2) {
    throw new Error('the model has one output, so it cannot be a classifier (softmax over one output is always 1); use --task regression');
  }
  if (declared !== undefined) return declared as Task;
  if (rank === 1) return size === 1 ? 'regression' : 'classification';
  if (rank === 3) return 'segmentation';
  throw new Error(`cannot infer the task from an output of shape [${outputShape.join(', ')}]; declare it with --task ${TASKS.join('|')}`);
}

/** Dense tasks give one output per pixel: targets are reducers over [K, H, W], metrics count pixels. */
export function isDenseTask(task: Task): boolean {
  return task === 'segmentation' || task === 'image-to-image';
}
