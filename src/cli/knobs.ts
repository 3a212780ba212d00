/**
 * `trustscope knobs`: explain a property regressor through material attributes (LLNL's "Actionable
 * Attribution Maps"). `--demo` trains the whole seeded SEM scenario; otherwise the user brings R, the
 * encoder E and the attribute-conditioned generator G (and optionally the attribute critic C) as
 * .onnx files with tiles and their attribute values. Writes knobs.json and a self-contained
 * index.html; the demo also writes its four models and test tiles, so that the second form runs on them.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';
import { readImages, readValues, readIds, checkFinite } from './inputs.js';
import { readModelFile } from './model-for-images.js';
import { encodeModel } from '../onnx/proto.js';
import type { Graph } from '../onnx/graph.js';
import { runtimeInputs } from '../onnx/graph.js';
import { OnnxModel } from '../models/model.js';
import { encodeNpy } from '../data/formats/npy.js';
import { takeRows, tensor, type Tensor } from '../tensor/tensor.js';
import { gradCam } from '../attribution/grad-cam.js';
import { runKnobsDemo, DEMO_SCENARIO_NOTE } from '../generative/knobs/knobs-demo.js';
import { tileAttributes } from '../generative/knobs/knobs-scenario.js';
import { explainKnobs, type KnobsResult } from '../generative/knobs/explain-knobs.js';
import { PROPERTY_NET_CAM_LAYER } from '../generative/knobs/knob-networks.js';
import { criticInstrument } from '../generative/knobs/entanglement.js';
import { checkKnobModels } from '../generative/knobs/knob-pipeline.js';
import { knobsPage } from '../report/knobs-page.js';

interface KnobsCliOptions {
  demo?: boolean;
  regressor?: string;
  generator?: string;
  encoder?: string;
  critic?: string;
  input?: string;
  attributes?: string;
  attributeValues?: string;
  lots?: string;
  layer?: string;
  lambda?: number;
  targetChange?: number;
  tolerance?: number;
  iterations?: number;
  counterfactualTiles?: number;
  out: string;
  force?: boolean;
  seed: number;
  progress?: boolean;
  quiet?: boolean;
  jsonProgress?: boolean;
}

export const KNOBS_JSON = 'knobs.json';
export const KNOBS_HTML = 'index.html';

const STAGE_LABELS: Record<string, string> = {
  data: 'rendering the SEM lots',
  regressor: 'training the stress regressor R',
  critic: 'training the attribute critic C',
  generator: 'training the generator E, G',
  reconstruction: 'reconstructing the tiles',
  sensitivity: 'forward sensitivity',
  counterfactual: 'counterfactual search',
  entanglement: 'edit matrix (entanglement)',
};

export function registerKnobs(program: Command): void {
  const command = program
    .command('knobs')
    .description('explain a property regressor through attributes a scientist can act on (size, porosity, …): forward sensitivity, counterfactual attributes, entanglement, per-lot drivers')
    .option('--demo', 'train and explain the seeded SEM scenario (30 lots, hidden peak-stress function, decoy attribute)')
    .option('--regressor <R.onnx>', 'the property regressor: tile → one value')
    .option('--generator <G.onnx>', "the attribute-conditioned generator: inputs 'z' and 'attributes' [N, k] → tile")
    .option('--encoder <E.onnx>', "the encoder: tile → 'z'")
    .option('--critic <C.onnx>', 'optional attribute regressor: tile → attributes (editing accuracy and entanglement by C; gives the attributes when --attribute-values is absent)')
    .option('--input <X.npy>', 'tiles to explain (N, C, H, W) or a folder / stack of images')
    .option('--attributes <names>', 'attribute names, comma-separated, in the generator\'s order (e.g. size,porosity,polydispersity,facetness)')
    .option('--attribute-values <A.npy>', "each tile's attributes (N, k), in [0, 1] like the generator's training range")
    .option('--lots <L.npy>', 'lot (group) id per tile (N) for the per-lot table')
    .option('--layer <name>', "Grad-CAM layer of the regressor (default: its last 4-D layer; the demo's relu3_out)")
    .option('--lambda <x>', "Eq. 2's weight of the prediction term, per squared unit of the prediction (default 0.01)", parseNumber('--lambda'))
    .option('--target-change <r>', 'counterfactual target p′ = prediction × (1 ± r) (default 0.2)', parseNumber('--target-change'))
    .option('--tolerance <r>', 'a counterfactual succeeds within this fraction of p′ (default 0.05)', parseNumber('--tolerance'))
    .option('--iterations <n>', 'gradient steps of the counterfactual search (default 80)', parseInteger('--iterations', 1))
    .option('--counterfactual-tiles <n>', 'tiles searched (each up and down) and edited for the entanglement matrix (default 40)', parseInteger('--counterfactual-tiles', 1));
  addRunOptions(command, { out: 'trustscope-knobs', what: `${KNOBS_JSON} and ${KNOBS_HTML}` });
  addProgressOptions(command);
  command
    .addHelpText('after', "\nEither --demo, or --regressor, --generator, --encoder, --input, --attributes and one of --attribute-values / --critic.\nThe generator contract: E(tile) → 'z'; G('z', 'attributes') → tile of R's input shape; attributes in [0, 1].\nThe demo writes regressor.onnx, generator.onnx, encoder.onnx, critic.onnx and its test tiles (tiles.npy, attributes.npy, lots.npy): run the second form on them.")
    .action(async (opts: KnobsCliOptions) => {
      if (!opts.demo) {
        const missing = (['regressor', 'generator', 'encoder', 'input', 'attributes'] as const).filter((k) => opts[k] === undefined);
        if (missing.length) throw new UsageError(`give --demo, or the models and tiles to explain: missing ${missing.map((m) => `--${m}`).join(', ')}`);
        if (opts.attributeValues === undefined && opts.critic === undefined) throw new UsageError('give the tiles\' attributes: --attribute-values A.npy (N, k), or --critic C.onnx to read them off the tiles');
      }
      for (const [flag, v] of [['--target-change', opts.targetChange], ['--tolerance', opts.tolerance]] as const) {
        if (v !== undefined && !(v > 0 && v < 1)) throw new UsageError(`${flag} must be in (0, 1) (got ${v})`);
      }
      if (opts.lambda !== undefined && !(opts.lambda > 0)) throw new UsageError(`--lambda must be > 0 (got ${opts.lambda})`);
      await runInFolder('knobs', opts, async (folder) => {
        const bar = progressFor(opts);
        const started = new Map<string, number>();
        const ended = new Map<string, number>();
        const t0 = Date.now();
        const onProgress = (stage: string, fraction: number) => {
          if (!started.has(stage)) started.set(stage, Date.now());
          ended.set(stage, Date.now());
          bar.update(STAGE_LABELS[stage] ?? stage, fraction);
        };
        const explainOptions = { lambda: opts.lambda, targetChange: opts.targetChange, tolerance: opts.tolerance, iterations: opts.iterations, counterfactualTiles: opts.counterfactualTiles, onProgress };
        let result: KnobsResult;
        let regressorGraph: Graph;
        let layer = opts.layer;
        // The demo's training record: the critic's scores per split and the generator's losses per epoch.
        let training: Record<string, unknown> | undefined;
        let extras: { regressor?: Record<string, { r2: number; mae: number; n: number; lots?: number }>; scenario?: string; property?: { name: string; unit: string } } = {};
        try {
          if (opts.demo) {
            const demo = await runKnobsDemo({ seed: opts.seed, ...explainOptions });
            result = demo.result;
            regressorGraph = demo.scenario.regressor;
            layer ??= PROPERTY_NET_CAM_LAYER;
            training = { critic: demo.critic, generatorHistory: demo.scenario.generatorHistory };
            extras = { regressor: demo.regressor, scenario: DEMO_SCENARIO_NOTE, property: { name: 'peak stress', unit: 'MPa' } };
            const s = demo.scenario;
            for (const [name, g] of [['regressor.onnx', s.regressor], ['generator.onnx', s.decoder], ['encoder.onnx', s.encoder], ['critic.onnx', s.critic]] as const) await folder.write(name, encodeModel(g));
            await folder.write('tiles.npy', encodeNpy(takeRows(s.data.images, demo.tiles)));
            await folder.write('attributes.npy', encodeNpy(tileAttributes(s.data, demo.tiles)));
            await folder.write('lots.npy', encodeNpy(tensor([demo.tiles.length], demo.tiles.map((i) => s.data.lots[i]))));
          } else {
            const read = async (path: string) => {
              const g = await readModelFile(path);
              folder.input(path);
              return g;
            };
            const regressor = await read(opts.regressor!);
            const decoder = await read(opts.generator!);
            const encoder = await read(opts.encoder!);
            const critic = opts.critic ? await read(opts.critic) : undefined;
            regressorGraph = regressor;
            const shape = runtimeInputs(regressor)[0]?.shape?.slice(1);
            if (!shape || shape.some((d) => typeof d !== 'number')) throw new UsageError(`${opts.regressor} needs a static input shape except for the batch`);
            const images = (await readImages(opts.input!, shape as number[])).batch;
            checkFinite(images, opts.input!);
            folder.input(opts.input!);
            const names = opts.attributes!.split(',').map((s) => s.trim()).filter(Boolean);
            if (names.length === 0) throw new UsageError('--attributes needs at least one name');
            try {
              checkKnobModels({ regressor, encoder, decoder }, names.length);
            } catch (e) {
              throw new UsageError((e as Error).message);
            }
            const attributes = await tileAttributeValues(opts, images, names.length, critic);
            const lots = opts.lots ? await readIds(opts.lots, images.shape[0], 'lot ids') : undefined;
            if (opts.lots) folder.input(opts.lots);
            try {
              result = await explainKnobs({ regressor, encoder, decoder, critic }, { images, attributes, names, lots }, explainOptions);
            } catch (e) {
              throw new UsageError((e as Error).message);
            }
            layer ??= lastSpatialLayer(regressorGraph);
          }
          const gradCamMaps = await gradCamOf(regressorGraph, result.examples.map((e) => e.original), layer);
          const timings = Object.fromEntries([...started].map(([stage, t]) => [stage, (ended.get(stage)! - t) / 1000]));
          const json = { ...jsonOf(result), ...(extras.regressor ? { regressor: extras.regressor } : {}), ...(training ? { training } : {}), gradCamLayer: layer ?? null, timings: { ...timings, total: (Date.now() - t0) / 1000 } };
          await folder.write(KNOBS_JSON, JSON.stringify(json, null, 2) + '\n');
          await folder.write(KNOBS_HTML, await knobsPage({ result, gradCam: gradCamMaps, ...extras }));
        } finally {
          bar.stop();
        }
        for (const n of result.attributes) {
          const s = result.sensitivity[n];
          console.log(`${n.padEnd(16)} slope ${s.estimated.toFixed(2).padStart(7)}${s.rendered !== undefined ? `   R on re-rendered tiles ${s.rendered.toFixed(2).padStart(7)}` : ''}${s.truth !== undefined ? `   truth ${s.truth.toFixed(2).padStart(7)}` : ''}`);
        }
        console.log(`counterfactual: ${(100 * result.counterfactual.successRate).toFixed(1)}% of ${2 * result.counterfactual.tiles} searches reached p′ ± ${(100 * result.counterfactual.tolerance).toFixed(0)}%`);
        console.log(`→ ${join(opts.out, KNOBS_HTML)}`);
      });
    });
}

/** The tiles' attributes: from --attribute-values, else read off the tiles by the critic. */
async function tileAttributeValues(opts: KnobsCliOptions, images: Tensor, k: number, critic?: Graph): Promise<Tensor> {
  const n = images.shape[0];
  if (opts.attributeValues === undefined) {
    const rows = await criticInstrument(critic!)(images);
    if (rows[0]?.length !== k) throw new UsageError(`${opts.critic} gives ${rows[0]?.length} attributes but --attributes names ${k}`);
    return tensor([n, k], rows.flat());
  }
  const a = await readValues(opts.attributeValues);
  if (a.shape.length !== 2 || a.shape[0] !== n || a.shape[1] !== k) throw new UsageError(`${opts.attributeValues} has shape [${a.shape.join(', ')}]; give (${n}, ${k}): one row per tile, one column per --attributes name`);
  checkFinite(a, opts.attributeValues, 'row');
  return a;
}

