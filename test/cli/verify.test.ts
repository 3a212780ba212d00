/**
 * `trustscope verify`: an explain run and a small audit re-run to the same figures (exit 0); a
 * tampered input is named and stops the re-run (exit 1); a tampered figure is reported by its field;
 * every output carries the provenance it was re-run from.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tensor } from '../../src/tensor/tensor.js';
import { tempDir } from '../helpers/models.js';
import { rerunArguments } from '../../src/cli/verify.js';
import type { RunManifest } from '../../src/cli/output-folder.js';
import { runCli } from './cli-harness.js';

describe('trustscope verify', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    t = await tempDir('trustscope-verify-');
    const data = generateEmDefects({ count: 40, seed: 4 });
    await saveOnnxGraph(t.path('model.onnx'), tinyCnn({ seed: 2 }));
    await writeNpy(t.path('x.npy'), data.images);
    await writeNpy(t.path('y.npy'), tensor([40], data.labels));
    await writeNpy(t.path('roi.npy'), data.masks!.defect);
  });
  afterAll(async () => t.cleanup());

  it('an explain run (SmoothGrad: seeded noise) reproduces exactly', async () => {
    const out = t.path('explain');
    const r = await runCli(['explain', '--model', t.path('model.onnx'), '--input', t.path('x.npy'), '--method', 'smoothgrad', '--nt-samples', '4', '--seed', '7', '--out', out]);
    expect(r.code).toBe(0);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(run.provenance).toMatchObject({ command: 'explain', seed: 7, options: { method: 'smoothgrad', seed: 7 }, models: [{ producer: 'trustscope', opset: expect.any(Number) }] });
    expect(run.provenance.options.ntSamples).toBe(4);
    expect(run.provenance.machine.cores).toBeGreaterThan(0);
    const v = await runCli(['verify', out]);
    expect(v.stderr).toEqual([]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/reproduced: 1 output\(s\) of 'trustscope explain' match \(attributions\.npy\)/);
    expect(v.stdout).toMatch(/largest numeric gap 0\.00e\+0/);
  }, 60_000);

  it('a small audit reproduces, with provenance in audit.json, run.json and the page footer', async () => {
    const out = t.path('audit');
    const r = await runCli(['audit', '--model', t.path('model.onnx'), '--input', t.path('x.npy'), '--labels', t.path('y.npy'), '--roi', t.path('roi.npy'), '--skip', 'descriptors', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const audit = JSON.parse(await readFile(join(out, 'audit.json'), 'utf8'));
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(audit.provenance.models[0].sha256).toBe(run.inputs[0].sha256);
    expect(audit.provenance.inputs.map((i: { path: string }) => i.path)).toEqual([t.path('model.onnx'), t.path('x.npy'), t.path('y.npy'), t.path('roi.npy')]);
    expect(Object.keys(run.provenance.stages).length).toBeGreaterThan(0);
    expect(run.provenance.onnxruntime).toMatch(/^\d+\.\d+\.\d+/);
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<footer class="provenance">');
    expect(html).toContain(run.inputs[0].sha256.slice(0, 16));
    const v = await runCli(['verify', out]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/reproduced: 1 output\(s\) of 'trustscope audit' match \(audit\.json\)/);
    expect(v.stdout).toContain('not compared: index.html');

    // A figure changed after the run is reported by its field, and verify fails.
    const calibration = audit.models[0].findings.findIndex((f: { id: string }) => f.id === 'calibration');
    audit.models[0].findings[calibration].evidence.ece += 0.5;
    await writeFile(join(out, 'audit.json'), JSON.stringify(audit, null, 2));
    const bad = await runCli(['verify', out]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`NOT reproduced: 1 difference(s)`);
    expect(bad.stdout).toContain(`audit.json models[0].findings[${calibration}].evidence.ece`);
    expect(bad.stderr).toEqual([expect.stringMatching(/^trustscope: the figures in .* did not reproduce \(1 difference\(s\), listed above\)$/)]);
  }, 120_000);

  it('a tampered input is named and nothing is re-run', async () => {
    const out = t.path('tampered');
    expect((await runCli(['explain', '--model', t.path('model.onnx'), '--input', t.path('x.npy'), '--method', 'saliency', '--out', out])).code).toBe(0);
    const x = await readFile(t.path('x.npy'));
    x[x.length - 1] ^= 1;
    await writeFile(t.path('x.npy'), x);
    const v = await runCli(['verify', out]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`${t.path('x.npy')}: its SHA-256 differs from the one recorded`);
    expect(v.stdout).not.toContain('re-running');
    expect(v.stderr).toEqual([expect.stringMatching(/^trustscope: 1 input\(s\) differ from the ones .*run\.json records \(listed above\); restore them to verify the run$/)]);
    x[x.length - 1] ^= 1;
    await writeFile(t.path('x.npy'), x);
  }, 60_000);

  it('re-runs with --out replaced and relative paths made absolute against the recorded folder', () => {
    const manifest = { arguments: ['explain', '--model', 'model.onnx', '--out', 'old', '--method', 'saliency', '--input=x.npy'], provenance: { cwd: t.dir } } as unknown as RunManifest;
    expect(rerunArguments(manifest, '/tmp/new')).toEqual(['explain', '--model', t.path('model.onnx'), '--method', 'saliency', `--input=${t.path('x.npy')}`, '--out', '/tmp/new']);
  });

  it('a folder without run.json is one line', async () => {
    const v = await runCli(['verify', t.dir]);
    expect(v.code).toBe(1);
    expect(v.stderr).toEqual([`trustscope: ${t.dir} holds no run.json: verify re-runs a folder written by a trustscope command (its --out)`]);
  });
});
