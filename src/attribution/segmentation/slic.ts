/**
 * SLIC superpixels (Achanta et al. 2012, "SLIC Superpixels Compared to State-of-the-Art Superpixel
 * Methods"), for the interpretable features of KernelSHAP and LIME:
 *  1. seeds on a regular grid of step S = √(H·W / K), each moved to the lowest-gradient pixel of
 *     its 3×3 neighbourhood (so that no seed sits on an edge);
 *  2. `iterations` rounds (default 10, the paper's) of local k-means: every centre looks only at the
 *     2S × 2S window around it, and a pixel joins the centre minimising
 *       D² = d_c² + (d_s / S)² · m²,
 *     d_c the distance between the channel values (each image scaled to [0, 1] by its own min and
 *     max, so that m means the same for any intensity range — which also stretches the noise of a
 *     nearly flat image to the full range: raise m there), d_s the pixel distance, m the
 *     compactness; centres then move to the mean of their pixels;
 *  3. connectivity enforcement: every 4-connected piece becomes its own segment, and pieces
 *     smaller than S²/4 pixels join the segment they touch first in raster order (the paper's
 *     EnforceConnectivity), so every final segment is connected.
 * Labels are 0..M−1 in raster order of first appearance; M is near K but not exactly K.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeToString } from '../../tensor/tensor.js';

export interface SlicOptions {
  /** Desired number of segments K (default 50). */
  nSegments?: number;
  /** m: larger gives squarer segments, smaller follows intensity edges more (default 0.1 on [0, 1]-scaled intensities). */
  compactness?: number;
  /** k-means rounds (default 10). */
  iterations?: number;
}

export interface Segmentation {
  /** Segment of every pixel, row-major [H, W]. */
  readonly labels: Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}

