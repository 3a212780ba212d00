/**
 * "What does the model respond to, in physical terms?": descriptors per image — the built-in EM
 * descriptors (brightness, contrast, texture, defect intensity, edges, corner brightness) or the
 * user's own table (`--descriptors table.csv`: stage temperature, dose, session time…) — a
 * logistic-regression surrogate from descriptors to the model's predictions, and its Shapley
 * shares. A nuisance descriptor (one that carries no physics: the brightness of an image corner by
 * default, or any the user names with `--nuisance`) dominating the surrogate is evidence of a
 * shortcut in words a microscopist can check.
 */
import { explainViaDescriptors } from '../tabular/surrogate.js';
import { defineCheck, need, notRunResult, type CheckResult } from './check.js';
import { DEFAULT_NUISANCE, descriptorInputs } from './descriptor-inputs.js';

export const DESCRIPTOR_RULE = {
  /** Descriptors that carry no physics of the sample, unless the user names others (--nuisance). */
  nuisance: DEFAULT_NUISANCE,
  /** Shapley share of a nuisance descriptor that flags it (when it is also the largest). */
  flagShare: 0.5,
  /**
   * Share that warns even when the nuisance descriptor is not the largest. Below it a secondary
   * nuisance share means sensitivity, not reliance: the demo's clean model misses defects when a
   * bright corner appears (it never saw one), giving corner 28–31% behind defect intensity 49–54%.
   */
  warnShare: 0.4,
  /** Surrogate fidelity below which the descriptors do not explain the model and no verdict is given. */
  minFidelity: 0.8,
};

export const descriptorCheck = defineCheck({
  id: 'descriptors',
  title: 'Does a nuisance descriptor (no physics, e.g. corner brightness) drive the predictions?',
  needs: [need('classifier', 'its regression form is not built yet')],
  options: [],
  limits:
    'A surrogate explains the model only as far as it agrees with it (fidelity), and only in terms of the descriptors offered. ' +
    'Descriptors that always move together in the probe images cannot be told apart: the probe set must vary candidate causes independently.',
  async run(context): Promise<CheckResult> {
    const inputs = await descriptorInputs(context);
    if ('notRun' in inputs) return notRunResult(inputs.notRun);
    const s = await explainViaDescriptors(inputs.table, inputs.predictions, { names: inputs.names, seed: context.random.fork('surrogate').seed() });
    const order = s.features.map((_, j) => j).sort((a, b) => s.shapleyShare[b] - s.shapleyShare[a]);
    const top = order[0];
    const nuisance = order.filter((j) => inputs.nuisance.includes(s.features[j]));
    const worst = nuisance.length ? nuisance[0] : undefined;
    const share = worst !== undefined ? s.shapleyShare[worst] : 0;
    let verdict: CheckResult['verdict'];
    if (s.fidelity < DESCRIPTOR_RULE.minFidelity) verdict = 'not-run';
    else if (worst !== undefined && worst === top && share >= DESCRIPTOR_RULE.flagShare) verdict = 'flag';
    else if (worst !== undefined && (worst === top || share >= DESCRIPTOR_RULE.warnShare)) verdict = 'warn';
    else verdict = 'pass';
    const ranked = order.map((j) => `${s.features[j]} ${(100 * s.shapleyShare[j]).toFixed(0)}%`).join(', ');
    return {
      verdict,
      summary:
        (verdict === 'not-run' ? `The surrogate agrees with the model on only ${(100 * s.fidelity).toFixed(0)}% of images: the descriptors do not explain it. ` : '') +
        `Surrogate fidelity ${(100 * s.fidelity).toFixed(0)}%; Shapley shares: ${ranked}` +
        (inputs.nuisance.length ? `; nuisance: ${inputs.nuisance.join(', ')}.` : '; no nuisance descriptor named (--nuisance), so nothing can be flagged.') +
        (context.descriptorTable ? ` Descriptors: ${inputs.source}.` : context.probeNote ? ` ${context.probeNote}` : ''),
      headline: worst !== undefined ? `${s.features[worst]} (no physics) carries ${(100 * share).toFixed(0)}% of what explains its predictions` : undefined,
      rule:
        `flag when a nuisance descriptor (${inputs.nuisance.join(', ') || 'none named'}) has the largest Shapley share and ≥ ${DESCRIPTOR_RULE.flagShare}; ` +
        `warn when it has the largest share, or a share ≥ ${DESCRIPTOR_RULE.warnShare}; no verdict when fidelity < ${DESCRIPTOR_RULE.minFidelity}.`,
      evidence: {
        features: s.features,
        fidelity: s.fidelity,
        shapleyShare: s.shapleyShare,
        meanAbsShapley: s.meanAbsShapley,
        importance: { mean: s.importance.mean, std: s.importance.std, baselineScore: s.importance.baselineScore },
        coefficients: s.coefficients,
        nuisance: inputs.nuisance,
        source: inputs.source,
        rows: inputs.table.shape[0],
      },
      figures: [
        {
          kind: 'bars',
          title: 'surrogate permutation importance (mean ± sd, 50 shuffles)',
          caption: 'which descriptors the surrogate needs to mimic the model',
          axes: { x: 'permutation importance (surrogate agreement drop)', y: 'descriptor' },
          bars: order.map((j) => ({ label: s.features[j], value: s.importance.mean[j], error: s.importance.std[j] })),
        },
        {
          kind: 'bars',
          title: 'surrogate Shapley shares',
          caption: 'Shapley shares of the surrogate’s positive-class probability (global: mean |φ| over images)',
          axes: { x: 'share of mean |φ|', y: 'descriptor' },
          valueDomain: [0, 1],
          bars: order.map((j) => ({ label: s.features[j], value: s.shapleyShare[j] })),
        },
      ],
    };
  },
});
