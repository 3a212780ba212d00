/**
 * The knobs issue's done-when items for one set of models on one seed's test lots, without
 * retraining: the knob slopes against the truth, the decoy's |slope| over the largest real one, the
 * counterfactual's success rate and physically measured direction, the editing gains by C and by
 * physical measurement — and why the searches that miss p′ miss:
 * - range: even the attribute corner that the mean knob slopes say moves R the requested way
 *   (every attribute at 0 or 1) does not reach p′ through this G;
 * - short: the search moved the right way but stopped short, with attributes still free (not
 *   converged, or held back by the image term);
 * - clamped: the search stopped short with at least one attribute pinned at 0 or 1;
 * - wrong way: the prediction moved away from p′.
 * Run on a `knobs --demo` output folder (or bench/knobs-generator-only.ts's OUT):
 *   npm run build && node dist/bench/knobs-verdict.js DIR [seed]
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeModel } from '../src/onnx/proto.js';
import { takeRows, tensor } from '../src/tensor/tensor.js';
import { generateSemLots, peakStress, SEM_ATTRIBUTES, type SemLots } from '../src/data/synthetic/sem-particles.js';
import { DEMO_SIZES, splitLotsOf, tileAttributes } from '../src/generative/knobs/knobs-scenario.js';
import { physicalInstrument } from '../src/generative/knobs/knobs-demo.js';
import { explainKnobs, spreadTiles, type KnobsResult } from '../src/generative/knobs/explain-knobs.js';
import { counterfactualSearch } from '../src/generative/knobs/counterfactual.js';
import { encodeTiles, KnobForward, type KnobModels } from '../src/generative/knobs/knob-pipeline.js';

export interface Verdict {
  result: KnobsResult;
  misses: { range: number; short: number; clamped: number; wrongWay: number };
  seconds: number;
}

const f1 = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Explains the models on the seed's test tiles as the demo does and classifies the counterfactual misses. */
export async function knobsVerdict(models: KnobModels, seed: number, data: SemLots = generateSemLots({ seed, lots: DEMO_SIZES.lots, tilesPerLot: DEMO_SIZES.tilesPerLot })): Promise<Verdict> {
  const t0 = process.hrtime.bigint();
  const { split } = splitLotsOf(data, DEMO_SIZES, seed);
  const tiles = split.test;
  const images = takeRows(data.images, tiles);
  const attributes = tileAttributes(data, tiles);
  const lots = tiles.map((i) => data.lots[i]);
  const result = await explainKnobs(models, { images, attributes, names: [...SEM_ATTRIBUTES], lots }, { truth: peakStress, measurement: physicalInstrument({ data, split }) });

  // The same searches again (deterministic), row by row.
  const chosen = spreadTiles(tiles.length, 40, lots);
  const twice = chosen.flatMap((i) => [i, i]);
  const z = takeRows(await encodeTiles(models.encoder, images), twice);
  const start = takeRows(attributes, twice);
  const cf = await counterfactualSearch(models, takeRows(images, twice), z, start);
  const k = SEM_ATTRIBUTES.length;
  const slopes = SEM_ATTRIBUTES.map((n) => result.sensitivity[n].estimated);
  const corner = new Float32Array(twice.length * k);
  cf.direction.forEach((d, r) => slopes.forEach((s, j) => (corner[r * k + j] = s * d > 0 ? 1 : 0)));
  const forward = await KnobForward.create(models);
  const extreme = (await forward.run(z, tensor([twice.length, k], corner))).prediction.data;
  await forward.release();
  const misses = { range: 0, short: 0, clamped: 0, wrongWay: 0 };
  cf.reached.forEach((ok, r) => {
    if (ok) return;
    const d = cf.direction[r];
    const reachable = d * (extreme[r] - cf.target[r]) >= -0.05 * Math.abs(cf.target[r]);
    const moved = d * (cf.final[r] - cf.initial[r]);
    const pinned = Array.from({ length: k }, (_, j) => cf.found.data[r * k + j]).some((v) => v <= 0 || v >= 1);
    if (!reachable) misses.range++;
    else if (moved <= 0) misses.wrongWay++;
    else if (pinned) misses.clamped++;
    else misses.short++;
  });
  return { result, misses, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** The verdict as a few lines of text (the README's columns). */
export function formatVerdict(v: Verdict): string {
  const { result: r, misses } = v;
  const names = r.attributes;
  const real = names.filter((n) => n !== 'decoy');
  const largest = Math.max(...real.map((n) => Math.abs(r.sensitivity[n].estimated)));
  const signs = real.every((n) => Math.sign(r.sensitivity[n].estimated) === Math.sign(r.sensitivity[n].truth ?? NaN));
  const decoy = Math.abs(r.sensitivity.decoy.estimated) / largest;
  const c = r.counterfactual;
  const gains = (which: 'byCritic' | 'byMeasurement') => names.map((n) => f2(r.generator.editingAccuracy[which]?.gain[n] ?? NaN)).join(' / ');
  const flags = (which: 'byCritic' | 'byMeasurement') => {
    const m = r.entanglement[which];
    return m ? `entangled ${names.filter((_, j) => m.entangled[j]).join(',') || 'none'}, ineffective ${names.filter((_, j) => m.ineffective[j]).join(',') || 'none'}` : '';
  };
  return [
    `knob slopes (${names.join(' / ')}): ${names.map((n) => f1(r.sensitivity[n].estimated)).join(' / ')}; truth ${names.map((n) => f1(r.sensitivity[n].truth ?? NaN)).join(' / ')}`,
    `real signs right: ${signs ? 'yes' : 'NO'}; decoy ${pct(decoy)} of the largest real |slope| (${decoy < 0.1 ? 'holds' : 'FAILS'})`,
    `counterfactual: within 5% ${pct(c.successRate)} (${c.successRate >= 0.8 ? 'holds' : 'FAILS'}), mean relative error ${pct(c.meanRelativeError)}, measured direction ${pct(c.measuredDirectionRate ?? NaN)} (${(c.measuredDirectionRate ?? 0) >= 0.8 ? 'holds' : 'FAILS'})`,
    `misses: range ${misses.range}, clamped ${misses.clamped}, short ${misses.short}, wrong way ${misses.wrongWay}; mean deltas up ${names.map((n) => f2(c.meanDeltas.up[n])).join(' / ')}, down ${names.map((n) => f2(c.meanDeltas.down[n])).join(' / ')}`,
    `gains by C ${gains('byCritic')} (${flags('byCritic')}); by measurement ${gains('byMeasurement')} (${flags('byMeasurement')})`,
    `reconstruction ${r.generator.reconstructionError.toFixed(4)}, prediction shift ${f1(r.generator.predictionShift)} MPa; explanations ${v.seconds.toFixed(0)} s wall`,
  ].join('\n');
}

export async function loadKnobModels(dir: string): Promise<KnobModels> {
  const model = async (name: string) => decodeModel(await readFile(join(dir, name)), name);
  return { regressor: await model('regressor.onnx'), encoder: await model('encoder.onnx'), decoder: await model('generator.onnx'), critic: await model('critic.onnx') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, seedArg = '1'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: knobs-verdict.js DIR [seed] (DIR: a knobs --demo output folder)');
  console.log(formatVerdict(await knobsVerdict(await loadKnobModels(dir), Number(seedArg))));
}
