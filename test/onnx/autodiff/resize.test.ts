/** Resize, nearest, linear and cubic, every coordinate mode, scales or sizes, against finite differences. */
import { describe, expect, it } from 'vitest';
import { attr, floatTensorValue, int64TensorValue, type Attribute } from '../../../src/onnx/graph.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { interpolationMatrix } from '../../../src/onnx/autodiff/resize.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

const s = attr.string;

interface Case {
  label: string;
  x: (number | string)[];
  scales?: number[];
  sizes?: number[];
  opset?: number;
  attrs: Record<string, Attribute>;
}

const cases: Case[] = [
  { label: 'nearest ×2, asymmetric floor (the MaxPool-backward form)', x: [2, 2, 3, 4], scales: [1, 1, 2, 2], attrs: { mode: s('nearest'), coordinate_transformation_mode: s('asymmetric'), nearest_mode: s('floor') } },
  { label: 'nearest ×2, defaults (half_pixel, round_prefer_floor)', x: [2, 2, 3, 4], scales: [1, 1, 2, 2], attrs: {} },
  { label: 'nearest ×3 / ×2, asymmetric round_prefer_ceil', x: [1, 2, 3, 3], scales: [1, 1, 3, 2], attrs: { coordinate_transformation_mode: s('asymmetric'), nearest_mode: s('round_prefer_ceil') } },
  // (ONNX Runtime 1.x rejects tf_half_pixel_for_nearest at every opset, so it has no case here.)
  { label: 'nearest ×2.5, half_pixel, ceil (opset 11, roi spelled out)', x: [1, 1, 3, 4], scales: [1, 1, 2.5, 2.5], opset: 11, attrs: { nearest_mode: s('ceil') } },
  { label: 'nearest downsampling ×0.5', x: [2, 1, 6, 8], scales: [1, 1, 0.5, 0.5], attrs: {} },
  { label: 'linear ×2, half_pixel (torch bilinear, align_corners=False)', x: [2, 2, 3, 4], scales: [1, 1, 2, 2], attrs: { mode: s('linear') } },
  { label: 'linear to sizes 7×9, align_corners', x: [2, 2, 4, 5], sizes: [2, 2, 7, 9], attrs: { mode: s('linear'), coordinate_transformation_mode: s('align_corners') } },
  { label: 'linear ×1.5, pytorch_half_pixel (5 → 7: the scale is not out/in)', x: [1, 2, 4, 5], scales: [1, 1, 1.5, 1.5], attrs: { mode: s('linear'), coordinate_transformation_mode: s('pytorch_half_pixel') } },
  { label: 'linear ×0.6 downsampling, asymmetric', x: [1, 2, 5, 10], scales: [1, 1, 0.6, 0.6], attrs: { mode: s('linear'), coordinate_transformation_mode: s('asymmetric') } },
  { label: 'linear ×2 on a run-time batch', x: ['N', 3, 3, 3], scales: [1, 1, 2, 2], attrs: { mode: s('linear') } },
  // torch's bicubic (align_corners=False) exports cubic, A = −0.75, pytorch_half_pixel.
  { label: 'cubic ×2, A −0.75, pytorch_half_pixel (torch bicubic)', x: [2, 2, 4, 5], scales: [1, 1, 2, 2], attrs: { mode: s('cubic'), cubic_coeff_a: attr.float(-0.75), coordinate_transformation_mode: s('pytorch_half_pixel') } },
  { label: 'cubic to sizes 7×6, align_corners', x: [1, 2, 4, 5], sizes: [1, 2, 7, 6], attrs: { mode: s('cubic'), cubic_coeff_a: attr.float(-0.75), coordinate_transformation_mode: s('align_corners') } },
  { label: 'cubic ×1.5, A −0.5, exclude_outside, half_pixel', x: [1, 1, 5, 4], scales: [1, 1, 1.5, 1.5], attrs: { mode: s('cubic'), cubic_coeff_a: attr.float(-0.5), exclude_outside: attr.int(1) } },
];

function resizeGraph(c: Case) {
  const scales = c.scales ? { name: 'scales', value: floatTensorValue([c.scales.length], c.scales) } : null;
  const sizes = c.sizes ? { name: 'sizes', value: int64TensorValue([c.sizes.length], c.sizes) } : null;
  // Opset 11 needs the (unused) roi input spelled out; later opsets take an empty name.
  const roi = c.sizes || c.opset === 11 ? { name: 'roi', value: floatTensorValue([0], []) } : null;
  return opGraph('Resize', c.sizes ? [{ name: 'x', shape: c.x }, roi, null, sizes] : [{ name: 'x', shape: c.x }, roi, scales], c.attrs, c.opset);
}

describe('Resize', () => {
  for (const c of cases) {
    it(c.label, async () => {
      await expectGradientsMatch(resizeGraph(c), { batch: 2, label: `Resize ${c.label}` });
    });
  }

  it('interpolation matrices: rows sum to 1; nearest ×2 asymmetric picks ⌊o/2⌋; linear half_pixel ×2 has the ¼–¾ taps', () => {
    const near = interpolationMatrix(3, 6, 2, { mode: 'nearest', coordinateTransformation: 'asymmetric', nearestMode: 'floor' });
    for (let o = 0; o < 6; o++) expect(Array.from(near.slice(o * 3, o * 3 + 3))).toEqual([0, 1, 2].map((i) => (i === Math.floor(o / 2) ? 1 : 0)));
    const lin = interpolationMatrix(3, 6, 2, { mode: 'linear', coordinateTransformation: 'half_pixel', nearestMode: 'round_prefer_floor' });
    // Output 1 sits at input coordinate 0.25, output 0 at −0.25 (clamped to the edge value).
    expect(Array.from(lin.slice(3, 6))).toEqual([0.75, 0.25, 0]);
    expect(Array.from(lin.slice(0, 3))).toEqual([1, 0, 0]);
    for (let o = 0; o < 6; o++) expect(lin[o * 3] + lin[o * 3 + 1] + lin[o * 3 + 2]).toBeCloseTo(1, 6);
  });

  it('antialias is refused with a message', () => {
    const g = resizeGraph({ label: 'antialias', x: [1, 1, 4, 4], scales: [1, 1, 0.5, 0.5], opset: 18, attrs: { mode: s('linear'), antialias: attr.int(1) } });
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(/antialias/);
  });
});
