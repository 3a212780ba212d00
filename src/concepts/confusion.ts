/** Error analysis's first numbers: the confusion matrix (rows true class, columns predicted) and per-class accuracy (recall). */

export function confusionMatrix(labels: readonly number[], predictions: readonly number[], classes: number): number[][] {
  if (labels.length !== predictions.length) throw new Error(`confusion matrix: ${labels.length} labels but ${predictions.length} predictions`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  labels.forEach((y, i) => {
    if (!(y >= 0 && y < classes) || !(predictions[i] >= 0 && predictions[i] < classes)) throw new Error(`confusion matrix: row ${i} has label ${y} / prediction ${predictions[i]} outside 0..${classes - 1}`);
    m[y][predictions[i]]++;
  });
  return m;
}

/** Share of each class's images predicted as that class; null for a class without images. */
export function perClassAccuracy(confusion: readonly (readonly number[])[]): (number | null)[] {
  return confusion.map((row, k) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[k] / total;
  });
}
