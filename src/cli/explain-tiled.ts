/**
 * `trustscope explain --tile`: whole micrographs through a model with a small input. Each image is
 * cut into overlapping tiles, explained a chunk of tiles at a time and stitched without seams
 * (attribution/tiled-explain.ts); the tiles' answers are aggregated per image and, with --groups, per
 * specimen (lot). Writes, into --out:
 *   attributions.npy            the stitched map at full resolution (one image), or
 *   attributions-<i>.npy        one per image when the input holds several (each written as soon
 *                               as it is done, so only one map is in memory);
 *   tiles.json                  the grid, every tile's answer, the per-image and per-group aggregates;
 *   overlays/image-<i>.png      with --png: the whole micrograph, shrunk to ≤ 2048 px per side.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { encodeNpy } from '../data/formats/npy.js';
import type { Graph } from '../onnx/graph.js';
import { describeTileOverlap, type TileGrid, type TileOverlap } from '../data/tiling.js';
import type { OnnxModel } from '../models/model.js';
import { withInputShape } from '../onnx/input-shape.js';
import { runtimeInputs } from '../onnx/graph.js';
import { chooseSpatialPass, type SpatialPass } from '../models/spatial-pass.js';
import { isDynamicSpatial, modelFromGraph, readModelFile } from './model-for-images.js';
import type { Explainer } from '../attribution/explainer.js';
import { explainTiled } from '../attribution/tiled-explain.js';
import { aggregateGroups, type TileAggregate } from '../attribution/tiled-aggregate.js';
import { tilesPerCall } from '../attribution/tiled-predict.js';
import { describeNormalisation, type Normalisation } from '../data/normalise.js';
import { UsageError } from './errors.js';
import { readIds } from './inputs.js';
import { parseIndexList, readMethodFiles } from './method-options.js';
import { progressFor, runInFolder } from './run.js';
import { readMicrographs } from './tiled-inputs.js';
import { writeMicrographOverlay } from './tiled-overlay.js';

/** The tile record explain --tile writes beside the maps. */
export const TILES_JSON = 'tiles.json';

/** The one map of a single image: explain.ts's ATTRIBUTIONS (not imported: explain.ts imports this file). */
export const SINGLE_MAP = 'attributions.npy';

/** The map of image `index` when the input holds several. */
export const imageMapName = (index: number) => `attributions-${index}.npy`;

export interface TiledExplainFlags {
  model: string;
  input: string;
  out: string;
  force?: boolean;
  target?: string;
  targetOutputs?: string;
  groups?: string;
  png?: boolean;
  normalise?: Normalisation;
  batchSize: number;
  seed: number;
  quiet?: boolean;
  jsonProgress?: boolean;
  progress?: boolean;
}

const round = (v: number) => Number(v.toPrecision(6));

function aggregateJson(a: TileAggregate): Record<string, unknown> {
  return { tiles: a.tiles, mean: a.mean.map(round), predicted: a.predicted, spread: round(a.spread), ...(a.vote ? { vote: { class: a.vote.class, share: round(a.vote.share) } } : {}) };
}

function gridJson(g: TileGrid): Record<string, unknown> {
  return { height: g.height, width: g.width, tile: [g.tileHeight, g.tileWidth], overlap: [g.overlapY, g.overlapX], ys: g.ys, xs: g.xs, count: g.count, order: 'row-major' };
}

function answerText(a: TileAggregate, regression: boolean): string {
  if (regression) return `mean ${round(a.mean[0])} ± ${round(a.spread)} over ${a.tiles} tiles`;
  return `class ${a.predicted} (mean probability ${a.mean[a.predicted].toFixed(3)}, spread ${a.spread.toFixed(3)}; tile vote class ${a.vote!.class}, ${(100 * a.vote!.share).toFixed(1)}% of ${a.tiles} tiles)`;
}

const megabytes = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

function passJson(p: SpatialPass): Record<string, unknown> {
  return p.kind === 'whole' ? { kind: 'whole', gradientBytes: p.bytes } : { kind: 'tiles', tile: p.shape.slice(1), gradientBytes: p.bytes, wholeGradientBytes: p.wholeBytes };
}

/** How a dynamic-H/W model went over the image, for the console. */
function passText(p: SpatialPass, tiles: number): string {
  if (p.kind === 'whole') return `whole image in one pass (the model's input size is dynamic; its gradient needs ≈ ${megabytes(p.bytes)}, within the memory budget)`;
  return `${tiles} tiles of ${p.shape[1]}×${p.shape[2]} (the model's input size is dynamic, but the whole image's gradient would need ≈ ${megabytes(p.wholeBytes)}, over the memory budget)`;
}

