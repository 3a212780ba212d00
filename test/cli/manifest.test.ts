/**
 * `--manifest FILE.csv`: images (PNG files and multi-frame TIFF stacks) with labels, named specimen
 * groups and ROI mask files from one table give the same audit, explain and evaluate numbers as the
 * same images as .npy arrays with --labels/--groups/--roi; problems name the CSV line and column.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { writeNpy } from '../../src/data/formats/npy.js';
import { readArrayFile } from '../../src/data/formats/registry.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { concatRows, tensor, type Tensor } from '../../src/tensor/tensor.js';
import { readManifest } from '../../src/cli/manifest.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

/** A minimal baseline TIFF: uint8 greyscale pages, uncompressed, one strip each, little-endian. */
function tiffStack(pages: Uint8Array[], width: number, height: number): Uint8Array {
  const entries = 8;
  const ifdSize = 2 + entries * 12 + 4;
  const total = 8 + pages.length * (ifdSize + width * height);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, 8, true);
  let at = 8;
  pages.forEach((page, k) => {
    const data = at + ifdSize;
    const next = k + 1 < pages.length ? data + width * height : 0;
    v.setUint16(at, entries, true);
    const tags: [number, number, number][] = [[256, 3, width], [257, 3, height], [258, 3, 8], [259, 3, 1], [262, 3, 1], [273, 4, data], [278, 3, height], [279, 4, width * height]];
    tags.forEach(([tag, type, value], i) => {
      const e = at + 2 + i * 12;
      v.setUint16(e, tag, true);
      v.setUint16(e + 2, type, true);
      v.setUint32(e + 4, 1, true);
      if (type === 3) v.setUint16(e + 8, value, true);
      else v.setUint32(e + 8, value, true);
    });
    v.setUint32(at + 2 + entries * 12, next, true);
    out.set(page, data);
    at = data + width * height;
  });
  return out;
}

const dirP = tempDir('trustscope-manifest-');
let f: (name: string) => string;
const N = 40;
/** PNG rows before the two 4-frame TIFF rows. */
const SINGLES = 16;
/** Manifest order → data index; the two TIFF stacks hold four images of one class each. */
let order: number[] = [];
let csvLines: string[] = [];

