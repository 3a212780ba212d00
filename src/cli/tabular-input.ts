/** Shared by the tabular commands: load an ONNX model with input [N, F] and a matching table. */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString } from '../tensor/tensor.js';
import { loadModel } from '../models/import/load-model.js';
import type { OnnxModel } from '../models/model.js';
import { UsageError } from './errors.js';
import { checkFinite, readValues } from './inputs.js';

export async function loadTabularModel(path: string, batchSize: number): Promise<OnnxModel> {
  const model = await loadModel(path, { internalBatchSize: batchSize });
  if (model.inputShape.length !== 1) {
    throw new UsageError(`${path} takes input [N, ${model.inputShape.join(', ')}]; tabular commands need a model with input [N, F] (for images, extract descriptors first)`);
  }
  return model;
}

/**
 * Reads a [N, F] table whose F matches the model's, before any compute: an empty table and NaN or
 * ±∞ are refused, naming the row and column ("x.npy: NaN at row 2, column 1").
 */
export async function readTable(path: string, features: number, what: string): Promise<Tensor> {
  const x = await readValues(path);
  if (x.shape.length !== 2 || x.shape[1] !== features) {
    throw new UsageError(`${what} ${path} has shape ${shapeToString(x.shape)} but the model takes [N, ${features}]`);
  }
  if (x.shape[0] === 0) throw new UsageError(`${what} ${path} has no rows; give at least one`);
  checkFinite(x, path);
  return x;
}
