/**
 * What does an image model look at, in physical terms? The model's inputs are pixels, so
 * descriptor-level importance cannot be measured on the model itself. Instead a *global surrogate*
 * is fitted: an L2 logistic regression from standardised descriptors (mean brightness, texture,
 * defect intensity, corner brightness…) to the model's own predicted classes, and the surrogate is
 * explained — permutation importance (accuracy against the model's predictions, so a drop means
 * "the surrogate needs this descriptor to mimic the model") and exact interventional Shapley values
 * of its probability for the positive class (global view: mean |φ|). The surrogate's fidelity (how
 * often it agrees with the model) says how far to trust this: a low fidelity means the model uses
 * something the descriptors do not capture.
 *
 * The descriptor rows must vary the candidate causes independently (e.g. artifact present on a random
 * half of the images, whatever the label); where two descriptors always move together no surrogate
 * can tell which one the model uses.
 */
import type { Tensor } from '../tensor/tensor.js';
import { takeRows } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { LogisticRegression, standardisation, standardise } from './logistic-regression.js';
import { permutationImportance, type PermutationImportance } from './permutation-importance.js';
import { meanAbsoluteShapley, shapleyValues } from './shapley.js';
import { checkTable, featureNames, predictedClasses } from './table.js';

export interface SurrogateOptions {
  names?: readonly string[];
  /** Permutation repeats (default 50, as in the issue). */
  repeats?: number;
  /** Rows explained by Shapley values, and background rows (defaults 100 and 50, drawn seeded). */
  shapleyRows?: number;
  backgroundRows?: number;
  /** Logistic regression's C (default 1). */
  c?: number;
  seed?: number;
  /** Column groups (e.g. correlated descriptors, correlated-groups.ts): also explain the surrogate with each group as one feature. */
  groups?: readonly (readonly number[])[];
}

/** The surrogate explained with groups of descriptors as single features. */
export interface GroupedExplanation {
  /** Group names, 'a+b' (a singleton keeps its descriptor's name). */
  groups: string[];
  members: number[][];
  importance: PermutationImportance;
  meanAbsShapley: number[];
  shapleyShare: number[];
}

export interface SurrogateExplanation {
  features: string[];
  /** Share of rows where the surrogate predicts the model's class. */
  fidelity: number;
  /** Coefficients on standardised descriptors (binary: one row; one-vs-rest: one per class). */
  coefficients: number[][];
  importance: PermutationImportance;
  /** Mean |φ| per descriptor of the surrogate's positive-class (binary) or predicted-class probability. */
  meanAbsShapley: number[];
  /** The same as shares of their sum (each in [0, 1]). */
  shapleyShare: number[];
  /** With `groups`: the same explanation over the groups. */
  grouped?: GroupedExplanation;
}

function shares(values: readonly number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  return values.map((v) => (total > 0 ? v / total : 0));
}

export async function explainViaDescriptors(descriptors: Tensor, predictions: readonly number[], options: SurrogateOptions = {}): Promise<SurrogateExplanation> {
  checkTable(descriptors, 'descriptor table');
  const [n, f] = descriptors.shape;
  if (predictions.length !== n) throw new Error(`surrogate: ${predictions.length} model predictions for ${n} descriptor rows; give one per row`);
  const features = featureNames(f, options.names);
  const seed = options.seed ?? 0;
  const z = standardise(descriptors, standardisation(descriptors));
  const surrogate = LogisticRegression.fit(z, predictions, { c: options.c ?? 1 });
  const agree = predictedClasses(surrogate.predictProba(z));
  const fidelity = agree.filter((p, i) => p === predictions[i]).length / n;
  const importance = await permutationImportance(surrogate, z, predictions, { repeats: options.repeats ?? 50, seed, names: features });

  const rng = new Random(seed + 1);
  const order = rng.permutation(n);
  const explained = takeRows(z, order.slice(0, Math.min(n, options.shapleyRows ?? 100)));
  const background = takeRows(z, rng.permutation(n).slice(0, Math.min(n, options.backgroundRows ?? 50)));
  const target = surrogate.classes === 2 ? 1 : undefined;
  const shap = await shapleyValues(surrogate, explained, background, { target, seed });
  const meanAbsShapley = meanAbsoluteShapley(shap.phi);
  let grouped: GroupedExplanation | undefined;
  if (options.groups) {
    const members = options.groups.map((g) => [...g]);
    // The same rows, background and seed as the per-descriptor view: the two differ only in the players.
    const groupImportance = await permutationImportance(surrogate, z, predictions, { repeats: options.repeats ?? 50, seed, names: features, groups: members });
    const groupShap = meanAbsoluteShapley((await shapleyValues(surrogate, explained, background, { target, seed, groups: members })).phi);
    grouped = { groups: groupImportance.features, members, importance: groupImportance, meanAbsShapley: groupShap, shapleyShare: shares(groupShap) };
  }
  return {
    features,
    fidelity,
    coefficients: surrogate.fits.map((fit) => Array.from(fit.coef)),
    importance,
    meanAbsShapley,
    shapleyShare: shares(meanAbsShapley),
    ...(grouped ? { grouped } : {}),
  };
}
