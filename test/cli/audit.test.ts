/** `trustscope audit` on user files: arrays in, audit.json and index.html out; bad input is one line and writes nothing. */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { cornerMask, generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tensor } from '../../src/tensor/tensor.js';
import { CHECKS } from '../../src/audit/checks.js';
import { runCli } from './cli-harness.js';

describe('trustscope audit (user files)', () => {
  let dir = '';
  const f = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trustscope-audit-cli-'));
    const data = generateEmDefects({ count: 60, seed: 3 });
    await saveOnnxGraph(f('model.onnx'), tinyCnn({ seed: 2 }));
    await writeNpy(f('x.npy'), data.images);
    await writeNpy(f('y.npy'), tensor([60], data.labels));
    await writeNpy(f('roi.npy'), data.masks!.defect);
    await writeNpy(f('corner.npy'), tensor([32, 32], cornerMask(32, 6)));
    const nan = data.images.data.slice();
    nan[5] = NaN;
    await writeNpy(f('nan.npy'), tensor(data.images.shape, nan));
    const badLabels = [...data.labels];
    badLabels[10] = 7;
    await writeNpy(f('y7.npy'), tensor([60], badLabels));
    await writeNpy(f('empty.npy'), tensor([0, 1, 32, 32]));
    await writeNpy(f('g.npy'), tensor([60], Array.from({ length: 60 }, (_, i) => i % 3)));
    await writeNpy(f('s.npy'), tensor([60], Array.from({ length: 60 }, (_, i) => Math.floor(i / 30))));
    await writeNpy(f('s59.npy'), tensor([59], new Array(59).fill(0)));
    await mkdir(f('other'));
    await writeFile(f('other/run.json'), JSON.stringify({ tool: 'trustscope', command: 'explain', outputs: [] }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes audit.json and index.html; stages without their inputs say not-run', async () => {
    const out = f('report');
    const r = await runCli(['audit', '--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--roi', f('roi.npy'), '--patch-file', f('corner.npy'), '--patch-class', '1', '--skip', 'descriptors', '--out', out, '--no-progress']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'audit.json'), 'utf8'));
    const verdicts = json.models[0].verdicts as Record<string, string>;
    expect(Object.keys(verdicts)).toEqual(CHECKS.map((c) => c.id).filter((id) => id !== 'descriptors'));
    expect(json.models[0].findings.find((x: { id: string }) => x.id === 'intervention').evidence.patchPixels).toBe(36);
    expect(verdicts.leakage).toBe('not-run');
    expect(verdicts.ood).toBe('not-run');
    expect(verdicts.calibration).not.toBe('not-run');
    expect(r.stdout).toContain('NOT-RUN');
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('Verdicts');
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.command).toBe('audit');
    expect(manifest.seed).toBe(1);
    expect(manifest.outputs).toEqual(['audit.json', 'index.html']);
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual([f('model.onnx'), f('x.npy'), f('y.npy'), f('roi.npy'), f('corner.npy')]);
    expect(manifest.inputs.every((i: { sha256: string }) => /^[0-9a-f]{64}$/.test(i.sha256))).toBe(true);
  }, 120_000);

  it('--groups name=FILE,…: every grouping is probed and recorded as an input', async () => {
    const out = f('groupings');
    const skip = CHECKS.map((c) => c.id).filter((id) => id !== 'confounder-probe').join(',');
    const r = await runCli(['audit', '--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--groups', `specimen=${f('g.npy')},session=${f('s.npy')}`, '--skip', skip, '--out', out, '--no-progress']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'audit.json'), 'utf8'));
    const probe = json.models[0].findings.find((x: { id: string }) => x.id === 'confounder-probe');
    expect(probe.verdict).not.toBe('not-run');
    expect(probe.evidence.groupings.map((g: { grouping: string; groups: number }) => [g.grouping, g.groups])).toEqual([['specimen', 3], ['session', 2]]);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.inputs.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining([f('g.npy'), f('s.npy')]));
  }, 120_000);

  it("refuses a folder holding another command's results unless --force", async () => {
    const r = await runCli(['audit', '--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--skip', 'leakage,sanity,descriptors,ood,shortcut', '--out', f('other'), '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/holds results of 'trustscope explain'.*--force/);
  });

  it('bad input: one line, exit 1, nothing written', async () => {
    const cases: [string[], RegExp][] = [
      [['--model', f('model.onnx'), '--input', f('x.npy')], /--labels Y\.npy/],
      [['--demo', '--model', f('model.onnx')], /--demo trains its own models/],
      [['--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--skip', 'nonsense'], /--skip takes/],
      [['--model', f('model.onnx'), '--input', f('y.npy'), '--labels', f('y.npy')], /y\.npy has shape .*60.* but the model takes/],
      [['--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--patch-file', f('corner.npy')], /--patch-file needs --patch-class/],
      [['--model', f('model.onnx'), '--input', f('nan.npy'), '--labels', f('y.npy')], /nan\.npy: NaN at image 0, pixel \(0, 5\)/],
      [['--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y7.npy')], /y7\.npy row 10: label 7, but the model has 2 classes/],
      [['--model', f('model.onnx'), '--input', f('empty.npy'), '--labels', f('y.npy')], /empty\.npy holds no images/],
      [['--model', f('missing.onnx'), '--input', f('x.npy'), '--labels', f('y.npy')], /missing\.onnx/],
      [['--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--folds', '1'], /--folds must be an integer ≥ 2/],
      [['--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--groups', `specimen=${f('g.npy')},oops`], /--groups takes G\.npy or name=G\.npy.*'oops' is not name=FILE/],
      [['--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--groups', `specimen=${f('g.npy')},session=${f('s59.npy')}`], /s59\.npy.*59/],
      [['--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--skip', 'leakage', '--folds', '3'], /--folds does not apply .* option of leakage/],
    ];
    for (const [args, message] of cases) {
      const out = f('bad');
      const r = await runCli(['audit', ...args, '--out', out, '--no-progress']);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.length, args.join(' ')).toBe(1);
      expect(r.stderr[0]).toMatch(message);
      expect(await readdir(dir)).not.toContain('bad');
    }
  });

  it("--help lists every registered check for --skip and every check's declared option", async () => {
    const r = await runCli(['audit', '--help']);
    const help = r.stdout;
    for (const c of CHECKS) {
      expect(help).toContain(c.id);
      for (const o of c.options) expect(help, `${c.id} ${o.flag}`).toContain(o.flag);
    }
  });
});
