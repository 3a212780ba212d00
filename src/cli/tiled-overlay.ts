/**
 * `explain --tile --png`: one overlay of the whole micrograph, shrunk by an integer factor so its
 * longer side is at most 2048 px (a 4096² map at full size is a 64-megapixel PNG nobody opens). Each
 * output pixel is the mean of its block: the image's intensity per channel, and the map's strength
 * Σ_c |value| — averaging signed values first would let opposite evidence cancel in the picture.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import { overlayPng } from '../report/png.js';
import type { OutputFolder } from './output-folder.js';
import { OVERLAYS } from './png-overlays.js';

/** Longest side of a micrograph overlay. */
export const MAX_OVERLAY_SIDE = 2048;

/**
 * Block means of [C, H, W] over factor × factor blocks (edge blocks average the pixels they have);
 * with `strength`, the channels are first collapsed to Σ_c |value| (one channel out).
 */
export function blockMean(x: Tensor, factor: number, strength = false): Tensor {
  const [c, h, w] = x.shape;
  const oh = Math.ceil(h / factor);
  const ow = Math.ceil(w / factor);
  const outChannels = strength ? 1 : c;
  const out = new Float32Array(outChannels * oh * ow);
  const counts = new Float32Array(oh * ow);
  for (let y = 0; y < h; y++) for (let q = 0; q < w; q++) counts[Math.floor(y / factor) * ow + Math.floor(q / factor)]++;
  for (let ch = 0; ch < c; ch++) {
    const o = strength ? 0 : ch * oh * ow;
    for (let y = 0; y < h; y++) {
      const rowOut = o + Math.floor(y / factor) * ow;
      const rowIn = ch * h * w + y * w;
      for (let q = 0; q < w; q++) {
        const v = x.data[rowIn + q];
        out[rowOut + Math.floor(q / factor)] += strength ? Math.abs(v) : v;
      }
    }
  }
  for (let ch = 0; ch < outChannels; ch++) for (let i = 0; i < oh * ow; i++) out[ch * oh * ow + i] /= counts[i];
  return tensor([outChannels, oh, ow], out);
}

/** Writes overlays/image-<index>.png of one micrograph [C, H, W] and its stitched map; returns the name. */
export async function writeMicrographOverlay(folder: OutputFolder, index: number, image: Tensor, map: Tensor): Promise<string> {
  const [, h, w] = image.shape;
  const factor = Math.max(1, Math.ceil(Math.max(h, w) / MAX_OVERLAY_SIDE));
  const picture = factor === 1 ? image : blockMean(image, factor);
  const strength = blockMean(map, factor, true);
  const name = `${OVERLAYS}/image-${index}.png`;
  await folder.write(name, overlayPng(picture, strength));
  return name;
}
