/**
 * `trustscope explain` builds its method flags from the methods' declared options: every declared
 * flag is in `--help` with its owners, a flag the chosen method does not declare is one error line,
 * the renamed flags (--rise-masks, --patch-size) work and the old ones are gone, array files are read
 * before the run, the seed defaults to 1, and --batch-size (the model's batch size) changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { explainers } from '../../src/attribution/registry.js';
import { rise } from '../../src/attribution/rise.js';
import { gradientShap } from '../../src/attribution/gradient-shap.js';
import { DEFAULT_SEED } from '../../src/cli/run.js';
import { maxAbsDiff, randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-cli-options-');
let path: (name: string) => string;
const graph = tinyCnn({ size: 8, seed: 3 });
const batch = randomTensor([2, 1, 8, 8], 5);

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('cnn.onnx'), graph);
  await writeNpy(path('batch.npy'), batch);
  await writeNpy(path('background.npy'), randomTensor([3, 1, 8, 8], 6));
});
afterAll(async () => (await dirP).cleanup());

const explain = (...args: string[]) => runCli(['explain', '--model', path('cnn.onnx'), '--input', path('batch.npy'), ...args]);
const maps = (out: string) => join(out, 'attributions.npy');

async function expectOneLine(args: string[], message: string | RegExp): Promise<void> {
  const r = await explain(...args, '--out', path('err'));
  expect(r.code).toBe(1);
  expect(r.stderr).toHaveLength(1);
  if (typeof message === 'string') expect(r.stderr[0]).toContain(message);
  else expect(r.stderr[0]).toMatch(message);
}

describe('trustscope explain: flags from the declared options', () => {
  it('--help lists every declared flag of every registered method, naming its methods', async () => {
    const help = (await runCli(['explain', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const e of explainers.values()) {
      for (const spec of e.options) expect(help, `${e.name} ${spec.flag}`).toContain(`${spec.flag} `);
    }
    expect(help).toContain('--rise-masks <n> rise: number of random masks N (default 2000)');
    expect(help).toMatch(/--patch-size <n> kernel-shap, [a-z-, ]*lime: side of the square patches/);
    expect(help).not.toMatch(/--masks |--patch </);
  });

  it('a flag the chosen method does not take is one line naming who takes it', async () => {
    await expectOneLine(['--method', 'saliency', '--window', '3'], '--window does not apply to saliency; it is an option of occlusion');
    await expectOneLine(['--method', 'gradient-shap', '--noise-fraction', '0.1'], '--noise-fraction does not apply to gradient-shap; it is an option of smoothgrad, smoothgrad-sq, vargrad');
    await expectOneLine(['--method', 'attention-rollout', '--head', '0'], '--head does not apply to attention-rollout; it is an option of attention');
    // A method may accept fewer choices than the merged flag: checked against its own declaration.
    await expectOneLine(['--method', 'guided-grad-cam', '--layer', 'relu1_out', '--upsample', 'none'], "--upsample must be one of nearest, bilinear (got 'none')");
    await expectOneLine(['--method', 'rise', '--probability', '0'], "--probability must be a number > 0 and ≤ 1 (got '0')");
    await expectOneLine(['--method', 'grad-cam'], /--method grad-cam needs --layer <name>/);
  });

  it('the old --masks and --patch are unknown options', async () => {
    for (const old of [['--method', 'rise', '--masks', '10'], ['--method', 'lime', '--patch', '2']]) {
      const r = await explain(...old, '--out', path('old'));
      expect(r.code).not.toBe(0);
      expect(r.stderr.join(' ')).toMatch(/unknown option/);
    }
  });

  it('--rise-masks with the default seed 1 writes the library result; --batch-size changes nothing', async () => {
    expect(DEFAULT_SEED).toBe(1);
    const out = path('rise');
    const r = await explain('--method', 'rise', '--rise-masks', '40', '--cell', '4', '--target', '1', '--batch-size', '3', '--out', out);
    expect(r.stderr).toEqual([]);
    const written = (await readNpy(maps(out))).data;
    const lib = await rise.attribute(new OnnxModel(graph), batch, { target: 1, masks: 40, cell: 4, seed: 1 });
    expect(maxAbsDiff(written, lib.values.data)).toBeLessThan(1e-6);
    expect((await explain('--method', 'rise', '--rise-masks', '40', '--cell', '4', '--target', '1', '--batch-size', '256', '--out', out)).code).toBe(0);
    expect(maxAbsDiff((await readNpy(maps(out))).data, written)).toBeLessThan(1e-6);
  });

  it('--baselines is read as an array file before the run (gradient-shap)', async () => {
    const out = path('gshap');
    const r = await explain('--method', 'gradient-shap', '--baselines', path('background.npy'), '--nt-samples', '4', '--stdevs', '0.1', '--seed', '3', '--target', '0', '--out', out);
    expect(r.stderr).toEqual([]);
    const lib = await gradientShap.attribute(new OnnxModel(graph), batch, { target: 0, baselines: await readNpy(path('background.npy')), ntSamples: 4, stdevs: 0.1, seed: 3 });
    expect(maxAbsDiff((await readNpy(maps(out))).data, lib.values.data)).toBeLessThan(1e-6);
    // The baselines file is an input of the run: run.json holds its hash; the options hold its path.
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual([path('cnn.onnx'), path('batch.npy'), path('background.npy')]);
    expect(manifest.options.baselines).toBe(path('background.npy'));
    await expectOneLine(['--method', 'gradient-shap', '--baselines', path('nope.npy')], `cannot read ${path('nope.npy')}`);
  });
});