/** The last 4-D value with a spatial extent (Grad-CAM's usual layer), or undefined. */
function lastSpatialLayer(graph: Graph): string | undefined {
  const model = new OnnxModel(graph);
  const spatial = model.layerInfo.filter((l) => l.shape?.length === 4 && (l.shape[2] as number) > 1);
  return spatial[spatial.length - 1]?.name;
}

async function gradCamOf(graph: Graph, tiles: readonly Tensor[], layer: string | undefined): Promise<Tensor[] | undefined> {
  if (!layer || tiles.length === 0) return undefined;
  const model = new OnnxModel(graph);
  const [c, h, w] = tiles[0].shape;
  const batch = tensor([tiles.length, c, h, w], Float32Array.from(tiles.flatMap((t) => Array.from(t.data))));
  try {
    const a = await gradCam.attribute(model, batch, { layer, target: 0 });
    return tiles.map((_, i) => tensor([1, h, w], a.values.data.slice(i * h * w, (i + 1) * h * w)));
  } catch (e) {
    throw new UsageError(`Grad-CAM on layer '${layer}' failed: ${(e as Error).message.split('\n')[0]}; choose another with --layer`);
  } finally {
    await model.dispose();
  }
}

/** knobs.json: the result without pixel data (the tiles are in the HTML). */
function jsonOf(r: KnobsResult): Record<string, unknown> {
  const { examples, ...rest } = r;
  return {
    ...rest,
    examples: examples.map((e) => ({
      tile: e.index,
      lot: e.lot ?? null,
      prediction: e.prediction,
      counterfactual: e.counterfactual ? { up: { deltas: e.counterfactual.up.deltas, prediction: e.counterfactual.up.prediction, target: e.counterfactual.up.target }, down: { deltas: e.counterfactual.down.deltas, prediction: e.counterfactual.down.prediction, target: e.counterfactual.down.target } } : null,
    })),
  };
}
