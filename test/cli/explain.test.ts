/**
 * `trustscope explain` end to end on files: the .npy it writes must equal the library's
 * attribution (and, on a linear model, |W[target]|); every user error is one 'trustscope: ' line,
 * exit code 1, and no output file.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { saliency } from '../../src/attribution/saliency.js';
import { occlusion } from '../../src/attribution/occlusion.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { smoothGrad, smoothGradSq, varGrad } from '../../src/attribution/noise-tunnel.js';
import { argmaxRows, reshape, tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, tempDir, uniformValues } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-cli-');
let path: (name: string) => string;
const cnnGraph = tinyCnn({ size: 8, seed: 3 });
const W = uniformValues(2 * 2 * 4 * 4, 4, -1, 1);
const linGraph = linearModel([2, 4, 4], W, [0.1, -0.1]);
const batch = randomTensor([3, 1, 8, 8], 5);

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('cnn.onnx'), cnnGraph);
  await saveOnnxGraph(path('linear.onnx'), linGraph);
  await writeNpy(path('batch.npy'), batch);
  await writeNpy(path('single.npy'), reshape(randomTensor([1, 1, 8, 8], 6), [1, 8, 8]));
  await writeNpy(path('lin.npy'), randomTensor([2, 2, 4, 4], 7));
});
afterAll(async () => (await dirP).cleanup());

const explain = (...args: string[]) => runCli(['explain', ...args]);
/** The file explain writes into its --out folder. */
const maps = (out: string) => join(out, 'attributions.npy');

