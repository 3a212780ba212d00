/**
 * How similar two attribution maps are, the three measures of Adebayo et al. (2018):
 * - Spearman rank correlation (ties get their average rank, as scipy.stats.spearmanr);
 * - SSIM in the Gaussian-window form of Wang et al. (2004) with skimage's conventions
 *   (σ = 1.5, window radius ⌊3.5σ + 0.5⌋ = 5, i.e. 11×11, reflect padding, population
 *   covariances, K1 = 0.01, K2 = 0.03, mean over the map without the half-window border);
 * - a histogram-of-oriented-gradients distance (Dalal & Triggs HOG of both maps, distance below).
 * Maps are row-major H×W arrays.
 */
import { pearson } from '../tensor/compare.js';

/** Ranks 1..n; tied values share the mean of the ranks they span. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  // A native numeric sort of the values, then two binary searches per value for the first and last
  // position of its tie group: ~10× faster than sorting indices with a comparator closure.
  const sorted = Float64Array.from(values).sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    const first = lo;
    hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = (first + lo - 1) / 2 + 1;
  }
  return ranks;
}

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, who: string): void {
  if (a.length !== b.length) throw new Error(`${who}: the maps have ${a.length} and ${b.length} values; compare maps of the same size`);
  if (a.length === 0) throw new Error(`${who}: the maps are empty`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) throw new Error(`${who}: non-finite value at index ${i}; clean the attribution maps first`);
  }
}

/**
 * Spearman's ρ: Pearson correlation of the average ranks. When one map is constant there is no
 * ranking to agree with, so ρ = 0 (scipy returns NaN); two constant maps rank alike, ρ = 1.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, 'spearman');
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  // Ranks are multiples of ½ summing to n(n+1)/2, so pearson's computed mean is exactly (n+1)/2.
  const rho = pearson(ra, rb);
  if (!Number.isNaN(rho)) return rho;
  // pearson is NaN only when a side is constant (the values are finite).
  const constant = (r: Float64Array) => r.every((v) => v === r[0]);
  return constant(ra) && constant(rb) ? 1 : 0;
}

export interface SsimOptions {
  /** Gaussian window σ in pixels (Wang et al.: 1.5). */
  sigma?: number;
  /** Window radius = ⌊truncate·σ + 0.5⌋ (scipy's gaussian_filter; skimage uses 3.5). */
  truncate?: number;
  k1?: number;
  k2?: number;
  /** Dynamic range L; default max − min over both maps (so scale-free maps need no argument). */
  dataRange?: number;
}

/** scipy.ndimage 'reflect' (half-sample symmetric): d c b a | a b c d | d c b a. */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - 1 - k;
  return k;
}

