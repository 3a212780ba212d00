import { describe, expect, it } from 'vitest';
import { normalise, parseNormalisation, isIntegerDtype, describeNormalisation } from '../../src/data/normalise.js';
import { tensor } from '../../src/tensor/tensor.js';

describe('normalisation', () => {
  const x = tensor([2, 1, 1, 5], [0, 10, 20, 30, 40, 5, 5, 5, 5, 5]);
  it('parses the declared forms and refuses others in one line', () => {
    expect(parseNormalisation('percentile:0.5,99.5')).toEqual({ kind: 'percentile', low: 0.5, high: 99.5 });
    expect(describeNormalisation(parseNormalisation('scale:0.25'))).toBe('scale:0.25');
    expect(() => parseNormalisation('percentile:50,10')).toThrow(/0 ≤ LO < HI ≤ 100/);
    expect(() => parseNormalisation('unit')).toThrow(/--normalise must be one of none \| minmax/);
    expect(isIntegerDtype('uint16')).toBe(true);
    expect(isIntegerDtype('float32')).toBe(false);
  });
  it('minmax, zscore, percentile and scale per image, with their analytic values', () => {
    expect(Array.from(normalise(x, { kind: 'minmax' }).data)).toEqual([0, 0.25, 0.5, 0.75, 1, 0, 0, 0, 0, 0]);
    const z = normalise(x, { kind: 'zscore' }).data;
    // mean 20, population std √200
    expect(z[0]).toBeCloseTo(-20 / Math.sqrt(200), 6);
    expect(z[4]).toBeCloseTo(20 / Math.sqrt(200), 6);
    expect(Array.from(z.subarray(5))).toEqual([0, 0, 0, 0, 0]);
    // numpy.percentile([0,10,20,30,40], [25, 75]) = 10, 30 (linear)
    expect(Array.from(normalise(x, { kind: 'percentile', low: 25, high: 75 }).data.subarray(0, 5))).toEqual([0, 0, 0.5, 1, 1]);
    expect(normalise(x, { kind: 'scale', factor: 0.5 }).data[4]).toBe(20);
  });
});
