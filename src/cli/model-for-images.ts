/**
 * How every image command loads its model: `loadModelForImages(model, images)`. A model exported
 * with dynamic H/W axes (`dynamic_axes={'input': {2: 'H', 3: 'W'}}`) has no size of its own, but
 * the autodiff needs static shapes, so the graph is specialised to the size of the images in hand
 * (onnx/input-shape.ts `withInputShape`) — no flag to pass. A fixed-size model loads as before.
 *
 * The size is read from the image files before the model is built: each file is read once more
 * for its shape (only when the model is dynamic; a fixed model costs nothing extra). All images of
 * one run must share one size — one specialised graph, one batch — otherwise a one-line error.
 */
import type { Graph } from '../onnx/graph.js';
import { runtimeInputs } from '../onnx/graph.js';
import { symbolicInputAxes, withInputShape } from '../onnx/input-shape.js';
import { OnnxModel, type OnnxModelOptions } from '../models/model.js';
import { isTfjsModelPath, readModelGraph } from '../models/import/load-model.js';
import { UsageError } from './errors.js';
import { imageFiles, imageReadOptions, readArray } from './inputs.js';
import { manifestImagePaths } from './manifest.js';

/** Where a command's images come from: files/folders/patterns (unset ones skipped) and/or a manifest. */
export interface ImageSources {
  readonly files?: readonly (string | undefined)[];
  readonly manifest?: string;
  /** --dataset: which dataset of a multi-dataset file (EMD) holds the images. */
  readonly dataset?: string;
}

/** The model file as a graph; a file that cannot be read or decoded is one line naming it. */
export async function readModelFile(path: string, imageSize?: readonly [number, number]): Promise<Graph> {
  try {
    return await readModelGraph(path, imageSize ? { imageSize } : {});
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    throw new UsageError(message.includes(path) ? message : `${path}: ${message}`);
  }
}

/** The model over a graph already read (and maybe specialised); the model's own refusals name the file. */
export function modelFromGraph(path: string, graph: Graph, options: OnnxModelOptions = {}): OnnxModel {
  try {
    return new OnnxModel(graph, options);
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** True when the graph's input leaves any non-batch axis (typically H and W) symbolic. */
export function isDynamicSpatial(graph: Graph): boolean {
  return symbolicInputAxes(graph).length > 0;
}

/** The image files of every source, in order (folders and patterns expanded, manifests' rows). */
async function sourceFiles(sources: ImageSources): Promise<string[]> {
  const files: string[] = [];
  for (const f of sources.files ?? []) if (f !== undefined) files.push(...(await imageFiles(f)));
  if (sources.manifest !== undefined) files.push(...(await manifestImagePaths(sources.manifest)));
  return files;
}

/**
 * The one [C, H, W] of all the images for a graph whose input size is partly symbolic: H and W are
 * every file's last two axes, C the graph's when fixed (else the file's channel axis). Files of
 * different sizes are refused with both sizes named.
 */
export async function imageSizeFor(graph: Graph | undefined, sources: ImageSources): Promise<[number, number, number]> {
  const files = await sourceFiles(sources);
  if (files.length === 0) throw new UsageError('the model has a dynamic input size (H, W); give the images (--input) so it can be sized to them');
  const declared = graph ? (runtimeInputs(graph)[0].shape ?? []) : [];
  const fixedChannels = typeof declared[1] === 'number' && declared[1] > 0 ? declared[1] : undefined;
  let first: { file: string; size: [number, number, number] } | undefined;
  for (const file of files) {
    const s = (await readArray(file, imageReadOptions(sources.dataset !== undefined ? { dataset: sources.dataset } : {}))).values.shape;
    if (s.length < 2) throw new UsageError(`${file} has shape (${s.join(', ')}); an image needs at least (H, W)`);
    const [h, w] = s.slice(-2);
    const c = fixedChannels ?? (s.length === 2 ? 1 : s.length === 4 ? s[1] : s[0]);
    if (!first) first = { file, size: [c, h, w] };
    else if (first.size[1] !== h || first.size[2] !== w) {
      throw new UsageError(`${file} holds ${h}×${w} images but ${first.file} holds ${first.size[1]}×${first.size[2]}; a model with dynamic H/W is sized once per run: give images of one size (run each size separately)`);
    }
  }
  return first!.size;
}

/**
 * The model for these images: as the file declares it, or — when its input has symbolic spatial
 * axes — specialised to the images' one size. Takes `.onnx` and TF.js `model.json` alike.
 */
export async function loadModelForImages(modelPath: string, sources: ImageSources, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  if (isTfjsModelPath(modelPath)) {
    // A TF.js model converts only at a known size: with its H/W declared null, convert at the images' size.
    const graph = await readTfjsAtImageSize(modelPath, sources);
    return modelFromGraph(modelPath, graph, options);
  }
  const graph = await readModelFile(modelPath);
  if (!isDynamicSpatial(graph)) return modelFromGraph(modelPath, graph, options);
  const size = await imageSizeFor(graph, sources);
  let sized: Graph;
  try {
    sized = withInputShape(graph, size);
  } catch (e) {
    throw new UsageError(`${modelPath}: ${(e as Error).message}`);
  }
  return modelFromGraph(modelPath, sized, options);
}

/** A TF.js model.json as a graph; one declared with unknown height and width is converted at the images' size. */
async function readTfjsAtImageSize(path: string, sources: ImageSources): Promise<Graph> {
  try {
    return await readModelGraph(path);
  } catch (e) {
    if (!/must be static except for the batch/.test((e as Error).message)) return readModelFile(path);
  }
  // Only H and W matter to the conversion (the channels are declared).
  const [, h, w] = await imageSizeFor(undefined, sources);
  return readModelFile(path, [h, w]);
}
