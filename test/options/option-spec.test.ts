import { describe, expect, it } from 'vitest';
import { defaultsOf, mergeOptionSpecs, mergedHelp, OptionError, parseOptionValue, placeholderOf, validateOptionValue, type OptionSpec } from '../../src/options/option-spec.js';

const window: OptionSpec = { key: 'window', flag: '--window', kind: 'integer', min: 1, default: 4, help: 'window side' };
const probability: OptionSpec = { key: 'probability', flag: '--probability', kind: 'number', above: 0, max: 1, default: 0.5, help: 'keep probability' };
const rule: OptionSpec = { key: 'rule', flag: '--rule', kind: 'choice', choices: ['a', 'b'], default: 'a', help: 'rule' };

describe('option declarations', () => {
  it('parses and validates command-line values, naming the flag', () => {
    expect(parseOptionValue(window, '8')).toBe(8);
    expect(() => parseOptionValue(window, '0')).toThrow(/--window must be an integer ≥ 1 \(got '0'\)/);
    expect(() => parseOptionValue(window, '2.5')).toThrow(OptionError);
    expect(() => parseOptionValue(window, '')).toThrow(/--window/);
    expect(parseOptionValue(probability, '1')).toBe(1);
    expect(() => parseOptionValue(probability, '0')).toThrow(/> 0/);
    expect(() => parseOptionValue(rule, 'c')).toThrow(/one of a, b/);
    expect(parseOptionValue({ key: 'k', flag: '--k', kind: 'integer-list', min: 0, help: '' }, '1, 2,3')).toEqual([1, 2, 3]);
    expect(() => parseOptionValue({ key: 'k', flag: '--k', kind: 'integer-list', min: 0, help: '' }, '1,,3')).toThrow(/--k/);
    expect(() => parseOptionValue({ key: 'k', flag: '--k', kind: 'string-list', choices: ['x', 'y'], help: '' }, 'x,z')).toThrow(/unknown 'z'/);
  });

  it('validates library values with the same bounds', () => {
    expect(() => validateOptionValue(window, 0)).toThrow(/window must be an integer ≥ 1/);
    expect(() => validateOptionValue(rule, 'z')).toThrow(/rule must be one of/);
    expect(() => validateOptionValue(window, undefined)).not.toThrow();
    expect(defaultsOf([window, probability, rule])).toEqual({ window: 4, probability: 0.5, rule: 'a' });
  });

  it("a numeric option with words takes them as strings ('--steps auto'), and names them in its errors and placeholder", () => {
    const steps: OptionSpec = { key: 'steps', flag: '--steps', kind: 'integer', min: 1, words: ['auto'], default: 50, help: 'steps' };
    expect(parseOptionValue(steps, ' auto ')).toBe('auto');
    expect(parseOptionValue(steps, '20')).toBe(20);
    expect(() => parseOptionValue(steps, 'many')).toThrow("--steps must be an integer ≥ 1 or 'auto' (got 'many')");
    expect(() => parseOptionValue(window, 'auto')).toThrow("--window must be an integer ≥ 1 (got 'auto')");
    expect(placeholderOf(steps)).toBe('<n|auto>');
    expect(() => validateOptionValue(steps, 'auto')).not.toThrow();
    expect(() => validateOptionValue(steps, 'many')).toThrow("steps must be a number or 'auto' (got 'many')");
    expect(() => validateOptionValue(steps, 0)).toThrow("steps must be an integer ≥ 1 or 'auto' (got '0')");
  });

  it('merges owners: one flag must mean one thing; help shows per-owner defaults', () => {
    const a: OptionSpec = { key: 'stdevs', flag: '--stdevs', kind: 'number', default: 1, help: 'noise σ' };
    const b: OptionSpec = { ...a, default: 0 };
    const merged = mergeOptionSpecs([
      { owner: 'smoothgrad', options: [a] },
      { owner: 'gradient-shap', options: [b] },
    ]);
    expect(merged).toHaveLength(1);
    expect(mergedHelp(merged[0])).toBe('smoothgrad: noise σ (default 1); gradient-shap: noise σ (default 0)');
    expect(() => mergeOptionSpecs([{ owner: 'x', options: [a] }, { owner: 'y', options: [{ ...a, key: 'sigma' }] }])).toThrow(/one flag must mean one thing/);
  });
});
