/**
 * "Can the saliency maps be moved without changing the prediction?": the explanation-manipulation
 * attack of Dombrowski et al. (2019) on the saliency maps the other checks rely on. A perturbation of
 * a few percent of the value range, found on the softplus-smoothed network and judged on the model
 * itself, tries to move each map toward a target while the output stays. If the maps move far with
 * the prediction unchanged, a map is weak evidence: the same prediction comes with very different
 * explanations. A random ±ε perturbation of the same budget is the control (fragile vs attackable).
 *
 * Opt-in: the attack is a second-order pass per step, so it runs only when `--manipulation-images`
 * names how many images to attack.
 */
import { takeRows } from '../tensor/tensor.js';
import { saliency } from '../attribution/saliency.js';
import { gradientMapUnit, manipulateExplanations, type ManipulationResult } from '../evaluate/explanation-manipulation.js';
import { MANIPULATION_OPTION_SPECS, MANIPULATED_SHARE, manipulationMedians, manipulationText, type ManipulationMetricOptions } from '../evaluate/metrics/manipulation-metric.js';
import { fmt } from '../evaluate/metric.js';
import type { FigureData } from './figure-data.js';
import { defineCheck, need, notRunResult } from './check.js';

type ManipulationCheckOptions = Required<ManipulationMetricOptions> & { images: number };

/** Pictures of this many attacked images go into the report. */
const FIGURE_IMAGES = 3;

function evidenceOf(r: ManipulationResult, rows: readonly number[]) {
  const { maps: _maps, images, ...settings } = r;
  return {
    ...settings,
    rows,
    medians: manipulationMedians(r),
    perImage: images,
  };
}

export function manipulationFigures(r: ManipulationResult, labels: readonly string[]): FigureData[] {
  if (!r.maps) return [];
  const table: FigureData = {
    kind: 'table',
    caption: `per attacked image, on the model itself (maps scaled to mean |ĥ| = 1; the random control is ±ε on every value: the same budget)`,
    headers: ['image', 'class kept', '|Δ score|', 'correlation with target: before → after', 'correlation with original', 'map change', 'random ±ε map change', '‖δ‖₂/‖x‖₂', 'map change per unit'],
    rows: r.images.map((i, k) => [
      labels[k] ?? String(k),
      i.classKept ? 'yes' : 'no',
      fmt(i.scoreChange, 3),
      `${fmt(i.targetCorrelationBefore, 2)} → ${fmt(i.targetCorrelationAfter, 2)}`,
      fmt(i.originalCorrelation, 2),
      fmt(i.mapChange, 2),
      fmt(i.randomMapChange, 2),
      fmt(i.perturbationRelative, 3),
      fmt(i.mapChangePerPerturbation, 1),
    ]),
  };
  const k = r.maps.images.shape[0];
  const pictures: FigureData = {
    kind: 'manipulation',
    caption: `per image: the image, its ${r.method} map, the target (${r.target === 'shifted' ? 'its own map shifted by half the image' : "another image's map"}), the map after the attack (the model itself), and the perturbation δ (${r.norm === 'l2' ? '‖δ‖₂ ≤ √pixels ×' : '‖δ‖∞ ≤'} ${r.epsilon.toPrecision(2)})`,
    ...r.maps,
    labels: labels.slice(0, k),
    details: r.images.slice(0, k).map((i) => `map change ${fmt(i.mapChange, 2)} · |Δ score| ${fmt(i.scoreChange, 3)}${i.classKept ? '' : ' · class changed'}`),
    values: { unit: gradientMapUnit(r.map) },
  };
  return [pictures, table];
}

export const manipulationCheck = defineCheck({
  id: 'manipulation',
  title: 'Can the saliency maps be moved by a tiny perturbation that leaves the prediction unchanged (explanation manipulation)?',
  needs: [need('classifier', 'the attack keeps the predicted class and its probability; its regression form is not built yet')],
  options: [
    { key: 'images', flag: '--manipulation-images', kind: 'integer', default: 0, min: 0, help: 'images attacked (a random sample); 0 leaves this opt-in check out (each image costs about 50 second-order passes)' },
    ...MANIPULATION_OPTION_SPECS,
  ],
  limits:
    'Only gradient saliency is attacked, with one budget, one target and a fixed number of steps: a PASS says this attack did not move the maps, ' +
    'not that none can (a stronger or longer attack may). The attack runs on the softplus-smoothed network, so its success on the ReLU model is a lower bound. ' +
    'A FLAG says the maps are fragile evidence, not that the model is wrong; compare with the random ±ε control to see whether noise alone moves them.',
  async run(context, options: ManipulationCheckOptions) {
    if (options.images === 0) return notRunResult('opt-in: give --manipulation-images N (e.g. 8) to attack the saliency maps of N images (a few seconds per model on the demo).', { optIn: true });
    const n = context.data.labels.length;
    const rows = context.random.fork('images').permutation(n).slice(0, Math.min(options.images, n));
    const { images: _images, ...attack } = options;
    const r = await manipulateExplanations(context.model, saliency, takeRows(context.data.images, rows), rows.map((i) => context.predicted[i]), {
      ...attack,
      seed: context.random.fork('attack').seed(),
      keepMaps: FIGURE_IMAGES,
      onProgress: (f) => context.progress(f, 'explanation manipulation attack'),
    });
    const { fails, text } = manipulationText(r);
    const m = manipulationMedians(r);
    return {
      verdict: fails ? 'flag' : 'pass',
      summary: text,
      headline: `a perturbation of ${fmt(r.epsilonFraction * 100, 1)}% of the value range moves its saliency maps (median change ${fmt(m.change, 2)} of their norm) while the prediction stays, so a map alone is weak evidence`,
      rule: `an image's map moved when its correlation with the target rose by ≥ ${r.minGain} or it changed by ≥ ${r.minChange} of its norm, with the class kept and |Δ probability| ≤ ${r.outputTolerance}; FLAG when ≥ ${MANIPULATED_SHARE * 100}% of the attacked images moved`,
      evidence: evidenceOf(r, rows),
      figures: manipulationFigures(r, rows.map((i) => `#${i}`)),
    };
  },
});
