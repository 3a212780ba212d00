/**
 * What a model's outputs are, which decides what "the target" and every check mean: class scores
 * (classification: a target is a class, the audit speaks of accuracy), real-valued outputs
 * (regression: a target is an output index, the audit speaks of residuals and intervals), per-pixel
 * class scores (segmentation) or an image (image-to-image).
 *
 * The output shape alone cannot tell a 3-output regressor from a 3-class classifier, so a vector
 * output is taken for class scores unless the user declares otherwise (`--task regression`); a single
 * output can only be a regression (softmax over one output is always 1).
 */
import type { OptionSpec } from '../options/option-spec.js';

export type Task = 'classification' | 'regression' | 'segmentation' | 'image-to-image';

export const TASKS: readonly Task[] = ['classification', 'regression', 'segmentation', 'image-to-image'];

/** The `--task` flag of explain, evaluate and audit, declared once. */
export const TASK_OPTION: OptionSpec = {
  key: 'task',
  flag: '--task',
  kind: 'choice',
  choices: TASKS,
  help: "what the outputs are (default: inferred from the output shape: one output → regression, K outputs → classification, [K, H, W] → segmentation); give 'regression' for a model with several real-valued outputs",
};

/**
 * The task of a model with this output shape (batch axis excluded): the declared one when given and
 * possible, else inferred. A declaration the shape contradicts (classification with one output) is
 * refused with a line naming the fix.
 */
export function inferTask(outputShape: readonly number[], declared?: Task): Task {
  if (declared !== undefined && !TASKS.includes(declared)) throw new Error(`task must be one of ${TASKS.join(', ')} (got '${String(declared)}')`);
  const rank = outputShape.length;
  const size = outputShape.reduce((a, b) => a * b, 1);
  if (declared === 'classification' && rank === 1 && size < 2) {
    throw new Error('the model has one output, so it cannot be a classifier (softmax over one output is always 1); use --task regression');
  }
  if (declared !== undefined) return declared;
  if (rank === 1) return size === 1 ? 'regression' : 'classification';
  if (rank === 3) return 'segmentation';
  throw new Error(`cannot infer the task from an output of shape [${outputShape.join(', ')}]; declare it with --task ${TASKS.join('|')}`);
}
