/**
 * How big a batch a method builds in JavaScript before handing it to the Model. The Model is the
 * only batcher of ONNX Runtime calls (its internalBatchSize and memory budget); this bound only
 * keeps the method's own arrays (steps × images × pixels, perturbed copies) from exhausting the
 * heap on big images, so results never depend on it.
 */

/** Values per batch a method builds, at most (64 MB of float32). */
export const MAX_BATCH_VALUES = 1 << 24;

/** Rows of `valuesPerRow` values per batch: at least one. */
export function rowsPerBatch(valuesPerRow: number): number {
  return Math.max(1, Math.floor(MAX_BATCH_VALUES / Math.max(1, valuesPerRow)));
}

/** Whole inputs per batch when every input brings `rowsPerInput` rows of `valuesPerRow` values: at least one. */
export function inputsPerBatch(rowsPerInput: number, valuesPerRow: number): number {
  return Math.max(1, Math.floor(MAX_BATCH_VALUES / (Math.max(1, rowsPerInput) * Math.max(1, valuesPerRow))));
}