describe('trustscope explain', () => {
  it('saliency on a batch writes a float32 .npy of the input shape equal to the library result', async () => {
    const out = path('sal');
    const r = await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'saliency', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const written = await readNpy(maps(out));
    expect(written.shape).toEqual([3, 1, 8, 8]);
    const lib = await saliency.attribute(new OnnxModel(cnnGraph), batch);
    expect(Array.from(written.data)).toEqual(Array.from(lib.values.data));
    // One summary line naming the method, the count, the predicted classes and the output.
    const predicted = [...new Set(argmaxRows(await new OnnxModel(cnnGraph).forward(batch)))];
    expect(r.stdout).toContain(`saliency: 3 image(s) (target class ${predicted.join(', ')})`);
    expect(r.stdout).toContain(`${maps(out)} [3, 1, 8, 8]`);
  });

  it('on a linear model the written saliency is |W[target]| for --target 1, and per-image targets work', async () => {
    const out = path('lin-sal');
    expect((await explain('--model', path('linear.onnx'), '--input', path('lin.npy'), '--method', 'saliency', '--target', '1', '--out', out)).code).toBe(0);
    const v = await readNpy(maps(out));
    const row1 = Array.from(W.subarray(32, 64), Math.abs);
    expect(Array.from(v.data)).toEqual([...row1, ...row1]);

    expect((await explain('--model', path('linear.onnx'), '--input', path('lin.npy'), '--method', 'saliency', '--target', '0,1', '--out', out)).code).toBe(0);
    const v2 = await readNpy(maps(out));
    expect(Array.from(v2.data)).toEqual([...Array.from(W.subarray(0, 32), Math.abs), ...row1]);
  });

  it('--signed keeps the gradient sign: on a linear model it is W[target] itself', async () => {
    const out = path('lin-signed');
    expect((await explain('--model', path('linear.onnx'), '--input', path('lin.npy'), '--method', 'saliency', '--target', '1', '--signed', '--out', out)).code).toBe(0);
    const row1 = Array.from(W.subarray(32, 64));
    expect(Array.from((await readNpy(maps(out))).data)).toEqual([...row1, ...row1]);
  });

  it('kernel-shap --exact and lime with --patch-size/--coalitions write the library result', async () => {
    const { kernelShap } = await import('../../src/attribution/kernel-shap.js');
    const { lime } = await import('../../src/attribution/lime.js');
    const out = path('ks');
    expect((await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'kernel-shap', '--patch-size', '4', '--exact', '--target', '1', '--out', out)).code).toBe(0);
    const lib = await kernelShap.attribute(new OnnxModel(cnnGraph), batch, { target: 1, patch: 4, exact: true });
    expect(Array.from((await readNpy(maps(out))).data)).toEqual(Array.from(lib.values.data));
    expect((await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'lime', '--patch-size', '4', '--coalitions', '40', '--seed', '2', '--target', '0', '--out', out)).code).toBe(0);
    const libLime = await lime.attribute(new OnnxModel(cnnGraph), batch, { target: 0, patch: 4, samples: 40, seed: 2 });
    expect(Array.from((await readNpy(maps(out))).data)).toEqual(Array.from(libLime.values.data));
  });

  it('--png writes one overlay per image into <out>/overlays, upscaled to at least 256 px, each listed in run.json', async () => {
    const { decodePngBytes } = await import('../../src/data/formats/png.js');
    const { readFile } = await import('node:fs/promises');
    const out = path('with-png');
    expect((await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'saliency', '--png', '--out', out)).code).toBe(0);
    for (let i = 0; i < 3; i++) {
      const picture = decodePngBytes(await readFile(join(out, 'overlays', `image-${i}.png`)), 'overlay');
      expect(picture.shape).toEqual([3, 256, 256]);
    }
    expect(existsSync(join(out, 'overlays', 'image-3.png'))).toBe(false);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.outputs).toEqual(['attributions.npy', 'overlays/image-0.png', 'overlays/image-1.png', 'overlays/image-2.png']);
    // Run again without --png: the overlays of the previous run are stale, so they go (and their folder).
    expect((await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'saliency', '--out', out)).code).toBe(0);
    expect(existsSync(join(out, 'overlays'))).toBe(false);
    expect(existsSync(maps(out))).toBe(true);
  });

  it('a single image (C,H,W) gives a (C,H,W) map', async () => {
    const out = path('single-sal');
    const r = await explain('--model', path('cnn.onnx'), '--input', path('single.npy'), '--method', 'saliency', '--target', '0', '--out', out);
    expect(r.code).toBe(0);
    const written = await readNpy(maps(out));
    expect(written.shape).toEqual([1, 8, 8]);
    const x = await readNpy(path('single.npy'));
    const lib = await saliency.attribute(new OnnxModel(cnnGraph), reshape(x, [1, 1, 8, 8]), { target: 0 });
    expect(Array.from(written.data)).toEqual(Array.from(lib.values.data));
  });

  it('occlusion honours --window, --stride, --baseline and --batch-size', async () => {
    const out = path('occ');
    const r = await explain(
      '--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'occlusion',
      '--window', '3', '--stride', '2', '--baseline', '0.25', '--target', '1', '--batch-size', '5', '--out', out,
    );
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const written = await readNpy(maps(out));
    const lib = await occlusion.attribute(new OnnxModel(cnnGraph), batch, { window: 3, stride: 2, baseline: 0.25, target: 1 });
    expect(written.shape).toEqual([3, 1, 8, 8]);
    let maxDiff = 0;
    for (let i = 0; i < written.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(written.data[i] - lib.values.data[i]));
    expect(maxDiff).toBeLessThan(1e-6);
    // The options really changed the result: the defaults (window 4, stride 1, baseline 0) differ.
    const defaults = await occlusion.attribute(new OnnxModel(cnnGraph), batch, { target: 1 });
    expect(Array.from(written.data)).not.toEqual(Array.from(defaults.values.data));
  });

  it('occlusion on the linear model matches the exact drop with a window covering the whole image', async () => {
    const out = path('occ-lin');
    const r = await explain('--model', path('linear.onnx'), '--input', path('lin.npy'), '--method', 'occlusion', '--window', '4', '--target', '0', '--baseline', '0.5', '--out', out);
    expect(r.code).toBe(0);
    const x = await readNpy(path('lin.npy'));
    const v = await readNpy(maps(out));
    for (let i = 0; i < 2; i++) {
      let drop = 0;
      for (let j = 0; j < 32; j++) drop += W[j] * (x.data[i * 32 + j] - 0.5);
      for (let j = 0; j < 32; j++) expect(v.data[i * 32 + j]).toBeCloseTo(drop, 5);
    }
  });
});

