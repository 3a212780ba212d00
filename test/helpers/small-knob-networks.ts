/**
 * Small E, G, C (16×16 tiles, 3 attributes) for the generator-training tests, with their weights
 * scaled up so that finite differences of the objectives stand well above float rounding (the
 * networks' default initialisation leaves the outputs nearly flat at this size).
 */
import { knobDecoder, knobEncoder, propertyNet } from '../../src/generative/knobs/knob-networks.js';
import { DataType, floatTensorValue, type Graph } from '../../src/onnx/graph.js';
import { randomTensor } from './models.js';

export const SIZE = 16;
export const K = 3;
export const B = 2;

/** The graph with every float weight of rank > 1 multiplied by `factor`. */
export function amplified(graph: Graph, factor: number): Graph {
  const initializers = new Map([...graph.initializers].map(([k, v]) => [k, v.dataType === DataType.FLOAT && v.dims.length > 1 ? floatTensorValue(v.dims, Float32Array.from(v.data as Float32Array, (x) => x * factor)) : v]));
  return { ...graph, initializers };
}

export const smallEncoder = (): Graph => amplified(knobEncoder({ size: SIZE, width: 4, latent: 4, seed: 2 }), 2);
export const smallDecoder = (): Graph => amplified(knobDecoder({ size: SIZE, width: 4, latent: 4, attributes: K, seed: 3, upsampling: 'resize-conv' }), 3);
export const smallCritic = (): Graph => amplified(propertyNet({ outputs: K, size: SIZE, width: 4, hidden: 8, pooling: 'mean-std', seed: 1 }), 3);

/** B tiles, their attributes A and edited attributes A′ in [0.1, 0.9]. */
export const smallBatch = () => ({ tiles: randomTensor([B, 1, SIZE, SIZE], 4), a: randomTensor([B, K], 5, 0.1, 0.9), edited: randomTensor([B, K], 6, 0.1, 0.9) });
