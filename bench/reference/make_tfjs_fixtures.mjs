/**
 * TF.js's own predictions and input gradient for nsfwjs's pretrained mobilenet_v2 (a real
 * Keras-converted TF.js layers model shipped inside the nsfwjs npm package), the reference the
 * TF.js import is tested against. TF.js's pure-JS CPU backend needs ~6 s per forward pass of
 * two images and ~2 min for one input gradient, so the test reads these committed results instead
 * of running TF.js.
 *
 *   node bench/reference/make_tfjs_fixtures.mjs        (writes test/fixtures/tfjs/)
 *
 * Inputs are regenerated from the seed by seededImagesNhwc (same code the test imports).
 */
import { readFile, mkdir, writeFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { extractNsfwjsModel, seededImagesNhwc } from './nsfwjs-model-files.mjs';

const OUT = 'test/fixtures/tfjs';
const SEED = 13;
const COUNT = 3;
const SIZE = 224;

/** A little-endian float32 .npy (format 1.0). */
function npyFloat32(data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** Loads a model.json + shards folder the way tf.io's file handlers would (tfjs-node is not installable here). */
async function loadLayersModel(file) {
  const json = JSON.parse(await readFile(file, 'utf8'));
  const dir = file.slice(0, file.lastIndexOf('/'));
  const shards = [];
  for (const group of json.weightsManifest) for (const p of group.paths) shards.push(await readFile(join(dir, p)));
  const bytes = Buffer.concat(shards);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }));
}

await tf.setBackend('cpu');
const dir = await mkdtemp(join(tmpdir(), 'nsfwjs-'));
try {
  const model = await loadLayersModel(await extractNsfwjsModel('mobilenet_v2', dir));
  const x = tf.tensor4d(seededImagesNhwc(SEED, COUNT, SIZE, SIZE), [COUNT, SIZE, SIZE, 3]);
  const outputs = await model.predict(x).array();
  const target = outputs[0].indexOf(Math.max(...outputs[0]));
  const first = x.slice([0, 0, 0, 0], [1, SIZE, SIZE, 3]);
  const grad = tf.grad((v) => model.predict(v).slice([0, target], [1, 1]).sum())(first);
  const gradient = await grad.data();
  await mkdir(OUT, { recursive: true });
  await writeFile(join(OUT, 'mobilenet_v2-gradient.npy'), npyFloat32(gradient, [SIZE, SIZE, 3]));
  const about = {
    model: 'nsfwjs 4.3 dist/models/mobilenet_v2 (TF.js layers model)',
    producedBy: `@tensorflow/tfjs ${tf.version.tfjs}, cpu backend; bench/reference/make_tfjs_fixtures.mjs`,
    inputs: { generator: 'seededImagesNhwc', seed: SEED, count: COUNT, shapeNhwc: [COUNT, SIZE, SIZE, 3] },
    outputs,
    gradient: { input: 0, target, file: 'mobilenet_v2-gradient.npy', layout: 'HWC', of: 'output[0, target] (softmax probability)' },
  };
  await writeFile(join(OUT, 'mobilenet_v2.json'), JSON.stringify(about, null, 2) + '\n');
  console.log(JSON.stringify(outputs), 'target', target);
} finally {
  await rm(dir, { recursive: true, force: true });
}
