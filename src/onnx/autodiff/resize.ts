/**
 * Resize (opset ≥ 11), modes 'nearest', 'linear' and 'cubic': gradient w.r.t. the input.
 *
 * With static sizes, Resize is linear in X and separable: along each resized axis, output element o
 * is Σ_i M[o, i]·X[i] for an interpolation matrix M [out, in] (one 1 per row for nearest, two
 * weights summing to 1 for linear, four Keys-cubic weights for cubic — torch's bicubic is
 * A = −0.75; taps past the edge read the edge, or are dropped and the rest renormalised with
 * exclude_outside = 1). The gradient applies Mᵀ along each axis — one small MatMul per
 * resized axis, exact for every coordinate-transformation and rounding mode, and cheap for the
 * small feature maps of a decoder (a 32-wide axis is a 32×16 matrix). The matrices are built here
 * from the operator's definition; scales, sizes and roi get no gradient.
 */
import type { Node } from '../graph.js';
import { attr, floatAttr, floatTensorValue, intAttr, intsAttr, stringAttr, tensorAttr } from '../graph.js';
import type { VjpContext, VjpRule } from './context.js';

export interface ResizeAxisMode {
  mode: 'nearest' | 'linear' | 'cubic';
  coordinateTransformation: string;
  nearestMode: string;
  /** cubic only: the kernel's coefficient A (cubic_coeff_a) and exclude_outside. */
  cubicCoeffA?: number;
  excludeOutside?: boolean;
}

/** Keys' cubic convolution kernel at distance d. */
function cubicWeight(d: number, a: number): number {
  const s = Math.abs(d);
  if (s <= 1) return (a + 2) * s ** 3 - (a + 3) * s ** 2 + 1;
  if (s < 2) return a * s ** 3 - 5 * a * s ** 2 + 8 * a * s - 4 * a;
  return 0;
}

/** Input coordinate of output index `o` along an axis (the operator's coordinate_transformation_mode). */
function sourceCoordinate(o: number, inSize: number, outSize: number, scale: number, transform: string): number {
  switch (transform) {
    case 'half_pixel': return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
    case 'asymmetric': return o / scale;
    case 'tf_half_pixel_for_nearest': return (o + 0.5) / scale;
    default: throw new Error(`coordinate_transformation_mode '${transform}' is not supported (use half_pixel, pytorch_half_pixel, align_corners, asymmetric or tf_half_pixel_for_nearest)`);
  }
}

function roundNearest(x: number, nearestMode: string): number {
  const frac = x - Math.floor(x);
  switch (nearestMode) {
    case 'round_prefer_floor': return frac === 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil': return frac === 0.5 ? Math.ceil(x) : Math.round(x);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    default: throw new Error(`nearest_mode '${nearestMode}' is not supported`);
  }
}

/** The interpolation matrix [outSize, inSize] (row-major) of one axis. */
export function interpolationMatrix(inSize: number, outSize: number, scale: number, m: ResizeAxisMode): Float32Array {
  const matrix = new Float32Array(outSize * inSize);
  const clamp = (i: number) => Math.min(inSize - 1, Math.max(0, i));
  for (let o = 0; o < outSize; o++) {
    // Coordinates are float32 in ONNX Runtime; rounding through fround keeps ties where it has them.
    const x = Math.fround(sourceCoordinate(o, inSize, outSize, scale, m.coordinateTransformation));
    if (m.mode === 'nearest') {
      matrix[o * inSize + clamp(roundNearest(x, m.nearestMode))] = 1;
    } else if (m.mode === 'cubic') {
      const lo = Math.floor(x);
      const taps = [-1, 0, 1, 2].map((k) => ({ at: lo + k, w: cubicWeight(x - (lo + k), m.cubicCoeffA ?? -0.75) }));
      const kept = m.excludeOutside ? taps.filter((t) => t.at >= 0 && t.at < inSize) : taps;
      const norm = m.excludeOutside ? kept.reduce((p, t) => p + t.w, 0) : 1;
      for (const t of kept) matrix[o * inSize + clamp(t.at)] += t.w / norm;
    } else {
      // Out-of-range neighbours take the edge value (the operator clamps the coordinate).
      const lo = Math.floor(x);
      const t = x - lo;
      matrix[o * inSize + clamp(lo)] += 1 - t;
      matrix[o * inSize + clamp(lo + 1)] += t;
    }
  }
  return matrix;
}

