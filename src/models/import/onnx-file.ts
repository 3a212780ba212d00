/** Loading and saving models as plain .onnx files. */
import type { Graph } from '../../onnx/graph.js';
import { withInputShape } from '../../onnx/input-shape.js';
import { decodeModel, encodeModel } from '../../onnx/proto.js';
import { readBytes, writeFileAtomic } from '../../io/atomic-write.js';
import type { OnnxModelOptions } from '../model.js';
import { OnnxModel } from '../model.js';

export async function readOnnxGraph(path: string): Promise<Graph> {
  return decodeModel(await readBytes(path), path);
}

export interface LoadOnnxOptions extends OnnxModelOptions {
  /**
   * The input's size without the batch ([C, H, W]), for models exported with dynamic spatial axes:
   * symbolic dimensions take these sizes, fixed ones must agree (see onnx/input-shape.ts).
   */
  inputShape?: readonly number[];
}

export async function loadOnnxModel(path: string, options: LoadOnnxOptions = {}): Promise<OnnxModel> {
  const { inputShape, ...modelOptions } = options;
  const read = await readOnnxGraph(path);
  try {
    const graph = inputShape ? withInputShape(read, inputShape) : read;
    return new OnnxModel(graph, modelOptions);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Writes a graph as a standard .onnx file (atomically), readable by onnxruntime and PyTorch tools. */
export async function saveOnnxGraph(path: string, graph: Graph): Promise<void> {
  await writeFileAtomic(path, encodeModel(graph));
}
