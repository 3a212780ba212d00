/** How spread out is the map? Wraps complexity.ts (sparseness, entropy, effective complexity); describes, does not judge. */
import type { Metric } from '../metric.js';
import { fmt } from '../metric.js';
import type { ComplexityOptions, ComplexityResult } from '../complexity.js';
import { complexity } from '../complexity.js';

export const complexityMetric: Metric<'complexity', ComplexityOptions, ComplexityResult> = {
  name: 'complexity',
  description: 'sparseness (Gini), entropy, effective complexity',
  needs: [],
  runByDefault: true,
  options: [
    { key: 'epsilon', flag: '--complexity-epsilon', kind: 'number', min: 0, default: 1e-5, placeholder: '<x>', help: 'a pixel counts towards the effective complexity when |a| > this × max |a|' },
  ],
  async run(context, options) {
    const c = complexity(context.attributions, { epsilon: options.epsilon });
    const text = `sparseness (Gini) ${fmt(c.sparseness.mean)} (0 = flat, 1 = one pixel), entropy ${fmt(c.complexity.mean)} of at most ln ${c.pixels} = ${fmt(Math.log(c.pixels))}, ${fmt(c.effectiveComplexity.mean, 1)} of ${c.pixels} pixels above ${c.effectiveComplexity.epsilon} × max`;
    return { result: c, verdict: { passes: null, text } };
  },
  summarise(c) {
    return [
      { label: 'sparseness (Gini of |a|)', value: c.sparseness.mean, note: '0 flat … 1 one pixel' },
      { label: 'entropy of |a| fractions', value: c.complexity.mean, note: `0 … ln ${c.pixels}` },
      { label: 'effective complexity', value: c.effectiveComplexity.mean, note: `pixels above ${c.effectiveComplexity.epsilon} × max` },
    ];
  },
};
