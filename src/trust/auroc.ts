/**
 * Area under the ROC curve of a score that should be higher for positives (here: out-of-
 * distribution inputs), computed as the Mann–Whitney U statistic: the probability that a random
 * positive scores above a random negative, ties counting one half. Average ranks handle ties, so
 * a constant score gives exactly 0.5, as scikit-learn's roc_auc_score does.
 */
export function auroc(negatives: ArrayLike<number>, positives: ArrayLike<number>): number {
  const n0 = negatives.length;
  const n1 = positives.length;
  if (n0 === 0 || n1 === 0) throw new Error(`auroc needs at least one score on each side (got ${n0} negatives, ${n1} positives)`);
  const all: { v: number; positive: boolean }[] = [];
  for (let i = 0; i < n0; i++) all.push({ v: negatives[i], positive: false });
  for (let i = 0; i < n1; i++) all.push({ v: positives[i], positive: true });
  const bad = all.findIndex((a) => Number.isNaN(a.v));
  if (bad >= 0) throw new Error(`auroc: score ${bad < n0 ? `negatives[${bad}]` : `positives[${bad - n0}]`} is NaN; a detector must score every input`);
  all.sort((a, b) => a.v - b.v);
  // Sum of the positives' ranks (1-based), tied runs sharing their average rank.
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const average = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k].positive) rankSum += average;
    i = j + 1;
  }
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  return u / (n0 * n1);
}
