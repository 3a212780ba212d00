/**
 * The real thing: nsfwjs's pretrained mobilenet_v2 (a Keras-converted TF.js layers model shipped in
 * the nsfwjs npm package), extracted to model.json + shard and loaded through the path API like a
 * user's model. Predictions and the input gradient are compared with TF.js's own, computed once
 * offline by bench/reference/make_tfjs_fixtures.mjs (TF.js's CPU backend takes minutes for the
 * gradient) on inputs this test regenerates from the same seed.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTfjsModel } from '../../../src/models/import/tfjs-model.js';
import { parseNpy } from '../../../src/data/formats/npy.js';
import { tensor } from '../../../src/tensor/tensor.js';
// @ts-expect-error plain .mjs shared with the fixture script
import { extractNsfwjsModel, seededImagesNhwc } from '../../../bench/reference/nsfwjs-model-files.mjs';
import { tempDir } from '../../helpers/models.js';

const dir = tempDir();
afterAll(async () => (await dir).cleanup());

const FIXTURE = 'test/fixtures/tfjs';

function nhwcToNchw(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + x] = data[((i * h + y) * w + x) * c + k];
  return out;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i] / a.length; mb += b[i] / b.length; }
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { const da = a[i] - ma, db = b[i] - mb; sab += da * db; saa += da * da; sbb += db * db; }
  return sab / Math.sqrt(saa * sbb);
}

describe('nsfwjs mobilenet_v2 (a real pretrained TF.js layers model)', () => {
  it("predicts TF.js's own outputs and its input gradient", async () => {
    const about = JSON.parse(await readFile(`${FIXTURE}/mobilenet_v2.json`, 'utf8'));
    const file = await extractNsfwjsModel('mobilenet_v2', (await dir).path('mobilenet_v2'));
    const started = performance.now();
    const model = await loadTfjsModel(file, { internalBatchSize: 4 });
    const loadSeconds = (performance.now() - started) / 1000;
    try {
      expect(model.inputShape).toEqual([3, 224, 224]);
      expect(model.outputSize).toBe(5);
      const { seed, count } = about.inputs;
      const x = tensor([count, 3, 224, 224], nhwcToNchw(seededImagesNhwc(seed, count, 224, 224), count, 224, 224, 3));
      const y = await model.forward(x);
      const want = (about.outputs as number[][]).flat();
      const maxDiff = Math.max(...want.map((v, i) => Math.abs(y.data[i] - v)));
      console.log(`mobilenet_v2: max |ours − TF.js| over ${want.length} softmax outputs ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThan(2e-5);

      const { target } = about.gradient;
      const cot = tensor([1, 5], Float32Array.from({ length: 5 }, (_, k) => (k === target ? 1 : 0)));
      const t0 = performance.now();
      const { inputGrad } = await model.vjp(tensor([1, 3, 224, 224], x.data.slice(0, 3 * 224 * 224)), cot);
      const gradSeconds = (performance.now() - t0) / 1000;
      const reference = parseNpy(await readFile(`${FIXTURE}/${about.gradient.file}`), 'gradient');
      const tfGrad = nhwcToNchw(reference.data as Float32Array, 1, 224, 224, 3);
      const r = correlation(inputGrad.data, tfGrad);
      let num = 0, den = 0;
      for (let i = 0; i < tfGrad.length; i++) { num += (inputGrad.data[i] - tfGrad[i]) ** 2; den += tfGrad[i] ** 2; }
      console.log(`mobilenet_v2: load ${loadSeconds.toFixed(2)} s, one input gradient ${gradSeconds.toFixed(2)} s, r = ${r.toFixed(6)}, rel L2 ${Math.sqrt(num / den).toExponential(2)}`);
      expect(r).toBeGreaterThanOrEqual(0.999);
    } finally {
      await model.dispose();
    }
  });
});
