/**
 * "Does the explanation fail its sanity check?": cascading model-parameter randomisation of the
 * saliency maps the audit relies on (Adebayo et al. 2018). If the maps survive random weights they
 * show the image, not the model, and the shortcut check built on them means little.
 */
import type { Model } from '../models/model.js';
import type { Explainer } from '../attribution/explainer.js';
import type { Tensor } from '../tensor/tensor.js';
import { row } from '../tensor/tensor.js';
import { randomisationTest } from '../evaluate/randomisation.js';
import { lineChart } from '../report/charts.js';
import { heatmapPng, pngDataUri } from '../report/png.js';
import type { Finding } from './findings.js';

export interface SanityCheckOptions {
  seed?: number;
  onProgress?: (fraction: number) => void;
}

export async function sanityCheck(model: Model, explainer: Explainer, images: Tensor, options: SanityCheckOptions = {}): Promise<Finding> {
  const r = await randomisationTest(model, explainer, images, {
    modes: ['cascading'],
    seed: options.seed ?? 0,
    keepMaps: 1,
    onProgress: options.onProgress ? (f) => options.onProgress!(f) : undefined,
  });
  const steps = r.cascading ?? [];
  const verdict = r.verdict.passes === null ? 'not-run' : r.verdict.passes ? 'pass' : 'flag';
  const x = steps.map((_, i) => i + 1);
  const svg = steps.length
    ? await lineChart(
        [
          { name: 'Spearman |a|', x, y: steps.map((s) => s.spearman) },
          { name: 'SSIM', x, y: steps.map((s) => s.ssim) },
          { name: 'hotspot survival', x, y: steps.map((s) => s.hotspotSurvival) },
          { name: 'baseline Spearman', x, y: steps.map(() => r.baseline.spearman) },
        ],
        { x: 'layers randomised (top down)', y: 'similarity to trained maps' },
        { width: 420, integerX: true },
      )
    : undefined;
  const pictures = [];
  const one = (t: Tensor) => ({ shape: t.shape.slice(1), data: row(t, 0).data });
  if (r.trainedMaps) pictures.push({ uri: pngDataUri(heatmapPng(one(r.trainedMaps), { scale: 4 })), label: 'trained' });
  for (const s of steps) if (s.maps) pictures.push({ uri: pngDataUri(heatmapPng(one(s.maps), { scale: 4 })), label: `→ ${s.layer}` });
  return {
    id: 'sanity',
    title: 'Explanation fails its sanity check?',
    verdict,
    summary: `${explainer.name}: ${r.verdict.text}`,
    rule: r.verdict.rule,
    evidence: {
      method: r.method,
      images: r.images,
      baseline: { kind: r.baseline.kind, spearman: r.baseline.spearman, ssim: r.baseline.ssim },
      cascading: steps.map((s) => ({ layer: s.layer, spearman: s.spearman, ssim: s.ssim, hogDistance: s.hogDistance, hotspotSurvival: s.hotspotSurvival })),
      randomLogit: r.randomLogit,
      verdict: r.verdict,
    },
    limits:
      'Passing shows the maps depend on the learned weights; it does not show they are faithful to how the model decides ' +
      '(see faithfulness metrics in `trustscope evaluate`).',
    figures: [
      ...(svg ? [{ caption: `similarity of the randomised model's maps to the trained model's, per cascade step (layers: ${steps.map((s) => s.layer).join(' → ')})`, svg }] : []),
      ...(pictures.length ? [{ caption: 'one image: trained map, then the map after each cascade step', images: pictures }] : []),
    ],
  };
}
