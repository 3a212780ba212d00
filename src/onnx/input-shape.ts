/**
 * Specialising a graph's input to the size of the data in hand. Models exported with dynamic H/W
 * axes (`dynamic_axes={'input': {0: 'N', 2: 'H', 3: 'W'}}`) leave spatial sizes symbolic, but the
 * autodiff needs static shapes (interpolation matrices, pool windows, reshape targets): fixing
 * the non-batch dimensions from the image about to be explained makes every shape static again.
 * The batch stays dynamic.
 */
import type { Dim, Graph } from './graph.js';
import { runtimeInputs } from './graph.js';

/**
 * The graph with its one run-time input's non-batch dimensions set to `shape` (e.g. [C, H, W]).
 * Dimensions the file already fixes must agree; symbolic ones take the given size.
 */
export function withInputShape(graph: Graph, shape: readonly number[]): Graph {
  const inputs = runtimeInputs(graph);
  if (inputs.length !== 1) throw new Error(`withInputShape: model '${graph.name}' has ${inputs.length} run-time inputs; it needs exactly one`);
  const [input] = inputs;
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`input shape [${shape.join(', ')}] must be positive integers (C, H, W without the batch)`);
  const declared = input.shape;
  if (declared && declared.length !== shape.length + 1) {
    throw new Error(`model input '${input.name}' has rank ${declared.length} ([${declared.join(', ')}]) but the given shape [${shape.join(', ')}] plus the batch has rank ${shape.length + 1}; pass the shape without the batch`);
  }
  const fixed: Dim[] = [declared?.[0] ?? 'N', ...shape];
  declared?.slice(1).forEach((d, i) => {
    if (typeof d === 'number' && d >= 0 && d !== shape[i]) {
      throw new Error(`model input '${input.name}' has fixed size ${d} at axis ${i + 1}, but the data has ${shape[i]}; resize the data to [${declared.slice(1).join(', ')}] or re-export with that axis dynamic`);
    }
  });
  return { ...graph, inputs: graph.inputs.map((i) => (i === input ? { ...i, shape: fixed } : i)) };
}

/**
 * The non-batch axes (1-based, as in the NCHW input) the file leaves symbolic or unknown: [2, 3] for
 * a dynamic-H/W export, [] for a fixed-size model. A graph with several run-time inputs, or none
 * declared, answers [] and is left to the model's own checks.
 */
export function symbolicInputAxes(graph: Graph): number[] {
  const inputs = runtimeInputs(graph);
  if (inputs.length !== 1 || !inputs[0].shape) return [];
  return inputs[0].shape.flatMap((d, i) => (i > 0 && (typeof d !== 'number' || d < 0) ? [i] : []));
}
