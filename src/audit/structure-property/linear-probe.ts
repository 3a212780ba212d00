/**
 * A linear probe: how well a straight cut through some representation separates the labels. Fitted
 * on the training rows (columns standardised with the training rows' statistics; scikit-learn's
 * L2-regularised logistic regression, C = 1, one-vs-rest), scored as accuracy on the test rows.
 * Used on the dual VAE's latent and, for comparison, on the raw pixels.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { argmaxRows } from '../../tensor/tensor.js';
import { StudyInputError } from './paired-data.js';
import { LogisticRegression, standardisation, standardise } from '../../tabular/logistic-regression.js';

export function linearProbeAccuracy(trainFeatures: Tensor, trainLabels: readonly number[], testFeatures: Tensor, testLabels: readonly number[]): number {
  const levels = [...new Set(trainLabels)].sort((a, b) => a - b);
  if (levels.length < 2) throw new StudyInputError(`linear probe: the training rows hold ${levels.length} label value; need at least two`);
  const index = new Map(levels.map((v, k) => [v, k]));
  const s = standardisation(trainFeatures);
  const probe = LogisticRegression.fit(standardise(trainFeatures, s), trainLabels.map((l) => index.get(l)!));
  const predicted = argmaxRows(probe.predictProba(standardise(testFeatures, s)));
  let correct = 0;
  testLabels.forEach((l, i) => {
    if (levels[predicted[i]] === l) correct++;
  });
  return testLabels.length === 0 ? NaN : correct / testLabels.length;
}
