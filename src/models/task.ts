/**
 * What a model's output means: one shared definition for the audit, the CLI and the targets.
 * The output shape decides a default; a declared task (`--task`) overrides it, because the shape
 * alone cannot tell a 1-logit binary classifier from a regressor, nor a per-pixel regressor
 * (denoiser, depth) from a segmenter.
 */

export const TASKS = ['classification', 'regression', 'segmentation', 'image-to-image'] as const;
export type Task = (typeof TASKS)[number];

export function isTask(name: string): name is Task {
  return (TASKS as readonly string[]).includes(name);
}

/**
 * The task read off the per-example output shape (without the batch axis), unless `declared`:
 * [1] → regression, [K] → classification, [K, H, W] → segmentation (K per-pixel class scores).
 * Other ranks have no default and need a declared task.
 */
export function inferTask(outputShape: readonly number[], declared?: Task | string): Task {
  if (declared !== undefined) {
    if (!isTask(declared)) throw new Error(`unknown task '${declared}'; use one of ${TASKS.join(', ')}`);
    return declared;
  }
  if (outputShape.length === 1) return outputShape[0] === 1 ? 'regression' : 'classification';
  if (outputShape.length === 3) return 'segmentation';
  throw new Error(`cannot tell the task of a model whose output per example is [${outputShape.join(', ')}]; declare it with --task (${TASKS.join(', ')})`);
}

/** Dense tasks give one output per pixel: targets are reducers over [K, H, W], metrics count pixels. */
export function isDenseTask(task: Task): boolean {
  return task === 'segmentation' || task === 'image-to-image';
}
