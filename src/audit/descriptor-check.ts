/**
 * "What does the model respond to, in physical terms?": EM descriptors per image (brightness,
 * contrast, texture, defect intensity, edges, corner brightness), a logistic-regression surrogate
 * from descriptors to the model's predictions, and its Shapley shares. A nuisance descriptor (one
 * that carries no physics, such as the brightness of an image corner) dominating the surrogate is
 * evidence of a shortcut in words a microscopist can check.
 */
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows } from '../tensor/tensor.js';
import { extractDescriptors } from '../tabular/descriptors.js';
import { explainViaDescriptors } from '../tabular/surrogate.js';
import { barChart } from '../report/charts.js';
import type { Finding } from './findings.js';
import { notRun } from './findings.js';

export const DESCRIPTOR_RULE = {
  /** Descriptors that carry no physics of the sample. */
  nuisance: ['corner_brightness'] as readonly string[],
  /** Shapley share of a nuisance descriptor that flags it (when it is also the largest). */
  flagShare: 0.5,
  /**
   * Share that warns even when the nuisance descriptor is not the largest. Below it a secondary
   * nuisance share means sensitivity, not reliance: the demo's clean model misses defects when a
   * bright corner appears (it never saw one), giving corner 31% behind defect intensity 48%.
   */
  warnShare: 0.4,
  /** Surrogate fidelity below which the descriptors do not explain the model and no verdict is given. */
  minFidelity: 0.8,
};

const TITLE = 'Physical descriptors: what drives the predictions?';
const LIMITS =
  'A surrogate explains the model only as far as it agrees with it (fidelity), and only in terms of the descriptors offered. ' +
  'Descriptors that always move together in the probe images cannot be told apart: the probe set must vary candidate causes independently.';

export async function descriptorCheck(model: Model, probe: Tensor, options: { seed?: number; probeNote?: string } = {}): Promise<Finding> {
  if (probe.shape.length !== 4 || probe.shape[1] !== 1) {
    return notRun('descriptors', TITLE, 'the EM descriptors are defined for single-channel images [N, 1, H, W].', LIMITS);
  }
  const table = extractDescriptors(probe);
  const predictions = argmaxRows(await model.forward(probe));
  if (new Set(predictions).size < 2) return notRun('descriptors', TITLE, 'the model predicts a single class on the probe images; a surrogate needs both.', LIMITS);
  const s = await explainViaDescriptors(table.table, predictions, { names: table.names, seed: options.seed ?? 0 });
  const order = s.features.map((_, j) => j).sort((a, b) => s.shapleyShare[b] - s.shapleyShare[a]);
  const top = order[0];
  const nuisance = order.filter((j) => DESCRIPTOR_RULE.nuisance.includes(s.features[j]));
  const worst = nuisance.length ? nuisance[0] : undefined;
  const share = worst !== undefined ? s.shapleyShare[worst] : 0;
  let verdict: Finding['verdict'];
  if (s.fidelity < DESCRIPTOR_RULE.minFidelity) verdict = 'not-run';
  else if (worst !== undefined && worst === top && share >= DESCRIPTOR_RULE.flagShare) verdict = 'flag';
  else if (worst !== undefined && (worst === top || share >= DESCRIPTOR_RULE.warnShare)) verdict = 'warn';
  else verdict = 'pass';
  const ranked = order.map((j) => `${s.features[j]} ${(100 * s.shapleyShare[j]).toFixed(0)}%`).join(', ');
  const svg = await barChart(
    order.map((j) => ({ label: s.features[j], value: s.importance.mean[j], error: s.importance.std[j] })),
    { x: 'permutation importance (surrogate agreement drop)', y: 'descriptor' },
    { title: 'surrogate permutation importance (mean ± sd, 50 shuffles)', width: 360 },
  );
  const shap = await barChart(
    order.map((j) => ({ label: s.features[j], value: s.shapleyShare[j] })),
    { x: 'share of mean |φ|', y: 'descriptor' },
    { title: 'surrogate Shapley shares', width: 360, xDomain: [0, 1] },
  );
  return {
    id: 'descriptors',
    title: TITLE,
    verdict,
    summary:
      (verdict === 'not-run' ? `The surrogate agrees with the model on only ${(100 * s.fidelity).toFixed(0)}% of images: the descriptors do not explain it. ` : '') +
      `Surrogate fidelity ${(100 * s.fidelity).toFixed(0)}%; Shapley shares: ${ranked}.` +
      (options.probeNote ? ` ${options.probeNote}` : ''),
    rule:
      `flag when a nuisance descriptor (${DESCRIPTOR_RULE.nuisance.join(', ')}) has the largest Shapley share and ≥ ${DESCRIPTOR_RULE.flagShare}; ` +
      `warn when it has the largest share, or a share ≥ ${DESCRIPTOR_RULE.warnShare}; no verdict when fidelity < ${DESCRIPTOR_RULE.minFidelity}.`,
    evidence: {
      features: s.features,
      fidelity: s.fidelity,
      shapleyShare: s.shapleyShare,
      meanAbsShapley: s.meanAbsShapley,
      importance: { mean: s.importance.mean, std: s.importance.std, baselineScore: s.importance.baselineScore },
      coefficients: s.coefficients,
      probeImages: probe.shape[0],
    },
    limits: LIMITS,
    figures: [
      { caption: 'which descriptors the surrogate needs to mimic the model', svg },
      { caption: 'Shapley shares of the surrogate’s positive-class probability (global: mean |φ| over images)', svg: shap },
    ],
  };
}
