/**
 * Float64 reference ops for decoders: ConvTranspose and Resize (nearest, linear), written from the
 * ONNX operator specification with plain loops and sharing no code with src/ (see
 * reference-interpreter.ts). ConvTranspose scatters each input element through the kernel, the
 * definition itself, rather than being derived from Conv.
 */
import type { Node } from '../../src/onnx/graph.js';
import { floatAttr, intAttr, intsAttr, stringAttr } from '../../src/onnx/graph.js';
import type { RefTensor } from './reference-interpreter.js';

export function convTranspose(node: Node, x: RefTensor, w: RefTensor, bias?: RefTensor): RefTensor {
  if (x.shape.length !== 4) throw new Error(`reference: ConvTranspose '${node.name}' supports rank-4 inputs only`);
  if (stringAttr(node, 'auto_pad', 'NOTSET') !== 'NOTSET') throw new Error(`reference: ConvTranspose '${node.name}': auto_pad is not implemented`);
  const [n, c, h, wd] = x.shape;
  const [cIn, mg, kh, kw] = w.shape;
  const group = intAttr(node, 'group', 1);
  if (cIn !== c) throw new Error(`reference: ConvTranspose '${node.name}': ${c} input channels, weights for ${cIn}`);
  const [sy, sx] = intsAttr(node, 'strides') ?? [1, 1];
  const [dy, dx] = intsAttr(node, 'dilations') ?? [1, 1];
  const [py0, px0, py1, px1] = intsAttr(node, 'pads') ?? [0, 0, 0, 0];
  const [opy, opx] = intsAttr(node, 'output_padding') ?? [0, 0];
  const explicit = intsAttr(node, 'output_shape');
  // Spec: out = stride·(in − 1) + output_padding + ((k − 1)·dilation + 1) − pad_begin − pad_end.
  const oh = explicit ? explicit[0] : sy * (h - 1) + opy + (kh - 1) * dy + 1 - py0 - py1;
  const ow = explicit ? explicit[1] : sx * (wd - 1) + opx + (kw - 1) * dx + 1 - px0 - px1;
  const m = mg * group;
  const perGroup = c / group;
  const out = new Float64Array(n * m * oh * ow);
  for (let b = 0; b < n; b++)
    for (let ic = 0; ic < c; ic++) {
      const g = Math.floor(ic / perGroup);
      for (let iy = 0; iy < h; iy++)
        for (let ix = 0; ix < wd; ix++) {
          const v = x.data[((b * c + ic) * h + iy) * wd + ix];
          for (let j = 0; j < mg; j++) {
            const oc = g * mg + j;
            for (let ky = 0; ky < kh; ky++) {
              const oy = iy * sy - py0 + ky * dy;
              if (oy < 0 || oy >= oh) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ox = ix * sx - px0 + kx * dx;
                if (ox < 0 || ox >= ow) continue;
                out[((b * m + oc) * oh + oy) * ow + ox] += v * w.data[((ic * mg + j) * kh + ky) * kw + kx];
              }
            }
          }
        }
    }
  if (bias) for (let i = 0; i < out.length; i++) out[i] += bias.data[Math.floor(i / (oh * ow)) % m];
  return { shape: [n, m, oh, ow], data: out };
}

/** x_original for x_resized along one axis, per coordinate_transformation_mode. */
function originalCoordinate(xr: number, lengthIn: number, lengthOut: number, scale: number, mode: string): number {
  if (mode === 'half_pixel') return (xr + 0.5) / scale - 0.5;
  if (mode === 'pytorch_half_pixel') return lengthOut > 1 ? (xr + 0.5) / scale - 0.5 : 0;
  if (mode === 'align_corners') return lengthOut === 1 ? 0 : (xr * (lengthIn - 1)) / (lengthOut - 1);
  if (mode === 'asymmetric') return xr / scale;
  if (mode === 'tf_half_pixel_for_nearest') return (xr + 0.5) / scale;
  throw new Error(`reference: coordinate_transformation_mode '${mode}' is not implemented`);
}