beforeAll(async () => {
  f = (await dirP).path;
  mkdirSync(f('tiles'));
  const data = generateEmDefects({ count: N, seed: 3 });
  await saveOnnxGraph(f('model.onnx'), tinyCnn({ seed: 2 }));
  const px = 32 * 32;
  const bytesOf = (i: number) => Uint8Array.from(data.images.data.subarray(i * px, (i + 1) * px), (x) => Math.round(Math.min(1, Math.max(0, x)) * 255));
  const maskOf = (i: number) => Uint8Array.from(data.masks!.defect.data.subarray(i * px, (i + 1) * px), (m) => (m > 0 ? 255 : 0));
  const byClass = (c: number) => [...Array(N).keys()].filter((i) => data.labels[i] === c).slice(0, 4);
  const stacks = [byClass(0), byClass(1)];
  const inStack = new Set(stacks.flat());
  const singles = [...Array(N).keys()].filter((i) => !inStack.has(i));
  const specimen = (i: number) => `S${(i % 3) + 1}`;
  csvLines = ['path,label,group,roi'];
  order = [];
  for (const i of singles.slice(0, SINGLES)) {
    writeFileSync(f(`tiles/img-${i}.png`), encode({ width: 32, height: 32, data: bytesOf(i), channels: 1, depth: 8 }));
    writeFileSync(f(`tiles/roi-${i}.png`), encode({ width: 32, height: 32, data: maskOf(i), channels: 1, depth: 8 }));
    csvLines.push(`tiles/img-${i}.png,${data.labels[i]},${specimen(i)},tiles/roi-${i}.png`);
    order.push(i);
  }
  stacks.forEach((s, k) => {
    writeFileSync(f(`stack-${k}.tif`), tiffStack(s.map(bytesOf), 32, 32));
    writeFileSync(f(`stack-${k}-roi.tif`), tiffStack(s.map(maskOf), 32, 32));
    // quoted, as a spreadsheet writes a field it considers text
    csvLines.push(`"stack-${k}.tif",${k},"S${k + 1}","stack-${k}-roi.tif"`);
    order.push(...s);
  });
  writeFileSync(f('manifest.csv'), csvLines.join('\r\n') + '\r\n');
  // The same images as arrays: read back from the very files (so both runs see identical pixels).
  const images: Tensor[] = [];
  const masks: Tensor[] = [];
  for (const line of csvLines.slice(1)) {
    const [path, , , roi] = line.split(',').map((c) => c.replace(/"/g, ''));
    const a = (await readArrayFile(f(path))).values;
    const m = (await readArrayFile(f(roi))).values;
    const n = a.shape.length === 4 ? a.shape[0] : 1;
    images.push(tensor([n, 1, 32, 32], a.data));
    masks.push(tensor([n, 32, 32], Float32Array.from(m.data, (x) => (x !== 0 ? 1 : 0))));
  }
  await writeNpy(f('x.npy'), concatRows(images));
  await writeNpy(f('roi.npy'), concatRows(masks));
  const labels = csvLines.slice(1).flatMap((line, r) => Array(r < SINGLES ? 1 : 4).fill(Number(line.split(',')[1])));
  await writeNpy(f('y.npy'), tensor([labels.length], labels));
  // named groups are numbered in order of first appearance
  const names = csvLines.slice(1).flatMap((line, r) => Array(r < SINGLES ? 1 : 4).fill(line.split(',')[2].replace(/"/g, '')));
  const ids = new Map<string, number>();
  for (const g of names) if (!ids.has(g)) ids.set(g, ids.size);
  await writeNpy(f('g.npy'), tensor([names.length], names.map((g) => ids.get(g)!)));
});
afterAll(async () => (await dirP).cleanup());

describe('readManifest', () => {
  it('reads files in row order, a stack as its frames sharing label, group and mask', async () => {
    const m = await readManifest(f('manifest.csv'), [1, 32, 32], { kind: 'minmax' });
    expect(m.images.shape).toEqual([SINGLES + 8, 1, 32, 32]);
    expect(m.labels).toEqual([...csvLines.slice(1, SINGLES + 1).map((l) => Number(l.split(',')[1])), 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(m.groups!.slice(SINGLES)).toEqual(Array(4).fill(m.groups![csvLines.slice(1).findIndex((l) => l.includes(',S1,'))]).concat(Array(4).fill(m.groups![csvLines.slice(1).findIndex((l) => l.includes(',S2,'))])));
    expect(m.roi!.shape).toEqual([SINGLES + 8, 32, 32]);
    expect(new Set(m.roi!.data)).toEqual(new Set([0, 1]));
    expect(m.files).toHaveLength(1 + 2 * (SINGLES + 2));
  });

  it('errors name the CSV line and column', async () => {
    const bad = (name: string, text: string) => (writeFileSync(f(name), text), readManifest(f(name), [1, 32, 32], { kind: 'minmax' }, {}, 2));
    await expect(bad('a.csv', 'path,label\nstack-0.tif,0\nstack-1.tif,abc\n')).rejects.toThrow(/a\.csv:3: column 'label': 'abc' is not an integer class$/);
    await expect(bad('b.csv', 'path,label\nstack-0.tif,7\n')).rejects.toThrow(/b\.csv:2: column 'label': class 7, but the model has 2 classes \(0\.\.1\)$/);
    await expect(bad('c.csv', 'path,lable\nstack-0.tif,1\n')).rejects.toThrow(/c\.csv:1: unknown column 'lable'; the columns are path, label, group, roi/);
    await expect(bad('d.csv', 'path,label\nstack-0.tif\n')).rejects.toThrow(/d\.csv:2: 1 cells but the header has 2 columns/);
    await expect(bad('e.csv', 'path,group\nstack-0.tif,\n')).rejects.toThrow(/e\.csv:2: column 'group' is empty/);
    await expect(bad('g.csv', 'path\nstack-0.tif\nmissing.png\n')).rejects.toThrow(/g\.csv:3: cannot read .*missing\.png: no such file/);
    await expect(bad('h.csv', 'path,roi\nstack-0.tif,tiles\n')).rejects.toThrow(/h\.csv:2: .*tiles/);
    await expect(bad('i.csv', 'label\n1\n')).rejects.toThrow(/i\.csv:1: the header has no 'path' column/);
  });
});

describe('--manifest on the command line gives the numbers of the equivalent arrays', () => {
  const common = ['--model', '', '--normalise', 'minmax', '--no-progress'];
  const withModel = () => common.map((a) => (a === '' ? f('model.onnx') : a));

  it('audit: verdicts and every number equal; run.json hashes the CSV and every file it names', async () => {
    const skip = ['--skip', 'ood,descriptors,sanity', '--folds', '2'];
    const a = await runCli(['audit', ...withModel(), '--manifest', f('manifest.csv'), ...skip, '--out', f('audit-m')]);
    expect(a.stderr).toEqual([]);
    expect(a.code).toBe(0);
    const b = await runCli(['audit', ...withModel(), '--input', f('x.npy'), '--labels', f('y.npy'), '--groups', f('g.npy'), '--roi', f('roi.npy'), ...skip, '--out', f('audit-a')]);
    expect(b.code).toBe(0);
    const [ja, jb] = [f('audit-m'), f('audit-a')].map((d) => JSON.parse(readFileSync(join(d, 'audit.json'), 'utf8')));
    const strip = (j: { models: { name: string; timings?: unknown }[]; timings?: unknown }) => JSON.stringify({ ...j, timings: undefined, provenance: undefined, models: j.models.map((m) => ({ ...m, timings: undefined })) });
    expect(strip(ja)).toEqual(strip(jb));
    expect(ja.models[0].verdicts.leakage).not.toBe('not-run');
    expect(ja.models[0].verdicts.shortcut).not.toBe('not-run');
    const run = JSON.parse(readFileSync(join(f('audit-m'), 'run.json'), 'utf8'));
    expect(run.inputs.map((i: { path: string }) => i.path.split('/').pop())).toEqual(expect.arrayContaining(['manifest.csv', 'stack-0.tif', 'stack-1-roi.tif', 'model.onnx']));
  }, 120_000);

  it('explain and evaluate (localisation from the roi column) equal the arrays', async () => {
    const e1 = await runCli(['explain', ...withModel().slice(0, 4), '--method', 'saliency', '--manifest', f('manifest.csv'), '--out', f('ex-m')]);
    expect(e1.stderr).toEqual([]);
    const e2 = await runCli(['explain', ...withModel().slice(0, 4), '--method', 'saliency', '--input', f('x.npy'), '--out', f('ex-a')]);
    expect(e2.code).toBe(0);
    expect(readFileSync(join(f('ex-m'), 'attributions.npy')).equals(readFileSync(join(f('ex-a'), 'attributions.npy')))).toBe(true);
    const args = ['--method', 'saliency', '--metrics', 'localisation,complexity'];
    const v1 = await runCli(['evaluate', ...withModel(), ...args, '--manifest', f('manifest.csv'), '--out', f('ev-m')]);
    expect(v1.stderr).toEqual([]);
    const v2 = await runCli(['evaluate', ...withModel(), ...args, '--input', f('x.npy'), '--roi', f('roi.npy'), '--out', f('ev-a')]);
    expect(v2.code).toBe(0);
    const [a, b] = [f('ev-m'), f('ev-a')].map((d) => JSON.parse(readFileSync(join(d, 'evaluation.json'), 'utf8')));
    const metricsOf = (j: { metrics: unknown }) => JSON.stringify(j.metrics);
    expect(metricsOf(a)).toEqual(metricsOf(b));
  }, 120_000);

  it('refuses a manifest given with the arrays it replaces, one line', async () => {
    const r = await runCli(['audit', ...withModel(), '--manifest', f('manifest.csv'), '--labels', f('y.npy'), '--out', f('x1')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual(['trustscope: --manifest replaces --labels: give the images (and their labels, groups and masks) one way, not both']);
    const e = await runCli(['explain', ...withModel().slice(0, 2), '--method', 'saliency', '--out', f('x2')]);
    expect(e.code).toBe(1);
    expect(e.stderr[0]).toMatch(/give the images: --input X\.npy .* or --manifest FILE\.csv/);
  });
});
