/**
 * "Are some descriptors so correlated that they split their importance?": descriptors that move
 * together (|ρ| ≥ 0.8 by default) share credit in the descriptor surrogate — a model that needs
 * "bright corner or high mean brightness" loses little when either is shuffled alone, so neither
 * looks important and a nuisance can hide behind its partner. The check names the correlated groups
 * and explains the same surrogate with each group as one feature: grouped permutation importance
 * (the group's columns shuffled together) and grouped Shapley values (the group as one player).
 *
 * WARN when a correlated group carries at least `minShare` (20%) of the grouped Shapley shares: its
 * members' individual shares cannot be read one by one, and they matter. A correlated pair that
 * carries little (on the demo: local_contrast and edge_density, ρ = 0.89, 3–11%) is reported but
 * passes — how a small share is split between two descriptors changes no reading of the model.
 * FLAG when a group holding a nuisance descriptor carries the largest grouped Shapley share and at
 * least the descriptor check's flag share while no nuisance does so alone — the case where splitting
 * hides a shortcut from the descriptor check.
 */
import { correlatedGroups, correlationMatrix, CORRELATION_THRESHOLD } from '../tabular/correlated-groups.js';
import { explainViaDescriptors } from '../tabular/surrogate.js';
import type { FigureData } from './figure-data.js';
import { defineCheck, need, notRunResult, type CheckResult } from './check.js';
import { descriptorInputs } from './descriptor-inputs.js';
import { DESCRIPTOR_RULE } from './descriptor-check.js';

const pct = (v: number) => `${(100 * v).toFixed(0)}%`;

