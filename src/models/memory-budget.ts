/**
 * How many rows one ONNX Runtime call may take so that its activations fit a byte budget.
 * `internalBatchSize` alone is a row count; a row of a 1024×1024 image through a conv net weighs
 * hundreds of MB, so OnnxModel also caps rows by bytes (DESIGN.md: keeping every activation of a
 * big batch is what makes memory explode).
 *
 * The estimate per row is static: the float32 size of every value the forward graph computes
 * (from shape inference, batch dimension excluded). A backward graph keeps those values for the
 * backward pass and adds a gradient and a temporary (mask, product) of about the same size for
 * each, hence a factor 3; a forward pass releases values as it goes, but ORT's planner keeps some
 * alive together, so we charge the largest two values plus the input.
 */
import type { Graph } from '../onnx/graph.js';
import { inferShapes } from '../onnx/shapes.js';

/** Default bytes of activations per ONNX Runtime call (forward or backward). */
export const DEFAULT_MEMORY_BUDGET = 512 * 1024 * 1024;

export interface RowCost {
  /** Estimated bytes per row of a forward call. */
  readonly forward: number;
  /** Estimated bytes per row of a gradient (vjp / layerVjp) call. */
  readonly backward: number;
}

export function rowCost(graph: Graph): RowCost {
  const info = inferShapes(graph);
  const perRow = (shape: readonly number[] | undefined) => (shape ? shape.slice(1).reduce((a, d) => a * Math.max(1, d), 1) : 0);
  let inputs = 0;
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    inputs += perRow(input.shape?.map((d) => (typeof d === 'number' ? d : -1)));
  }
  let total = inputs;
  const sizes: number[] = [];
  for (const node of graph.nodes) {
    for (const o of node.outputs) {
      if (!o) continue;
      const n = perRow(info.shapes.get(o));
      total += n;
      sizes.push(n);
    }
  }
  sizes.sort((a, b) => b - a);
  const largestTwo = (sizes[0] ?? 0) + (sizes[1] ?? 0);
  return { forward: 4 * (largestTwo + inputs), backward: 4 * 3 * total };
}

/**
 * Rows per call: at most `maxRows`, at most what fits `budget` bytes, at least one group, and a
 * multiple of `group` (DeepLIFT's input/baseline pairs must stay in one call).
 */
export function rowsPerCall(maxRows: number, bytesPerRow: number, budget: number, group = 1): number {
  const fit = bytesPerRow > 0 ? Math.floor(budget / bytesPerRow) : maxRows;
  const rows = Math.max(1, Math.min(maxRows, fit));
  return Math.max(group, rows - (rows % group));
}
