/**
 * Retrains only E and G of a `knobs --demo` run — against that run's critic C, on the same seed's
 * training lots — with another decoder upsampling, and writes them with the run's regressor into
 * OUT, so that bench/knobs-generator-bias.ts can compare generators without retraining R and C:
 *   npm run build && node dist/bench/knobs-generator-only.js DIR OUT [seed] [epochs] [upsampling]
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeModel, encodeModel } from '../src/onnx/proto.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { takeRows } from '../src/tensor/tensor.js';
import { Random } from '../src/tensor/random.js';
import { generateSemLots, SEM_ATTRIBUTES } from '../src/data/synthetic/sem-particles.js';
import { DEMO_SIZES, splitLotsOf, tileAttributes } from '../src/generative/knobs/knobs-scenario.js';
import { knobDecoder, knobEncoder, type DecoderOptions } from '../src/generative/knobs/knob-networks.js';
import { trainKnobGenerator } from '../src/generative/knobs/train-knob-generator.js';

const [dir, out, seedArg = '1', epochsArg = String(DEMO_SIZES.generatorEpochs), upsampling = 'resize-linear'] = process.argv.slice(2);
if (!dir || !out) throw new Error('usage: knobs-generator-only.js DIR OUT [seed] [epochs] [upsampling] (DIR: a knobs --demo output folder)');
const [seed, epochs] = [Number(seedArg), Number(epochsArg)];
const critic = decodeModel(await readFile(join(dir, 'critic.onnx')), 'critic.onnx');
const data = generateSemLots({ seed, lots: DEMO_SIZES.lots, tilesPerLot: DEMO_SIZES.tilesPerLot });
const { split } = splitLotsOf(data, DEMO_SIZES, seed);
const started = process.cpuUsage();
const result = await trainKnobGenerator({
  encoder: knobEncoder({ seed: Random.forKey(seed, 'encoder').uint32(), size: data.images.shape[2] }),
  decoder: knobDecoder({ seed: Random.forKey(seed, 'decoder').uint32(), attributes: SEM_ATTRIBUTES.length, size: data.images.shape[2], upsampling: upsampling as DecoderOptions['upsampling'] }),
  critic,
  images: takeRows(data.images, split.train),
  attributes: tileAttributes(data, split.train),
  epochs,
  seed,
});
const cpu = process.cpuUsage(started);
await mkdir(out, { recursive: true });
await writeFileAtomic(join(out, 'encoder.onnx'), encodeModel(result.encoder));
await writeFileAtomic(join(out, 'generator.onnx'), encodeModel(result.decoder));
await copyFile(join(dir, 'regressor.onnx'), join(out, 'regressor.onnx'));
const last = result.history[result.history.length - 1];
console.log(`${upsampling}, ${epochs} epochs: reconstruction ${last.reconstruction.toFixed(4)}, attribute ${last.attribute.toFixed(4)}, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU`);
