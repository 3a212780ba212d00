/** A labelled image set: images NCHW float32, one label per image, optional specimen groups and region masks. */
import type { Tensor } from '../tensor/tensor.js';
import { takeRows } from '../tensor/tensor.js';

export interface Dataset {
  readonly images: Tensor;
  readonly labels: readonly number[];
  /** Specimen id per image, for grouped splits. */
  readonly groups?: readonly number[];
  /** Named region masks, each [N, H, W] with 1 inside the region. */
  readonly masks?: Readonly<Record<string, Tensor>>;
}

export function subset(data: Dataset, indices: readonly number[]): Dataset {
  const masks = data.masks ? Object.fromEntries(Object.entries(data.masks).map(([k, m]) => [k, takeRows(m, indices)])) : undefined;
  return {
    images: takeRows(data.images, indices),
    labels: indices.map((i) => data.labels[i]),
    groups: data.groups ? indices.map((i) => data.groups![i]) : undefined,
    masks,
  };
}

/** Indices of the images whose label satisfies the predicate. */
export function indicesWhere(data: Dataset, keep: (label: number, index: number) => boolean): number[] {
  const out: number[] = [];
  data.labels.forEach((l, i) => {
    if (keep(l, i)) out.push(i);
  });
  return out;
}