/** SLIC on one image [C, H, W] (a view into the data at `offset`). */
export function slic(data: Float32Array, channels: number, height: number, width: number, options: SlicOptions = {}, offset = 0): Segmentation {
  const k = options.nSegments ?? 50;
  const m = options.compactness ?? 0.1;
  const iterations = options.iterations ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new Error(`slic: nSegments must be an integer ≥ 1 (got ${k})`);
  if (!(m > 0) || !Number.isFinite(m)) throw new Error(`slic: compactness must be a positive number (got ${m})`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`slic: iterations must be an integer ≥ 1 (got ${iterations})`);
  const plane = height * width;

  // Channel values scaled to [0, 1] by the image's own range.
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < channels * plane; j++) {
    const v = data[offset + j];
    if (!Number.isFinite(v)) throw new Error(`slic: the image holds a non-finite value (${v}); clean the data first`);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const scale = hi > lo ? 1 / (hi - lo) : 0;
  const feat = new Float64Array(channels * plane);
  for (let j = 0; j < channels * plane; j++) feat[j] = (data[offset + j] - lo) * scale;
  const at = (c: number, y: number, x: number) => feat[c * plane + y * width + x];

  const step = Math.max(1, Math.sqrt(plane / k));
  const gradient = (y: number, x: number) => {
    let g = 0;
    for (let c = 0; c < channels; c++) {
      const dx = at(c, y, Math.min(width - 1, x + 1)) - at(c, y, Math.max(0, x - 1));
      const dy = at(c, Math.min(height - 1, y + 1), x) - at(c, Math.max(0, y - 1), x);
      g += dx * dx + dy * dy;
    }
    return g;
  };

  // Centres: [y, x, c0, c1, …] per segment.
  const centres: number[][] = [];
  for (let gy = step / 2; gy < height; gy += step)
    for (let gx = step / 2; gx < width; gx += step) {
      let by = Math.min(height - 1, Math.floor(gy));
      let bx = Math.min(width - 1, Math.floor(gx));
      let best = gradient(by, bx);
      const [y0, x0] = [by, bx];
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const y = y0 + dy;
          const x = x0 + dx;
          if (y < 0 || x < 0 || y >= height || x >= width) continue;
          const g = gradient(y, x);
          if (g < best) [best, by, bx] = [g, y, x];
        }
      centres.push([by, bx, ...Array.from({ length: channels }, (_, c) => at(c, by, bx))]);
    }

  const assigned = new Int32Array(plane).fill(-1);
  const distance = new Float64Array(plane);
  const spatial = (m / step) ** 2;
  const reach = Math.ceil(step);
  for (let it = 0; it < iterations; it++) {
    distance.fill(Infinity);
    centres.forEach((centre, s) => {
      const [cy, cx] = centre;
      const yStart = Math.max(0, Math.floor(cy - reach));
      const yEnd = Math.min(height - 1, Math.ceil(cy + reach));
      const xStart = Math.max(0, Math.floor(cx - reach));
      const xEnd = Math.min(width - 1, Math.ceil(cx + reach));
      for (let y = yStart; y <= yEnd; y++)
        for (let x = xStart; x <= xEnd; x++) {
          let dc = 0;
          for (let c = 0; c < channels; c++) dc += (at(c, y, x) - centre[2 + c]) ** 2;
          const d = dc + ((y - cy) ** 2 + (x - cx) ** 2) * spatial;
          const p = y * width + x;
          if (d < distance[p]) [distance[p], assigned[p]] = [d, s];
        }
    });
    const sums = centres.map(() => new Float64Array(2 + channels));
    const counts = new Float64Array(centres.length);
    for (let p = 0; p < plane; p++) {
      const s = assigned[p];
      if (s < 0) continue;
      const y = Math.floor(p / width);
      const x = p % width;
      sums[s][0] += y;
      sums[s][1] += x;
      for (let c = 0; c < channels; c++) sums[s][2 + c] += feat[c * plane + p];
      counts[s]++;
    }
    centres.forEach((centre, s) => {
      if (counts[s] > 0) for (let j = 0; j < centre.length; j++) centre[j] = sums[s][j] / counts[s];
    });
  }
  // A pixel no window reached (possible only at odd borders) takes its nearest centre in space.
  for (let p = 0; p < plane; p++) {
    if (assigned[p] >= 0) continue;
    const y = Math.floor(p / width);
    const x = p % width;
    let best = Infinity;
    centres.forEach(([cy, cx], s) => {
      const d = (y - cy) ** 2 + (x - cx) ** 2;
      if (d < best) [best, assigned[p]] = [d, s];
    });
  }
  return enforceConnectivity(assigned, height, width, Math.max(1, Math.floor((step * step) / 4)));
}

/** Relabels 4-connected pieces; pieces below `minSize` join the earlier segment they touch. */
export function enforceConnectivity(raw: Int32Array, height: number, width: number, minSize: number): Segmentation {
  const plane = height * width;
  const labels = new Int32Array(plane).fill(-1);
  const queue = new Int32Array(plane);
  let count = 0;
  for (let start = 0; start < plane; start++) {
    if (labels[start] >= 0) continue;
    // An already-final segment next to the piece's first pixel (left or above, in raster order).
    const sx = start % width;
    const adjacent = sx > 0 ? labels[start - 1] : start >= width ? labels[start - width] : -1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = count;
    while (head < tail) {
      const p = queue[head++];
      const y = Math.floor(p / width);
      const x = p % width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1];
      for (const q of neighbours) {
        if (q >= 0 && labels[q] < 0 && raw[q] === raw[start]) {
          labels[q] = count;
          queue[tail++] = q;
        }
      }
    }
    if (tail < minSize && adjacent >= 0) {
      for (let i = 0; i < tail; i++) labels[queue[i]] = adjacent;
    } else count++;
  }
  return { labels, count, height, width };
}

/** SLIC on every image of a batch [N, C, H, W]. */
export function slicBatch(images: Tensor, options: SlicOptions = {}): Segmentation[] {
  if (images.shape.length !== 4) throw new Error(`slic needs images [N, C, H, W]; got ${shapeToString(images.shape)}`);
  const [n, c, h, w] = images.shape;
  return Array.from({ length: n }, (_, i) => slic(images.data, c, h, w, options, i * c * h * w));
}