describe('trustscope explain: --out is a folder with run.json', () => {
  it('writes attributions.npy and run.json (command, seed 1, method, options, hashed inputs); a name ending in .npy is a folder too', async () => {
    const { readFile } = await import('node:fs/promises');
    const out = path('as-folder.npy');
    const r = await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'occlusion', '--window', '2', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect((await readNpy(maps(out))).shape).toEqual([3, 1, 8, 8]);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.command).toBe('explain');
    expect(manifest.seed).toBe(1);
    expect(manifest.method).toBe('occlusion');
    expect(manifest.options).toMatchObject({ window: 2, stride: 1, baseline: 0 });
    expect(manifest.arguments).toContain('--window');
    expect(manifest.outputs).toEqual(['attributions.npy']);
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual([path('cnn.onnx'), path('batch.npy')]);
    expect(manifest.inputs.every((i: { sha256: string }) => /^[0-9a-f]{64}$/.test(i.sha256))).toBe(true);
  });

  it('an unwritable --out fails in one line before the model is loaded (the model path does not even exist)', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path('a-file'), 'x');
    const under = join(path('a-file'), 'sub');
    const r = await explain('--model', path('never-read.onnx'), '--input', path('batch.npy'), '--method', 'saliency', '--out', under);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([`trustscope: cannot write to --out ${under}: a parent of it is a file, not a directory`]);
    if (existsSync('/proc/self')) {
      const p = await explain('--model', path('never-read.onnx'), '--input', path('batch.npy'), '--method', 'saliency', '--out', '/proc/trustscope-x');
      expect(p.code).toBe(1);
      expect(p.stderr).toHaveLength(1);
      expect(p.stderr[0]).toMatch(/^trustscope: cannot write to --out \/proc\/trustscope-x/);
    }
  });

  it("refuses a folder holding another command's results (an audit), and writes beside them with --force", async () => {
    const { mkdir, readFile, writeFile } = await import('node:fs/promises');
    const out = path('audit-folder');
    await mkdir(out);
    await writeFile(join(out, 'audit.json'), '{}');
    const args = ['--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'saliency', '--out', out];
    const refused = await explain(...args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toHaveLength(1);
    expect(refused.stderr[0]).toMatch(/holds results of 'trustscope audit' \(audit\.json\); choose another folder, or add --force/);
    expect(existsSync(maps(out))).toBe(false);
    const forced = await explain(...args, '--force');
    expect(forced.code).toBe(0);
    expect(existsSync(maps(out))).toBe(true);
    expect(await readFile(join(out, 'audit.json'), 'utf8')).toBe('{}');
  });
});