export const correlatedDescriptorsCheck = defineCheck({
  id: 'correlated-descriptors',
  title: 'Are some descriptors so correlated that they split their importance between them?',
  needs: [need('classifier', 'the surrogate explains class predictions')],
  options: [
    { key: 'threshold', flag: '--correlation-threshold', kind: 'number', default: CORRELATION_THRESHOLD, min: 0.05, max: 1, help: 'descriptors whose |Pearson ρ| reaches this are grouped (linked pairs chain into one group)' },
    { key: 'minShare', flag: '--correlated-min-share', kind: 'number', default: 0.2, min: 0, max: 1, help: 'warn only when a correlated group carries at least this grouped Shapley share (0: whenever descriptors correlate)' },
  ],
  limits:
    'Only linear (Pearson) correlation on the rows explained is seen; descriptors related non-linearly still split credit. A group says the data cannot tell its members apart, not which of them the model uses: ' +
    'only images that vary them independently can.',
  async run(context, options: { threshold: number; minShare: number }): Promise<CheckResult> {
    const inputs = await descriptorInputs(context);
    if ('notRun' in inputs) return notRunResult(inputs.notRun);
    const found = correlatedGroups(inputs.table, options.threshold);
    const multi = found.groups.filter((g) => g.length > 1);
    const name = (j: number) => inputs.names[j];
    const pairs = found.pairs.map((p) => ({ a: name(p.a), b: name(p.b), rho: p.rho }));
    if (multi.length === 0) {
      const r = correlationMatrix(inputs.table);
      const f = inputs.names.length;
      let max = { a: 0, b: 1, rho: 0 };
      for (let a = 0; a < f; a++) for (let b = a + 1; b < f; b++) if (Math.abs(r[a * f + b]) > Math.abs(max.rho)) max = { a, b, rho: r[a * f + b] };
      return {
        verdict: 'pass',
        summary: `No two descriptors correlate with |ρ| ≥ ${options.threshold} in ${inputs.source}` + (f > 1 ? ` (strongest: ${name(max.a)}–${name(max.b)}, ρ = ${max.rho.toFixed(2)}).` : '.'),
        rule: `warn when descriptors correlating with |Pearson ρ| ≥ ${options.threshold} carry ≥ ${pct(options.minShare)} of the grouped Shapley shares; flag when a correlated group holding a nuisance descriptor carries the largest grouped Shapley share (≥ ${DESCRIPTOR_RULE.flagShare}) while no nuisance does alone.`,
        evidence: { threshold: options.threshold, pairs: [], groups: [], source: inputs.source },
      };
    }
    const s = await explainViaDescriptors(inputs.table, inputs.predictions, { names: inputs.names, seed: context.random.fork('surrogate').seed(), groups: found.groups });
    const g = s.grouped!;
    const order = g.groups.map((_, k) => k).sort((a, b) => g.shapleyShare[b] - g.shapleyShare[a]);
    const isNuisance = (j: number) => inputs.nuisance.includes(name(j));
    const topGroup = order[0];
    const nuisanceGroupOnTop = g.members[topGroup].length > 1 && g.members[topGroup].some(isNuisance) && g.shapleyShare[topGroup] >= DESCRIPTOR_RULE.flagShare;
    const alone = s.features.map((_, j) => j).sort((a, b) => s.shapleyShare[b] - s.shapleyShare[a]);
    const nuisanceAloneOnTop = isNuisance(alone[0]) && s.shapleyShare[alone[0]] >= DESCRIPTOR_RULE.flagShare;
    // A surrogate that disagrees with the model explains nothing: the correlation still warns, nothing flags.
    const correlatedIndex = order.filter((k) => g.members[k].length > 1);
    const matters = correlatedIndex.some((k) => g.shapleyShare[k] >= options.minShare);
    const verdict = nuisanceGroupOnTop && !nuisanceAloneOnTop && s.fidelity >= DESCRIPTOR_RULE.minFidelity ? 'flag' : matters ? 'warn' : 'pass';
    const describeGroup = (k: number) => {
      const members = g.members[k];
      const each = members.map((j) => `${name(j)} ${pct(s.shapleyShare[j])}`).join(', ');
      return `${g.groups[k]}: grouped Shapley share ${pct(g.shapleyShare[k])} (one by one: ${each}), grouped permutation importance ${g.importance.mean[k].toFixed(3)}`;
    };
    const figures: FigureData[] = [
      {
        kind: 'bars',
        title: 'grouped Shapley shares (correlated descriptors as one feature)',
        caption: `Shapley shares of the surrogate with each group of correlated descriptors (|ρ| ≥ ${options.threshold}) as one player; compare with the per-descriptor shares of the descriptor check`,
        axes: { x: 'share of mean |φ|', y: 'descriptor group' },
        valueDomain: [0, 1],
        bars: order.map((k) => ({ label: g.groups[k], value: g.shapleyShare[k] })),
      },
      {
        kind: 'bars',
        title: 'grouped permutation importance (mean ± sd)',
        caption: "surrogate agreement lost when a group's descriptors are shuffled together (the same row order for all of them)",
        axes: { x: 'permutation importance (surrogate agreement drop)', y: 'descriptor group' },
        bars: order.map((k) => ({ label: g.groups[k], value: g.importance.mean[k], error: g.importance.std[k] })),
      },
      {
        kind: 'table',
        caption: `descriptor pairs with |Pearson ρ| ≥ ${options.threshold} over the ${inputs.table.shape[0]} rows explained`,
        headers: ['descriptor', 'descriptor', 'ρ'],
        rows: pairs.map((p) => [p.a, p.b, p.rho.toFixed(3)]),
      },
    ];
    const nuisanceGroup = g.groups[topGroup];
    return {
      verdict,
      summary:
        (verdict === 'flag'
          ? `The group ${nuisanceGroup}, which holds a nuisance descriptor, carries ${pct(g.shapleyShare[topGroup])} of what explains the predictions, split between its members one by one. `
          : verdict === 'warn'
            ? `${multi.length} group${multi.length > 1 ? 's' : ''} of correlated descriptors, carrying a share that matters: their members' individual shares cannot be read one by one. `
            : `Correlated descriptors, but together they carry less than ${pct(options.minShare)} of what explains the predictions: how they split it changes no reading. `) +
        correlatedIndex.map(describeGroup).join('; ') +
        `. Strongest pair: ${pairs[0].a}–${pairs[0].b}, ρ = ${pairs[0].rho.toFixed(2)}.`,
      headline: verdict === 'flag' ? `the correlated group ${nuisanceGroup} (with a nuisance descriptor) carries ${pct(g.shapleyShare[topGroup])} of what explains its predictions` : `its descriptors ${g.groups[correlatedIndex[0]]} move together, so their importance is split`,
      rule:
        `warn when descriptors correlating with |Pearson ρ| ≥ ${options.threshold} (groups: pairs chained by single linkage) carry ≥ ${pct(options.minShare)} of the grouped Shapley shares; ` +
        `flag when a correlated group holding a nuisance descriptor (${inputs.nuisance.join(', ') || 'none named'}) has the largest grouped Shapley share and ≥ ${DESCRIPTOR_RULE.flagShare} while no nuisance descriptor does alone.`,
      evidence: {
        threshold: options.threshold,
        source: inputs.source,
        pairs,
        groups: g.groups.map((label, k) => ({ group: label, members: g.members[k].map(name), shapleyShare: g.shapleyShare[k], meanAbsShapley: g.meanAbsShapley[k], importance: g.importance.mean[k], importanceStd: g.importance.std[k] })),
        fidelity: s.fidelity,
        nuisance: inputs.nuisance,
      },
      figures,
    };
  },
});
