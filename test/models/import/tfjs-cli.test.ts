/**
 * End to end through the CLI with TF.js models: `explain --model model.json` on nsfwjs's real
 * mobilenet_v2 (its signed saliency equals TF.js's tf.grad from the committed fixture), a PNG input,
 * and an `audit` of a tiny TF.js model; a bad model.json is one line naming the problem.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as TF from '@tensorflow/tfjs';
import { encodeNpy, parseNpy, writeNpy } from '../../../src/data/formats/npy.js';
import { encodePng } from '../../../src/report/png.js';
import { generateEmDefects } from '../../../src/data/synthetic/em-defects.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { runCli } from '../../cli/cli-harness.js';
import { tempDir } from '../../helpers/models.js';
// @ts-expect-error plain .mjs shared with the fixture script
import { extractNsfwjsModel, seededImagesNhwc } from '../../../bench/reference/nsfwjs-model-files.mjs';
import { nhwcToNchw, saveTfjsModel, seedWeights, tfjs } from './tfjs-reference.js';

const dir = tempDir();
afterAll(async () => (await dir).cleanup());

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const mean = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('TF.js models through the CLI', () => {
  it("explain --model model.json --method saliency on nsfwjs mobilenet_v2 gives TF.js's gradient; a PNG input works", async () => {
    const { path } = await dir;
    const model = await extractNsfwjsModel('mobilenet_v2', path('nsfwjs'));
    const about = JSON.parse(await readFile('test/fixtures/tfjs/mobilenet_v2.json', 'utf8'));
    const image = nhwcToNchw(seededImagesNhwc(about.inputs.seed, 1, 224, 224), [1, 224, 224, 3]);
    await writeFile(path('image.npy'), encodeNpy(tensor([3, 224, 224], image)));
    const r = await runCli(['explain', '--model', model, '--input', path('image.npy'), '--method', 'saliency', '--signed', '--out', path('sal')]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`target class ${about.gradient.target}`);
    const ours = parseNpy(await readFile(join(path('sal'), 'attributions.npy')));
    expect(ours.shape).toEqual([3, 224, 224]);
    const tf = nhwcToNchw(parseNpy(await readFile('test/fixtures/tfjs/mobilenet_v2-gradient.npy')).data, [1, 224, 224, 3]);
    expect(correlation(ours.data, tf)).toBeGreaterThanOrEqual(0.999);

    // The same image as an 8-bit RGB PNG (the CLI reads PNGs as [3, H, W] in [0, 1], nsfwjs's scaling).
    const rgba = new Uint8Array(224 * 224 * 4);
    for (let p = 0; p < 224 * 224; p++) {
      for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.round(image[c * 224 * 224 + p] * 255);
      rgba[p * 4 + 3] = 255;
    }
    await writeFile(path('image.png'), encodePng(rgba, 224, 224));
    const png = await runCli(['explain', '--model', model, '--input', path('image.png'), '--method', 'saliency', '--png', '--out', path('sal-png')]);
    expect(png.stderr).toEqual([]);
    expect(png.code).toBe(0);
    expect(parseNpy(await readFile(join(path('sal-png'), 'attributions.npy'))).shape).toEqual([3, 224, 224]);
  }, 300_000);

  it('audit --model model.json runs every check on a tiny TF.js CNN', async () => {
    const { path } = await dir;
    const tf = await tfjs();
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [32, 32, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.globalAveragePooling2d({}));
    m.add(tf.layers.dense({ units: 2 }));
    seedWeights(m as unknown as TF.LayersModel, 21);
    const model = await saveTfjsModel(m, path('tiny'));
    const data = generateEmDefects({ count: 40, seed: 3 });
    await writeNpy(path('x.npy'), data.images);
    await writeNpy(path('y.npy'), tensor([40], data.labels));
    await writeNpy(path('roi.npy'), data.masks!.defect);
    const r = await runCli(['audit', '--model', model, '--input', path('x.npy'), '--labels', path('y.npy'), '--roi', path('roi.npy'), '--skip', 'descriptors', '--out', path('audit'), '--no-progress']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(join(path('audit'), 'audit.json'), 'utf8'));
    const verdicts = json.models[0].verdicts as Record<string, string>;
    expect(verdicts.calibration).not.toBe('not-run');
    expect(verdicts.sanity).not.toBe('not-run');
  }, 300_000);

  it('a model.json trustscope cannot convert fails in one line naming the problem', async () => {
    const { path } = await dir;
    await writeFile(path('bad.json'), '{"modelTopology": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Conv3D", "config": {"name": "c3", "batch_input_shape": [null, 4, 4, 4, 1]}}]}}, "weightsManifest": []}');
    const r = await runCli(['explain', '--model', path('bad.json'), '--input', path('image.npy'), '--method', 'saliency', '--out', path('bad')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/bad\.json: layer 'c3'.*(not supported|neither an image)/);
    const missing = await runCli(['explain', '--model', path('nope/model.json'), '--input', path('image.npy'), '--method', 'saliency', '--out', path('bad')]);
    expect(missing.stderr).toEqual([`trustscope: cannot read ${path('nope/model.json')}: no such file`]);
  });
});
