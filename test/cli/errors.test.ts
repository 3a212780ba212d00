/** CLI option parsers: values accepted as numbers, and one-line errors naming the option. */
import { describe, expect, it } from 'vitest';
import { UsageError, parseInteger, parseNumber } from '../../src/cli/errors.js';

describe('parseInteger', () => {
  it('accepts integers at or above the minimum', () => {
    expect(parseInteger('--window', 1)('4')).toBe(4);
    expect(parseInteger('--seed', 0)('0')).toBe(0);
    expect(parseInteger('--n')('-3')).toBe(-3);
  });

  it('rejects fractions, words and values below the minimum with a UsageError naming the option', () => {
    const p = parseInteger('--window', 1);
    for (const bad of ['0', '2.5', 'four', '', '1e400']) {
      expect(() => p(bad)).toThrow(UsageError);
      expect(() => p(bad)).toThrow(`--window must be an integer ≥ 1 (got '${bad}')`);
    }
    expect(() => parseInteger('--n')('x')).toThrow("--n must be an integer (got 'x')");
  });
});

describe('parseNumber', () => {
  it('accepts finite numbers and rejects the rest', () => {
    expect(parseNumber('--baseline')('0.25')).toBe(0.25);
    expect(parseNumber('--baseline')('-1e-3')).toBe(-0.001);
    for (const bad of ['NaN', 'Infinity', 'abc']) expect(() => parseNumber('--baseline')(bad)).toThrow(`--baseline must be a number (got '${bad}')`);
  });
});
