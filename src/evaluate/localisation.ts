/**
 * Does the attribution sit inside a region the expert marked (a defect, an artifact)? The Quantus
 * localisation family, on channel-collapsed maps (see maps.ts), with three fixes:
 * - an empty mask gives *no* score (null, left out of the mean), never a hit or a zero;
 * - ties are split fairly: when several pixels share the maximum (pointing game) or straddle the
 *   top-k boundary (rank accuracy, top-k), the score is the expected value under a random tie
 *   break, not whatever order argsort happens to return (a constant map scores chance, not 0 or 1);
 * - the size-weighted attribution localisation is μ·S_tot/S_in as in Kohlbrenner et al. (2020);
 *   Quantus 0.5 multiplies by S_in/S_tot instead, which rewards large masks.
 * Definitions, per image (a = signed channel sum, |a| = magnitude, M = mask, N = pixels):
 * - insideOutside: region.ts's normalised mean inside vs outside (the lecture's ratio);
 * - attributionLocalisation μ = Σ_M a⁺ / Σ a⁺ (Kohlbrenner), weighted μ_w = μ·N/|M|;
 * - relevanceMassAccuracy = Σ_M |a| / Σ |a| (Arras et al. 2022 on Quantus's default abs=True);
 * - relevanceRankAccuracy = |top-|M| pixels by |a| ∩ M| / |M| (Arras et al. 2022);
 * - pointingGame: is the maximum of a inside M (Zhang et al. 2018);
 * - topKIntersection = |top-k pixels by |a| ∩ M| / k (Theiner et al. 2021), k default 5% of N;
 * - auc: ROC AUC of |a| as a score for M (Mann–Whitney with tie-averaged ranks, sklearn's value).
 */
import type { Tensor } from '../tensor/tensor.js';
import type { RegionContrast } from './region.js';
import { regionContrast } from './region.js';
import { maskPlanes, meanOf, pixelMaps } from './maps.js';
import { averageRanks } from './similarity.js';

export interface LocalisationOptions {
  /** Pixels for top-k intersection; default max(1, round(0.05·H·W)). */
  topK?: number;
}

export interface MetricScores {
  /** Mean over the images that have a score. */
  mean: number | null;
  /** One score per image; null when undefined for that image (empty mask, no positive mass…). */
  perImage: (number | null)[];
}

export interface LocalisationResult {
  images: number;
  /** Images whose mask is not empty. */
  scored: number;
  insideOutside: RegionContrast | null;
  attributionLocalisation: MetricScores;
  attributionLocalisationWeighted: MetricScores;
  relevanceMassAccuracy: MetricScores;
  relevanceRankAccuracy: MetricScores;
  pointingGame: MetricScores;
  topKIntersection: MetricScores & { k: number };
  auc: MetricScores;
}

/** Expected |top-k ∩ M| under a random order of tied values: strictly larger values count fully,
 *  values equal to the k-th largest share the remaining slots in proportion. */
export function topKHits(scores: ArrayLike<number>, inside: Uint8Array, k: number): number {
  const n = scores.length;
  if (k <= 0) return 0;
  if (k >= n) return inside.reduce((s, v) => s + v, 0);
  const sorted = Float64Array.from(scores).sort((a, b) => b - a);
  const kth = sorted[k - 1];
  let above = 0;
  let aboveInside = 0;
  let tied = 0;
  let tiedInside = 0;
  for (let p = 0; p < n; p++) {
    if (scores[p] > kth) {
      above++;
      aboveInside += inside[p];
    } else if (scores[p] === kth) {
      tied++;
      tiedInside += inside[p];
    }
  }
  return aboveInside + ((k - above) * tiedInside) / tied;
}

/** ROC AUC of `scores` for the positives in `inside` (ties count ½); null without both classes. */
export function rocAuc(scores: ArrayLike<number>, inside: Uint8Array): number | null {
  const ranks = averageRanks(scores);
  let pos = 0;
  let rankSum = 0;
  for (let p = 0; p < inside.length; p++) {
    if (inside[p]) {
      pos++;
      rankSum += ranks[p];
    }
  }
  const neg = inside.length - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function scores(perImage: (number | null)[]): MetricScores {
  return { mean: meanOf(perImage), perImage };
}

export function localisation(attributions: Tensor, mask: Tensor, options: LocalisationOptions = {}): LocalisationResult {
  const signed = pixelMaps(attributions, 'signed');
  const magnitude = pixelMaps(attributions, 'magnitude');
  const { height, width } = signed;
  const n = signed.maps.length;
  const plane = height * width;
  const masks = maskPlanes(mask, n, height, width);
  const k = options.topK ?? Math.max(1, Math.round(0.05 * plane));
  if (!Number.isInteger(k) || k < 1 || k > plane) throw new Error(`localisation: topK must be an integer in 1..${plane} (got ${k})`);

  const al: (number | null)[] = [];
  const alw: (number | null)[] = [];
  const rma: (number | null)[] = [];
  const rra: (number | null)[] = [];
  const pg: (number | null)[] = [];
  const tki: (number | null)[] = [];
  const auc: (number | null)[] = [];
  let scored = 0;
  for (let i = 0; i < n; i++) {
    const m = masks[i];
    const a = signed.maps[i];
    const mag = magnitude.maps[i];
    const size = m.reduce((s, v) => s + v, 0);
    if (size === 0) {
      for (const list of [al, alw, rma, rra, pg, tki, auc]) list.push(null);
      continue;
    }
    scored++;
    let posIn = 0;
    let posAll = 0;
    let magIn = 0;
    let magAll = 0;
    let max = -Infinity;
    for (let p = 0; p < plane; p++) {
      const pos = Math.max(0, a[p]);
      posAll += pos;
      magAll += mag[p];
      if (m[p]) {
        posIn += pos;
        magIn += mag[p];
      }
      max = Math.max(max, a[p]);
    }
    const mu = posAll > 0 ? posIn / posAll : null;
    al.push(mu);
    alw.push(mu === null ? null : (mu * plane) / size);
    rma.push(magAll > 0 ? magIn / magAll : null);
    rra.push(topKHits(mag, m, size) / size);
    let maxima = 0;
    let maximaInside = 0;
    for (let p = 0; p < plane; p++) {
      if (a[p] === max) {
        maxima++;
        maximaInside += m[p];
      }
    }
    pg.push(maximaInside / maxima);
    tki.push(topKHits(mag, m, k) / k);
    auc.push(rocAuc(mag, m));
  }
  // region.ts needs one image with pixels both inside and outside; otherwise there is no ratio.
  const comparable = masks.some((m) => m.includes(1) && m.includes(0));
  const insideOutside = comparable ? regionContrast(attributions, mask.shape.length === 4 ? { shape: [n, height, width], data: mask.data } : mask) : null;
  return {
    images: n,
    scored,
    insideOutside,
    attributionLocalisation: scores(al),
    attributionLocalisationWeighted: scores(alw),
    relevanceMassAccuracy: scores(rma),
    relevanceRankAccuracy: scores(rra),
    pointingGame: scores(pg),
    topKIntersection: { ...scores(tki), k },
    auc: scores(auc),
  };
}