function gaussianKernel(sigma: number, radius: number): Float64Array {
  const k = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let x = -radius; x <= radius; x++) s += k[x + radius] = Math.exp((-0.5 * x * x) / (sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Source index of every tap: taps[i·(2r+1) + d + r] = reflect(i + d), computed once per size. */
function reflectTaps(n: number, r: number): Int32Array {
  const taps = new Int32Array(n * (2 * r + 1));
  for (let i = 0; i < n; i++) for (let d = -r; d <= r; d++) taps[i * (2 * r + 1) + d + r] = reflectIndex(i + d, n);
  return taps;
}

/** Separable Gaussian filter with reflect padding, like scipy.ndimage.gaussian_filter. */
function gaussianFilter(img: Float64Array, h: number, w: number, kernel: Float64Array): Float64Array {
  const k = kernel.length;
  const r = (k - 1) / 2;
  const colTaps = reflectTaps(w, r);
  const rowTaps = reflectTaps(h, r);
  const tmp = new Float64Array(h * w);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += kernel[t] * img[y * w + colTaps[x * k + t]];
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += kernel[t] * tmp[rowTaps[y * k + t] * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}

/**
 * Mean SSIM of two H×W maps. Maps smaller than the 11×11 window get the largest window that fits
 * (skimage refuses them instead). Two constant, equal maps (data range 0) score 1.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number, options: SsimOptions = {}): number {
  checkPair(a, b, 'ssim');
  if (a.length !== height * width) throw new Error(`ssim: ${a.length} values do not form a ${height}×${width} map`);
  const { sigma = 1.5, truncate = 3.5, k1 = 0.01, k2 = 0.03 } = options;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i], b[i]);
    hi = Math.max(hi, a[i], b[i]);
  }
  const range = options.dataRange ?? hi - lo;
  if (!(range >= 0)) throw new Error(`ssim: dataRange must be ≥ 0 (got ${range})`);
  if (range === 0) return 1;
  const radius = Math.min(Math.floor(truncate * sigma + 0.5), Math.floor((Math.min(height, width) - 1) / 2));
  const kernel = gaussianKernel(sigma, radius);
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  const f = (m: Float64Array) => gaussianFilter(m, height, width, kernel);
  const ux = f(x);
  const uy = f(y);
  const uxx = f(x.map((v) => v * v));
  const uyy = f(y.map((v) => v * v));
  const uxy = f(x.map((v, i) => v * y[i]));
  const c1 = (k1 * range) ** 2;
  const c2 = (k2 * range) ** 2;
  let sum = 0;
  let count = 0;
  for (let r = radius; r < height - radius; r++) {
    for (let c = radius; c < width - radius; c++) {
      const i = r * width + c;
      const vx = uxx[i] - ux[i] * ux[i];
      const vy = uyy[i] - uy[i] * uy[i];
      const vxy = uxy[i] - ux[i] * uy[i];
      sum += ((2 * ux[i] * uy[i] + c1) * (2 * vxy + c2)) / ((ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2));
      count++;
    }
  }
  return sum / count;
}

export interface HogOptions {
  /** Cell side in pixels; default max(2, ⌊min(H, W)/8⌋) so a 32×32 map has 8×8 cells of 4 px. */
  cell?: number;
  /** Unsigned orientation bins over [0°, 180°) (Dalal & Triggs: 9). */
  bins?: number;
  /** Cells per block side (2). */
  block?: number;
}

/**
 * HOG descriptor: central-difference gradients (zero on the border rows/columns, as skimage),
 * magnitude-weighted hard-binned orientation histograms per cell, 2×2-cell blocks (stride one cell)
 * each L2-Hys normalised (L2, clip at 0.2, L2 again). Returns one vector per block.
 */
export function hogBlocks(map: ArrayLike<number>, height: number, width: number, options: HogOptions = {}): Float64Array[] {
  const cell = options.cell ?? Math.max(2, Math.floor(Math.min(height, width) / 8));
  const bins = options.bins ?? 9;
  const block = options.block ?? 2;
  const cy = Math.floor(height / cell);
  const cx = Math.floor(width / cell);
  if (cy < block || cx < block) throw new Error(`hog: a ${height}×${width} map has fewer than ${block}×${block} cells of ${cell} px; pass a smaller cell`);
  const hist = new Float64Array(cy * cx * bins);
  for (let y = 0; y < cy * cell; y++) {
    for (let x = 0; x < cx * cell; x++) {
      const gx = x > 0 && x < width - 1 ? map[y * width + x + 1] - map[y * width + x - 1] : 0;
      const gy = y > 0 && y < height - 1 ? map[(y + 1) * width + x] - map[(y - 1) * width + x] : 0;
      const mag = Math.hypot(gx, gy);
      if (mag === 0) continue;
      let angle = (Math.atan2(gy, gx) * 180) / Math.PI;
      if (angle < 0) angle += 180;
      if (angle >= 180) angle -= 180;
      const bin = Math.min(bins - 1, Math.floor((angle / 180) * bins));
      hist[(Math.floor(y / cell) * cx + Math.floor(x / cell)) * bins + bin] += mag;
    }
  }
  const blocks: Float64Array[] = [];
  const eps = 1e-5;
  const normalise = (v: Float64Array) => {
    let s = 0;
    for (const e of v) s += e * e;
    const norm = Math.sqrt(s + eps * eps);
    for (let i = 0; i < v.length; i++) v[i] /= norm;
  };
  for (let by = 0; by + block <= cy; by++) {
    for (let bx = 0; bx + block <= cx; bx++) {
      const v = new Float64Array(block * block * bins);
      let k = 0;
      for (let dy = 0; dy < block; dy++) for (let dx = 0; dx < block; dx++) for (let b = 0; b < bins; b++) v[k++] = hist[((by + dy) * cx + bx + dx) * bins + b];
      normalise(v);
      for (let i = 0; i < v.length; i++) v[i] = Math.min(v[i], 0.2);
      normalise(v);
      blocks.push(v);
    }
  }
  return blocks;
}

/**
 * HOG distance: root mean over blocks of the squared L2 distance between the two maps' block
 * descriptors. Each descriptor has unit norm (or is zero on a flat block) and non-negative entries,
 * so the distance lies in [0, √2]: 0 for the same edge structure, √2 for orthogonal structure.
 */
export function hogDistance(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number, options: HogOptions = {}): number {
  checkPair(a, b, 'hogDistance');
  if (a.length !== height * width) throw new Error(`hogDistance: ${a.length} values do not form a ${height}×${width} map`);
  const ha = hogBlocks(a, height, width, options);
  const hb = hogBlocks(b, height, width, options);
  let total = 0;
  for (let k = 0; k < ha.length; k++) {
    for (let i = 0; i < ha[k].length; i++) total += (ha[k][i] - hb[k][i]) ** 2;
  }
  return Math.sqrt(total / ha.length);
}

export interface MapSimilarity {
  spearman: number;
  ssim: number;
  /** null when the map is too small for 2×2 HOG cells of 2 px. */
  hogDistance: number | null;
}

/**
 * The three measures on two magnitude maps. SSIM and HOG see each map divided by its own maximum,
 * so a randomised model whose gradients are 100× smaller but shaped alike still counts as similar
 * (the question is where the map points, not its units); Spearman is scale-free already.
 */
export function compareMaps(a: Float64Array, b: Float64Array, height: number, width: number): MapSimilarity {
  const scaled = (m: Float64Array) => {
    let max = 0;
    for (const v of m) max = Math.max(max, Math.abs(v));
    return max > 0 ? m.map((v) => v / max) : m;
  };
  const sa = scaled(a);
  const sb = scaled(b);
  const hogFits = Math.min(height, width) >= 4;
  return { spearman: spearman(a, b), ssim: ssim(sa, sb, height, width), hogDistance: hogFits ? hogDistance(sa, sb, height, width) : null };
}
