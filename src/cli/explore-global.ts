/**
 * explore's global views beside the local ones: PCA of the data (eigenimages, explained variance),
 * the dataset-average attribution per class next to one image's map (GradientSHAP, the registry's
 * SHAP method, the same maps the misclassified gallery shows), and SP-LIME's representative
 * explanations (LIME on a patch grid per image, then the submodular pick). Numbers for explore.json
 * and figure data for report/explore-global-section.ts.
 */
import type { OnnxModel } from '../models/model.js';
import { getExplainer } from '../attribution/registry.js';
import { pca } from '../concepts/pca.js';
import { submodularPick } from '../concepts/submodular-pick.js';
import { row, takeRows, tensor, type Tensor } from '../tensor/tensor.js';

/** The gallery's and the class averages' SHAP method. */
export const SHAP_METHOD = 'gradient-shap';
/** GradientSHAP samples per image (Captum's default is 5; 20 steadies single-image maps). */
const SHAP_SAMPLES = 20;
/** LIME's patch side for SP-LIME's interpretable features, and its perturbations per image. */
const LIME_PATCH = 8;
const LIME_SAMPLES = 200;
/** Features kept per LIME explanation (the paper's K), so that coverage means something. */
const LIME_FEATURES = 4;
/** Images SP-LIME chooses from at most (evenly spaced over the set): LIME costs LIME_SAMPLES forward passes each. */
const SP_LIME_POOL = 120;
export const PCA_COMPONENTS = 8;

/** GradientSHAP maps [N] of [H, W] (summed over channels) for `classes`, one per row of x. */
export async function shapMaps(model: OnnxModel, x: Tensor, classes: readonly number[], seed: number): Promise<Tensor[]> {
  if (x.shape[0] === 0) return [];
  const a = await getExplainer(SHAP_METHOD).attribute(model, x, { target: [...classes], seed, ntSamples: SHAP_SAMPLES } as never);
  const [n, c, h, w] = a.values.shape;
  return Array.from({ length: n }, (_, i) => {
    const m = new Float32Array(h * w);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) m[p] += a.values.data[(i * c + ch) * h * w + p];
    return tensor([h, w], m);
  });
}

export interface ClassAttribution {
  readonly classIndex: number;
  readonly images: number;
  /** Mean GradientSHAP map of the class's images for their true class [H, W]. */
  readonly mean: Tensor;
  /** One image of the class (the first) and its own map, shown beside the mean. */
  readonly example: { readonly index: number; readonly map: Tensor };
  /** Share of the mean map's absolute mass in the central half of the image (where the class's structure is, or not). */
  readonly centralShare: number;
}

function centralShare(map: Tensor): number {
  const [h, w] = map.shape;
  let inner = 0;
  let total = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = Math.abs(map.data[y * w + x]);
    total += v;
    if (y >= h / 4 && y < (3 * h) / 4 && x >= w / 4 && x < (3 * w) / 4) inner += v;
  }
  return total > 0 ? inner / total : 0;
}

/** Dataset-average attribution per class (for its true class), from per-image maps already computed. */
export function classAverages(maps: readonly Tensor[], labels: readonly number[], classes: readonly number[]): ClassAttribution[] {
  return classes.flatMap((k) => {
    const own = labels.flatMap((y, i) => (y === k ? [i] : []));
    if (own.length === 0) return [];
    const [h, w] = maps[own[0]].shape;
    const mean = new Float32Array(h * w);
    for (const i of own) for (let p = 0; p < h * w; p++) mean[p] += maps[i].data[p] / own.length;
    const m = tensor([h, w], mean);
    return [{ classIndex: k, images: own.length, mean: m, example: { index: own[0], map: maps[own[0]] }, centralShare: centralShare(m) }];
  });
}

export interface SpLimeResult {
  readonly budget: number;
  /** Image indices SP-LIME chose, in pick order. */
  readonly picked: readonly number[];
  /** Images LIME explained (the pool). */
  readonly pool: readonly number[];
  readonly patch: number;
  readonly featuresPerExplanation: number;
  /** Coverage after each pick, as a share of the pool's total importance. */
  readonly coverage: readonly number[];
  /** Global importance √Σ|W| per patch, [rows, cols] of the patch grid. */
  readonly importance: Tensor;
  /** Each picked image's LIME weights broadcast to its pixels [H, W]. */
  readonly maps: readonly Tensor[];
}

