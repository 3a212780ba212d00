/** Loading and saving models as plain .onnx files. */
import type { Graph } from '../../onnx/graph.js';
import { decodeModel, encodeModel } from '../../onnx/proto.js';
import { readBytes, writeFileAtomic } from '../../io/atomic-write.js';
import type { OnnxModelOptions } from '../model.js';
import { OnnxModel } from '../model.js';

export async function readOnnxGraph(path: string): Promise<Graph> {
  return decodeModel(await readBytes(path), path);
}

export async function loadOnnxModel(path: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  const graph = await readOnnxGraph(path);
  try {
    return new OnnxModel(graph, options);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Writes a graph as a standard .onnx file (atomically), readable by onnxruntime and PyTorch tools. */
export async function saveOnnxGraph(path: string, graph: Graph): Promise<void> {
  await writeFileAtomic(path, encodeModel(graph));
}
