/**
 * Physical measurement of the SEM attributes on any tile — the independent check on a generator's
 * edits (nothing learnt, nothing shared with the networks): segment the crystals, then
 * - size: mean equivalent-circle radius √(area/π) of the crystals that do not touch the border;
 * - porosity: fraction of dark pixels inside the (hole-filled, 1-px eroded) crystals;
 * - polydispersity: coefficient of variation of those radii;
 * - facetness: the corner strength of the outlines — the largest relative amplitude of the
 *   3-, 5-, 6- or 7-fold harmonic of boundary distance vs angle around each crystal's centroid (a
 *   round outline has none; flat faces meeting at corners give the harmonic of their count; 4 and 8
 *   are skipped because the pixel grid itself puts them on every outline);
 * - decoy: median brightness of crystal interiors away from edges and holes.
 * The raw measurements are in pixels and fractions; calibrate them to attribute units with
 * `fitCalibration` on tiles with known (lot) labels.
 */
import type { Tensor } from '../../tensor/tensor.js';

export interface SemMeasurement {
  size: number;
  porosity: number;
  polydispersity: number;
  facetness: number;
  decoy: number;
  /** Crystals measured (not touching the border). */
  crystals: number;
}

/** Otsu's threshold of values in [0, 1] (256 bins). */
export function otsuThreshold(values: Float32Array): number {
  const bins = new Float64Array(256);
  for (const v of values) bins[Math.min(255, Math.max(0, Math.floor(v * 256)))]++;
  const total = values.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * bins[i];
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let threshold = 0.5;
  for (let i = 0; i < 256; i++) {
    wB += bins[i];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += i * bins[i];
    const between = wB * wF * (sumB / wB - (sumAll - sumB) / wF) ** 2;
    if (between > best) [best, threshold] = [between, (i + 1) / 256];
  }
  return threshold;
}

function boxBlur(img: Float32Array, side: number): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || xx < 0 || yy >= side || xx >= side) continue;
          s += img[yy * side + xx];
          n++;
        }
      }
      out[y * side + x] = s / n;
    }
  }
  return out;
}

/** 4-connected components of `mask` (label per pixel, 0 = none) and their count. */
function components(mask: Uint8Array, side: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(mask.length);
  let count = 0;
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    labels[start] = ++count;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % side;
      const y = (p - x) / side;
      for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]]) {
        if (nx < 0 || ny < 0 || nx >= side || ny >= side) continue;
        const q = ny * side + nx;
        if (mask[q] && !labels[q]) {
          labels[q] = count;
          stack.push(q);
        }
      }
    }
  }
  return { labels, count };
}

/** Relative amplitude of the n-fold harmonic of r(θ) over the boundary points. */
function harmonic(points: readonly { r: number; theta: number }[], n: number): number {
  let re = 0;
  let im = 0;
  let sum = 0;
  for (const p of points) {
    re += p.r * Math.cos(n * p.theta);
    im += p.r * Math.sin(n * p.theta);
    sum += p.r;
  }
  return (2 * Math.hypot(re, im)) / sum;
}

