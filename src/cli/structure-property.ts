/**
 * `trustscope structure-property`: im2spec, spec2im and the dual VAE (Kalinin's lecture) trained on
 * paired structure images and property spectra — the synthetic plasmonic clusters with --demo, or
 * the user's own arrays — scored on held-out rows against the mean and nearest-neighbour baselines,
 * with the latent space, traversals, uncertainty and attributions in structure-property.json and
 * index.html.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { plasmonicClusters } from '../data/synthetic/plasmonic-clusters.js';
import { normalise, type Normalisation } from '../data/normalise.js';
import { StudyInputError, pairedFromClusters, type PairedData } from '../audit/structure-property/paired-data.js';
import { runStructurePropertyStudy, type StructurePropertyResult } from '../audit/structure-property/study.js';
import { renderStructurePropertyPage } from '../report/structure-property-page.js';
import { readOnnxGraph, saveOnnxGraph } from '../models/import/onnx-file.js';
import type { Graph } from '../onnx/graph.js';
import { Random } from '../tensor/random.js';
import { reshape, shapeToString, type Tensor } from '../tensor/tensor.js';
import { UsageError, parseInteger } from './errors.js';
import { checkFinite, readValues } from './inputs.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';

export const STRUCTURE_PROPERTY = 'structure-property.json';

interface StructurePropertyCliOptions {
  demo?: boolean;
  pairs?: string;
  images?: string;
  spectra?: string;
  wavelengths?: string;
  wavelengthUnit: string;
  heldOut?: string;
  labels?: string;
  im2specModel?: string;
  spec2imModel?: string;
  count: number;
  epochs?: number;
  latent: number;
  spec2imLatents: string;
  normalise?: Normalisation;
  out: string;
  force?: boolean;
  seed: number;
  progress?: boolean;
  quiet?: boolean;
  jsonProgress?: boolean;
}

/** The demo's epochs (im2spec, spec2im, dual VAE): enough to beat both baselines, within the 10-minute budget on 2 cores. */
const DEMO_EPOCHS = { im2spec: 30, spec2im: 20, dualVae: 40 };

