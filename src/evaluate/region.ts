/**
 * Region statistics of attribution maps, as in the lecture notebook: each map (channels summed)
 * is divided by its own maximum |value|, then its mean inside a region is compared with its mean
 * in another region (or everywhere outside), averaged over images.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString } from '../tensor/tensor.js';

export interface RegionContrast {
  /** Mean normalised attribution inside the region of interest. */
  inside: number;
  /** Mean normalised attribution in the comparison region. */
  outside: number;
  /** inside / outside. */
  ratio: number;
}

/** Per image, the channel-summed map scaled to max |value| = 1, as [N, H·W]. */
export function normalisedMaps(maps: Tensor): Float64Array[] {
  if (maps.shape.length !== 4) throw new Error(`attribution maps must be [N, C, H, W]; got ${shapeToString(maps.shape)}`);
  const [n, c, h, w] = maps.shape;
  const plane = h * w;
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const m = new Float64Array(plane);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) m[p] += maps.data[(i * c + ch) * plane + p];
    let max = 0;
    for (const v of m) max = Math.max(max, Math.abs(v));
    if (max > 0) for (let p = 0; p < plane; p++) m[p] /= max;
    out.push(m);
  }
  return out;
}

function checkMask(maps: Tensor, mask: Tensor, what: string): void {
  const [n, , h, w] = maps.shape;
  if (mask.shape.length !== 3 || mask.shape[0] !== n || mask.shape[1] !== h || mask.shape[2] !== w) {
    throw new Error(`${what} mask has shape ${shapeToString(mask.shape)}; it must be [${n}, ${h}, ${w}] to match the maps`);
  }
}

/**
 * Mean normalised attribution inside `region` vs inside `comparison` (default: the complement of
 * `region`). Images where either region is empty are skipped.
 */
export function regionContrast(maps: Tensor, region: Tensor, comparison?: Tensor): RegionContrast {
  checkMask(maps, region, 'region');
  if (comparison) checkMask(maps, comparison, 'comparison');
  const norm = normalisedMaps(maps);
  const plane = norm[0]?.length ?? 0;
  let insideSum = 0;
  let outsideSum = 0;
  let used = 0;
  norm.forEach((m, i) => {
    let a = 0;
    let na = 0;
    let b = 0;
    let nb = 0;
    for (let p = 0; p < plane; p++) {
      const inRegion = region.data[i * plane + p] > 0.5;
      const inComparison = comparison ? comparison.data[i * plane + p] > 0.5 : !inRegion;
      if (inRegion) {
        a += m[p];
        na++;
      }
      if (inComparison) {
        b += m[p];
        nb++;
      }
    }
    if (na === 0 || nb === 0) return;
    insideSum += a / na;
    outsideSum += b / nb;
    used++;
  });
  if (used === 0) throw new Error('regionContrast: no image has both a non-empty region and a non-empty comparison region');
  const inside = insideSum / used;
  const outside = outsideSum / used;
  return { inside, outside, ratio: inside / outside };
}
