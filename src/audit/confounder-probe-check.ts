/**
 * "Can the model's features tell the specimens/sessions apart?": for every grouping the user gave
 * (specimen, session, operator, microscope…), a cross-validated linear probe (nearest class mean,
 * LDA's rule) on the model's penultimate features predicts the group id, and its balanced accuracy is compared with a
 * permutation null (src/trust/confounder-probe.ts). Features that encode the session let the model
 * use the session as a shortcut, and its accuracy then depends on which sessions it is shown.
 */
import { tensor, type Tensor } from '../tensor/tensor.js';
import { layerFeatures } from '../trust/ood.js';
import { projectRows, sparseProjection } from '../trust/random-projection.js';
import { confounderProbe, CONFOUNDER_PROBE_DEFAULTS, type ConfounderProbeResult } from '../trust/confounder-probe.js';
import type { FigureData } from './figure-data.js';
import { defineCheck, groupingsOf, need, notRunResult } from './check.js';

/**
 * Features wider than this are randomly projected down to it (seeded): the probe's cost grows with
 * the width × (permutations + 1) × folds, and a linear probe on a 64-dimensional random projection
 * still finds a group offset carried by many features (Johnson–Lindenstrauss keeps the geometry).
 */
export const PROBE_MAX_DIMENSIONS = 64;

async function probeFeatures(context: Parameters<typeof confounderProbeCheck.run>[0]): Promise<Tensor> {
  const f = await layerFeatures(context.model, context.data.images);
  const [n, d] = f.shape;
  if (d <= PROBE_MAX_DIMENSIONS) return f;
  const p = sparseProjection(d, PROBE_MAX_DIMENSIONS, context.random.fork('projection').seed());
  return tensor([n, PROBE_MAX_DIMENSIONS], projectRows(p, f.data, n));
}

export const confounderProbeCheck = defineCheck({
  id: 'confounder-probe',
  title: "Can the model's features tell the specimens or sessions apart (a confounder it could use)?",
  needs: [need('groups', 'the probe predicts the group of each image')],
  options: [
    { key: 'permutations', flag: '--probe-permutations', kind: 'integer', default: CONFOUNDER_PROBE_DEFAULTS.permutations, min: 20, help: 'shuffles of the group ids in the permutation null (at least 20)' },
    { key: 'margin', flag: '--probe-margin', kind: 'number', default: CONFOUNDER_PROBE_DEFAULTS.margin, min: 0, max: 1, help: "warn when the probe's balanced accuracy beats the permutation null's 95th percentile by more than this" },
  ],
  limits:
    'Only the groupings given are probed, and only linearly, on the penultimate features (randomly projected to at most ' +
    `${PROBE_MAX_DIMENSIONS} dimensions). The null shuffles group ids within each class, so group information explained by the class mix ` +
    'is not flagged, and when every group holds one class nothing can be told apart. Features that carry the group make a shortcut possible, not certain: the leakage check measures its cost.',
  async run(context, options: { permutations: number; margin: number }) {
    let features: Tensor;
    try {
      features = await probeFeatures(context);
    } catch (e) {
      return notRunResult(`the model's penultimate features could not be read: ${(e as Error).message}.`);
    }
    const strata = context.task === 'classification' ? context.data.labels : undefined;
    const results: (ConfounderProbeResult & { grouping: string })[] = [];
    const skipped: string[] = [];
    const groupings = groupingsOf(context);
    for (const [i, g] of groupings.entries()) {
      if (new Set(g.ids).size < 2) {
        skipped.push(`${g.name} (one group)`);
        continue;
      }
      const r = confounderProbe(features, g.ids, { seed: context.random.fork(`probe ${g.name}`).seed(), permutations: options.permutations, margin: options.margin, strata });
      results.push({ grouping: g.name, ...r });
      context.progress((i + 1) / groupings.length);
    }
    if (results.length === 0) return notRunResult(`every grouping holds a single group (${skipped.join(', ')}); the probe needs at least 2 groups.`);
    const flagged = results.filter((r) => r.predictsGroup);
    const say = (r: (typeof results)[number]) =>
      `${r.grouping}: balanced accuracy ${r.balancedAccuracy.toFixed(3)} over ${r.groups} groups (chance ${r.chance.toFixed(3)}, permutation null's 95th percentile ${r.null95.toFixed(3)})`;
    const figures: FigureData[] = results.map((r) => ({
      kind: 'bars',
      caption: `can a probe on the model's features predict the ${r.grouping}? Out-of-fold balanced accuracy vs the same probe on shuffled ${r.grouping} ids`,
      axes: { x: 'balanced accuracy', y: r.grouping },
      valueDomain: [0, 1],
      bars: [
        { label: 'probe', value: r.balancedAccuracy },
        { label: `null (95th percentile of ${r.null.length})`, value: r.null95 },
        { label: `chance (1/${r.groups})`, value: r.chance },
      ],
    }));
    return {
      // WARN, not FLAG: decodable group identity is a confounder the model could use, not proof that
      // it does (on the demo, synthetic specimens carry fingerprints any feature extractor picks up);
      // whether accuracy depends on it is the leakage check's question along the same grouping.
      verdict: flagged.length ? 'warn' : 'pass',
      summary:
        (flagged.length
          ? `The model's features predict ${flagged.map((r) => `the ${r.grouping}`).join(' and ')} far above chance: it could use ${flagged.length > 1 ? 'them' : 'it'} as a shortcut (the leakage check along the same grouping tells whether its accuracy depends on it). `
          : 'No given grouping can be predicted from the model\'s features beyond the permutation null. ') +
        results.map(say).join('; ') +
        '.' +
        (skipped.length ? ` Not probed: ${skipped.join(', ')}.` : ''),
      headline: `its features tell the ${flagged.map((r) => r.grouping).join('/')} apart (a confounder it could use)`,
      rule: `warn when, for any grouping, the probe's out-of-fold balanced accuracy (${results[0].folds}-fold) exceeds the 95th percentile of ${options.permutations} within-class shuffles of the group ids by more than ${options.margin}.`,
      evidence: { groupings: results.map(({ grouping, groups, chance, balancedAccuracy, null95, folds, predictsGroup, null: nul }) => ({ grouping, groups, chance, balancedAccuracy, null95, folds, predictsGroup, null: nul })), skipped },
      figures,
    };
  },
});
