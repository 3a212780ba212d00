/**
 * Receptive-field arithmetic for incremental occlusion (Krypton, Nakandala et al., SIGMOD 2019):
 * which outputs of a windowed op (Conv, MaxPool, AveragePool) an input box can change, and which
 * input region (with its halo) recomputes exactly those outputs. Boxes are half-open row/column
 * ranges on the H×W plane of an NCHW value.
 */
import type { Node } from './graph.js';
import { intAttr, intsAttr, stringAttr } from './graph.js';

export interface Box {
  readonly y0: number;
  readonly y1: number;
  readonly x0: number;
  readonly x1: number;
}

/** Kernel, strides, dilations and pads [top, left, bottom, right] of a 2-D windowed op. */
export interface WindowGeometry {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
}

/** The input region a crop of outputs reads, clipped to the map, and the pads the crop's op needs in place of the clipped part. */
export interface InputRegion {
  readonly box: Box;
  readonly pads: readonly [number, number, number, number];
}

export function boxArea(b: Box): number {
  return (b.y1 - b.y0) * (b.x1 - b.x0);
}

/** Smallest box holding both (null is the empty box). */
export function boxUnion(a: Box | null, b: Box | null): Box | null {
  if (!a) return b;
  if (!b) return a;
  return { y0: Math.min(a.y0, b.y0), y1: Math.max(a.y1, b.y1), x0: Math.min(a.x0, b.x0), x1: Math.max(a.x1, b.x1) };
}

export function boxContains(b: Box, y: number, x: number): boolean {
  return y >= b.y0 && y < b.y1 && x >= b.x0 && x < b.x1;
}

/**
 * Geometry of a 2-D Conv/MaxPool/AveragePool node, or the reason it has none we can use: auto_pad
 * other than NOTSET/VALID and ceil_mode (outputs past the padded input) are left to full recompute.
 */
export function windowGeometry(node: Node, weightDims?: readonly number[]): WindowGeometry | string {
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return `auto_pad ${autoPad}`;
  if (intAttr(node, 'ceil_mode', 0) !== 0) return 'ceil_mode 1';
  const kernel = intsAttr(node, 'kernel_shape') ?? weightDims?.slice(2);
  if (!kernel || kernel.length !== 2) return 'not a 2-D window';
  const strides = intsAttr(node, 'strides') ?? [1, 1];
  const dilations = intsAttr(node, 'dilations') ?? [1, 1];
  const pads = autoPad === 'VALID' ? [0, 0, 0, 0] : intsAttr(node, 'pads') ?? [0, 0, 0, 0];
  if (strides.length !== 2 || dilations.length !== 2 || pads.length !== 4) return 'not a 2-D window';
  return { kernel: [kernel[0], kernel[1]], strides: [strides[0], strides[1]], dilations: [dilations[0], dilations[1]], pads: [pads[0], pads[1], pads[2], pads[3]] };
}

/** Outputs [o0, o1) along one axis whose window (span (k−1)·d + 1 from o·s − pad) meets inputs [a0, a1). */
function affectedRange(a0: number, a1: number, k: number, s: number, d: number, padBegin: number, outSize: number): [number, number] {
  const span = (k - 1) * d + 1;
  const o0 = Math.max(0, Math.ceil((a0 + padBegin - span + 1) / s));
  const o1 = Math.min(outSize, Math.floor((a1 - 1 + padBegin) / s) + 1);
  return [o0, o1];
}

/** The outputs an input box can change (null when none: a stride that skips the whole box). */
export function affectedOutputBox(input: Box, g: WindowGeometry, outSize: readonly [number, number]): Box | null {
  const [y0, y1] = affectedRange(input.y0, input.y1, g.kernel[0], g.strides[0], g.dilations[0], g.pads[0], outSize[0]);
  const [x0, x1] = affectedRange(input.x0, input.x1, g.kernel[1], g.strides[1], g.dilations[1], g.pads[1], outSize[1]);
  return y0 < y1 && x0 < x1 ? { y0, y1, x0, x1 } : null;
}

/** Inputs [r0, r1) along one axis that outputs [o0, o1) read, clipped to [0, inSize), and the pads standing in for what was clipped. */
function neededRange(o0: number, o1: number, k: number, s: number, d: number, padBegin: number, inSize: number): [number, number, number, number] {
  const r0 = o0 * s - padBegin;
  const r1 = (o1 - 1) * s - padBegin + (k - 1) * d + 1;
  return [Math.max(0, r0), Math.min(inSize, r1), Math.max(0, -r0), Math.max(0, r1 - inSize)];
}

/**
 * The input region (halo included) that recomputes the outputs in `output`: running the op with
 * `pads` on that crop yields exactly those outputs, because the only padding it sees is the
 * original padding at the map's own borders.
 */
export function inputRegion(output: Box, g: WindowGeometry, inSize: readonly [number, number]): InputRegion {
  const [y0, y1, top, bottom] = neededRange(output.y0, output.y1, g.kernel[0], g.strides[0], g.dilations[0], g.pads[0], inSize[0]);
  const [x0, x1, left, right] = neededRange(output.x0, output.x1, g.kernel[1], g.strides[1], g.dilations[1], g.pads[1], inSize[1]);
  return { box: { y0, y1, x0, x1 }, pads: [top, left, bottom, right] };
}