/**
 * The model at each input size a run needs: the file's own when its size is fixed; for a dynamic
 * H/W export one specialised graph per size (whole images of one size share it), built once.
 */
class SizedModels {
  readonly fixed?: OnnxModel;
  private readonly bySize = new Map<string, OnnxModel>();

  constructor(
    private readonly path: string,
    private readonly graph: Graph,
    private readonly batchSize: number,
  ) {
    if (!isDynamicSpatial(graph)) this.fixed = modelFromGraph(path, graph, { internalBatchSize: batchSize });
  }

  /** The input's channel count (a dynamic model must still fix it). */
  channels(): number {
    const c = runtimeInputs(this.graph)[0]?.shape?.[1];
    if (typeof c !== 'number' || c < 1) throw new UsageError(`${this.path}: its input's channel axis is dynamic too; --tile needs a fixed channel count (re-export with only H and W dynamic)`);
    return c;
  }

  at(c: number, h: number, w: number): OnnxModel {
    if (this.fixed) return this.fixed;
    const key = `${c}x${h}x${w}`;
    let m = this.bySize.get(key);
    if (!m) {
      m = modelFromGraph(this.path, withInputShape(this.graph, [c, h, w]), { internalBatchSize: this.batchSize });
      this.bySize.set(key, m);
    }
    return m;
  }

  async dispose(): Promise<void> {
    await this.fixed?.dispose();
    for (const m of this.bySize.values()) await m.dispose();
  }
}

