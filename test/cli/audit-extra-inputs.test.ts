/**
 * The audit's extra inputs on the command line: a manifest's group:<name> columns become groupings
 * (as --groups name=… does) and its time column the drift check's axis (ISO date-times → hours);
 * --acquisition-time, --descriptors and --nuisance; each mistake is one line naming the fix.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tensor } from '../../src/tensor/tensor.js';
import { readManifest } from '../../src/cli/manifest.js';
import { linearModel, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

/** A one-page uint8 greyscale TIFF (little-endian, one strip) whose DateTime tag records `when` ('YYYY:MM:DD HH:MM:SS'). */
function timedTiff(pixels: Uint8Array, size: number, when: string): Uint8Array {
  const entries = 9;
  const ifdEnd = 8 + 2 + entries * 12 + 4;
  const data = ifdEnd + 20;
  const out = new Uint8Array(data + size * size);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, 8, true);
  v.setUint16(8, entries, true);
  const tags: [number, number, number, number][] = [[256, 3, 1, size], [257, 3, 1, size], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 1], [273, 4, 1, data], [278, 3, 1, size], [279, 4, 1, size * size], [306, 2, 20, ifdEnd]];
  tags.forEach(([tag, type, count, value], i) => {
    const e = 10 + i * 12;
    v.setUint16(e, tag, true);
    v.setUint16(e + 2, type, true);
    v.setUint32(e + 4, count, true);
    if (type === 3) v.setUint16(e + 8, value, true);
    else v.setUint32(e + 8, value, true);
  });
  out.set(new TextEncoder().encode(when.padEnd(19).slice(0, 19)), ifdEnd);
  out.set(pixels, data);
  return out;
}

const dirP = tempDir('trustscope-audit-extra-');
let f: (name: string) => string;
const N = 24;

beforeAll(async () => {
  f = (await dirP).path;
  const data = generateEmDefects({ count: N, seed: 4 });
  // A linear model: class 1 scores the centre's mean minus the image's mean, split at the median, so it predicts both classes.
  const centre = (p: number) => Math.abs((p >> 5) - 15.5) < 4 && Math.abs((p & 31) - 15.5) < 4;
  const w = new Float32Array(2 * 1024);
  for (let p = 0; p < 1024; p++) w[1024 + p] = (centre(p) ? 1 / 64 : 0) - 1 / 1024;
  const score = (i: number) => w.subarray(1024).reduce((a, v, p) => a + v * data.images.data[i * 1024 + p], 0);
  const scores = Array.from({ length: N }, (_, i) => score(i)).sort((a, b) => a - b);
  await saveOnnxGraph(f('model.onnx'), linearModel([1, 32, 32], w, [0, -(scores[N / 2 - 1] + scores[N / 2]) / 2]));
  const lines = ['path,label,group,group:session,time'];
  for (let i = 0; i < N; i++) {
    await writeNpy(f(`img-${i}.npy`), tensor([1, 32, 32], data.images.data.slice(i * 1024, (i + 1) * 1024)));
    const minute = String(i * 5).padStart(2, '0');
    const when = i < 12 ? `2024-03-01T10:${minute}:00Z` : `2024-03-01T11:${String((i - 12) * 5).padStart(2, '0')}:00Z`;
    lines.push(`img-${i}.npy,${data.labels[i]},S${i % 3},day${i < 12 ? 1 : 2},${when}`);
  }
  writeFileSync(f('manifest.csv'), lines.join('\n') + '\n');
  await writeNpy(f('x.npy'), data.images);
  await writeNpy(f('y.npy'), tensor([N], data.labels));
  await writeNpy(f('t.npy'), tensor([N], Array.from({ length: N }, (_, i) => i)));
  writeFileSync(f('descriptors.csv'), ['stage_temperature,dose', ...Array.from({ length: N }, (_, i) => `${20 + 0.1 * i},${data.labels[i] + 0.01 * i}`)].join('\n') + '\n');
});
afterAll(async () => (await dirP).cleanup());

