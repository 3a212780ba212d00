/**
 * YCbCr → RGB for decoded JPEG planes, the way libjpeg (and so Pillow, OpenCV, ImageMagick, Fiji's
 * ImageIO) does it, so trustscope's colour pixels are the ones the scientist's other tools show:
 * - chroma subsampled 2× horizontally (4:2:2) or 2× both ways (4:2:0) is "fancy" upsampled by
 *   libjpeg's triangle filter (jdsample.c, h2v1_fancy_upsample / h2v2_fancy_upsample, with their
 *   alternating +8/+7 rounding); jpeg-js repeats each chroma sample instead, which differs by tens
 *   of grey levels at colour edges. Other sampling layouts keep jpeg-js's repetition.
 * - the colour transform uses libjpeg's fixed-point tables (jdcolor.c, build_ycc_rgb_table: 16
 *   fractional bits, rounded); jpeg-js computes it in floating point and truncates.
 * Input: jpeg-js's output with its colour transform off — Y, Cb, Cr interleaved at full
 * resolution, each chroma sample repeated over its h×v pixel footprint.
 */
import type { JpegComponent } from './jpeg-markers.js';

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const FIX = (x: number) => Math.round(x * (1 << SCALEBITS));

const crR = new Int32Array(256);
const cbB = new Int32Array(256);
const crG = new Int32Array(256);
const cbG = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  crR[i] = (FIX(1.402) * x + ONE_HALF) >> SCALEBITS;
  cbB[i] = (FIX(1.772) * x + ONE_HALF) >> SCALEBITS;
  crG[i] = -FIX(0.71414) * x;
  cbG[i] = -FIX(0.34414) * x + ONE_HALF;
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * One chroma channel (`offset` 1 = Cb, 2 = Cr of the interleaved planes) at full resolution:
 * libjpeg's fancy upsampling when the component is 2×1 or 2×2 subsampled, else as jpeg-js gave it.
 */
function chromaPlane(ycc: Uint8Array, width: number, height: number, offset: number, fx: number, fy: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const cw = Math.ceil(width / fx);
  // libjpeg too falls back to repetition for a component only 1 or 2 samples wide (jdsample.c).
  if (!((fx === 2 && fy === 1) || (fx === 2 && fy === 2)) || cw <= 2) {
    for (let i = 0; i < out.length; i++) out[i] = ycc[3 * i + offset];
    return out;
  }
  // The component's own samples: jpeg-js repeated each over fx × fy pixels, so take one per footprint.
  const ch = Math.ceil(height / fy);
  const sample = (cx: number, cy: number) => ycc[3 * (Math.min(cy * fy, height - 1) * width + Math.min(cx * fx, width - 1)) + offset];
  const row = new Int32Array(cw);
  for (let y = 0; y < height; y++) {
    const cy = Math.floor(y / fy);
    if (fy === 2) {
      // Vertical triangle: 3/4 of the nearer input row, 1/4 of the next one away (edge rows repeat).
      const other = Math.min(ch - 1, Math.max(0, y % 2 === 0 ? cy - 1 : cy + 1));
      for (let cx = 0; cx < cw; cx++) row[cx] = 3 * sample(cx, cy) + sample(cx, other);
    } else for (let cx = 0; cx < cw; cx++) row[cx] = sample(cx, cy);
    const o = y * width;
    // h2v2 works on column sums (×4 already), h2v1 on the samples themselves: same triangle, its
    // own rounding (h2v2 +8/+7 of 16, h2v1 +1/+2 of 4), and edge pixels take the edge sample.
    const [shift, even, odd] = fy === 2 ? [4, 8, 7] : [2, 1, 2];
    const first = fy === 2 ? (row[0] * 4 + 8) >> 4 : row[0];
    const last = fy === 2 ? (row[cw - 1] * 4 + 7) >> 4 : row[cw - 1];
    const put = (x: number, v: number) => {
      if (x < width) out[o + x] = v;
    };
    put(0, first);
    if (cw === 1) put(1, last);
    else put(1, (row[0] * 3 + row[1] + odd) >> shift);
    for (let cx = 1; cx < cw - 1; cx++) {
      put(2 * cx, (row[cx] * 3 + row[cx - 1] + even) >> shift);
      put(2 * cx + 1, (row[cx] * 3 + row[cx + 1] + odd) >> shift);
    }
    if (cw > 1) {
      put(2 * (cw - 1), (row[cw - 1] * 3 + row[cw - 2] + even) >> shift);
      put(2 * (cw - 1) + 1, last);
    }
  }
  return out;
}

/** RGB interleaved [H, W, 3] from interleaved full-resolution Y, Cb, Cr (see the file comment). */
export function yccToRgb(ycc: Uint8Array, width: number, height: number, components: readonly JpegComponent[]): Uint8Array {
  const maxH = Math.max(...components.map((c) => c.h));
  const maxV = Math.max(...components.map((c) => c.v));
  const [cb, cr] = [1, 2].map((k) => chromaPlane(ycc, width, height, k, maxH / components[k].h, maxV / components[k].v));
  const out = new Uint8Array(3 * width * height);
  for (let i = 0; i < width * height; i++) {
    const y = ycc[3 * i];
    out[3 * i] = clamp(y + crR[cr[i]]);
    out[3 * i + 1] = clamp(y + ((cbG[cb[i]] + crG[cr[i]]) >> SCALEBITS));
    out[3 * i + 2] = clamp(y + cbB[cb[i]]);
  }
  return out;
}