/** LIME on a pool of images (explaining each image's predicted class), then the submodular pick of `budget`. */
export async function spLime(model: OnnxModel, x: Tensor, predictions: readonly number[], budget: number, seed: number): Promise<SpLimeResult> {
  const n = x.shape[0];
  const step = Math.max(1, n / SP_LIME_POOL);
  const pool = [...new Set(Array.from({ length: Math.min(n, SP_LIME_POOL) }, (_, t) => Math.floor(t * step)))];
  const [, , h, w] = x.shape;
  const patch = Math.min(LIME_PATCH, h, w);
  const a = await getExplainer('lime').attribute(model, takeRows(x, pool), { target: pool.map((i) => predictions[i]), seed, patch, samples: LIME_SAMPLES } as never);
  const coefficients = a.extras?.coefficients as Tensor;
  const d = coefficients.shape[1];
  const pick = submodularPick(coefficients.data, pool.length, d, budget, { featuresPerExplanation: Math.min(LIME_FEATURES, d) });
  const [rows, cols] = [Math.ceil(h / patch), Math.ceil(w / patch)];
  const total = pick.totalImportance || 1;
  return {
    budget,
    picked: pick.picked.map((t) => pool[t]),
    pool,
    patch,
    featuresPerExplanation: Math.min(LIME_FEATURES, d),
    coverage: pick.coverage.map((c) => c / total),
    importance: tensor([rows, cols], Float32Array.from(pick.importance)),
    maps: pick.picked.map((t) => {
      const v = row(a.values, t);
      const m = new Float32Array(h * w);
      for (let p = 0; p < h * w; p++) m[p] = v.data[p];
      return tensor([h, w], m);
    }),
  };
}

export interface PcaSummary {
  readonly components: number;
  readonly explainedVariance: readonly number[];
  readonly explainedVarianceRatio: readonly number[];
  readonly totalVariance: number;
  /** Mean image and eigenimages, each [H, W] (channel mean). */
  readonly mean: Tensor;
  readonly eigenimages: readonly Tensor[];
}

/** PCA of the images (each flattened); eigenimages shown as their channel mean. */
export function dataPca(x: Tensor, components = PCA_COMPONENTS): PcaSummary {
  const r = pca(x, components);
  const [c, h, w] = x.shape.slice(1);
  const plane = (t: Tensor) => {
    const m = new Float32Array(h * w);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) m[p] += t.data[ch * h * w + p] / c;
    return tensor([h, w], m);
  };
  const k = r.components.shape[0];
  return {
    components: k,
    explainedVariance: r.explainedVariance,
    explainedVarianceRatio: r.explainedVarianceRatio,
    totalVariance: r.totalVariance,
    mean: plane(r.mean),
    eigenimages: Array.from({ length: k }, (_, i) => plane(row(r.components, i))),
  };
}

export interface GlobalViews {
  /** explore.json's pca, globalAttribution and spLime. */
  readonly json: {
    pca: { images: number; components: number; explainedVariance: readonly number[]; explainedVarianceRatio: readonly number[]; totalVariance: number };
    globalAttribution: object;
    spLime: { picked: { index: number; trueClass: string; predicted: string }[]; coverage: readonly number[]; [key: string]: unknown };
  };
  readonly pca: PcaSummary;
  readonly classes: readonly ClassAttribution[];
  readonly spLime: SpLimeResult;
}

/** PCA, the per-class average SHAP maps and SP-LIME, reporting progress between `from` and `to`. */
export async function globalViews(
  model: OnnxModel,
  x: Tensor,
  labels: readonly number[],
  predictions: readonly number[],
  names: readonly string[],
  settings: { budget: number; seed: number },
  progress: (stage: string, fraction: number) => void,
): Promise<GlobalViews> {
  progress('PCA of the images', 0);
  const p = dataPca(x);
  progress(`${SHAP_METHOD} maps per class`, 0.2);
  const present = [...new Set(labels)].sort((a, b) => a - b);
  const maps = await shapMaps(model, x, labels, settings.seed);
  const classes = classAverages(maps, labels, present);
  progress('SP-LIME: LIME explanations', 0.5);
  const s = await spLime(model, x, predictions, Math.min(settings.budget, x.shape[0]), settings.seed);
  const round = (t: Tensor) => Array.from({ length: t.shape[0] }, (_, y) => Array.from(t.data.subarray(y * t.shape[1], (y + 1) * t.shape[1]), (v) => Number(v.toPrecision(4))));
  return {
    pca: p,
    classes,
    spLime: s,
    json: {
      pca: { images: x.shape[0], components: p.components, explainedVariance: p.explainedVariance, explainedVarianceRatio: p.explainedVarianceRatio, totalVariance: p.totalVariance },
      globalAttribution: {
        method: SHAP_METHOD,
        samples: SHAP_SAMPLES,
        target: 'true class',
        classes: Object.fromEntries(classes.map((c) => [names[c.classIndex], { images: c.images, exampleImage: c.example.index, centralShare: c.centralShare, meanMap: round(c.mean) }])),
      },
      spLime: {
        budget: s.budget,
        picked: s.picked.map((i) => ({ index: i, trueClass: names[labels[i]], predicted: names[predictions[i]] })),
        pool: s.pool.length,
        patch: s.patch,
        featuresPerExplanation: s.featuresPerExplanation,
        limeSamples: LIME_SAMPLES,
        coverage: s.coverage,
        importance: round(s.importance),
      },
    },
  };
}
