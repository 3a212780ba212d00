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
import { metrics } from '../../src/evaluate/registry.js';
import { explainers } from '../../src/attribution/registry.js';
import { road } from '../../src/evaluate/road.js';
import { manipulateExplanations } from '../../src/evaluate/explanation-manipulation.js';
import { infidelity } from '../../src/evaluate/infidelity.js';
import { sufficiency } from '../../src/evaluate/sufficiency.js';
import { argmaxRows, sliceRows, tensor } from '../../src/tensor/tensor.js';
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
  await writeNpy(path('x1.npy'), sliceRows(images, 0, 1));
  await writeNpy(path('mask.npy'), mask);
  await writeNpy(path('bad-mask.npy'), tensor([2, S, S]));
});
afterAll(async () => (await dirP).cleanup());

const evaluate = (...args: string[]) => runCli(['evaluate', '--quiet', ...args]);

describe('trustscope evaluate', () => {
  it('writes evaluation.json equal to the library result and an HTML page with every check', async () => {
    const out = path('eval');
    const r = await evaluate('--model', path('cnn.onnx'), '--input', path('x.npy'), '--roi', path('mask.npy'), '--method', 'saliency', '--out', out, '--modes', 'cascading', '--samples', '4', '--deletion-steps', '8');
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
      seed: 1,
      metricOptions: {
        randomisation: { modes: ['cascading'], passRatio: 0.5 },
        faithfulness: { baseline: 'zero', steps: 8, patch: 1 },
        robustness: { radius: 0.2, samples: 4, attack: 'fgsm' },
      },
    });
    expect(json.provenance.command).toBe('evaluate');
    expect({ ...json, provenance: undefined }).toEqual(evaluationJson(lib));
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

  it('reaches road, infidelity and sufficiency through --metrics and their flags; the numbers equal road.ts, infidelity.ts and sufficiency.ts called directly', async () => {
    const out = path('eval-registered');
    const r = await evaluate(
      '--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'saliency', '--out', out, '--seed', '2',
      '--metrics', 'road,infidelity,sufficiency',
      '--road-percentages', '25,75', '--road-noise', '0.02',
      '--infidelity-samples', '4', '--infidelity-std', '0.01',
      '--sufficiency-threshold', '0.8', '--sufficiency-distance', 'cosine',
    );
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    for (const name of ['road', 'infidelity', 'sufficiency']) expect(r.stdout).toMatch(new RegExp(`^[✔✘ℹ] ${name}: `, 'm'));
    const json = JSON.parse(await readFile(`${out}/evaluation.json`, 'utf8'));
    expect(json.metrics).toEqual(['road', 'infidelity', 'sufficiency']);
    // The independent reference: the maps and each metric computed here, not through evaluate.
    const model = new OnnxModel(graph);
    const targets = argmaxRows(await model.forward(images));
    const maps = (await saliency.attribute(model, images, { abs: true, target: targets, seed: 2 })).values;
    const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));
    expect(json.results.road).toEqual(asJson(await road(model, images, maps, { percentages: [25, 75], noise: 0.02, target: targets, seed: 2 })));
    const inf = await infidelity(model, images, maps, { perturbation: { kind: 'gaussian', std: 0.01 }, samples: 4, target: targets, seed: 2 });
    expect(json.results.infidelity.perImage).toEqual(asJson(inf.perImage));
    expect(json.results.infidelity.settings).toMatchObject({ std: 0.01, samples: 4, seed: 2, baseline: 'zero' });
    expect(json.results.sufficiency).toEqual(asJson(await sufficiency(model, images, maps, { threshold: 0.8, distance: 'cosine' })));
    await model.dispose();
    const html = await readFile(`${out}/index.html`, 'utf8');
    for (const id of ['verdicts', 'road', 'infidelity', 'sufficiency']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('LeRF − MoRF');
  });

  it('reaches the manipulation attack through --metrics and its flags; evaluation.json equals manipulateExplanations called directly, the page draws its pictures', async () => {
    const out = path('eval-manipulation');
    const r = await evaluate('--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'saliency', '--out', out, '--seed', '3', '--metrics', 'manipulation', '--manipulation-steps', '4', '--manipulation-norm', 'l2', '--manipulation-target', 'other-image');
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[✔✘] manipulation: (not )?manipulable/m);
    const json = JSON.parse(await readFile(`${out}/evaluation.json`, 'utf8'));
    const model = new OnnxModel(graph);
    const targets = argmaxRows(await model.forward(images));
    const lib = await manipulateExplanations(model, saliency, images, targets, { steps: 4, norm: 'l2', target: 'other-image', seed: 3, explain: { abs: true } });
    await model.dispose();
    const { maps: _maps, ...numbers } = lib;
    expect(json.results.manipulation).toEqual(JSON.parse(JSON.stringify(numbers)));
    const html = await readFile(`${out}/index.html`, 'utf8');
    expect(html).toContain('id="manipulation"');
    expect(html).toContain('perturbation δ');
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

  it('writes run.json beside the results: command, seed 1, method and its options, metrics, hashed inputs', async () => {
    const out = path('eval-manifest');
    const r = await evaluate('--model', path('cnn.onnx'), '--input', path('x.npy'), '--roi', path('mask.npy'), '--method', 'saliency', '--metrics', 'localisation,complexity', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(await readFile(`${out}/run.json`, 'utf8'));
    expect(manifest.command).toBe('evaluate');
    expect(manifest.seed).toBe(1);
    expect(manifest.method).toBe('saliency');
    expect(manifest.options).toEqual({ abs: true });
    expect(manifest.metrics).toEqual(['localisation', 'complexity']);
    expect(manifest.outputs).toEqual(['evaluation.json', 'index.html']);
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual([path('cnn.onnx'), path('x.npy'), path('mask.npy')]);
  });

  it("takes the chosen method's declared options under explain's names (--window, --stride, --rise-masks…)", async () => {
    const out = path('eval-occlusion');
    const r = await evaluate('--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'occlusion', '--window', '2', '--stride', '2', '--baseline', '0.5', '--metrics', 'complexity', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(`${out}/evaluation.json`, 'utf8'));
    const { occlusion } = await import('../../src/attribution/occlusion.js');
    const lib = await evaluateExplanations(new OnnxModel(graph), occlusion, images, { metrics: ['complexity'], explain: { window: 2, stride: 2, baseline: 0.5 }, seed: 1 });
    expect(json.provenance.command).toBe('evaluate');
    expect({ ...json, provenance: undefined }).toEqual(evaluationJson(lib));
    // The declared defaults differ (window 4, stride 1, baseline 0): the flags reached the method.
    const defaults = await evaluateExplanations(new OnnxModel(graph), occlusion, images, { metrics: ['complexity'], seed: 1 });
    expect(json).not.toEqual(evaluationJson(defaults));
    const rise = await evaluate('--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'rise', '--rise-masks', '20', '--cell', '4', '--metrics', 'complexity', '--out', path('eval-rise'));
    expect(rise.stderr).toEqual([]);
    expect(rise.code).toBe(0);
  });

  it('names each user error in one line and writes nothing', async () => {
    const base = ['--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'saliency'];
    const cases: [string[], RegExp][] = [
      [[...base, '--out', path('e1'), '--metrics', 'localisation'], /--metrics localisation needs --roi ROI.npy/],
      [[...base, '--out', path('e2'), '--metrics', 'randomisation,speed'], /--metrics: unknown metric 'speed'; choose from randomisation, localisation/],
      [[...base, '--out', path('e3'), '--roi', path('bad-mask.npy')], /bad-mask.npy has shape \[2, 16, 16\]; a mask must be \(16, 16\) for all images or \(3, 16, 16\)/],
      [[...base, '--out', path('e4'), '--modes', 'sideways'], /--modes: unknown 'sideways'; choose from cascading, independent/],
      [[...base, '--out', path('e5'), '--pass-ratio', '2'], /--pass-ratio must be a number > 0 and ≤ 1 \(got '2'\)/],
      [[...base, '--out', path('e8'), '--attack', 'cw'], /--attack must be one of fgsm, pgd \(got 'cw'\)/],
      [['--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'nope', '--out', path('e6')], /unknown method 'nope'; available: saliency/],
      [['--model', path('missing.onnx'), '--input', path('x.npy'), '--method', 'saliency', '--out', path('e7')], /cannot read .*missing.onnx: no such file/],
      [[...base, '--out', path('e9'), '--metrics', 'complexity', '--samples', '4'], /--samples does not apply to complexity; it is an option of robustness/],
      [['--model', path('cnn.onnx'), '--input', path('x1.npy'), '--method', 'saliency', '--out', path('e10'), '--metrics', 'sufficiency'], /--metrics sufficiency compares explanations across inputs and needs at least 2 images \(got 1\)/],
      [[...base, '--out', path('e11'), '--metrics', 'road', '--road-percentages', '0,50'], /--road-percentages must be a comma-separated list of integers ≥ 1 and ≤ 99 \(got '0,50'\)/],
      [[...base, '--out', path('e12'), '--window', '3'], /--window does not apply to saliency; it is an option of occlusion/],
      [['--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'grad-cam', '--out', path('e13')], /--method grad-cam needs --layer <name>/],
      [['--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'smoothgrad', '--stdevs', '0.1', '--noise-fraction', '0.1', '--out', path('e14')], /give --stdevs or --noise-fraction, not both/],
      [[...base, '--out', path('e15'), '--target', '0,1'], /--target lists 2 classes for 3 images/],
    ];
    for (const [args, message] of cases) {
      const r = await evaluate(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(/^trustscope: /);
      expect(r.stderr[0]).toMatch(message);
    }
    for (const d of ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9', 'e10', 'e11', 'e12', 'e13', 'e14', 'e15']) expect(existsSync(path(d))).toBe(false);
  });

  it('the old hand-declared flags are unknown: --mask is --roi, --masks is --rise-masks, --patch is --patch-size', async () => {
    for (const old of [['--mask', path('mask.npy')], ['--masks', '10'], ['--patch', '2']]) {
      const r = await evaluate('--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'saliency', ...old, '--out', path('old'));
      expect(r.code).toBe(1);
      expect(r.stderr.join(' ')).toMatch(new RegExp(`unknown option '${old[0]}'`));
    }
    expect(existsSync(path('old'))).toBe(false);
  });

  it('--help lists the checks, the options and an example', async () => {
    const r = await evaluate('--help');
    expect(r.code).toBe(0);
    for (const word of ['--roi', '--metrics', '--modes', '--pass-ratio', 'randomisation', 'localisation', 'faithfulness', 'robustness', 'complexity', 'Examples:']) expect(r.stdout).toContain(word);
    // Every registered metric, its description and each of its declared flags, from the registry.
    const literal = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const metric of metrics.values()) {
      expect(r.stdout).toMatch(new RegExp(`^  ${metric.name} +${literal(metric.description.split(' ').slice(0, 3).join(' '))}`, 'm'));
      for (const o of metric.options) expect(r.stdout).toMatch(new RegExp(`^  ${o.flag}( |$)`, 'm'));
    }
    // Every method's declared flags too, as in explain --help.
    for (const e of explainers.values()) for (const o of e.options) expect(r.stdout, `${e.name} ${o.flag}`).toMatch(new RegExp(`^  ${o.flag}( |$)`, 'm'));
    expect(r.stdout).toContain('needs --roi');
  });
});
