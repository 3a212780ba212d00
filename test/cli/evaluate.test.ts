/**
 * `trustscope evaluate` on files: evaluation.json equals the library's result for the same
 * settings, index.html holds the sections and inline pictures, and user errors are one line.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { saliency } from '../../src/attribution/saliency.js';
import { evaluateExplanations, evaluationJson } from '../../src/evaluate/evaluate.js';
import { tensor } from '../../src/tensor/tensor.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const S = 16;
const dirP = tempDir('trustscope-evaluate-');
let path: (name: string) => string;
const graph = tinyCnn({ size: S, seed: 5 });
const images = randomTensor([3, 1, S, S], 6);
const mask = tensor([S, S], Float32Array.from({ length: S * S }, (_, p) => (Math.floor(p / S) < 6 && p % S < 6 ? 1 : 0)));

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('cnn.onnx'), graph);
  await writeNpy(path('x.npy'), images);
  await writeNpy(path('mask.npy'), mask);
  await writeNpy(path('bad-mask.npy'), tensor([2, S, S]));
});
afterAll(async () => (await dirP).cleanup());

const evaluate = (...args: string[]) => runCli(['evaluate', ...args]);

describe('trustscope evaluate', () => {
  it('writes evaluation.json equal to the library result and an HTML page with every check', async () => {
    const out = path('eval');
    const r = await evaluate('--model', path('cnn.onnx'), '--input', path('x.npy'), '--mask', path('mask.npy'), '--method', 'saliency', '--out', out, '--modes', 'cascading', '--samples', '4', '--deletion-steps', '8');
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    // One verdict line per check, then where the files went.
    for (const check of ['randomisation', 'localisation', 'faithfulness', 'robustness', 'complexity']) expect(r.stdout).toMatch(new RegExp(`^[✔✘ℹ] ${check}: `, 'm'));
    expect(r.stdout).toContain(`${out}/evaluation.json`);
    const json = JSON.parse(await readFile(`${out}/evaluation.json`, 'utf8'));
    const masks = tensor([3, S, S], new Float32Array(3 * S * S).map((_, i) => mask.data[i % (S * S)]));
    const lib = await evaluateExplanations(new OnnxModel(graph), saliency, images, {
      metrics: ['randomisation', 'localisation', 'faithfulness', 'robustness', 'complexity'],
      mask: masks,
      explain: { abs: true },
      metricOptions: {
        randomisation: { modes: ['cascading'], passRatio: 0.5 },
        faithfulness: { baseline: 'zero', steps: 8, patch: 1 },
        robustness: { radius: 0.2, samples: 4, attack: 'fgsm' },
      },
    });
    expect(json).toEqual(evaluationJson(lib));
    expect(json.randomisation.cascading.map((s: { layer: string }) => s.layer)).toEqual(['fc2', 'fc1', 'conv2', 'conv1']);
    expect(json.randomisation.cascading[0].maps).toBeUndefined();
    expect(json.adversarial.metric).toBe('adversarial-flip');
    const html = await readFile(`${out}/index.html`, 'utf8');
    for (const id of ['verdicts', 'randomisation', 'localisation', 'faithfulness', 'robustness', 'complexity']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('<svg'); // the charts
    // Three example rows: the image, the trained map and one map per cascade step.
    expect(html.match(/<img src="data:image\/png;base64,/g)!.length).toBe(3 * (2 + 4));
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // self-contained
  });

  it('leaves localisation out without a mask and skips what --metrics does not ask for', async () => {
    const out = path('eval-small');
    const r = await evaluate('--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'saliency', '--out', out, '--metrics', 'complexity');
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(`${out}/evaluation.json`, 'utf8'));
    expect(json.metrics).toEqual(['complexity']);
    expect(json.randomisation).toBeUndefined();
    expect(json.complexity.images).toBe(3);
  });

  it('names each user error in one line and writes nothing', async () => {
    const base = ['--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'saliency'];
    const cases: [string[], RegExp][] = [
      [[...base, '--out', path('e1'), '--metrics', 'localisation'], /--metrics localisation needs --mask MASK.npy/],
      [[...base, '--out', path('e2'), '--metrics', 'randomisation,speed'], /--metrics: unknown metric 'speed'; choose from randomisation, localisation/],
      [[...base, '--out', path('e3'), '--mask', path('bad-mask.npy')], /bad-mask.npy has shape \[2, 16, 16\]; a mask must be \(16, 16\) for all images or \(3, 16, 16\)/],
      [[...base, '--out', path('e4'), '--modes', 'sideways'], /--modes: unknown 'sideways'; choose from cascading, independent/],
      [[...base, '--out', path('e5'), '--pass-ratio', '2'], /--pass-ratio must be a number > 0 and ≤ 1 \(got '2'\)/],
      [[...base, '--out', path('e8'), '--attack', 'cw'], /--attack must be one of fgsm, pgd \(got 'cw'\)/],
      [['--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'nope', '--out', path('e6')], /unknown method 'nope'; available: saliency/],
      [['--model', path('missing.onnx'), '--input', path('x.npy'), '--method', 'saliency', '--out', path('e7')], /cannot read .*missing.onnx: no such file/],
    ];
    for (const [args, message] of cases) {
      const r = await evaluate(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(/^trustscope: /);
      expect(r.stderr[0]).toMatch(message);
    }
    for (const d of ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8']) expect(existsSync(path(d))).toBe(false);
  });

  it('--help lists the checks, the options and an example', async () => {
    const r = await evaluate('--help');
    expect(r.code).toBe(0);
    for (const word of ['--mask', '--metrics', '--modes', '--pass-ratio', 'randomisation', 'localisation', 'faithfulness', 'robustness', 'complexity', 'Example:']) expect(r.stdout).toContain(word);
  });
});
