/**
 * The copies incremental occlusion makes in JS: a placement's crop of an activation (its cached
 * values with the placement's recomputed box written over them, and the border padding of the layer
 * that reads it) and the splicing of boxes into whole maps. Every value is written once: the cached
 * map is copied only where the recomputed box does not cover the crop, which halves the copying on
 * deep layers, where the box is most of the crop.
 *
 * Plain index loops throughout: rows are short (a few dozen pixels), and a subarray per row cost more
 * in allocation and garbage collection than the copy itself.
 */
import type { Box } from '../onnx/affected-box.js';

/** A placement's recomputed box of one value: [C, box rows, box cols]; null box: the value is unchanged. */
export interface Patch {
  readonly box: Box | null;
  readonly data: Float32Array;
}

/**
 * Copies the overlap of two boxes, channel by channel: `from` holds [channels, fromBox] and `to`
 * holds [channels, toBox].
 */
export function copyOverlap(from: Float32Array, fromBox: Box, to: Float32Array, toBox: Box, channels: number): void {
  const y0 = Math.max(fromBox.y0, toBox.y0), y1 = Math.min(fromBox.y1, toBox.y1);
  const x0 = Math.max(fromBox.x0, toBox.x0), x1 = Math.min(fromBox.x1, toBox.x1);
  if (y0 >= y1 || x0 >= x1) return;
  const fw = fromBox.x1 - fromBox.x0, fh = fromBox.y1 - fromBox.y0;
  const tw = toBox.x1 - toBox.x0, th = toBox.y1 - toBox.y0;
  const width = x1 - x0;
  for (let c = 0; c < channels; c++)
    for (let y = y0; y < y1; y++) {
      const f = c * fh * fw + (y - fromBox.y0) * fw + x0 - fromBox.x0;
      const t = c * th * tw + (y - toBox.y0) * tw + x0 - toBox.x0;
      for (let k = 0; k < width; k++) to[t + k] = from[f + k];
    }
}

/**
 * Writes one placement's crop [channels, crop] of a value whose cached map is [channels, h, w]:
 * `crop` may reach past the map (rows or columns < 0 or ≥ h, w), and those positions get `padValue`
 * (the layer's own padding: 0 for a Conv, −∞ for a MaxPool), so one graph without pads serves
 * crops at the border and inside alike. Inside the map, the patch's box holds the recomputed values
 * and the rest comes from the cache. `into` must hold zeros when padValue is 0.
 */
export function assembleCrop(into: Float32Array, channels: number, crop: Box, map: Float32Array, h: number, w: number, patch: Patch | null, padValue: number): void {
  const cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
  const inY0 = Math.max(0, crop.y0), inY1 = Math.min(h, crop.y1);
  const inX0 = Math.max(0, crop.x0), inX1 = Math.min(w, crop.x1);
  if (padValue !== 0 && (inY0 > crop.y0 || inY1 < crop.y1 || inX0 > crop.x0 || inX1 < crop.x1)) {
    // Fill everything, then overwrite the in-map part: the pad border is thin, and this keeps the loops below simple.
    into.fill(padValue, 0, channels * ch * cw);
  }
  // The patch's columns and rows inside the crop's in-map part ([px0, px1) empty when there is no patch).
  const box = patch?.box ?? null;
  const py0 = box ? Math.max(inY0, box.y0) : 0, py1 = box ? Math.min(inY1, box.y1) : 0;
  const px0 = box ? Math.max(inX0, box.x0) : 0, px1 = box ? Math.min(inX1, box.x1) : 0;
  const hasPatch = py0 < py1 && px0 < px1;
  const bw = box ? box.x1 - box.x0 : 0, bh = box ? box.y1 - box.y0 : 0;
  for (let c = 0; c < channels; c++) {
    const mapPlane = c * h * w, cropPlane = c * ch * cw, patchPlane = c * bh * bw;
    for (let y = inY0; y < inY1; y++) {
      const t = cropPlane + (y - crop.y0) * cw - crop.x0;
      const m = mapPlane + y * w;
      if (hasPatch && y >= py0 && y < py1) {
        for (let x = inX0; x < px0; x++) into[t + x] = map[m + x];
        const p = patchPlane + (y - box!.y0) * bw - box!.x0;
        for (let x = px0; x < px1; x++) into[t + x] = patch!.data[p + x];
        for (let x = px1; x < inX1; x++) into[t + x] = map[m + x];
      } else {
        for (let x = inX0; x < inX1; x++) into[t + x] = map[m + x];
      }
    }
  }
}
