import { describe, expect, it } from 'vitest';
import { interpolateInferno, interpolateMagma, interpolateViridis } from 'd3-scale-chromatic';
import { applyColormap, colormapLut, finiteRange, parseCssColor } from '../../src/report/colormap.js';

const entry = (lut: Uint8Array, i: number): number[] => Array.from(lut.subarray(3 * i, 3 * i + 3));

describe('colormapLut', () => {
  it('samples d3 at both ends and in the middle', () => {
    for (const [name, f] of [['inferno', interpolateInferno], ['viridis', interpolateViridis], ['magma', interpolateMagma]] as const) {
      const lut = colormapLut(name);
      expect(lut.length).toBe(768);
      expect(entry(lut, 0)).toEqual(parseCssColor(f(0)));
      expect(entry(lut, 255)).toEqual(parseCssColor(f(1)));
      expect(entry(lut, 128)).toEqual(parseCssColor(f(128 / 255)));
    }
    expect(entry(colormapLut('inferno'), 0)).toEqual([0, 0, 4]);
    expect(entry(colormapLut('inferno'), 255)).toEqual([252, 255, 164]);
  });

  it('gray is the identity ramp', () => {
    const lut = colormapLut('gray');
    expect(entry(lut, 0)).toEqual([0, 0, 0]);
    expect(entry(lut, 77)).toEqual([77, 77, 77]);
    expect(entry(lut, 255)).toEqual([255, 255, 255]);
  });

  it('rejects unknown names', () => {
    expect(() => colormapLut('jet' as never)).toThrow(/unknown colormap 'jet'/);
  });

  it('parses both d3 colour forms', () => {
    expect(parseCssColor('#0a0b0c')).toEqual([10, 11, 12]);
    expect(parseCssColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(() => parseCssColor('hsl(1,2%,3%)')).toThrow();
  });
});

describe('applyColormap', () => {
  const gray = colormapLut('gray');

  it('stretches [min, max] of the finite values by default', () => {
    const rgba = applyColormap(Float32Array.from([2, 4, 6]), gray);
    expect(Array.from(rgba)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('clamps to an explicit range', () => {
    const rgba = applyColormap(Float32Array.from([-1, 0.5, 3]), gray, [0, 1]);
    expect([rgba[0], rgba[4], rgba[8]]).toEqual([0, 128, 255]);
  });

  it('paints a constant map with the bottom colour instead of dividing by zero', () => {
    const lut = colormapLut('inferno');
    const rgba = applyColormap(new Float32Array(4).fill(7), lut);
    for (let i = 0; i < 4; i++) expect(Array.from(rgba.subarray(4 * i, 4 * i + 4))).toEqual([0, 0, 4, 255]);
  });

  it('makes NaN transparent and clamps infinities to the finite range', () => {
    const rgba = applyColormap(Float32Array.from([NaN, 0, 1, Infinity, -Infinity]), gray);
    expect(Array.from(rgba.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(rgba[12]).toBe(255);
    expect(rgba[16]).toBe(0);
    expect(finiteRange(Float32Array.from([NaN, Infinity]))).toEqual([0, 0]);
  });

  it('rejects a backwards range', () => {
    expect(() => applyColormap(new Float32Array(1), gray, [1, 0])).toThrow(/lo ≤ hi/);
  });
});
