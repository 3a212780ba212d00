/** `trustscope explore`: explore.json's numbers agree with the model's own predictions; concept folders drive TCAV. */
import { mkdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { OnnxModel } from '../../src/models/model.js';
import { writeNpy } from '../../src/data/formats/npy.js';
import { argmaxRows, tensor } from '../../src/tensor/tensor.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-explore-');
let dir: Awaited<typeof dirP>;
const graph = tinyCnn({ size: 16, seed: 1 });
const x = randomTensor([12, 1, 16, 16], 5);
const labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0];

beforeAll(async () => {
  dir = await dirP;
  await saveOnnxGraph(dir.path('m.onnx'), graph);
  await writeNpy(dir.path('x.npy'), x);
  await writeNpy(dir.path('y.npy'), tensor([12], labels));
  // A "bright" concept (images at 0.8–1) and four random sets.
  for (const [name, seed, lo] of [['bright', 10, 0.8], ['random-1', 11, 0], ['random-2', 12, 0], ['random-3', 13, 0], ['random-4', 14, 0]] as const) {
    await mkdir(dir.path(`concepts/${name}`), { recursive: true });
    await writeNpy(dir.path(`concepts/${name}/set.npy`), randomTensor([6, 1, 16, 16], seed, lo, 1));
  }
});
afterAll(async () => dir.cleanup());

describe('trustscope explore', () => {
  it('writes explore.json (confusion from the model\u2019s predictions, TCAV, ICE, fidelity) and index.html', async () => {
    const out = dir.path('out');
    const r = await runCli(['explore', '--model', dir.path('m.onnx'), '--input', dir.path('x.npy'), '--labels', dir.path('y.npy'), '--concepts', dir.path('concepts'), '--class-names', 'grain,void', '--ice-concepts', '2', '--top-k', '3', '--out', out, '--quiet']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(`${out}/explore.json`, 'utf8'));
    const predictions = argmaxRows(await new OnnxModel(graph).forward(x));
    const expected = [[0, 0], [0, 0]];
    labels.forEach((y, i) => expected[y][predictions[i]]++);
    expect(json.confusion).toEqual({ classNames: ['grain', 'void'], matrix: expected });
    expect(json.perClassAccuracy.grain).toBeCloseTo(expected[0][0] / 6, 12);
    expect(json.tcav).toHaveLength(2);
    expect(json.tcav[0]).toMatchObject({ concept: 'bright', layer: 'relu2_out', class: 'grain' });
    expect(json.tcav[0].scores).toHaveLength(4);
    expect(Object.keys(json.ice.classes)).toEqual(['grain', 'void']);
    expect(json.ice.classes.grain.concepts).toHaveLength(2);
    expect(json.ice.classes.grain.concepts[0].topImages).toHaveLength(3);
    expect(json.ice.classes.grain.conceptModel.topImages).toHaveLength(3);
    expect(json.ice.classes.grain.network.topProbabilities).toHaveLength(3);
    const points = json.ice.fidelity.points as { components: number; agreement: number }[];
    expect(points.map((p) => p.components)).toEqual([1, 2, 4, 8, 16]);
    // 16 of 16 channels: NMF at full rank reconstructs the layer (almost) exactly.
    expect(points.at(-1)!.agreement).toBeGreaterThanOrEqual(11 / 12);
    const html = await readFile(`${out}/index.html`, 'utf8');
    expect(html).toContain('Where does it err?');
    expect(html).toContain('TCAV');
    expect(html).toContain('data:image/png;base64');
  });

  it('refuses a concept folder without enough random sets, in one line', async () => {
    await mkdir(dir.path('few/stripes'), { recursive: true });
    await mkdir(dir.path('few/random-1'), { recursive: true });
    await writeNpy(dir.path('few/stripes/a.npy'), randomTensor([3, 1, 16, 16], 1));
    await writeNpy(dir.path('few/random-1/a.npy'), randomTensor([3, 1, 16, 16], 2));
    const r = await runCli(['explore', '--model', dir.path('m.onnx'), '--input', dir.path('x.npy'), '--labels', dir.path('y.npy'), '--concepts', dir.path('few'), '--out', dir.path('out2'), '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/1 random set \(sub-folders named random\*\); .* at least 3/);
  });
});
