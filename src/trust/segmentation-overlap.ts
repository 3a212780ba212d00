/**
 * How well a predicted mask matches the true one, per class: intersection over union
 * (|P ∩ T| / |P ∪ T|, the Jaccard index) and Dice (2|P ∩ T| / (|P| + |T|)), pooled over all pixels
 * of all images (as torchmetrics' JaccardIndex / Dice with average=None do), plus pixel accuracy.
 * A class absent from both prediction and truth has no score (NaN) and is left out of the means:
 * scoring it 1 would reward predicting nothing, scoring it 0 would punish its absence.
 */

export interface SegmentationOverlap {
  /** IoU per class (NaN when the class is in neither mask). */
  readonly iou: readonly number[];
  readonly dice: readonly number[];
  /** Mean over the classes that have a score. */
  readonly meanIou: number;
  readonly meanDice: number;
  /** Share of pixels whose predicted class is the true one. */
  readonly pixelAccuracy: number;
  /** True pixels per class. */
  readonly support: readonly number[];
}

/** Overlap of predicted and true class maps (same length; every value a class in 0..classes−1). */
export function segmentationOverlap(predicted: ArrayLike<number>, truth: ArrayLike<number>, classes: number): SegmentationOverlap {
  if (predicted.length !== truth.length) throw new Error(`segmentationOverlap: ${predicted.length} predicted pixels but ${truth.length} true ones; give masks of one size`);
  if (truth.length === 0) throw new Error('segmentationOverlap: no pixels');
  const inter = new Array<number>(classes).fill(0);
  const pred = new Array<number>(classes).fill(0);
  const support = new Array<number>(classes).fill(0);
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i];
    const t = truth[i];
    if (!Number.isInteger(t) || t < 0 || t >= classes) throw new Error(`segmentationOverlap: true class ${t} at pixel ${i} is not a class of the model (0..${classes - 1})`);
    pred[p]++;
    support[t]++;
    if (p === t) {
      inter[t]++;
      correct++;
    }
  }
  const iou = inter.map((x, c) => (pred[c] + support[c] === 0 ? NaN : x / (pred[c] + support[c] - x)));
  const dice = inter.map((x, c) => (pred[c] + support[c] === 0 ? NaN : (2 * x) / (pred[c] + support[c])));
  const mean = (v: number[]) => {
    const ok = v.filter((x) => !Number.isNaN(x));
    return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
  };
  return { iou, dice, meanIou: mean(iou), meanDice: mean(dice), pixelAccuracy: correct / truth.length, support };
}
