/**
 * `remedy --from-audit`: the artifact taken from an audit.json finding. On a 16×16 shortcut model
 * (a 3×3 corner mark on exactly the defect tiles, as in remedy.test.ts) the audit's shortcut finding
 * records a hotspot window on the corner and the intervention finding the patch's pixels; remedy
 * builds its mask from them and removes the shortcut. Hand-made audit.json files pin the choice
 * rules and the one-line errors.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactFromAudit, meanInside } from '../../src/cli/remedy-from-audit.js';
import { writeNpy } from '../../src/data/formats/npy.js';
import { cornerMask, generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { trainClassifier } from '../../src/models/train.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tensor } from '../../src/tensor/tensor.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const shortcutFinding = (verdict: string, artifact: object) => ({ id: 'shortcut', verdict, evidence: { perClass: [{ class: 1, verdict, artifact }] } });

describe('remedy --from-audit', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    t = await tempDir('trustscope-from-audit-');
  });
  afterAll(async () => t.cleanup());

  it('takes the flagged shortcut window as a box mask, prefers the intervention patch, and refuses ambiguity in one line', async () => {
    const window = { y: 12, x: 13, height: 3, width: 3, size: 3, class: 1, share: 0.9 };
    await writeFile(t.path('a.json'), JSON.stringify({ tool: 'trustscope audit', models: [{ name: 'clean', findings: [shortcutFinding('pass', window)] }, { name: 'm', findings: [shortcutFinding('flag', window)] }] }));
    const a = await artifactFromAudit(t.path('a.json'), 16, 16);
    expect(a.class).toBe(1);
    expect(a.value).toBeUndefined();
    expect([...a.mask.keys()].filter((p) => a.mask[p] === 1)).toEqual([12 * 16 + 13, 12 * 16 + 14, 12 * 16 + 15, 13 * 16 + 13, 13 * 16 + 14, 13 * 16 + 15, 14 * 16 + 13, 14 * 16 + 14, 14 * 16 + 15]);
    expect(a.source).toMatch(/class 1's hotspot, 3×3 px at \(y 12, x 13\), at one place in 90% of its images/);

    const intervention = { id: 'intervention', verdict: 'flag', evidence: { targetClass: 0, value: 0.8, patch: { height: 16, width: 16, pixels: [0, 1, 16] } } };
    await writeFile(t.path('b.json'), JSON.stringify({ tool: 'trustscope audit', models: [{ name: 'm', findings: [shortcutFinding('flag', window), intervention] }] }));
    const b = await artifactFromAudit(t.path('b.json'), 16, 16);
    expect([b.class, b.value, [...b.mask.keys()].filter((p) => b.mask[p] === 1)]).toEqual([0, 0.8, [0, 1, 16]]);

    await writeFile(t.path('c.json'), JSON.stringify({ tool: 'trustscope audit', models: [{ name: 'p', findings: [intervention] }, { name: 'q', findings: [intervention] }] }));
    await expect(artifactFromAudit(t.path('c.json'), 16, 16)).rejects.toThrow(/flags several models \(p, q\); audit the model you remedy on its own, or give --artifact-mask/);
    await writeFile(t.path('d.json'), JSON.stringify({ tool: 'trustscope audit', models: [{ name: 'p', findings: [shortcutFinding('pass', window)] }] }));
    await expect(artifactFromAudit(t.path('d.json'), 16, 16)).rejects.toThrow(/flags no shortcut or intervention finding/);
    await expect(artifactFromAudit(t.path('b.json'), 32, 32)).rejects.toThrow(/the intervention patch is 16×16 but the model takes 32×32 images/);
    await expect(artifactFromAudit(t.path('none.json'), 16, 16)).rejects.toThrow(/no such file; give the audit.json a 'trustscope audit' wrote/);
  });

  it('measures the intensity as the mean of the class images inside the mask', () => {
    const images = tensor([2, 1, 2, 2], [1, 2, 3, 4, 10, 20, 30, 40]);
    expect(meanInside(images, [1, 0], 1, Float32Array.from([1, 0, 0, 1]))).toBe(2.5);
  });

  it('audit → remedy --from-audit on a real shortcut model: the corner is found, masked and unlearnt', async () => {
    const base = { size: 16, artifactSize: 3, radius: [2, 3] as [number, number], contrast: [0.2, 0.4] as [number, number], artifact: 'with-defect' as const };
    const train = generateEmDefects({ ...base, count: 500, seed: 3 });
    const test = generateEmDefects({ ...base, count: 120, seed: 4 });
    const flagged = await trainClassifier(tinyCnn({ size: 16, seed: 1 }), train.images, train.labels, { epochs: 4, batchSize: 32, learningRate: 3e-3, seed: 2 });
    await saveOnnxGraph(t.path('model.onnx'), flagged.graph);
    const labels = (l: readonly number[]) => tensor([l.length], Float32Array.from(l));
    await writeNpy(t.path('train.npy'), train.images);
    await writeNpy(t.path('train-labels.npy'), labels(train.labels));
    await writeNpy(t.path('test.npy'), test.images);
    await writeNpy(t.path('test-labels.npy'), labels(test.labels));
    await writeNpy(t.path('roi.npy'), test.masks!.defect);
    await writeNpy(t.path('corner.npy'), tensor([16, 16], cornerMask(16, 3)));
    const audit = await runCli(['audit', '--model', t.path('model.onnx'), '--input', t.path('test.npy'), '--labels', t.path('test-labels.npy'), '--roi', t.path('roi.npy'),
      '--skip', 'leakage,calibration,class-recall,sanity,descriptors,ood,conformal', '--out', t.path('audit'), '--quiet']);
    expect(audit.code).toBe(0);
    const json = JSON.parse(await readFile(t.path('audit/audit.json'), 'utf8'));
    const shortcut = json.models[0].findings.find((f: { id: string }) => f.id === 'shortcut');
    expect(shortcut.verdict).toBe('flag');
    const cls1 = shortcut.evidence.perClass.find((c: { class: number }) => c.class === 1);
    // Every scale keeps its windows, one per source image, inside the image.
    for (const s of cls1.scales) {
      expect(s.hotspots.length).toBe(s.sources);
      for (const w of s.hotspots) expect(w.y + s.window <= 16 && w.x + s.window <= 16).toBe(true);
    }
    // The quoted window overlaps the painted 3×3 corner.
    expect(cls1.artifact).toMatchObject({ class: 1 });
    expect(cls1.artifact.y).toBeLessThan(3);
    expect(cls1.artifact.x).toBeLessThan(3);

    const r = await runCli([
      'remedy', '--model', t.path('model.onnx'), '--train-input', t.path('train.npy'), '--train-labels', t.path('train-labels.npy'),
      '--input', t.path('test.npy'), '--labels', t.path('test-labels.npy'), '--roi', t.path('roi.npy'), '--from-audit', t.path('audit/audit.json'),
      '--remedies', 'counterfactual-augmentation', '--epochs', '4', '--skip', 'leakage,calibration,class-recall,sanity,descriptors,ood,conformal', '--out', t.path('out'), '--quiet',
    ]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/artifact from .*audit\.json: the shortcut finding: class 1's hotspot/);
    const remedy = JSON.parse(await readFile(t.path('out/remedy.json'), 'utf8'));
    const [m] = remedy.remedies;
    expect(m.before.verdicts.intervention).toBe('flag');
    expect(m.after.verdicts.intervention).not.toBe('flag');
    expect(m.artifactFreeAccuracy.after).toBeGreaterThan(m.artifactFreeAccuracy.before);
    const run = JSON.parse(await readFile(t.path('out/run.json'), 'utf8'));
    expect(run.inputs.map((i: { path: string }) => i.path)).toContain(t.path('audit/audit.json'));
  }, 300_000);
});
