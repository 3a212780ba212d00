/**
 * The knobs page's percentages: a share printed with fixed decimals. It used formatNumber(100·x, 0),
 * which throws for any non-integer percentage (toPrecision(0)) — the demo crashed after training
 * when 97.5% of the counterfactual searches reached their target — and printed 97.5 as "1e+2" with
 * one significant digit.
 */
import { describe, expect, it } from 'vitest';
import { percent } from '../../src/report/knobs-page.js';

describe('knobs page percent', () => {
  it('prints shares as percentages with fixed decimals, whatever the share', () => {
    expect(percent(0.975, 0)).toBe('98');
    expect(percent(0.975, 1)).toBe('97.5');
    expect(percent(1, 1)).toBe('100.0');
    expect(percent(0.05, 0)).toBe('5');
    expect(percent(0.0021, 1)).toBe('0.2');
  });
});
