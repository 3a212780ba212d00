/**
 * Retrains only E and G of a `knobs --demo` run — against that run's critic C (or a critic retrained
 * here, e.g. with augmentation), on the same seed's training lots — with other generator settings,
 * writes them with the run's regressor into OUT, then prints the done-when verdict
 * (bench/knobs-verdict.ts) so that generators compare without retraining R:
 *   npm run build && node dist/bench/knobs-generator-only.js DIR OUT [seed] [epochs] [upsampling]
 *     [--weights 1,1,3,3,1] [--batch 32] [--lr 0.002] [--critic-augment [shift,blur,noise]]
 *     [--critic-epochs 60] [--inject-32] [--latent-stride 8|4] [--latent-channels 16] [--generator-width 16] [--edit-probability 0.5] [--adversarial γ] [--discriminator-lr 0.002] [--threads n] [--no-verdict]
 * DEMO_SIZES supplies every setting not given (so with none, G is retrained exactly as the demo trains it).
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeModel, encodeModel } from '../src/onnx/proto.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { takeRows } from '../src/tensor/tensor.js';
import { Random } from '../src/tensor/random.js';
import { generateSemLots, SEM_ATTRIBUTES } from '../src/data/synthetic/sem-particles.js';
import { DEMO_SIZES, splitLotsOf, tileAttributes, trainProperty } from '../src/generative/knobs/knobs-scenario.js';
import { knobDecoder, knobEncoder, type DecoderOptions, type LatentStride } from '../src/generative/knobs/knob-networks.js';
import { trainKnobGenerator } from '../src/generative/knobs/train-knob-generator.js';
import { CRITIC_AUGMENTATION_DEFAULTS, type CriticAugmentation } from '../src/generative/knobs/critic-augmentation.js';
import { runGraphRows } from '../src/generative/knobs/run-batched.js';
import { regressionScores } from '../src/generative/knobs/regression-scores.js';
import { formatVerdict, knobsVerdict } from './knobs-verdict.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    weights: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    'critic-augment': { type: 'string' },
    'critic-epochs': { type: 'string' },
    threads: { type: 'string' },
    'inject-32': { type: 'boolean' },
    'blur-critic-input': { type: 'boolean' },
    'latent-stride': { type: 'string' },
    'latent-channels': { type: 'string' },
    'generator-width': { type: 'string' },
    'edit-probability': { type: 'string' },
    adversarial: { type: 'string' },
    'discriminator-lr': { type: 'string' },
    'no-verdict': { type: 'boolean' },
  },
});
const [dir, out, seedArg = '1', epochsArg = String(DEMO_SIZES.generatorEpochs), upsampling = DEMO_SIZES.generatorUpsampling ?? 'transpose'] = positionals;
if (!dir || !out) throw new Error('usage: knobs-generator-only.js DIR OUT [seed] [epochs] [upsampling] [--weights …] (DIR: a knobs --demo output folder)');
if (flags.threads) configureRuntime({ threads: Number(flags.threads) });
const [seed, epochs] = [Number(seedArg), Number(epochsArg)];
const weights = flags.weights ? flags.weights.split(',').map(Number) : DEMO_SIZES.generatorAttributeWeight;
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

const data = generateSemLots({ seed, lots: DEMO_SIZES.lots, tilesPerLot: DEMO_SIZES.tilesPerLot });
const { split } = splitLotsOf(data, DEMO_SIZES, seed);
const trainImages = takeRows(data.images, split.train);
await mkdir(out, { recursive: true });

let critic = decodeModel(await readFile(join(dir, 'critic.onnx')), 'critic.onnx');
const augmentFlag = flags['critic-augment'];
if (augmentFlag !== undefined) {
  const [shift, blur, noise] = augmentFlag ? augmentFlag.split(',').map(Number) : [];
  const augmentation: CriticAugmentation = { shift: shift ?? CRITIC_AUGMENTATION_DEFAULTS.shift, blur: blur ?? CRITIC_AUGMENTATION_DEFAULTS.blur, noise: noise ?? CRITIC_AUGMENTATION_DEFAULTS.noise };
  const started = process.cpuUsage();
  critic = await trainProperty('attribute-critic', trainImages, split.train.map((i) => [...data.lotAttributes[data.lots[i]]]), {
    epochs: Number(flags['critic-epochs'] ?? DEMO_SIZES.criticEpochs),
    width: DEMO_SIZES.propertyWidth ?? 8,
    pooling: DEMO_SIZES.criticPooling,
    stages: DEMO_SIZES.criticStages,
    augmentation,
    seed,
  });
  const k = SEM_ATTRIBUTES.length;
  const read = (await runGraphRows(critic, { input: takeRows(data.images, split.test) })).data;
  const r2 = SEM_ATTRIBUTES.map((_, j) => regressionScores(split.test.map((_, r) => read[r * k + j]), split.test.map((i) => data.lotAttributes[data.lots[i]][j])).r2.toFixed(2));
  console.log(`critic retrained with augmentation ${JSON.stringify(augmentation)}: ${cpuSeconds(started).toFixed(0)} s CPU; test R² ${r2.join(' / ')}`);
  await writeFileAtomic(join(out, 'critic.onnx'), encodeModel(critic));
} else {
  await copyFile(join(dir, 'critic.onnx'), join(out, 'critic.onnx'));
}

const latentStride = Number(flags['latent-stride'] ?? DEMO_SIZES.generatorLatentStride ?? 8) as LatentStride;
const latent = Number(flags['latent-channels'] ?? 16);
const started = process.cpuUsage();
const wall0 = process.hrtime.bigint();
let reported = 0;
const result = await trainKnobGenerator({
  encoder: knobEncoder({ seed: Random.forKey(seed, 'encoder').uint32(), size: data.images.shape[2], latentStride, latent }),
  decoder: knobDecoder({ seed: Random.forKey(seed, 'decoder').uint32(), attributes: SEM_ATTRIBUTES.length, size: data.images.shape[2], upsampling: upsampling as DecoderOptions['upsampling'], injectAtHalfScale: flags['inject-32'] ?? false, latentStride, latent, ...(flags['generator-width'] ? { width: Number(flags['generator-width']) } : {}) }),
  critic,
  images: trainImages,
  attributes: tileAttributes(data, split.train),
  epochs,
  attributeWeight: weights,
  ...(flags.batch ? { batchSize: Number(flags.batch) } : {}),
  ...(flags.lr ? { learningRate: Number(flags.lr) } : {}),
  blurCriticInput: flags['blur-critic-input'] ?? DEMO_SIZES.generatorBlurCriticInput ?? false,
  ...(flags['edit-probability'] ? { editProbability: Number(flags['edit-probability']) } : {}),
  adversarialWeight: flags.adversarial ? Number(flags.adversarial) : (DEMO_SIZES.generatorAdversarialWeight ?? 0),
  ...(flags['discriminator-lr'] ? { discriminatorLearningRate: Number(flags['discriminator-lr']) } : {}),
  seed,
  onProgress: (p) => {
    const tenth = Math.floor(p.fraction * 10);
    if (tenth > reported) {
      reported = tenth;
      const adversarial = p.adversarial === undefined ? '' : `, adversarial ${p.adversarial.toFixed(4)}, D ${p.discriminator!.toFixed(4)}`;
      console.log(`  ${tenth * 10}%: reconstruction ${p.reconstruction.toFixed(4)}, attribute ${p.attribute.toFixed(4)}${adversarial}, ${cpuSeconds(started).toFixed(0)} s CPU, ${(Number(process.hrtime.bigint() - wall0) / 1e9).toFixed(0)} s wall`);
    }
  },
});
const gCpu = cpuSeconds(started);
const gWall = Number(process.hrtime.bigint() - wall0) / 1e9;
await writeFileAtomic(join(out, 'encoder.onnx'), encodeModel(result.encoder));
await writeFileAtomic(join(out, 'generator.onnx'), encodeModel(result.decoder));
await copyFile(join(dir, 'regressor.onnx'), join(out, 'regressor.onnx'));
const last = result.history[result.history.length - 1];
console.log(`${upsampling}, ${epochs} epochs, ${JSON.stringify({ ...flags, weights: weights ?? 1 })}: reconstruction ${last.reconstruction.toFixed(4)}, attribute ${last.attribute.toFixed(4)}; G ${gCpu.toFixed(0)} s CPU, ${gWall.toFixed(0)} s wall`);
if (!flags['no-verdict']) {
  const models = { regressor: decodeModel(await readFile(join(out, 'regressor.onnx')), 'regressor.onnx'), encoder: result.encoder, decoder: result.decoder, critic };
  console.log(formatVerdict(await knobsVerdict(models, seed, data)));
}