describe('trustscope explain errors: exit 1, one line, no output file', () => {
  let failures = 0;
  async function expectFailure(args: string[], message: RegExp | string) {
    const out = path(`err-${failures++}.npy`);
    const r = await explain(...args, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0].startsWith('trustscope: ')).toBe(true);
    if (typeof message === 'string') expect(r.stderr[0]).toContain(message);
    else expect(r.stderr[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
    return r.stderr[0];
  }
  const ok = () => ['--model', path('cnn.onnx'), '--input', path('batch.npy')];

  it('missing model file', async () => {
    await expectFailure(['--model', path('nope.onnx'), '--input', path('batch.npy'), '--method', 'saliency'], `cannot read ${path('nope.onnx')}: no such file`);
  });

  it('missing input file', async () => {
    await expectFailure(['--model', path('cnn.onnx'), '--input', path('nope.npy'), '--method', 'saliency'], `cannot read ${path('nope.npy')}: no such file`);
  });

  it('input holding NaN', async () => {
    const x = randomTensor([2, 1, 8, 8], 8);
    x.data[77] = NaN;
    await writeNpy(path('nan.npy'), x);
    await expectFailure(['--model', path('cnn.onnx'), '--input', path('nan.npy'), '--method', 'saliency'], `${path('nan.npy')}: NaN at image 1, pixel (1, 5)`);
    await expectFailure(['--model', path('cnn.onnx'), '--input', path('nan.npy'), '--method', 'occlusion'], /nan\.npy: NaN at image 1/);
  });

  it('input of the wrong shape', async () => {
    await writeNpy(path('wrong.npy'), tensor([2, 1, 9, 8]));
    await expectFailure(['--model', path('cnn.onnx'), '--input', path('wrong.npy'), '--method', 'saliency'], `${path('wrong.npy')} has shape [2, 1, 9, 8] but the model takes (1, 8, 8) or (N, 1, 8, 8)`);
    await writeNpy(path('flat.npy'), tensor([64]));
    await expectFailure(['--model', path('cnn.onnx'), '--input', path('flat.npy'), '--method', 'saliency'], /has shape \[64\]/);
  });

  it('unknown method', async () => {
    await expectFailure([...ok(), '--method', 'gradcam'], "unknown method 'gradcam'; available: saliency, occlusion");
  });

  it('target out of range, malformed, or with the wrong count', async () => {
    await expectFailure([...ok(), '--method', 'saliency', '--target', '2'], 'target 2 is not a class index of this model (it has 2 outputs: 0..1)');
    await expectFailure([...ok(), '--method', 'occlusion', '--target', '5'], /target 5 is not a class index/);
    await expectFailure([...ok(), '--method', 'saliency', '--target', 'cat'], /--target must be a class index/);
    await expectFailure([...ok(), '--method', 'saliency', '--target', '0,1'], '--target lists 2 classes for 3 images');
  });

  it('bad occlusion options', async () => {
    await expectFailure([...ok(), '--method', 'occlusion', '--window', '9'], 'occlusion window 9×9 does not fit a 8×8 image');
    await expectFailure([...ok(), '--method', 'occlusion', '--window', '0'], "--window must be an integer ≥ 1 (got '0')");
    await expectFailure([...ok(), '--method', 'occlusion', '--baseline', 'dark'], "--baseline must be a number (got 'dark')");
    await expectFailure([...ok(), '--method', 'occlusion', '--window', '2', '--stride', '3'], /stride 3×3 is larger than the window 2×2/);
  });
});

describe('trustscope explain: input-x-gradient, integrated-gradients and the noise tunnel', () => {
  const lib = () => new OnnxModel(cnnGraph);
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  it('--help states the new options with Captum\'s defaults', async () => {
    const r = await runCli(['explain', '--help']);
    expect(r.code).toBe(0);
    for (const text of ['--steps <n|auto>', 'integrated-gradients: integration steps (Captum\'s n_steps); auto:', '--steps-tolerance <f>', '--max-steps <n>', '--rule <name>', 'gausslegendre | riemann_left | riemann_right | riemann_middle | riemann_trapezoid', '(default gausslegendre)', '--nt-samples <n>', 'smoothgrad, smoothgrad-sq, vargrad: noisy copies per image (Captum\'s nt_samples) (default 5)', '--stdevs <sigma>', 'default: 1.0', 'gradient-shap: noise standard deviation in input units (default 0)', '--noise-fraction <f>', '--seed <n>', '(default: 1)', 'integrated-gradients: start of the path']) {
      // commander wraps the help at the terminal width.
      expect(r.stdout.replace(/\s+/g, ' ')).toContain(text);
    }
  });

  it('integrated-gradients honours --steps, --rule, --baseline and reports the convergence delta', async () => {
    const out = path('ig');
    const r = await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'integrated-gradients', '--steps', '20', '--rule', 'riemann_middle', '--baseline', '0.25', '--target', '1', '--batch-size', '7', '--out', out);
    // 20 midpoint steps on a ReLU net miss f(x) − f(b) on one image by 8%: the one line on stderr says so.
    expect(r.stderr).toEqual([expect.stringMatching(/^trustscope: warning: integrated-gradients is incomplete on 1 of 3 image\(s\)/)]);
    expect(r.code).toBe(0);
    const a = await integratedGradients.attribute(lib(), batch, { steps: 20, rule: 'riemann_middle', baseline: 0.25, target: 1 });
    expect(maxDiff((await readNpy(maps(out))).data, a.values.data)).toBeLessThan(1e-6);
    const worst = Math.max(...(a.extras as { convergenceDelta: number[] }).convergenceDelta.map(Math.abs));
    const gap = Math.max(...(a.extras as { completeness: { relativeGap: number[] } }).completeness.relativeGap);
    expect(r.stdout).toContain(`integrated-gradients: 3 image(s) (target class 1), max |convergence delta| ${worst.toExponential(2)}, completeness error max ${(100 * gap).toPrecision(2)}% in`);
    const record = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { completeness: { relativeError: number[]; convergenceDelta: number[] } };
    expect(record.completeness.relativeError).toEqual((a.extras as { completeness: { relativeGap: number[] } }).completeness.relativeGap.map((g) => expect.closeTo(g, 6)));
    expect(record.completeness.convergenceDelta).toHaveLength(3);
    // Defaults (50 Gauss–Legendre steps from 0) give another map.
    const defaults = await integratedGradients.attribute(lib(), batch, { target: 1 });
    expect(maxDiff((await readNpy(maps(out))).data, defaults.values.data)).toBeGreaterThan(1e-4);
  });

  it('integrated-gradients --steps auto: steps per image and the achieved error on the console and in run.json; the cap warns in one line', async () => {
    const out = path('ig-auto');
    const r = await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'integrated-gradients', '--steps', 'auto', '--target', '1', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual([]);
    const a = await integratedGradients.attribute(lib(), batch, { steps: 'auto', target: 1 });
    const adaptive = (a.extras as { adaptiveSteps: { stepsPerImage: number[]; relativeError: number[] } }).adaptiveSteps;
    expect(Math.max(...adaptive.relativeError)).toBeLessThanOrEqual(0.01);
    expect(maxDiff((await readNpy(maps(out))).data, a.values.data)).toBeLessThan(1e-6);
    const [fewest, most] = [Math.min(...adaptive.stepsPerImage), Math.max(...adaptive.stepsPerImage)];
    expect(r.stdout).toContain(`steps per image ${fewest === most ? fewest : `${fewest}–${most}`} (--steps auto, tolerance 1.0%) in`);
    const record = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { options: { steps: string }; completeness: { adaptiveSteps: { stepsPerImage: number[]; tolerance: number; capped: number[] } } };
    expect(record.options.steps).toBe('auto');
    expect(record.completeness.adaptiveSteps).toMatchObject({ stepsPerImage: adaptive.stepsPerImage, tolerance: 0.01, capped: [] });

    const capped = await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'integrated-gradients', '--steps', 'auto', '--rule', 'riemann_trapezoid', '--max-steps', '20', '--target', '1', '--out', path('ig-cap'));
    expect(capped.code).toBe(0);
    expect(capped.stderr.filter((l) => l.includes('at the cap of 20 steps'))).toEqual([expect.stringMatching(/^trustscope: warning: integrated gradients: \d of 3 image\(s\) still have a completeness error above 1\.0% at the cap of 20 steps \(worst: image \d, [\d.]+%\); raise --max-steps/)]);
    const bad = await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'integrated-gradients', '--steps', 'many', '--out', path('ig-bad'));
    expect([bad.code, bad.stderr]).toEqual([1, ["trustscope: --steps must be an integer ≥ 1 or 'auto' (got 'many')"]]);
  });

  it('integrated-gradients and input-x-gradient on the linear model: (x − baseline) ⊙ W[target]', async () => {
    const x = await readNpy(path('lin.npy'));
    const ig = path('lin-ig');
    expect((await explain('--model', path('linear.onnx'), '--input', path('lin.npy'), '--method', 'integrated-gradients', '--target', '0', '--baseline', '0.5', '--out', ig)).code).toBe(0);
    const ixg = path('lin-ixg');
    expect((await explain('--model', path('linear.onnx'), '--input', path('lin.npy'), '--method', 'input-x-gradient', '--target', '0', '--out', ixg)).code).toBe(0);
    const v = await readNpy(maps(ig));
    const u = await readNpy(maps(ixg));
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 32; j++) {
        expect(v.data[i * 32 + j]).toBeCloseTo((x.data[i * 32 + j] - 0.5) * W[j], 5);
        expect(u.data[i * 32 + j]).toBe(Math.fround(x.data[i * 32 + j] * W[j]));
      }
  });

  it('smoothgrad, smoothgrad-sq and vargrad honour --nt-samples, --stdevs, --noise-fraction and --seed', async () => {
    const run = async (method: string, ...args: string[]) => {
      const out = path(`${method}-${args.join('_')}`);
      const r = await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', method, '--target', '0', ...args, '--out', out);
      expect(r.stderr).toEqual([]);
      expect(r.code).toBe(0);
      return (await readNpy(maps(out))).data;
    };
    const sg = await run('smoothgrad', '--nt-samples', '3', '--stdevs', '0.2', '--seed', '4');
    expect(maxDiff(sg, (await smoothGrad.attribute(lib(), batch, { target: 0, ntSamples: 3, stdevs: 0.2, seed: 4 })).values.data)).toBeLessThan(1e-6);
    expect(maxDiff(await run('smoothgrad', '--nt-samples', '3', '--stdevs', '0.2'), sg)).toBeGreaterThan(1e-4);
    // Without --seed the command's default seed 1 (the library's default is 0).
    const sq = await run('smoothgrad-sq', '--noise-fraction', '0.1');
    expect(maxDiff(sq, (await smoothGradSq.attribute(lib(), batch, { target: 0, noiseFraction: 0.1, seed: 1 })).values.data)).toBeLessThan(1e-6);
    // Captum's default noise (σ = 1.0, 5 samples).
    const vg = await run('vargrad');
    expect(maxDiff(vg, (await varGrad.attribute(lib(), batch, { target: 0, seed: 1 })).values.data)).toBeLessThan(1e-6);
  });

  it('bad options: one line, exit 1, no output file', async () => {
    const ok = ['--model', path('cnn.onnx'), '--input', path('batch.npy')];
    const cases: [string[], string][] = [
      [['--method', 'integrated-gradients', '--rule', 'simpson'], "--rule must be one of gausslegendre, riemann_left, riemann_right, riemann_middle, riemann_trapezoid (got 'simpson')"],
      [['--method', 'integrated-gradients', '--steps', '0'], "--steps must be an integer ≥ 1 or 'auto' (got '0')"],
      [['--method', 'integrated-gradients', '--rule', 'riemann_left', '--steps', '1'], 'integrated gradients with rule riemann_left needs an integer number of steps ≥ 2 (got 1)'],
      [['--method', 'smoothgrad', '--stdevs', '-1'], "--stdevs must be a number ≥ 0 (got '-1')"],
      [['--method', 'smoothgrad', '--nt-samples', '0'], "--nt-samples must be an integer ≥ 1 (got '0')"],
      [['--method', 'smoothgrad', '--stdevs', '0.1', '--noise-fraction', '0.1'], 'give --stdevs or --noise-fraction, not both'],
      [['--method', 'vargrad', '--seed', '-3'], "--seed must be an integer ≥ 0 (got '-3')"],
    ];
    for (const [k, [args, message]] of cases.entries()) {
      const out = path(`bad-${k}.npy`);
      const r = await explain(...ok, ...args, '--out', out);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toContain(`trustscope: ${message}`);
      expect(existsSync(out)).toBe(false);
    }
  });
});
