/**
 * The lecture's "do the top-3 hotspots survive?" check. A hotspot is a peak of the magnitude map
 * after a light Gaussian smoothing (σ = 1 px, so one noisy pixel is not a region), found by
 * non-maximum suppression: take the highest point, suppress a disk of radius r around it, repeat.
 * A trained-map hotspot *survives* in a randomised map when one of the randomised map's own top
 * hotspots lies within r of it. A hotspot that survives weight randomisation reflects the input's
 * structure (edges, bright blobs), not what the model learned.
 */

export interface Hotspot {
  /** Row and column of the peak. */
  y: number;
  x: number;
  /** Smoothed magnitude at the peak divided by the smoothed map's maximum. */
  strength: number;
}

export interface HotspotOptions {
  /** Hotspots per map (the lecture's 3). */
  count?: number;
  /** Suppression and matching radius in pixels; default max(2, round(min(H, W) / 8)). */
  radius?: number;
  /** Smoothing σ in pixels (0 = none). */
  sigma?: number;
}

export function defaultHotspotRadius(height: number, width: number): number {
  return Math.max(2, Math.round(Math.min(height, width) / 8));
}

function smooth(map: ArrayLike<number>, h: number, w: number, sigma: number): Float64Array {
  const src = Float64Array.from(map, Math.abs);
  if (sigma <= 0) return src;
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  // Zero padding with per-pixel renormalisation: border pixels are not darkened by the padding.
  const pass = (img: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        let ws = 0;
        for (let d = -r; d <= r; d++) {
          const yy = horizontal ? y : y + d;
          const xx = horizontal ? x + d : x;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          s += k[d + r] * img[yy * w + xx];
          ws += k[d + r];
        }
        out[y * w + x] = s / ws;
      }
    }
    return out;
  };
  return pass(pass(src, true), false);
}

/** The top hotspots of a map (|values| are used), strongest first; fewer when the map is flat. */
export function findHotspots(map: ArrayLike<number>, height: number, width: number, options: HotspotOptions = {}): Hotspot[] {
  if (map.length !== height * width) throw new Error(`findHotspots: ${map.length} values do not form a ${height}×${width} map`);
  const count = options.count ?? 3;
  const radius = options.radius ?? defaultHotspotRadius(height, width);
  const s = smooth(map, height, width, options.sigma ?? 1);
  let max = 0;
  for (const v of s) max = Math.max(max, v);
  const found: Hotspot[] = [];
  if (max === 0) return found;
  const alive = new Uint8Array(height * width).fill(1);
  while (found.length < count) {
    let best = -1;
    for (let i = 0; i < s.length; i++) if (alive[i] && s[i] > 0 && (best < 0 || s[i] > s[best])) best = i;
    if (best < 0) break;
    const y = Math.floor(best / width);
    const x = best % width;
    found.push({ y, x, strength: s[best] / max });
    for (let yy = Math.max(0, y - radius); yy <= Math.min(height - 1, y + radius); yy++) {
      for (let xx = Math.max(0, x - radius); xx <= Math.min(width - 1, x + radius); xx++) {
        if ((yy - y) ** 2 + (xx - x) ** 2 <= radius * radius) alive[yy * width + xx] = 0;
      }
    }
  }
  return found;
}

/** How many of `original`'s hotspots have a hotspot of `other` within `radius` pixels. */
export function survivingHotspots(original: readonly Hotspot[], other: readonly Hotspot[], radius: number): number {
  return original.filter((o) => other.some((p) => (p.y - o.y) ** 2 + (p.x - o.x) ** 2 <= radius * radius)).length;
}
