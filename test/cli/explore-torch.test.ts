/**
 * explore on a model exported from PyTorch (the Captum TCAV fixture's CNN, torch.onnx.export) with
 * its concept sets given as a CSV manifest: any ONNX classifier, not only the zoo's.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { loadModel } from '../../src/models/import/load-model.js';
import { argmaxRows, tensor } from '../../src/tensor/tensor.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const fixture = join(__dirname, '..', 'fixtures', 'concepts', 'captum-tcav');
const dirP = tempDir('trustscope-explore-torch-');
let dir: Awaited<typeof dirP>;
const sets = ['striped', 'blob', 'random-0', 'random-1', 'random-2', 'random-3'];
let labels: number[];

beforeAll(async () => {
  dir = await dirP;
  for (const f of ['model.onnx', 'inputs.npy', ...sets.map((s) => `${s}.npy`)]) await copyFile(join(fixture, f), dir.path(f));
  const model = await loadModel(dir.path('model.onnx'));
  // Labels: the model's own predictions with every fifth flipped, so there are errors to show.
  labels = argmaxRows(await model.forward(await readNpy(dir.path('inputs.npy')))).map((p, i) => (i % 5 === 0 ? (p + 1) % 3 : p));
  await model.dispose();
  await writeNpy(dir.path('y.npy'), tensor([labels.length], labels));
  await writeFile(dir.path('concepts.csv'), ['file,concept', ...sets.map((s) => `${s}.npy,${s}`)].join('\n') + '\n');
});
afterAll(async () => dir.cleanup());

describe('trustscope explore on a PyTorch-exported model', () => {
  it('runs every view (TCAV from a CSV manifest, ICE, PCA, class-average SHAP, SP-LIME)', async () => {
    const out = dir.path('out');
    const r = await runCli(['explore', '--model', dir.path('model.onnx'), '--input', dir.path('inputs.npy'), '--labels', dir.path('y.npy'), '--concepts', dir.path('concepts.csv'), '--ice-concepts', '2', '--top-k', '3', '--representatives', '3', '--out', out, '--quiet']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(`${out}/explore.json`, 'utf8'));
    expect(json.misclassified.length).toBeGreaterThanOrEqual(6);
    expect(new Set(json.tcav.map((t: { concept: string }) => t.concept))).toEqual(new Set(['striped', 'blob']));
    expect(json.tcav[0].layer).toBe('/relu2/Relu_output_0');
    expect(json.tcav[0].randomConceptDerivatives).toHaveLength(4);
    expect(json.pca.explainedVarianceRatio).toHaveLength(8);
    const ratios = json.pca.explainedVarianceRatio as number[];
    for (let k = 1; k < ratios.length; k++) expect(ratios[k]).toBeLessThanOrEqual(ratios[k - 1] + 1e-12);
    expect(ratios.reduce((a, b) => a + b)).toBeLessThanOrEqual(1 + 1e-9);
    expect(json.spLime.picked).toHaveLength(3);
    const coverage = json.spLime.coverage as number[];
    for (let k = 1; k < coverage.length; k++) expect(coverage[k]).toBeGreaterThanOrEqual(coverage[k - 1]);
    expect(coverage.at(-1)).toBeLessThanOrEqual(1 + 1e-9);
    const present = new Set(labels).size;
    expect(Object.keys(json.globalAttribution.classes)).toHaveLength(present);
    const run = JSON.parse(await readFile(`${out}/run.json`, 'utf8'));
    expect(JSON.stringify(run)).toContain('concepts.csv');
    const html = await readFile(`${out}/index.html`, 'utf8');
    for (const heading of ['PCA of the data', 'Global vs local', 'SP-LIME', 'TCAV', 'ICE']) expect(html).toContain(heading);
  }, 120_000);
});
