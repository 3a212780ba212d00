/**
 * TF.js models (`model.json` + the weight shards beside it, the layout `model.save('file://…')` and
 * tensorflowjs_converter write) converted on load to the in-memory ONNX graph, so every method and
 * check runs on them through trustscope's own autodiff. Layers models (Keras topology) and graph
 * models (tfjs-converter GraphDef) are both read; see tfjs/layers-model.ts and tfjs/graph-model.ts.
 *
 * Layout: TF models take [N, H, W, C]; the converted model takes [N, C, H, W] (trustscope's and the
 * CLI's channel-first images), and gives exactly TF's outputs for the transposed input.
 */
import { dirname, join } from 'node:path';
import type { Graph } from '../../onnx/graph.js';
import { readBytes } from '../../io/atomic-write.js';
import type { OnnxModelOptions } from '../model.js';
import { OnnxModel } from '../model.js';
import { decodeWeights, type WeightGroup } from './tfjs/weights.js';
import { layersModelToGraph, type TfjsReadOptions } from './tfjs/layers-model.js';

export type { TfjsReadOptions };
import { graphModelToGraph } from './tfjs/graph-model.js';

/** The parsed model.json: what the converters need. */
export interface TfjsModelJson {
  readonly format?: string;
  readonly modelTopology: Record<string, unknown>;
  readonly weightsManifest?: readonly WeightGroup[];
  readonly signature?: unknown;
  readonly userDefinedMetadata?: Record<string, unknown>;
}

function parseModelJson(bytes: Uint8Array, source: string): TfjsModelJson {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const j = json as TfjsModelJson;
  if (!j || typeof j !== 'object' || typeof j.modelTopology !== 'object' || j.modelTopology === null) {
    throw new Error(`${source}: no 'modelTopology'; a TF.js model.json has modelTopology and weightsManifest`);
  }
  return j;
}

function isGraphModel(j: TfjsModelJson): boolean {
  return j.format === 'graph-model' || Array.isArray((j.modelTopology as { node?: unknown }).node);
}

/** Converts parsed model.json + a shard reader (paths as named in the manifest) to an ONNX graph. */
export async function tfjsToGraph(json: TfjsModelJson, shards: (path: string) => Promise<Uint8Array>, source: string, options: TfjsReadOptions = {}): Promise<Graph> {
  const weights = await decodeWeights(json.weightsManifest ?? [], shards, source);
  return isGraphModel(json) ? graphModelToGraph(json, weights, source) : layersModelToGraph(json.modelTopology, weights, source, options);
}

/** Reads a TF.js model.json (shards from its folder) as an ONNX graph. */
export async function readTfjsGraph(path: string, options: TfjsReadOptions = {}): Promise<Graph> {
  const json = parseModelJson(await readBytes(path), path);
  const dir = dirname(path);
  return tfjsToGraph(json, (p) => readBytes(join(dir, p)), path, options);
}

export async function loadTfjsModel(path: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  const graph = await readTfjsGraph(path);
  try {
    return new OnnxModel(graph, options);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