function isIdentity(matrix: Float32Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (matrix[i * n + j] !== (i === j ? 1 : 0)) return false;
  return true;
}

/** The scales input's values when they are constant (an initializer or a Constant node). */
function constantScales(ctx: VjpContext, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const init = ctx.initializer(name);
  if (init) return Array.from(init.data as ArrayLike<number>, Number);
  const producer: Node | undefined = ctx.producer(name);
  const value = producer?.opType === 'Constant' ? tensorAttr(producer, 'value') : undefined;
  return value ? Array.from(value.data as ArrayLike<number>, Number) : undefined;
}

const resize: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [];
  const node = ctx.node;
  if (ctx.opset < 11) ctx.fail('Resize before opset 11 is not supported; re-export with opset ≥ 11');
  const mode = stringAttr(node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') ctx.fail(`mode '${mode}' has no gradient rule (nearest, linear and cubic do)`);
  if (intAttr(node, 'antialias', 0) !== 0) ctx.fail('antialias = 1 is not supported');
  if (stringAttr(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') ctx.fail("keep_aspect_ratio_policy other than 'stretch' is not supported");
  const axisMode: ResizeAxisMode = {
    mode: mode as ResizeAxisMode['mode'],
    coordinateTransformation: stringAttr(node, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: stringAttr(node, 'nearest_mode', 'round_prefer_floor'),
    cubicCoeffA: floatAttr(node, 'cubic_coeff_a', -0.75),
    excludeOutside: intAttr(node, 'exclude_outside', 0) === 1,
  };
  if (axisMode.coordinateTransformation === 'tf_crop_and_resize') ctx.fail("coordinate_transformation_mode 'tf_crop_and_resize' is not supported");

  const [x, , scalesName, sizesName] = node.inputs;
  const inShape = ctx.shape(x);
  const outShape = ctx.shape(node.outputs[0]);
  const rank = inShape.length;
  const axes = (intsAttr(node, 'axes') ?? inShape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  const given = sizesName ? undefined : constantScales(ctx, scalesName);
  if (!sizesName && !given) ctx.fail('the scales input must be a constant (an initializer or a Constant node)');

  let grad = g;
  axes.forEach((axis, k) => {
    const [inSize, outSize] = [inShape[axis], outShape[axis]];
    // Sizes given: the operator's scale is out/in. Scales given: the scale itself, even when
    // out = floor(in·scale) makes the ratio differ.
    const scale = given ? given[k] : outSize / inSize;
    if (inSize < 0 || outSize < 0) {
      // A run-time axis (the batch) must pass through unchanged.
      const probe = interpolationMatrix(4, 4, scale, axisMode);
      if (scale !== 1 || !isIdentity(probe, 4)) ctx.fail(`axis ${axis} has a run-time size and is resized; only static axes may be resized`);
      return;
    }
    const matrix = interpolationMatrix(inSize, outSize, scale, axisMode);
    if (inSize === outSize && isIdentity(matrix, inSize)) return;
    const m = ctx.addInitializer(`${node.name}_interp_axis${axis}`, floatTensorValue([outSize, inSize], matrix));
    if (axis === rank - 1) {
      grad = ctx.op('MatMul', [grad, m]);
    } else {
      // Move the axis last, contract with M, move it back.
      const perm = Array.from({ length: rank }, (_, i) => i);
      perm[axis] = rank - 1;
      perm[rank - 1] = axis;
      const moved = ctx.op('Transpose', [grad], { perm: attr.ints(perm) });
      grad = ctx.op('Transpose', [ctx.op('MatMul', [moved, m])], { perm: attr.ints(perm) });
    }
  });
  return [grad, null, null, null];
};

export const resizeRules: Record<string, VjpRule> = { Resize: resize };