export async function runTiledExplain(command: Command, flags: TiledExplainFlags, explainer: Explainer, options: Record<string, unknown>, overlap: TileOverlap): Promise<void> {
  if (command.getOptionValueSource('targets') === 'cli') throw new UsageError('--targets is not available with --tile (one stitched map per class would multiply the run); run once per class with --target');
  const classes = flags.target === undefined ? undefined : parseIndexList('--target')(flags.target);
  const outputs = flags.targetOutputs === undefined ? undefined : parseIndexList('--target-outputs')(flags.targetOutputs);
  if (classes && outputs) throw new UsageError('give one of --target and --target-outputs');
  const started = performance.now();
  await runInFolder(
    'explain',
    flags,
    async (folder) => {
      const graph = await readModelFile(flags.model);
      // A fixed-size model is one model; a dynamic-H/W one is sized per image (whole, or its tile side).
      const sized = new SizedModels(flags.model, graph, flags.batchSize);
      const checkTargets = (model: OnnxModel) => {
        if (model.outputShape.length === 3) {
          const whole = sized.fixed ? '' : ' (this one has a dynamic input size, so without --tile it runs on the whole image)';
          throw new UsageError(`--tile explains a classifier's or regressor's tiles; this model gives per-pixel outputs [${model.outputShape.join(', ')}] (a segmenter): drop --tile${whole}`);
        }
        for (const c of classes ?? []) if (c >= model.outputSize) throw new UsageError(`--target lists class ${c} but the model has ${model.outputSize} outputs (0..${model.outputSize - 1})`);
        for (const o of outputs ?? []) if (o >= model.outputSize) throw new UsageError(`--target-outputs lists output ${o} but the model has ${model.outputSize} outputs (0..${model.outputSize - 1})`);
      };
      const bar = progressFor(flags);
      try {
        folder.input(flags.model);
        if (sized.fixed) checkTargets(sized.fixed);
        const methodOptions = await readMethodFiles(explainer, options, (p) => folder.input(p));
        const images: Record<string, unknown>[] = [];
        const tileOutputs: Float32Array[] = [];
        const written: string[] = [];
        // Classes (or outputs) do not depend on the input size: any sized copy answers for all.
        let outputSize = sized.fixed?.outputSize ?? 0;
        const regression = () => outputSize === 1;
        // Tiles per call: one number for a fixed model; a dynamic one may differ per image size.
        const callSizes = new Set<number>();
        const files = new Set<string>();
        // Each map is written before the next image is read, so memory holds one micrograph and one
        // map; only the first waits until the second image shows whether it is attributions.npy
        // (a single image) or attributions-0.npy (one of several).
        let first: { bytes: Uint8Array; entry: Record<string, unknown> } | undefined;
        const writeMap = async (name: string, bytes: Uint8Array, entry: Record<string, unknown>) => {
          await folder.write(name, bytes);
          written.push(name);
          entry.map = name;
        };
        let count = 0;
        for await (const m of readMicrographs(flags.input, sized.fixed ? sized.fixed.inputShape : [sized.channels(), 1, 1], flags.normalise)) {
          files.add(m.file);
          count++;
          const pass: SpatialPass | undefined = sized.fixed ? undefined : chooseSpatialPass(graph, m.image.shape as [number, number, number]);
          const model = pass ? sized.at(...pass.shape) : sized.fixed!;
          if (pass && outputSize === 0) checkTargets(model);
          outputSize = model.outputSize;
          const perCall = tilesPerCall(model);
          callSizes.add(perCall);
          if (classes && classes.length > 1 && m.index >= classes.length) throw new UsageError(`--target lists ${classes.length} classes but ${flags.input} holds more images; give one class, or one per image`);
          if (first) {
            await writeMap(imageMapName(0), first.bytes, first.entry);
            first = undefined;
          }
          const target = outputs ? { outputs } : classes ? classes[classes.length === 1 ? 0 : m.index] : undefined;
          const r = await explainTiled(explainer, model, m.image, {
            overlap,
            target,
            methodOptions,
            seed: flags.seed,
            tilesPerCall: perCall,
            onProgress: (stage, done, total) => bar.update(`image ${m.index}: ${stage}`, done / total),
          });
          const entry: Record<string, unknown> = {
            index: m.index,
            file: m.file,
            page: m.page,
            grid: gridJson(r.grid),
            ...(pass ? { pass: passJson(pass) } : {}),
            explained: typeof r.target === 'number' ? { class: r.target } : { outputs: r.target.outputs },
            ...(r.maxAbsConvergenceDelta !== undefined ? { maxAbsConvergenceDelta: round(r.maxAbsConvergenceDelta) } : {}),
            aggregate: aggregateJson(r.aggregate),
            tileOutputs: Array.from({ length: r.grid.count }, (_, t) => Array.from(r.tileOutputs.subarray(t * model.outputSize, (t + 1) * model.outputSize), round)),
          };
          images.push(entry);
          if (m.index === 0) first = { bytes: encodeNpy(r.values), entry };
          else await writeMap(imageMapName(m.index), encodeNpy(r.values), entry);
          if (flags.png) written.push(await writeMicrographOverlay(folder, m.index, m.image, r.values));
          tileOutputs.push(r.tileOutputs);
          bar.stop();
          console.log(`image ${m.index} (${m.file}${m.page > 0 ? ` page ${m.page}` : ''}, ${r.grid.height}×${r.grid.width}): ${pass ? passText(pass, r.grid.count) : `${r.grid.count} tiles`} → ${answerText(r.aggregate, regression())}`);
        }
        if (first) await writeMap(SINGLE_MAP, first.bytes, first.entry);
        for (const f of files) folder.input(f);
        if (classes && classes.length > 1 && classes.length !== count) throw new UsageError(`--target lists ${classes.length} classes for ${count} images; give one class, or one per image`);
        let groups: Record<string, unknown>[] | undefined;
        if (flags.groups) {
          const ids = await readIds(flags.groups, count, 'group ids');
          folder.input(flags.groups);
          const aggregates = aggregateGroups(tileOutputs, ids, outputSize);
          groups = aggregates.map((g) => ({
            group: g.group,
            images: g.images,
            ...aggregateJson(g),
            ...(g.imageVote ? { imageVote: { class: g.imageVote.class, share: round(g.imageVote.share) } } : {}),
          }));
          for (const g of aggregates) console.log(`group ${g.group} (${g.images.length} image(s)): ${answerText(g, regression())}`);
        }
        const record = { tool: 'trustscope explain --tile', method: explainer.name, overlap: describeTileOverlap(overlap), tilesPerCall: callSizes.size === 1 ? [...callSizes][0] : [...callSizes], outputs: regression() ? 'value' : 'probabilities', images, ...(groups ? { groups } : {}) };
        await folder.write(TILES_JSON, JSON.stringify(record) + '\n');
        const seconds = ((performance.now() - started) / 1000).toFixed(2);
        console.log(`${explainer.name}: ${count} image(s) tiled in ${seconds} s → ${written.filter((n) => n.endsWith('.npy')).map((n) => join(flags.out, n)).join(', ')} and ${join(flags.out, TILES_JSON)}`);
      } finally {
        bar.stop();
        await sized.dispose();
      }
    },
    () => ({ method: explainer.name, options, tile: { overlap: describeTileOverlap(overlap) }, normalise: flags.normalise ? describeNormalisation(flags.normalise) : 'none' }),
  );
}
