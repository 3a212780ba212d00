/** `trustscope explore --demo` at a reduced size: explore.json is filled; the summary's helpers are right. */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { conceptModelSeparation, demoConceptSets, largestConfusions, leadingPurity, meanPurity } from '../../src/cli/explore-demo.js';
import { MICROSTRUCTURE_CLASSES } from '../../src/data/synthetic/microstructures.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-explore-demo-');
afterAll(async () => (await dirP).cleanup());

describe('trustscope explore --demo', () => {
  it('trains on the microstructure set and writes explore.json with confusion, perClassAccuracy, tcav and ice', async () => {
    const dir = await dirP;
    const out = dir.path('demo');
    const r = await runCli(['explore', '--demo', '--demo-images', '100', '--demo-epochs', '2', '--ice-concepts', '2', '--top-k', '3', '--out', out, '--quiet']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(`${out}/explore.json`, 'utf8'));
    // 100 training images → a 50-image test split, 5 per class.
    expect(json.images).toBe(50);
    expect(json.confusion.classNames).toEqual([...MICROSTRUCTURE_CLASSES]);
    const matrix = json.confusion.matrix as number[][];
    expect(matrix.map((row) => row.reduce((a, b) => a + b))).toEqual(Array(10).fill(5));
    const diagonal = matrix.reduce((s, row, k) => s + row[k], 0);
    expect(json.accuracy).toBeCloseTo(diagonal / 50, 12);
    for (const [k, name] of MICROSTRUCTURE_CLASSES.entries()) expect(json.perClassAccuracy[name]).toBeCloseTo(matrix[k][k] / 5, 12);
    // Three concepts × ten classes at one layer, each tested against ten random sets.
    expect(json.tcav).toHaveLength(30);
    expect(new Set(json.tcav.map((t: { concept: string }) => t.concept))).toEqual(new Set(['fine stripes', 'bands', 'dotted']));
    expect(json.tcav[0].layer).toBe('pool2_out');
    expect(json.tcav[0].scores).toHaveLength(10);
    expect(Object.keys(json.ice.classes)).toEqual([...MICROSTRUCTURE_CLASSES]);
    for (const c of Object.values(json.ice.classes) as { concepts: { purity: number; topImages: number[] }[]; conceptModel: { purity: number; topImages: number[] }; network: { purity: number } }[]) {
      expect(c.concepts).toHaveLength(2);
      expect(c.conceptModel.topImages).toHaveLength(3);
      for (const p of [c.conceptModel.purity, c.network.purity]) expect(p * 3).toBeCloseTo(Math.round(p * 3), 12);
      for (const concept of c.concepts) {
        expect(concept.topImages).toHaveLength(3);
        expect(concept.purity).toBeGreaterThanOrEqual(0);
        expect(concept.purity).toBeLessThanOrEqual(1);
      }
    }
    const training = JSON.parse(await readFile(`${out}/explore-demo.json`, 'utf8'));
    expect(training).toMatchObject({ trainImages: 100, testImages: 50 });
    expect(training.history).toHaveLength(2);
    // Instance flow recorded while training: counts per class and epoch sum to the class size, and
    // the last epoch's test counts are the confusion matrix's rows (the explored model is that epoch's).
    expect(json.flow.epochs).toEqual([1, 2]);
    expect(Object.keys(json.flow.sets)).toEqual(['train', 'test']);
    const testFlow = json.flow.sets.test.classes as Record<string, { size: number; counts: number[][] }>;
    for (const [k, name] of MICROSTRUCTURE_CLASSES.entries()) {
      expect(testFlow[name].size).toBe(5);
      for (const row of testFlow[name].counts) expect(row.reduce((a, b) => a + b)).toBe(5);
      expect(testFlow[name].counts[1]).toEqual(matrix[k]);
    }
    const trainSizes = Object.values(json.flow.sets.train.classes as Record<string, { size: number; counts: number[][] }>).map((c) => c.size);
    expect(trainSizes.reduce((a, b) => a + b)).toBe(100);
    const record = JSON.parse(await readFile(`${out}/predictions-per-epoch.json`, 'utf8'));
    expect(record.epochs).toEqual([1, 2]);
    expect(record.instances).toHaveLength(150);
    const html = await readFile(`${out}/index.html`, 'utf8');
    expect(html).toContain('TCAV');
    expect(html).toMatch(/<svg[^>]*aria-label="Instance flow of equiaxed grains \(\d+ instances\) over epochs 1–2"/);
    // The global views: 8 principal components, B = 6 SP-LIME picks, an average map per class.
    expect(json.pca.explainedVarianceRatio).toHaveLength(8);
    expect(json.spLime.picked).toHaveLength(6);
    expect(Object.keys(json.globalAttribution.classes)).toEqual([...MICROSTRUCTURE_CLASSES]);
    for (const t of json.tcav) expect(t.randomConceptDerivatives).toHaveLength(10);
  }, 300_000);

  it('refuses --demo with a model of its own, and explore without --model, in one line', async () => {
    const dir = await dirP;
    const a = await runCli(['explore', '--demo', '--model', 'm.onnx', '--out', dir.path('x'), '--quiet']);
    expect(a.code).toBe(1);
    expect(a.stderr).toEqual([expect.stringMatching(/--demo brings its own model.*drop --model/)]);
    const b = await runCli(['explore', '--input', 'x.npy', '--out', dir.path('y'), '--quiet']);
    expect(b.code).toBe(1);
    expect(b.stderr).toEqual([expect.stringMatching(/explore needs --model, --labels \(or --demo/)]);
  });
});

describe('explore demo helpers', () => {
  it('ranks off-diagonal confusions and averages purity', () => {
    expect(largestConfusions([[5, 3, 0], [1, 4, 0], [0, 6, 2]], 2)).toEqual([[2, 1, 6], [0, 1, 3]]);
    expect(meanPurity([{ purity: 1 }, { purity: 0.5 }])).toBe(0.75);
    expect(meanPurity([])).toBe(0);
    expect(leadingPurity([{ purity: 0.2, importance: 1 }, { purity: 0.8, importance: 3 }, { purity: 1, importance: -5 }])).toBe(0.8);
  });

  it('separates the concept-model purity of the ambiguous pairs from the other classes', () => {
    const names = [...MICROSTRUCTURE_CLASSES];
    // Pairs (0,1) and (3,4) are ambiguous: purity 0.5 there, 1 elsewhere.
    const classes = Object.fromEntries(names.map((n, k) => [n, { concepts: [], conceptModel: { purity: [0, 1, 3, 4].includes(k) ? 0.5 : 1 } }]));
    expect(conceptModelSeparation({ confusion: { classNames: names, matrix: [] }, ice: { classes } })).toEqual({ clear: 1, ambiguous: 0.5, clearCount: 6, ambiguousCount: 4 });
    expect(conceptModelSeparation({ confusion: { classNames: names, matrix: [] }, ice: { classes: {} } })).toBeUndefined();
  });

  it('builds concept sets from the generator, seeded', () => {
    const a = demoConceptSets(3, 8, 3);
    expect(a.concepts.map((c) => c.name)).toEqual(['fine stripes', 'bands', 'dotted']);
    expect(a.concepts[0].images.shape).toEqual([8, 1, 32, 32]);
    expect(a.randoms).toHaveLength(3);
    expect(demoConceptSets(3, 8, 3).randoms[2].data).toEqual(a.randoms[2].data);
    expect(a.randoms[0].data).not.toEqual(a.randoms[1].data);
  });
});
