/**
 * Where the manipulation attack pushes each map (the target map h_t). Dombrowski et al. take the
 * explanation of another image; a map moved onto a shifted copy of itself is the simplest target
 * that differs from the original for every model whose map is not flat:
 * - 'shifted': the image's own map rolled by half the height and width (a hotspot in the centre
 *   lands in the corners; a corner artifact lands in the centre);
 * - 'other-image': the map of another image of the batch (a seeded derangement, preferring an image
 *   explained for another class, as a cat's map on a dog).
 */
import { tensor, type Tensor } from '../tensor/tensor.js';
import type { Random } from '../tensor/random.js';

export type ManipulationTargetKind = 'shifted' | 'other-image';

export const MANIPULATION_TARGETS: readonly ManipulationTargetKind[] = ['shifted', 'other-image'];

/** Each map [N, C, H, W] (or [N, H, W]) rolled by ⌊H/2⌋ rows and ⌊W/2⌋ columns, per channel. */
export function rolledMaps(maps: Tensor): Tensor {
  const [h, w] = maps.shape.slice(-2);
  const planes = maps.data.length / (h * w);
  const out = new Float32Array(maps.data.length);
  const dy = Math.floor(h / 2);
  const dx = Math.floor(w / 2);
  for (let p = 0; p < planes; p++) {
    const o = p * h * w;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[o + ((y + dy) % h) * w + ((x + dx) % w)] = maps.data[o + y * w + x];
  }
  return tensor(maps.shape, out);
}

/**
 * For each row, the row whose map becomes its target: never itself (for n ≥ 2), another class when
 * one exists. Seeded: the candidates are taken in the order of a random permutation.
 */
export function otherImageRows(classes: readonly number[], random: Random): number[] {
  const n = classes.length;
  if (n < 2) throw new Error('the other-image target needs at least 2 images (a map is moved toward another image\'s map); use the shifted target for one image');
  const order = random.permutation(n);
  return classes.map((c, i) => {
    const other = order.find((j) => j !== i && classes[j] !== c);
    return other ?? order.find((j) => j !== i)!;
  });
}

/** The target maps for `maps` (the explainer's maps of the unperturbed images), and the row each came from (-1: shifted). */
export function manipulationTargets(kind: ManipulationTargetKind, maps: Tensor, classes: readonly number[], random: Random): { targets: Tensor; sources: number[] } {
  if (kind === 'shifted') return { targets: rolledMaps(maps), sources: classes.map(() => -1) };
  const sources = otherImageRows(classes, random);
  const d = maps.data.length / maps.shape[0];
  const out = new Float32Array(maps.data.length);
  sources.forEach((j, i) => out.set(maps.data.subarray(j * d, (j + 1) * d), i * d));
  return { targets: tensor(maps.shape, out), sources };
}
