/**
 * One entry point for every model file trustscope reads: `.onnx` as is, a TF.js `model.json` (with
 * its weight shards beside it) converted on load. The CLI loads models only through this, so
 * `--model model.json` works wherever `--model m.onnx` does.
 */
import type { Graph } from '../../onnx/graph.js';
import type { OnnxModelOptions } from '../model.js';
import { OnnxModel } from '../model.js';
import { readOnnxGraph } from './onnx-file.js';
import { readTfjsGraph, type TfjsReadOptions } from './tfjs-model.js';

/** True for a path trustscope reads as a TF.js model (a .json file). */
export function isTfjsModelPath(path: string): boolean {
  return path.toLowerCase().endsWith('.json');
}

/**
 * The model file as an ONNX graph, whatever its format (by extension). A TF.js model is converted
 * on read, so one whose input height and width are unknown needs `imageSize` to convert at all; an
 * ONNX file keeps its symbolic axes (withInputShape sizes them later).
 */
export async function readModelGraph(path: string, options: TfjsReadOptions = {}): Promise<Graph> {
  return isTfjsModelPath(path) ? readTfjsGraph(path, options) : readOnnxGraph(path);
}

export async function loadModel(path: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  const graph = await readModelGraph(path);
  try {
    return new OnnxModel(graph, options);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
