/**
 * `--tile`: the images of any supported file, folder or pattern one at a time, at their own size
 * (any size at least the model's input), for commands that cut them into tiles. One image is held
 * (and normalised) at a time, so a stack of 4096² micrographs costs one micrograph beyond its file.
 *
 * A file may hold a plain 2-D image or a stack (N, H, W) for a one-channel model, (C, H, W) or
 * (N, C, H, W) with the model's channels. Normalisation (--normalise) is per whole micrograph,
 * before tiling: a tile is scaled as part of its image, not on its own.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, tensor } from '../tensor/tensor.js';
import { normalise, type Normalisation } from '../data/normalise.js';
import { UsageError } from './errors.js';
import { checkFinite, imageFiles, readArray, refuseUnscaledIntegers } from './inputs.js';

export interface Micrograph {
  readonly file: string;
  /** Index over all images of all files, in reading order (the order of --labels and --groups). */
  readonly index: number;
  /** Position inside its file (a stack's page). */
  readonly page: number;
  /** [C, H, W]. */
  readonly image: Tensor;
}

/** (count, C, H, W) of a file's array for a model with `channels` channels, or a one-line error. */
function layoutOf(shape: readonly number[], channels: number, file: string): [number, number, number, number] {
  if (shape.length === 2 && channels === 1) return [1, 1, shape[0], shape[1]];
  if (shape.length === 3 && shape[0] === channels) return [1, channels, shape[1], shape[2]];
  if (shape.length === 3 && channels === 1) return [shape[0], 1, shape[1], shape[2]];
  if (shape.length === 4 && shape[1] === channels) return [shape[0], channels, shape[2], shape[3]];
  const forms = channels === 1 ? '(H, W), (N, H, W) or (N, 1, H, W)' : `(${channels}, H, W) or (N, ${channels}, H, W)`;
  throw new UsageError(`${file} has shape ${shapeToString(shape)}; with --tile the model's ${channels}-channel input takes images ${forms}`);
}

/** Every image of `path` in order, each normalised and checked, one at a time. */
export async function* readMicrographs(path: string, modelShape: readonly number[], normalisation?: Normalisation): AsyncGenerator<Micrograph> {
  if (modelShape.length !== 3) throw new UsageError(`--tile needs an image model (C, H, W input); this one takes (${modelShape.join(', ')})`);
  const [c, th, tw] = modelShape;
  let index = 0;
  for (const file of await imageFiles(path)) {
    const array = await readArray(file);
    const [count, , h, w] = layoutOf(array.values.shape, c, file);
    if (h < th || w < tw) throw new UsageError(`${file}: its ${h}×${w} images are smaller than the model's ${th}×${tw} input; --tile cuts bigger images into tiles of that size (give images at least ${th}×${tw})`);
    refuseUnscaledIntegers(array.dtype, array.values, file, normalisation);
    const per = c * h * w;
    if (count === 0) throw new UsageError(`${file} holds no images (shape ${shapeToString(array.values.shape)}); give at least one`);
    for (let page = 0; page < count; page++) {
      let image = tensor([1, c, h, w], array.values.data.subarray(page * per, (page + 1) * per));
      if (normalisation) image = normalise(image, normalisation);
      checkFinite(image, count > 1 ? `${file} image ${page}` : file);
      yield { file, index: index++, page, image: { shape: [c, h, w], data: image.data } };
    }
  }
}