/** Measures one tile ([side·side] row-major, values in [0, 1]). */
export function measureSemTile(img: Float32Array, side: number): SemMeasurement {
  const smooth = boxBlur(img, side);
  const threshold = otsuThreshold(smooth);
  const raw = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) raw[i] = smooth[i] > threshold ? 1 : 0;
  // Fill holes: background not reachable from the border belongs to the crystal around it.
  const background = components(raw.map((v) => 1 - v), side);
  const outside = new Set<number>();
  for (let k = 0; k < side; k++) for (const p of [k, (side - 1) * side + k, k * side, k * side + side - 1]) if (background.labels[p]) outside.add(background.labels[p]);
  const filled = raw.map((v, i) => (v || !outside.has(background.labels[i]) ? 1 : 0));
  const { labels, count } = components(filled, side);

  const radii: number[] = [];
  const corner: number[] = [];
  let interior = 0;
  let dark = 0;
  const bright: number[] = [];
  const inMask = (x: number, y: number, l: number) => x >= 0 && y >= 0 && x < side && y < side && labels[y * side + x] === l;
  for (let l = 1; l <= count; l++) {
    const pixels: number[] = [];
    let touches = false;
    for (let p = 0; p < labels.length; p++) {
      if (labels[p] !== l) continue;
      pixels.push(p);
      const x = p % side;
      const y = (p - x) / side;
      if (x === 0 || y === 0 || x === side - 1 || y === side - 1) touches = true;
    }
    if (pixels.length < 6) continue;
    let cx = 0;
    let cy = 0;
    for (const p of pixels) {
      cx += (p % side) + 0.5;
      cy += Math.floor(p / side) + 0.5;
    }
    cx /= pixels.length;
    cy /= pixels.length;
    const boundary: { r: number; theta: number }[] = [];
    for (const p of pixels) {
      const x = p % side;
      const y = (p - x) / side;
      const edge = !inMask(x - 1, y, l) || !inMask(x + 1, y, l) || !inMask(x, y - 1, l) || !inMask(x, y + 1, l);
      if (edge) boundary.push({ r: Math.hypot(x + 0.5 - cx, y + 0.5 - cy), theta: Math.atan2(y + 0.5 - cy, x + 0.5 - cx) });
      else {
        // Interior (1-px eroded): holes and brightness are read here, away from the bright rim.
        interior++;
        if (img[p] < threshold) dark++;
        const deep = inMask(x - 2, y, l) && inMask(x + 2, y, l) && inMask(x, y - 2, l) && inMask(x, y + 2, l);
        if (deep && img[p] >= threshold) bright.push(img[p]);
      }
    }
    if (touches) continue;
    radii.push(Math.sqrt(pixels.length / Math.PI));
    if (pixels.length >= 20) corner.push(Math.max(...[3, 5, 6, 7].map((n) => harmonic(boundary, n))));
  }
  const mean = (v: readonly number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
  const size = mean(radii);
  const spread = radii.length > 1 ? Math.sqrt(radii.reduce((a, r) => a + (r - size) ** 2, 0) / (radii.length - 1)) / size : NaN;
  bright.sort((a, b) => a - b);
  return {
    size,
    porosity: interior > 0 ? dark / interior : NaN,
    polydispersity: spread,
    facetness: mean(corner),
    decoy: bright.length ? bright[Math.floor(bright.length / 2)] : NaN,
    crystals: radii.length,
  };
}

/** Measurements of every tile of [N, 1, S, S], as rows in SEM_ATTRIBUTES order. */
export function measureSemTiles(images: Tensor): number[][] {
  const [n, , h, w] = images.shape;
  if (h !== w) throw new Error(`measure: tiles must be square (got ${h}×${w})`);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const m = measureSemTile(images.data.subarray(i * h * w, (i + 1) * h * w), h);
    out.push([m.size, m.porosity, m.polydispersity, m.facetness, m.decoy]);
  }
  return out;
}

/** Per attribute, a least-squares line from measurement to attribute units (NaN rows skipped). */
export interface Calibration {
  readonly slope: readonly number[];
  readonly intercept: readonly number[];
}

export function fitCalibration(measured: readonly (readonly number[])[], attributes: readonly (readonly number[])[]): Calibration {
  const k = attributes[0].length;
  const slope: number[] = [];
  const intercept: number[] = [];
  for (let j = 0; j < k; j++) {
    const pairs = measured.map((m, i) => [m[j], attributes[i][j]]).filter(([m]) => Number.isFinite(m));
    const mx = pairs.reduce((a, p) => a + p[0], 0) / pairs.length;
    const my = pairs.reduce((a, p) => a + p[1], 0) / pairs.length;
    let sxy = 0;
    let sxx = 0;
    for (const [x, y] of pairs) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) ** 2;
    }
    const b = sxx > 0 ? sxy / sxx : 0;
    slope.push(b);
    intercept.push(my - b * mx);
  }
  return { slope, intercept };
}

/** Measurements in attribute units (NaN where the tile had nothing to measure). */
export function calibrate(measured: readonly (readonly number[])[], c: Calibration): number[][] {
  return measured.map((m) => m.map((v, j) => c.intercept[j] + c.slope[j] * v));
}