describe('manifest columns for the audit', () => {
  it('group:<name> columns are groupings after the specimen column; a time column of ISO date-times becomes hours since the first image', async () => {
    const m = await readManifest(f('manifest.csv'), [1, 32, 32], undefined);
    expect(m.groupings).toEqual([{ name: 'session', ids: Array.from({ length: N }, (_, i) => (i < 12 ? 0 : 1)) }]);
    expect(m.acquisitionTime!.unit).toBe('hours since the first image');
    expect(m.acquisitionTime!.values[1]).toBeCloseTo(5 / 60, 12);
    expect(m.acquisitionTime!.values[12]).toBeCloseTo(1, 12);
    const bad = (name: string, text: string) => (writeFileSync(f(name), text), readManifest(f(name), [1, 32, 32], undefined));
    await expect(bad('a.csv', 'path,group:2x\nimg-0.npy,a\n')).rejects.toThrow(/a\.csv:1: column 'group:2x': a grouping column is group:<name>/);
    await expect(bad('b.csv', 'path,time\nimg-0.npy,yesterday\n')).rejects.toThrow(/b\.csv:2: column 'time': 'yesterday' is neither a number nor an ISO 8601 date-time/);
    await expect(bad('c.csv', 'path,time,acquired\nimg-0.npy,1,2\n')).rejects.toThrow(/a 'time' or an 'acquired' column, not both/);
    // No zone means UTC, whatever the machine's zone: one hour between the two, whichever way it is written.
    const zoned = await bad('d.csv', 'path,time\nimg-0.npy,2024-03-01 10:00:00\nimg-1.npy,2024-03-01T11:00:00Z\n');
    expect(zoned.acquisitionTime!.values).toEqual([0, 1]);
  });

  it("a time cell 'file' takes the time the image file records (a TIFF's DateTime); a file without one is refused by row", async () => {
    const pixels = Uint8Array.from({ length: 1024 }, (_, p) => p % 251);
    writeFileSync(f('early.tif'), timedTiff(pixels, 32, '2024:03:01 10:00:00'));
    writeFileSync(f('late.tif'), timedTiff(pixels, 32, '2024:03:01 13:30:00'));
    writeFileSync(f('timed.csv'), 'path,label,acquired\nlate.tif,1,file\nearly.tif,0,file\n');
    const m = await readManifest(f('timed.csv'), [1, 32, 32], { kind: 'minmax' });
    expect(m.acquisitionTime).toEqual({ values: [3.5, 0], unit: 'hours since the first image' });
    writeFileSync(f('untimed.csv'), 'path,time\nimg-0.npy,file\n');
    await expect(readManifest(f('untimed.csv'), [1, 32, 32], undefined)).rejects.toThrow(/untimed\.csv:2: .*img-0\.npy records no acquisition time \(looked for TIFF DateTime/);
  });

  it('audit --manifest: the session grouping reaches the confounder probe, the time column the drift check; --descriptors and --nuisance the descriptor checks', async () => {
    const skip = ['--skip', 'ood,sanity,shortcut,intervention,calibration,conformal,class-recall,leakage', '--no-progress'];
    const r = await runCli(['audit', '--model', f('model.onnx'), '--manifest', f('manifest.csv'), '--descriptors', f('descriptors.csv'), '--nuisance', 'stage_temperature', ...skip, '--out', f('out')]);
    expect(r.stderr.join('\n')).toBe('');
    expect(r.code).toBe(0);
    const audit = JSON.parse(readFileSync(join(f('out'), 'audit.json'), 'utf8'));
    const findings = Object.fromEntries(audit.models[0].findings.map((x: { id: string }) => [x.id, x]));
    expect(findings['confounder-probe'].evidence.groupings.map((g: { grouping: string }) => g.grouping)).toEqual(['specimen', 'session']);
    expect(findings.drift.verdict).not.toBe('not-run');
    expect(findings.drift.evidence.timeUnit).toBe('hours since the first image');
    expect(findings.descriptors.evidence.nuisance).toEqual(['stage_temperature']);
    expect(findings.descriptors.evidence.features).toEqual(['stage_temperature', 'dose']);
    const run = JSON.parse(readFileSync(join(f('out'), 'run.json'), 'utf8'));
    expect(JSON.stringify(run)).toContain('descriptors.csv');
  });

  it('refuses mistakes in one line: unknown nuisance, wrong row counts, times given twice, with --demo', async () => {
    const base = ['audit', '--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--no-progress'];
    const one = async (args: string[]) => {
      const r = await runCli(args);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toHaveLength(1);
      return r.stderr[0];
    };
    expect(await one([...base, '--nuisance', 'corner_brightnes', '--out', f('e1')])).toMatch(/--nuisance names corner_brightnes, which the built-in descriptors do not hold; choose from mean_brightness, .*corner_brightness/);
    expect(await one([...base, '--descriptors', f('descriptors.csv'), '--nuisance', 'corner_brightness', '--out', f('e2')])).toMatch(/descriptors\.csv does not hold; choose from stage_temperature, dose/);
    writeFileSync(f('short.csv'), 'a,b\n1,2\n');
    expect(await one([...base, '--descriptors', f('short.csv'), '--out', f('e3')])).toMatch(/short\.csv has 1 rows but 24 images are audited/);
    await writeNpy(f('t5.npy'), tensor([5], [1, 2, 3, 4, 5]));
    expect(await one([...base, '--acquisition-time', f('t5.npy'), '--out', f('e4')])).toMatch(/--acquisition-time needs \(24,\): one acquisition time per image/);
    expect(await one(['audit', '--model', f('model.onnx'), '--manifest', f('manifest.csv'), '--acquisition-time', f('t.npy'), '--no-progress', '--out', f('e5')])).toMatch(/give the acquisition times one way/);
    expect(await one(['audit', '--demo', '--nuisance', 'corner_brightness', '--out', f('e6')])).toMatch(/--demo audits its own data: drop --acquisition-time/);
  });
});
