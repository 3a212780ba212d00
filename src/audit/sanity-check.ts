/**
 * "Does the explanation fail its sanity check?": cascading model-parameter randomisation of the
 * saliency maps the audit relies on (Adebayo et al. 2018). If the maps survive random weights they
 * show the image, not the model, and the shortcut check built on them means little.
 */
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, sliceRows, takeRows } from '../tensor/tensor.js';
import { saliency } from '../attribution/saliency.js';
import { randomisationTest } from '../evaluate/randomisation.js';
import type { FigureData } from './figure-data.js';
import { defineCheck, need } from './check.js';

export const sanityCheck = defineCheck({
  id: 'sanity',
  title: "Do the saliency maps ignore the model's weights (randomisation sanity check)?",
  needs: [need('classifier', 'its regression form is not built yet')],
  options: [{ key: 'images', flag: '--sanity-images', kind: 'integer', default: 16, min: 1, help: 'images explained at every step of the sanity check (a random sample of the audited images)' }],
  limits:
    'Passing shows the maps depend on the learned weights; it does not show they are faithful to how the model decides ' +
    '(see faithfulness metrics in `trustscope evaluate`).',
  async run(context, options: { images: number }) {
    const explainer = saliency;
    const rows = context.random.fork('images').permutation(context.data.labels.length).slice(0, options.images);
    const r = await randomisationTest(context.model, explainer, takeRows(context.data.images, rows), {
      modes: ['cascading'],
      seed: context.random.fork('randomisation').seed(),
      // The trained model's answers, computed once by the audit: the class explained at every step.
      target: rows.map((i) => context.predicted[i]),
      keepMaps: 1,
      onProgress: (f) => context.progress(f),
    });
    const steps = r.cascading ?? [];
    const verdict = r.verdict.passes === null ? 'not-run' : r.verdict.passes ? 'pass' : 'flag';
    // Named by the layers, as the maps below are: step i has randomised every layer down to steps[i].layer.
    const x = steps.map((_, i) => i);
    const figures: FigureData[] = [];
    if (steps.length) {
      figures.push({
        kind: 'lines',
        caption: `similarity of the randomised model's maps to the trained model's, per cascade step (layers: ${steps.map((s) => s.layer).join(' → ')})`,
        axes: { x: 'randomised from the top down to layer', y: 'similarity to trained maps' },
        xCategories: steps.map((s) => `→ ${s.layer}`),
        series: [
          { name: 'Spearman |a|', x, y: steps.map((s) => s.spearman) },
          { name: 'SSIM', x, y: steps.map((s) => s.ssim) },
          { name: 'hotspot survival', x, y: steps.map((s) => s.hotspotSurvival) },
          { name: 'baseline Spearman', x, y: steps.map(() => r.baseline.spearman) },
        ],
      });
    }
    // One image's map: trained, then after each cascade step.
    const maps: Tensor[] = [];
    const labels: string[] = [];
    if (r.trainedMaps) {
      maps.push(sliceRows(r.trainedMaps, 0, 1));
      labels.push('trained');
    }
    for (const s of steps) {
      if (!s.maps) continue;
      maps.push(sliceRows(s.maps, 0, 1));
      labels.push(`→ ${s.layer}`);
    }
    if (maps.length) figures.push({ kind: 'maps', caption: 'one image: trained map, then the map after each cascade step', maps: concatRows(maps), labels, values: { unit: 'saliency |∂ logit / ∂ pixel|', signed: false } });
    return {
      verdict,
      summary: `${explainer.name}: ${r.verdict.text}`,
      headline: `its ${explainer.name} maps barely change when its weights are randomised, so they show the image, not the model`,
      rule: r.verdict.rule,
      evidence: {
        method: r.method,
        images: r.images,
        baseline: { kind: r.baseline.kind, spearman: r.baseline.spearman, ssim: r.baseline.ssim },
        cascading: steps.map((s) => ({ layer: s.layer, spearman: s.spearman, ssim: s.ssim, hogDistance: s.hogDistance, hotspotSurvival: s.hotspotSurvival })),
        randomLogit: r.randomLogit,
        verdict: r.verdict,
      },
      figures,
    };
  },
});
