/**
 * Completeness (Sundararajan et al.'s axiom, DeepLIFT's summation-to-delta): the attributions of an
 * input sum to f(x) − f(baseline) for the explained output. Integrated Gradients meets it up to its
 * quadrature error; DeepLIFT's rescale rule meets it exactly on nets made of the ops it has rules
 * for, and silently does not where the multipliers fall back to plain gradients (attention's
 * Softmax·MatMul, LayerNorm…): on a ViT the sums came to 0.04 where f(x) − f(0) was 1.35. A method
 * with this property must therefore say when it fails, not leave it to a delta nobody reads.
 */

/** Largest tolerated |Σφ − Δf| as a share of |Δf|: above it the attributions do not explain the output change. */
export const COMPLETENESS_TOLERANCE = 0.05;

/**
 * Below this |Δf| the share is taken of this floor instead: when the input and the baseline give
 * the same output, any nonzero attribution sum is a relative failure of no practical meaning.
 */
const OUTPUT_CHANGE_FLOOR = 1e-3;

export interface CompletenessCheck {
  /** Σ attributions per image. */
  readonly attributionSum: readonly number[];
  /** f(x) − f(baseline) of the explained output per image. */
  readonly outputChange: readonly number[];
  /** |Σφ − Δf| / max(|Δf|, 1e-3) per image. */
  readonly relativeGap: readonly number[];
  readonly tolerance: number;
  /** Images whose gap exceeds the tolerance. */
  readonly failing: number;
  /** Index of the image with the largest gap (−1 for no images). */
  readonly worst: number;
  readonly holds: boolean;
}

export function checkCompleteness(attributionSum: readonly number[], outputChange: readonly number[], tolerance = COMPLETENESS_TOLERANCE): CompletenessCheck {
  if (attributionSum.length !== outputChange.length) throw new Error(`completeness: ${attributionSum.length} attribution sums for ${outputChange.length} output changes`);
  const relativeGap = attributionSum.map((s, i) => Math.abs(s - outputChange[i]) / Math.max(Math.abs(outputChange[i]), OUTPUT_CHANGE_FLOOR));
  let worst = -1;
  let failing = 0;
  relativeGap.forEach((g, i) => {
    // A NaN gap is a failure too: it means the sums are not numbers.
    if (!(g <= tolerance)) failing++;
    if (worst < 0 || !(g <= relativeGap[worst])) worst = i;
  });
  return { attributionSum: [...attributionSum], outputChange: [...outputChange], relativeGap, tolerance, failing, worst, holds: failing === 0 };
}

/** Σφ and Δf per image from a method's own sums and convergence deltas (δ = Σφ − Δf). */
export function completenessFromDelta(attributionSum: readonly number[], delta: readonly number[], tolerance = COMPLETENESS_TOLERANCE): CompletenessCheck {
  return checkCompleteness(attributionSum, attributionSum.map((s, i) => s - delta[i]), tolerance);
}

/** One line for the user when completeness fails; undefined when it holds. */
export function completenessWarning(method: string, check: CompletenessCheck): string | undefined {
  if (check.holds) return undefined;
  const w = check.worst;
  const n = check.relativeGap.length;
  return (
    `${method} is incomplete on ${check.failing} of ${n} image(s): the attributions of image ${w} sum to ${check.attributionSum[w].toPrecision(3)} ` +
    `where f(x) − f(baseline) = ${check.outputChange[w].toPrecision(3)} (gap ${(100 * check.relativeGap[w]).toFixed(0)}% > ${(100 * check.tolerance).toFixed(0)}%); ` +
    `the map does not account for the output change — more steps (integrated gradients), or a method whose rules cover this model's ops`
  );
}
