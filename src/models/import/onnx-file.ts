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
    const message = (e as Error).message;
    // A dynamic H/W export: the size is the data's, which the caller knows.
    const hint = !inputShape && /needs a static shape except for the batch/.test(message) ? '; its spatial size is dynamic: pass the data\'s size as inputShape [C, H, W]' : '';
    throw new Error(`${path}: ${message}${hint}`);
  }
}

/** Writes a graph as a standard .onnx file (atomically), readable by onnxruntime and PyTorch tools. */
export async function saveOnnxGraph(path: string, graph: Graph): Promise<void> {
  await writeFileAtomic(path, encodeModel(graph));
}