function nearestIndex(x: number, mode: string): number {
  const f = Math.floor(x);
  const isHalf = x - f === 0.5;
  if (mode === 'floor') return f;
  if (mode === 'ceil') return Math.ceil(x);
  if (mode === 'round_prefer_floor') return isHalf ? f : Math.round(x);
  if (mode === 'round_prefer_ceil') return isHalf ? f + 1 : Math.round(x);
  throw new Error(`reference: nearest_mode '${mode}' is not implemented`);
}

/** Resize, opset ≥ 11 inputs (X, roi, scales, sizes); every axis may be resized. */
export function resize(node: Node, x: RefTensor, scalesIn?: RefTensor, sizesIn?: RefTensor): RefTensor {
  const rank = x.shape.length;
  const mode = stringAttr(node, 'mode', 'nearest');
  const ctm = stringAttr(node, 'coordinate_transformation_mode', 'half_pixel');
  const nearest = stringAttr(node, 'nearest_mode', 'round_prefer_floor');
  const axes = intsAttr(node, 'axes') ?? x.shape.map((_, i) => i);
  const scales = x.shape.map(() => 1);
  const outShape = [...x.shape];
  axes.forEach((a, k) => {
    if (sizesIn && sizesIn.data.length > 0) {
      outShape[a] = sizesIn.data[k];
      scales[a] = outShape[a] / x.shape[a];
    } else if (scalesIn) {
      scales[a] = scalesIn.data[k];
      outShape[a] = Math.floor(x.shape[a] * scales[a]);
    }
  });
  const inStrides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const total = outShape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(total);
  const clampIndex = (i: number, a: number) => Math.min(x.shape[a] - 1, Math.max(0, i));
  for (let flat = 0; flat < total; flat++) {
    // Per axis: the input indices this output element reads and their weights.
    const taps: { index: number; weight: number }[][] = [];
    let rest = flat;
    for (let a = rank - 1; a >= 0; a--) {
      const xr = rest % outShape[a];
      rest = (rest - xr) / outShape[a];
      const xo = originalCoordinate(xr, x.shape[a], outShape[a], scales[a], ctm);
      if (mode === 'nearest') taps[a] = [{ index: clampIndex(nearestIndex(xo, nearest), a), weight: 1 }];
      else if (mode === 'linear') {
        const lo = Math.floor(xo);
        taps[a] = [
          { index: clampIndex(lo, a), weight: 1 - (xo - lo) },
          { index: clampIndex(lo + 1, a), weight: xo - lo },
        ];
      } else if (mode === 'cubic') {
        // Keys' cubic convolution with coefficient A on the 4 neighbours (spec's cubic_coeff_a);
        // exclude_outside = 1 drops out-of-range taps and renormalises, else they read the edge.
        const A = floatAttr(node, 'cubic_coeff_a', -0.75);
        const exclude = intAttr(node, 'exclude_outside', 0) === 1;
        const kernel = (d: number) => {
          const s = Math.abs(d);
          if (s <= 1) return (A + 2) * s ** 3 - (A + 3) * s ** 2 + 1;
          if (s < 2) return A * s ** 3 - 5 * A * s ** 2 + 8 * A * s - 4 * A;
          return 0;
        };
        const lo = Math.floor(xo);
        const raw = [-1, 0, 1, 2].map((k) => ({ at: lo + k, weight: kernel(xo - (lo + k)) }));
        const kept = exclude ? raw.filter((t) => t.at >= 0 && t.at < x.shape[a]) : raw;
        const norm = exclude ? kept.reduce((p, t) => p + t.weight, 0) : 1;
        taps[a] = kept.map((t) => ({ index: clampIndex(t.at, a), weight: t.weight / norm }));
      } else throw new Error(`reference: Resize mode '${mode}' is not implemented`);
    }
    // Σ over the corners of the per-axis taps of the product of weights.
    let sum = 0;
    const visit = (a: number, offset: number, weight: number): void => {
      if (a === rank) {
        sum += weight * x.data[offset];
        return;
      }
      for (const t of taps[a]) visit(a + 1, offset + t.index * inStrides[a], weight * t.weight);
    };
    visit(0, 0, 1);
    out[flat] = sum;
  }
  return { shape: outShape, data: out };
}
