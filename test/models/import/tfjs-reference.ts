/**
 * TF.js as the reference for the TF.js import tests (a devDependency; src/ never imports it): saves
 * a tfjs model to disk as model.json + weights.bin (the standard layout), gives it seeded weights,
 * and computes TF.js's own outputs and input gradients on NHWC inputs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../../src/tensor/random.js';

let ready: Promise<unknown> | undefined;
export function tfjs(): Promise<typeof tf> {
  ready ??= tf.setBackend('cpu');
  return ready.then(() => tf);
}

/** Replaces every weight by seeded values (variances kept positive), so tests do not depend on tfjs's unseeded initialisers. */
export function seedWeights(model: tf.LayersModel, seed: number): void {
  const rng = new Random(seed);
  const values = model.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const positive = /variance|gamma/.test(w.name);
    return tf.tensor(Float32Array.from({ length: n }, () => (positive ? rng.uniform(0.5, 1.5) : rng.uniform(-0.5, 0.5))), w.shape);
  });
  model.setWeights(values);
}

/** Writes the model as dir/model.json + dir/weights.bin (one shard), as tf.io's file handler would. */
export async function saveTfjsModel(model: tf.LayersModel, dir: string): Promise<string> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return writeArtifacts(artifacts!, dir);
}

export async function writeArtifacts(a: tf.io.ModelArtifacts, dir: string, extra: Record<string, unknown> = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const data = a.weightData as ArrayBuffer;
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(data));
  const json = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }], ...extra };
  const file = join(dir, 'model.json');
  await writeFile(file, JSON.stringify(json));
  return file;
}

export function nhwcToNchw(data: ArrayLike<number>, shape: readonly number[]): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + x] = data[((i * h + y) * w + x) * c + k];
  return out;
}

/** TF.js's outputs and d(Σ output ⊙ cotangent)/d(input) for an NHWC (or [N, F]) input. */
export async function tfjsReference(predict: (x: tf.Tensor) => tf.Tensor, x: Float32Array, shape: number[], cotangent: Float32Array, gradient = true): Promise<{ output: Float32Array; grad?: Float32Array }> {
  const t = tf.tensor(x, shape);
  const output = (await predict(t).data()) as Float32Array;
  if (!gradient) return { output };
  const grad = (await tf.grad((v: tf.Tensor) => tf.sum(tf.mul(predict(v), tf.tensor(cotangent, predict(v).shape))))(t).data()) as Float32Array;
  return { output, grad };
}
