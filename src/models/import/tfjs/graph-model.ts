import type { Graph } from '../../../onnx/graph.js';
import type { DecodedWeight } from './weights.js';
export function graphModelToGraph(_json: unknown, _weights: ReadonlyMap<string, DecodedWeight>, source: string): Graph {
  throw new Error(`${source}: graph models not yet`);
}
