/**
 * What a regression audit judges: one audited quantity per output (prediction and real-valued target
 * per image), or — when the model's outputs are quantiles of one quantity (`--quantiles`) — that one
 * quantity with the model's own band. Computed once in audit.ts from the outputs and the targets, and
 * named the way every regression finding names it ("output 2", not "class 2").
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString } from '../tensor/tensor.js';

export interface AuditedOutput {
  /** The output index (the point output, when the outputs are quantiles). */
  output: number;
  /** How findings name it: "output 0", or "the quantity (outputs 0–2 are its quantiles)". */
  name: string;
  predicted: Float64Array;
  target: Float64Array;
  /** The model's own band, when its outputs are quantiles: lowest and highest declared levels. */
  band?: { lower: Float64Array; upper: Float64Array; levels: readonly [number, number] };
  /** Every quantile output with its level, when the outputs are quantiles (interval calibration). */
  quantiles?: readonly { level: number; values: Float64Array }[];
}

function column(t: Tensor, k: number): Float64Array {
  const [n, K] = t.shape;
  return Float64Array.from({ length: n }, (_, i) => t.data[i * K + k]);
}

/** Checks the declared quantile levels against the model's outputs: one level in (0, 1) per output, at least two distinct. */
export function checkQuantileLevels(levels: readonly number[], outputSize: number): void {
  if (levels.length !== outputSize) throw new Error(`--quantiles lists ${levels.length} levels but the model has ${outputSize} outputs; give one level per output, in output order (e.g. 0.05,0.95)`);
  if (levels.some((l) => !(l > 0 && l < 1))) throw new Error(`--quantiles levels must lie strictly between 0 and 1 (got ${levels.join(',')})`);
  if (new Set(levels).size !== levels.length || levels.length < 2) throw new Error(`--quantiles needs at least two different levels, one per output (got ${levels.join(',')})`);
}

/**
 * The audited quantities of a regressor from its outputs [N, K] and targets [N, K] (or [N, 1] when
 * the outputs are quantiles of one quantity).
 */
export function auditedOutputs(outputs: Tensor, targets: Tensor, quantiles?: readonly number[]): AuditedOutput[] {
  const [n, k] = outputs.shape;
  if (targets.shape.length !== 2 || targets.shape[0] !== n) throw new Error(`regression targets have shape ${shapeToString(targets.shape)}; give one row per image: [${n}] or [${n}, K]`);
  if (quantiles) {
    checkQuantileLevels(quantiles, k);
    if (targets.shape[1] !== 1) throw new Error(`with --quantiles the outputs are quantiles of one quantity, so give one target per image ([${n}]); got ${shapeToString(targets.shape)}`);
    const order = quantiles.map((level, output) => ({ level, output })).sort((a, b) => a.level - b.level);
    const lo = order[0];
    const hi = order[order.length - 1];
    const median = order.find((q) => q.level === 0.5);
    const lower = column(outputs, lo.output);
    const upper = column(outputs, hi.output);
    // The point prediction: the median output when there is one, else the middle of the band.
    const predicted = median ? column(outputs, median.output) : Float64Array.from(lower, (v, i) => (v + upper[i]) / 2);
    return [
      {
        output: median?.output ?? lo.output,
        name: `the predicted quantity (outputs ${quantiles.map((l, o) => `${o}: q${l}`).join(', ')})`,
        predicted,
        target: column(targets, 0),
        band: { lower, upper, levels: [lo.level, hi.level] },
        quantiles: order.map((q) => ({ level: q.level, values: column(outputs, q.output) })),
      },
    ];
  }
  if (targets.shape[1] !== k) throw new Error(`the model has ${k} outputs but the targets have ${targets.shape[1]} column(s); give --labels as [N, ${k}] (one real-valued target per output)`);
  return Array.from({ length: k }, (_, o) => ({ output: o, name: `output ${o}`, predicted: column(outputs, o), target: column(targets, o) }));
}