export function registerStructureProperty(program: Command): void {
  const command = program
    .command('structure-property')
    .description('structure–property models (im2spec, spec2im, dual VAE): train on paired images and spectra, score held-out prediction against baselines, read the latent space, attribute through the encoder–decoders')
    .option('--demo', 'the synthetic plasmonic clusters (1–3-mers, dark-field images paired with coupled-plasmon spectra, two held-out geometry boxes)')
    .option('--pairs <manifest.json>', 'a manifest of your paired data instead of the flags below: {"images", "spectra", "wavelengths"?, "wavelengthUnit"?, "heldOut"?, "labels"?} (file paths relative to the manifest)')
    .option('--images <X.npy>', 'structure images (N, H, W) or (N, 1, H, W), square, intensities in [0, 1] (or give --normalise); any format trustscope reads')
    .option('--spectra <Y.npy>', 'property spectra (N, B), one row per image')
    .option('--wavelengths <W.npy>', 'the B bin centres (default: bin index)')
    .option('--wavelength-unit <unit>', 'unit of the bin centres, for the axes', 'nm')
    .option('--held-out <H.npy>', 'N flags, non-zero = held out (never trained on); default: a seeded random 20% of rows')
    .option('--labels <L.npy>', 'N integer labels (e.g. particles per cluster) for the latent colouring and the linear probe')
    .option('--count <n>', 'demo: number of image–spectrum pairs', parseInteger('--count', 100), 1600)
    .option('--epochs <n>', `training epochs of every model (default: im2spec ${DEMO_EPOCHS.im2spec}, spec2im ${DEMO_EPOCHS.spec2im}, dual VAE ${DEMO_EPOCHS.dualVae})`, parseInteger('--epochs', 1))
    .option('--latent <n>', 'latent dimensions of the dual VAE', parseInteger('--latent', 1), 6)
    .option('--spec2im-latents <list>', 'latent sizes of the spec2im models, comma-separated', '2,10')
    .option('--im2spec-model <file.onnx>', 'your trained im2spec (image (C, H, W) → spectrum (B)): scored and explained instead of training one')
    .option('--spec2im-model <file.onnx>', 'your trained spec2im (spectrum (B) → image, flattened C·H·W): scored and explained instead of training them');
  addNormaliseOption(command);
  addRunOptions(command, { out: 'trustscope-structure-property', what: `${STRUCTURE_PROPERTY}, index.html and the trained models (.onnx)` });
  addProgressOptions(command);
  command
    .addHelpText('after', '\n--out is always a folder.\nGive --demo, --pairs manifest.json, or --images and --spectra (paired row by row).\nThe dual VAE couples its two encoders by cross-reconstruction (each encoder alone reconstructs image and spectrum) plus an alignment of their posterior means.')
    .action(async (opts: StructurePropertyCliOptions) => {
      const spec2imLatents = parseLatents(opts.spec2imLatents);
      if (opts.pairs) {
        if (opts.demo || opts.images || opts.spectra) throw new UsageError('give --pairs alone, without --demo, --images or --spectra');
        Object.assign(opts, await readPairsManifest(opts.pairs));
      }
      if (opts.demo && (opts.images || opts.spectra)) throw new UsageError('give --demo or --images/--spectra, not both');
      if (!opts.demo && !(opts.images && opts.spectra)) throw new UsageError('give --demo, or your paired data: --images X.npy --spectra Y.npy (or --pairs manifest.json)');
      await runInFolder('structure-property', opts, async (folder) => {
        const data = opts.demo ? pairedFromClusters(plasmonicClusters({ count: opts.count, seed: opts.seed })) : await readPairedData(opts);
        const userModels = { im2spec: opts.im2specModel ? await readUserModel(opts.im2specModel) : undefined, spec2im: opts.spec2imModel ? await readUserModel(opts.spec2imModel) : undefined };
        for (const p of [opts.pairs, opts.images, opts.spectra, opts.wavelengths, opts.heldOut, opts.labels, opts.im2specModel, opts.spec2imModel]) if (p) folder.input(p);
        const bar = progressFor(opts);
        const started = performance.now();
        let study;
        try {
          const epochs = opts.epochs === undefined ? DEMO_EPOCHS : { im2spec: opts.epochs, spec2im: opts.epochs, dualVae: opts.epochs };
          study = await runStructurePropertyStudy(data, { seed: opts.seed, epochs, dualVaeLatent: opts.latent, spec2imLatents, userModels, onProgress: (stage, fraction) => bar.update(stage, fraction) });
        } catch (e) {
          // The study's refusals of the data or models given are the user's to fix; anything else is ours.
          if (e instanceof StudyInputError) throw new UsageError(e.message);
          throw e;
        } finally {
          bar.stop();
        }
        const { result, figures } = study;
        const html = await renderStructurePropertyPage(result, figures, { wavelengthUnit: data.wavelengthUnit, labelName: data.labelName });
        await folder.write(STRUCTURE_PROPERTY, JSON.stringify(result, null, 2) + '\n');
        await folder.write('index.html', html);
        for (const [name, graph] of Object.entries(figures.trainedGraphs)) await saveOnnxGraph(folder.record(`${name}.onnx`), graph);
        console.log(formatSummary(result));
        console.log(`\nwrote ${join(opts.out, STRUCTURE_PROPERTY)}, ${join(opts.out, 'index.html')} and the trained models in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      });
    });
}

const MANIFEST_KEYS = { images: 'images', spectra: 'spectra', wavelengths: 'wavelengths', wavelengthUnit: 'wavelengthUnit', heldOut: 'heldOut', labels: 'labels' } as const;

/** `--pairs manifest.json`: the paired-data flags as one file; paths are relative to the manifest. */
async function readPairsManifest(path: string): Promise<Partial<StructurePropertyCliOptions>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message.split('\n')[0]}; give a JSON object {"images": "X.npy", "spectra": "Y.npy", …}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${path} must hold a JSON object {"images": "X.npy", "spectra": "Y.npy", …}`);
  const out: Partial<StructurePropertyCliOptions> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in MANIFEST_KEYS)) throw new UsageError(`${path}: unknown key '${key}'; the keys are ${Object.keys(MANIFEST_KEYS).join(', ')}`);
    if (typeof value !== 'string' || value === '') throw new UsageError(`${path}: '${key}' must be a non-empty string`);
    out[key as keyof typeof MANIFEST_KEYS] = key === 'wavelengthUnit' || isAbsolute(value) ? value : resolve(dirname(path), value);
  }
  if (!out.images || !out.spectra) throw new UsageError(`${path} must name at least "images" and "spectra"`);
  return out;
}

async function readUserModel(path: string): Promise<Graph> {
  try {
    return await readOnnxGraph(path);
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message.split('\n')[0]}`);
  }
}

function parseLatents(text: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) throw new UsageError(`--spec2im-latents takes positive integers separated by commas (e.g. 2,10), got '${text}'`);
  return values;
}

/** The user's paired arrays, checked and shaped. */
async function readPairedData(opts: StructurePropertyCliOptions): Promise<PairedData> {
  let images = await readValues(opts.images!);
  if (images.shape.length === 3) images = reshape(images, [images.shape[0], 1, images.shape[1], images.shape[2]]);
  if (images.shape.length !== 4 || images.shape[2] !== images.shape[3]) throw new UsageError(`${opts.images} has shape ${shapeToString(images.shape)}; give square images (N, H, W) or (N, C, H, W)`);
  if (images.shape[2] % 4 !== 0 || images.shape[2] < 8) throw new UsageError(`${opts.images} holds ${images.shape[2]}×${images.shape[3]} images; the encoder–decoders need a side that is a multiple of 4 (≥ 8): crop or pad them`);
  if (opts.normalise) images = normalise(images, opts.normalise);
  checkFinite(images, opts.images!);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of images.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo < -0.25 || hi > 1.25) throw new UsageError(`${opts.images} spans [${lo.toPrecision(3)}, ${hi.toPrecision(3)}] but the image decoder draws intensities in [0, 1]; give --normalise minmax (or percentile:1,99)`);
  const spectra = await readValues(opts.spectra!);
  const n = images.shape[0];
  if (spectra.shape.length !== 2 || spectra.shape[0] !== n) throw new UsageError(`${opts.spectra} has shape ${shapeToString(spectra.shape)}; give one spectrum per image: (${n}, B)`);
  checkFinite(spectra, opts.spectra!, 'spectrum');
  const bins = spectra.shape[1];
  const wavelengths = opts.wavelengths ? (await readValues(opts.wavelengths)).data : Float32Array.from({ length: bins }, (_, i) => i);
  if (wavelengths.length !== bins) throw new UsageError(`${opts.wavelengths} holds ${wavelengths.length} values for ${bins} spectral bins; give one per bin`);
  const heldOut = opts.heldOut ? flags(await readValues(opts.heldOut), n, opts.heldOut) : randomHoldOut(n, opts.seed);
  const labels = opts.labels ? integers(await readValues(opts.labels), n, opts.labels) : undefined;
  return { images, spectra, wavelengths, wavelengthUnit: opts.wavelengths ? opts.wavelengthUnit : 'bin', heldOut, labels, labelName: labels ? 'label' : undefined };
}

function flags(t: Tensor, n: number, path: string): boolean[] {
  if (t.data.length !== n) throw new UsageError(`${path} holds ${t.data.length} values for ${n} images; give one flag per image (non-zero = held out)`);
  const out = Array.from(t.data, (v) => v !== 0);
  const held = out.filter(Boolean).length;
  if (held < 2 || n - held < 8) throw new UsageError(`${path} holds out ${held} of ${n} rows; hold out at least 2 and keep at least 8 for training`);
  return out;
}

function integers(t: Tensor, n: number, path: string): number[] {
  if (t.data.length !== n) throw new UsageError(`${path} holds ${t.data.length} values for ${n} images; give one label per image`);
  const bad = t.data.findIndex((v) => !Number.isInteger(v));
  if (bad >= 0) throw new UsageError(`${path}: value ${t.data[bad]} at index ${bad} is not an integer label`);
  return Array.from(t.data);
}

function randomHoldOut(n: number, seed: number): boolean[] {
  const order = Random.forKey(seed, 'held-out').permutation(n);
  const held = new Set(order.slice(0, Math.max(2, Math.round(0.2 * n))));
  return Array.from({ length: n }, (_, i) => held.has(i));
}

export function formatSummary(r: StructurePropertyResult): string {
  const f = (v: number | null) => (v === null ? '—' : v.toPrecision(3));
  const lines = [
    `held-out rows: ${r.rows.heldOut} (training ${r.rows.training}, in-distribution test ${r.rows.inDistributionTest})`,
    `im2spec   held-out MSE ${f(r.im2spec.heldOutMse)}   mean baseline ${f(r.im2spec.meanBaselineMse)}   nearest neighbour ${f(r.im2spec.nnBaselineMse)}`,
    ...Object.entries(r.spec2im).map(([l, c]) => `spec2im (latent ${l})   held-out MSE ${f(c.heldOutMse)}   mean baseline ${f(c.meanBaselineMse)}   nearest neighbour ${f(c.nnBaselineMse)}`),
    `dual VAE  linear probe of the label: latent ${f(r.dualVae.latentProbeAccuracy)}, raw pixels ${f(r.dualVae.pixelProbeAccuracy)}; ±2σ band covers ${(100 * r.dualVae.uncertaintyBandCoverage).toFixed(1)}% of held-out bins`,
  ];
  return lines.join('\n');
}
