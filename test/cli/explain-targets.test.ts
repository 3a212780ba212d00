/**
 * `trustscope explain` with the options of issue 3's second part: --targets (several classes in
 * one call, written as (T, N, …)), --target-outputs (sum of outputs), --segments slic for
 * kernel-shap, and the guided-backprop / guided-grad-cam / deeplift methods; each file is compared
 * with the library's result, and bad values give one line and exit 1.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { saliency } from '../../src/attribution/saliency.js';
import { deepLift } from '../../src/attribution/deeplift.js';
import { guidedGradCam } from '../../src/attribution/guided-grad-cam.js';
import { kernelShap } from '../../src/attribution/kernel-shap.js';
import { outputSum } from '../../src/attribution/targets.js';
import { argmaxRows } from '../../src/tensor/tensor.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-cli-targets-');
let path: (name: string) => string;
const graph = tinyCnn({ size: 8, seed: 3, classes: 3 });
const batch = randomTensor([2, 1, 8, 8], 5);

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('cnn.onnx'), graph);
  await writeNpy(path('batch.npy'), batch);
});
afterAll(async () => (await dirP).cleanup());

const explain = (...args: string[]) => runCli(['explain', '--model', path('cnn.onnx'), '--input', path('batch.npy'), ...args]);
const maps = (out: string) => join(out, 'attributions.npy');

describe('trustscope explain: targets, segments, guided and DeepLIFT methods', () => {
  it('--targets 2,0 writes (2, N, C, H, W): class 2 then class 0, each equal to its own call', async () => {
    const out = path('multi');
    const r = await explain('--method', 'saliency', '--targets', '2,0', '--out', out);
    expect(r.code).toBe(0);
    const written = await readNpy(maps(out));
    expect(written.shape).toEqual([2, 2, 1, 8, 8]);
    const model = new OnnxModel(graph);
    for (const [t, cls] of [2, 0].entries()) {
      const lib = await saliency.attribute(model, batch, { target: cls });
      expect(Array.from(written.data.subarray(t * 128, (t + 1) * 128))).toEqual(Array.from(lib.values.data));
    }
  });

  it('no --target: the predicted class, chosen in the gradient pass, gives the maps and the reported target of an explicit --target of it (saliency, grad-cam)', async () => {
    const predicted = argmaxRows(await new OnnxModel(graph).forward(batch));
    for (const method of [['--method', 'saliency'], ['--method', 'grad-cam', '--layer', 'relu2']]) {
      const implicit = await explain(...method, '--out', path(`implicit-${method[1]}`));
      const explicit = await explain(...method, '--target', predicted.join(','), '--out', path(`explicit-${method[1]}`));
      expect([implicit.code, explicit.code]).toEqual([0, 0]);
      expect(Array.from((await readNpy(maps(path(`implicit-${method[1]}`)))).data)).toEqual(Array.from((await readNpy(maps(path(`explicit-${method[1]}`)))).data));
      const said = (stdout: string) => /\(target class ([\d, ]+)\)/.exec(stdout)?.[1];
      expect(said(implicit.stdout)).toBe([...new Set(predicted)].join(', '));
      expect(said(implicit.stdout)).toBe(said(explicit.stdout));
    }
  });

  it('--target-outputs 0,2 explains output 0 + output 2', async () => {
    const out = path('sum');
    expect((await explain('--method', 'deeplift', '--target-outputs', '0,2', '--out', out)).code).toBe(0);
    const lib = await deepLift.attribute(new OnnxModel(graph), batch, { target: outputSum([0, 2], 2, 3) });
    expect(Array.from((await readNpy(maps(out))).data)).toEqual(Array.from(lib.values.data));
  });

  it('kernel-shap --segments slic --n-segments --compactness and guided-grad-cam --layer write the library result', async () => {
    const out = path('ks');
    expect((await explain('--method', 'kernel-shap', '--segments', 'slic', '--n-segments', '6', '--compactness', '0.2', '--coalitions', '60', '--target', '1', '--out', out)).code).toBe(0);
    // The command's default seed is 1.
    const lib = await kernelShap.attribute(new OnnxModel(graph), batch, { target: 1, segments: 'slic', nSegments: 6, compactness: 0.2, samples: 60, seed: 1 });
    expect(Array.from((await readNpy(maps(out))).data)).toEqual(Array.from(lib.values.data));
    const layer = new OnnxModel(graph).layers.find((l) => l.startsWith('relu'))!;
    expect((await explain('--method', 'guided-grad-cam', '--layer', layer, '--target', '0', '--out', out)).code).toBe(0);
    const gg = await guidedGradCam.attribute(new OnnxModel(graph), batch, { target: 0, layer });
    expect(Array.from((await readNpy(maps(out))).data)).toEqual(Array.from(gg.values.data));
  });

  it('bad values: one line, exit 1', async () => {
    const out = path('bad');
    const cases: [string[], RegExp][] = [
      [['--method', 'saliency', '--targets', '0,x'], /--targets must be a comma-separated list/],
      [['--method', 'saliency', '--targets', '0,3'], /--targets lists class 3 but the model has 3 outputs/],
      [['--method', 'saliency', '--target-outputs', '5'], /--target-outputs lists output 5/],
      [['--method', 'saliency', '--target', '1', '--targets', '0,1'], /give one of --target, --targets and --target-outputs/],
      [['--method', 'kernel-shap', '--segments', 'watershed'], /--segments must be one of patches, slic/],
      [['--method', 'guided-grad-cam'], /needs --layer/],
    ];
    for (const [args, message] of cases) {
      const r = await explain(...args, '--out', out);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(message);
    }
  });
});
