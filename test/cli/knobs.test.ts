/**
 * `trustscope knobs` on the user's own models (here the analytic pipeline of
 * test/helpers/toy-knob-models.ts, whose slopes are its weights): knobs.json holds the issue's
 * fields with provenance, index.html is written, and bad input is one line that writes nothing.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tensor } from '../../src/tensor/tensor.js';
import { K, W, toyKnobModels } from '../helpers/toy-knob-models.js';
import { runCli } from './cli-harness.js';

describe('trustscope knobs', () => {
  let dir = '';
  const f = (name: string) => join(dir, name);
  const rows = [0.2, 0.5, 0.4, 0.6, 0.3, 0.5, 0.4, 0.7, 0.6, 0.5, 0.5, 0.5];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trustscope-knobs-'));
    await saveOnnxGraph(f('R.onnx'), toyKnobModels.regressor);
    await saveOnnxGraph(f('G.onnx'), toyKnobModels.decoder);
    await saveOnnxGraph(f('E.onnx'), toyKnobModels.encoder);
    await saveOnnxGraph(f('C.onnx'), toyKnobModels.critic);
    await writeNpy(f('x.npy'), tensor([4, 1, 1, K], rows));
    await writeNpy(f('a.npy'), tensor([4, K], rows));
    await writeNpy(f('lots.npy'), tensor([4], [0, 0, 1, 1]));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const base = () => ['knobs', '--regressor', f('R.onnx'), '--generator', f('G.onnx'), '--encoder', f('E.onnx'), '--input', f('x.npy'), '--attributes', 'a,b,c', '--iterations', '5', '--quiet'];

  it('writes knobs.json (sensitivity, counterfactual, entanglement, generator, provenance) and index.html', async () => {
    const out = f('k');
    const r = await runCli([...base(), '--attribute-values', f('a.npy'), '--critic', f('C.onnx'), '--lots', f('lots.npy'), '--out', out]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'knobs.json'), 'utf8'));
    expect(Object.keys(json.sensitivity)).toEqual(['a', 'b', 'c']);
    ['a', 'b', 'c'].forEach((n, j) => expect(json.sensitivity[n].estimated).toBeCloseTo(W[j], 4));
    expect(json.counterfactual).toHaveProperty('successRate');
    expect(Object.keys(json.counterfactual.meanDeltas.up)).toEqual(['a', 'b', 'c']);
    expect(json.entanglement.byCritic.matrix).toHaveLength(3);
    expect(json.generator.editingAccuracy.byCritic.gain.a).toBeCloseTo(1, 4);
    expect(json.perLot).toHaveLength(2);
    expect(json.provenance).toBeDefined();
    expect(json.timings.total).toBeGreaterThan(0);
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Forward sensitivity');
    expect(html).not.toMatch(/<script|https?:\/\/(?!vega\.github\.io|www\.w3\.org)/);
    expect(r.stdout).toContain('→');
  });

  it('reads the attributes off the tiles with the critic when no values are given', async () => {
    const r = await runCli([...base(), '--critic', f('C.onnx'), '--out', f('k2')]);
    expect(r.stderr).toEqual([]);
    const json = JSON.parse(await readFile(join(f('k2'), 'knobs.json'), 'utf8'));
    expect(json.sensitivity.b.estimated).toBeCloseTo(W[1], 4);
  });

  it('bad input: one line naming the fix, nothing written', async () => {
    const cases: [string[], RegExp][] = [
      [['knobs', '--out', f('bad1')], /give --demo, or the models and tiles to explain: missing --regressor/],
      [[...base(), '--out', f('bad2')], /--attribute-values A\.npy.*or --critic/],
      [[...base(), '--attribute-values', f('lots.npy'), '--out', f('bad3')], /lots\.npy has shape \[4\]; give \(4, 3\)/],
      [[...base().map((a) => (a === 'a,b,c' ? 'a,b' : a)), '--attribute-values', f('a.npy'), '--out', f('bad4')], /takes 3 attributes but 2 names/],
      [[...base(), '--attribute-values', f('a.npy'), '--target-change', '2', '--out', f('bad5')], /--target-change must be in \(0, 1\)/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(message);
    }
    expect((await readdir(dir)).filter((n) => n.startsWith('bad'))).toEqual([]);
  });
});
