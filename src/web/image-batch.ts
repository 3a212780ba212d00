/**
 * Dropped image files → one batch [N, C, H, W] for the model, by the CLI's rules (cli/inputs.ts
 * readImageFile, which the browser cannot import: it reads paths): a file holds one image (C,H,W),
 * a batch (N,C,H,W), or — for a one-channel model — a plain (H,W) image or an (N,H,W) stack; integer
 * data needs an explicit normalisation (raw counts change predictions without any error); larger
 * images are refused (the workbench does not tile). Each image keeps its file name as its label.
 */
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, firstNonFinite, reshape, shapeToString } from '../tensor/tensor.js';
import { isIntegerDtype, normalise, NORMALISATION_HELP, type Normalisation } from '../data/normalise.js';
import { spatialCalibration, type SpatialCalibration } from '../data/spatial-calibration.js';
import type { ImageArray } from '../data/formats/reader.js';
import { readDroppedArray, type NamedBytes } from './dropped-files.js';

export interface ImageBatch {
  readonly batch: Tensor;
  /** One label per image: the file name, with the index inside a file that holds several. */
  readonly labels: readonly string[];
  /** The first file's pixel size, when it records one (the pictures' scale bars). */
  readonly calibration?: SpatialCalibration;
  readonly dtypes: readonly string[];
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The images of one read file as [n, C, H, W] for a model taking modelShape = [C, H, W]. */
export function imagesOfArray(array: ImageArray, name: string, modelShape: readonly number[], normalisation?: Normalisation): Tensor {
  let x = array.values;
  const [c, h, w] = modelShape;
  if (c === 1 && same(x.shape, [h, w])) x = reshape(x, [1, 1, h, w]);
  else if (c === 1 && x.shape.length === 3 && same(x.shape.slice(1), [h, w])) x = reshape(x, [x.shape[0], 1, h, w]);
  else if (same(x.shape, modelShape)) x = reshape(x, [1, ...modelShape]);
  else if (!(x.shape.length === 4 && same(x.shape.slice(1), modelShape))) {
    throw new Error(`${name} has shape ${shapeToString(x.shape)} but the model takes (${modelShape.join(', ')}) or (N, ${modelShape.join(', ')}); the workbench does not resize or tile (use trustscope explain --tile for whole micrographs)`);
  }
  if (x.shape[0] === 0) throw new Error(`${name} holds no images (shape ${shapeToString(array.values.shape)})`);
  if (isIntegerDtype(array.dtype) && normalisation === undefined) {
    throw new Error(`${name} holds ${array.dtype} values; choose how the model expects them scaled under "Normalise" (${NORMALISATION_HELP})`);
  }
  if (normalisation) x = normalise(x, normalisation);
  const bad = firstNonFinite(x.data);
  if (bad >= 0) throw new Error(`${name}: ${x.data[bad]} at flat index ${bad}; replace or remove non-finite values first`);
  return x;
}

/** Every dropped image file as one batch, in the order given. */
export async function readImageBatch(files: readonly NamedBytes[], modelShape: readonly number[], normalisation?: Normalisation): Promise<ImageBatch> {
  if (files.length === 0) throw new Error('no image file: drop or choose at least one');
  const parts: Tensor[] = [];
  const labels: string[] = [];
  const dtypes: string[] = [];
  let calibration: SpatialCalibration | undefined;
  for (const file of files) {
    const array = await readDroppedArray(file);
    const images = imagesOfArray(array, file.name, modelShape, normalisation);
    parts.push(images);
    dtypes.push(array.dtype);
    calibration ??= spatialCalibration(array);
    const n = images.shape[0];
    for (let i = 0; i < n; i++) labels.push(n === 1 ? file.name : `${file.name} [${i}]`);
  }
  return { batch: concatRows(parts), labels, dtypes, ...(calibration ? { calibration } : {}) };
}

/** The [C, H, W] of a file's images (for a model whose H and W are symbolic). */
export async function imageSizeOf(file: NamedBytes, channels: number | undefined): Promise<[number, number, number]> {
  const s = (await readDroppedArray(file)).values.shape;
  if (s.length < 2) throw new Error(`${file.name} has shape ${shapeToString(s)}; an image needs at least (H, W)`);
  const [h, w] = s.slice(-2);
  return [channels ?? (s.length === 2 ? 1 : s.length === 4 ? s[1] : s[0]), h, w];
}
