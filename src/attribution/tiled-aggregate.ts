/**
 * One answer per micrograph and per specimen (lot) from the answers of its tiles. A classifier's
 * tiles give class probabilities; the image's answer is their mean (the class with the highest mean
 * probability), reported beside the majority vote of the tiles' own classes with its share, and the
 * spread: the standard deviation over tiles of the probability of the answered class — a confident
 * answer from uniform tiles has a small spread, one carried by a few tiles a large one. A one-output
 * regressor's tiles give numbers: mean and standard deviation, no vote.
 *
 * A specimen pools the tiles of all its images (each tile counts once, so a bigger image weighs
 * more) and also reports the vote of its images' answers, so that one odd micrograph shows.
 */

export interface TileVote {
  readonly class: number;
  /** Fraction of the voters (tiles or images) that chose `class`. */
  readonly share: number;
}

export interface TileAggregate {
  readonly tiles: number;
  /** Mean over tiles of each output: class probabilities, or the regressor's value. */
  readonly mean: readonly number[];
  /** The answered class (argmax of `mean`); 0 for a one-output regressor. */
  readonly predicted: number;
  /** Population standard deviation over tiles of the output `predicted`. */
  readonly spread: number;
  /** Majority vote of the tiles' argmax classes (ties go to the lower class); absent for a regressor. */
  readonly vote?: TileVote;
}

export interface GroupAggregate extends TileAggregate {
  readonly group: number;
  /** Images of this group, by input index. */
  readonly images: readonly number[];
  /** Majority vote of the images' answers (their `predicted`); absent for a regressor. */
  readonly imageVote?: TileVote;
}

function argmax(values: ArrayLike<number>, from: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (values[from + c] > values[from + best]) best = c;
  return best;
}

function majority(choices: readonly number[], k: number): TileVote {
  const counts = new Array<number>(k).fill(0);
  for (const c of choices) counts[c]++;
  const best = argmax(counts, 0, k);
  return { class: best, share: counts[best] / choices.length };
}

/** Aggregates tile outputs given row-major [tiles × k] (probabilities, or one value per tile when k = 1). */
export function aggregateTileOutputs(outputs: ArrayLike<number>, k: number): TileAggregate {
  const n = outputs.length / k;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`aggregateTileOutputs: ${outputs.length} values are not whole rows of ${k} outputs`);
  const sum = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) sum[c] += outputs[i * k + c];
  const mean = Array.from(sum, (s) => s / n);
  const predicted = k === 1 ? 0 : argmax(mean, 0, k);
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (outputs[i * k + predicted] - mean[predicted]) ** 2;
  const spread = Math.sqrt(sq / n);
  if (k === 1) return { tiles: n, mean, predicted, spread };
  const choices = Array.from({ length: n }, (_, i) => argmax(outputs, i * k, k));
  return { tiles: n, mean, predicted, spread, vote: majority(choices, k) };
}

/**
 * Per group: the tiles of its images pooled, plus the vote of its images. `perImage[i]` holds image
 * i's tile outputs [tiles × k]; `groups[i]` is its group id. Groups come out in ascending id order.
 */
export function aggregateGroups(perImage: readonly ArrayLike<number>[], groups: readonly number[], k: number): GroupAggregate[] {
  if (groups.length !== perImage.length) throw new Error(`${groups.length} group ids for ${perImage.length} images; give one per image`);
  const ids = [...new Set(groups)].sort((a, b) => a - b);
  return ids.map((group) => {
    const images = groups.flatMap((g, i) => (g === group ? [i] : []));
    const total = images.reduce((s, i) => s + perImage[i].length, 0);
    const pooled = new Float32Array(total);
    let o = 0;
    for (const i of images) {
      pooled.set(perImage[i], o);
      o += perImage[i].length;
    }
    const tiles = aggregateTileOutputs(pooled, k);
    if (k === 1) return { ...tiles, group, images };
    const answers = images.map((i) => aggregateTileOutputs(perImage[i], k).predicted);
    return { ...tiles, group, images, imageVote: majority(answers, k) };
  });
}
