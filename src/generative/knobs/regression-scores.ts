/**
 * R² and mean absolute error of predictions against targets (the regressor's report card per
 * split). trust/ has its own for the leakage check; generative/ is its sibling and may not import it.
 */
export interface RegressionScores {
  r2: number;
  mae: number;
  n: number;
}

export function regressionScores(predicted: ArrayLike<number>, actual: ArrayLike<number>): RegressionScores {
  const n = actual.length;
  if (predicted.length !== n) throw new Error(`regression scores: ${predicted.length} predictions for ${n} targets`);
  if (n === 0) return { r2: NaN, mae: NaN, n };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i] / n;
  let ssRes = 0;
  let ssTot = 0;
  let abs = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (predicted[i] - actual[i]) ** 2;
    ssTot += (actual[i] - mean) ** 2;
    abs += Math.abs(predicted[i] - actual[i]);
  }
  return { r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN, mae: abs / n, n };
}
