/**
 * `explain --tile` and `audit --tile` end to end on files: the written map equals the library's
 * stitched map, tiles.json holds every tile's answer and the aggregates, a stack gives one map per
 * image and per-group answers, uint16 data needs --normalise, and every mistake is one line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpyArray, readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { saliency } from '../../src/attribution/saliency.js';
import { explainTiled } from '../../src/attribution/tiled-explain.js';
import { aggregateTileOutputs } from '../../src/attribution/tiled-aggregate.js';
import { normalise } from '../../src/data/normalise.js';
import { tileGrid } from '../../src/data/tiling.js';
import { reshape, tensor } from '../../src/tensor/tensor.js';
import { ATTRIBUTIONS } from '../../src/cli/explain.js';
import { SINGLE_MAP, TILES_JSON } from '../../src/cli/explain-tiled.js';
import { maxAbsDiff, randomTensor, tempDir } from '../helpers/models.js';
import { expectUserErrors, runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-tiled-');
let path: (name: string) => string;
const graph = tinyCnn({ size: 16, seed: 3 });
const big = randomTensor([1, 50, 41], 8);
const [SH, SW] = [60, 56];
const counts = Uint16Array.from({ length: 2 * SH * SW }, (_, i) => (i * 7919) % 4001);

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('m.onnx'), graph);
  await writeNpy(path('big.npy'), reshape(big, [50, 41]));
  await writeFile(path('stack.npy'), encodeNpyArray(counts, [2, SH, SW]));
  await writeNpy(path('groups.npy'), tensor([2], [7, 7]));
  await writeNpy(path('labels.npy'), tensor([2], [0, 1]));
  await writeNpy(path('small.npy'), randomTensor([10, 12], 1));
});
afterAll(async () => (await dirP).cleanup());

const explain = (...args: string[]) => runCli(['explain', ...args]);

describe('explain --tile', () => {
  it('writes the stitched map of one image at full resolution, equal to the library, and tiles.json', async () => {
    expect(SINGLE_MAP).toBe(ATTRIBUTIONS);
    const out = path('one');
    const r = await explain('--model', path('m.onnx'), '--input', path('big.npy'), '--method', 'saliency', '--tile', '--tile-overlap', '4px', '--png', '--quiet', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const map = await readNpy(join(out, ATTRIBUTIONS));
    expect(map.shape).toEqual([1, 50, 41]);
    const lib = await explainTiled(saliency, new OnnxModel(graph), big, { overlap: { pixels: 4 }, seed: 1 });
    expect(maxAbsDiff(map.data, lib.values.data)).toBe(0);
    const json = JSON.parse(readFileSync(join(out, TILES_JSON), 'utf8'));
    const grid = tileGrid(50, 41, 16, 16, { pixels: 4 });
    expect(json.images).toHaveLength(1);
    expect(json.images[0].grid).toMatchObject({ ys: grid.ys, xs: grid.xs, count: grid.count, tile: [16, 16], overlap: [4, 4] });
    expect(json.images[0].tileOutputs).toHaveLength(grid.count);
    expect(json.images[0].explained).toEqual({ class: lib.aggregate.predicted });
    expect(json.images[0].aggregate.predicted).toBe(lib.aggregate.predicted);
    expect(json.images[0].aggregate.mean[0]).toBeCloseTo(lib.aggregate.mean[0], 5);
    expect(existsSync(join(out, 'overlays', 'image-0.png'))).toBe(true);
    expect(r.stdout).toMatch(new RegExp(`${grid.count} tiles → class ${lib.aggregate.predicted} \\(mean probability`));
  });

  it('a uint16 stack: one map per image, normalised per micrograph, aggregated per group', async () => {
    const out = path('stack');
    const r = await explain('--model', path('m.onnx'), '--input', path('stack.npy'), '--method', 'saliency', '--tile', '--normalise', 'minmax', '--groups', path('groups.npy'), '--target', '1', '--quiet', '--out', out);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, ATTRIBUTIONS))).toBe(false);
    const second = await readNpy(join(out, 'attributions-1.npy'));
    const image1 = normalise(tensor([1, 1, SH, SW], Float32Array.from(counts.subarray(SH * SW))), { kind: 'minmax' });
    const lib = await explainTiled(saliency, new OnnxModel(graph), image1, { target: 1 });
    expect(maxAbsDiff(second.data, lib.values.data)).toBe(0);
    expect((await readNpy(join(out, 'attributions-0.npy'))).shape).toEqual([1, SH, SW]);
    const json = JSON.parse(readFileSync(join(out, TILES_JSON), 'utf8'));
    expect(json.images.map((i: { map: string }) => i.map)).toEqual(['attributions-0.npy', 'attributions-1.npy']);
    expect(json.groups).toHaveLength(1);
    expect(json.groups[0]).toMatchObject({ group: 7, images: [0, 1], tiles: 2 * lib.grid.count });
    const pooled = new Float32Array(json.images.flatMap((i: { tileOutputs: number[][] }) => i.tileOutputs.flat()));
    expect(json.groups[0].mean[1]).toBeCloseTo(aggregateTileOutputs(pooled, 2).mean[1], 4);
    expect(r.stdout).toMatch(/group 7 \(2 image\(s\)\): class \d/);
  });

  it('refuses mistakes in one line before writing anything', async () => {
    await expectUserErrors(
      explain,
      [
        [['--model', path('m.onnx'), '--input', path('big.npy'), '--method', 'saliency'], /50×41 images are not resized: add --tile/],
        [['--model', path('m.onnx'), '--input', path('big.npy'), '--method', 'saliency', '--tile-overlap', '0.5'], /--tile-overlap applies to tiled runs only; add --tile/],
        [['--model', path('m.onnx'), '--input', path('big.npy'), '--method', 'saliency', '--groups', path('groups.npy')], /--groups .* applies with --tile/],
        [['--model', path('m.onnx'), '--input', path('big.npy'), '--method', 'saliency', '--tile', '--tile-overlap', '1.5'], /--tile-overlap must be a fraction .* or pixels such as 16px/],
        [['--model', path('m.onnx'), '--input', path('big.npy'), '--method', 'saliency', '--tile', '--tile-overlap', '16px'], /16 px does not fit a 16-px tile/],
        [['--model', path('m.onnx'), '--input', path('big.npy'), '--method', 'saliency', '--tile', '--targets', '0,1'], /--targets is not available with --tile/],
        [['--model', path('m.onnx'), '--input', path('small.npy'), '--method', 'saliency', '--tile'], /10×12 images are smaller than the model's 16×16 input/],
        [['--model', path('m.onnx'), '--input', path('stack.npy'), '--method', 'saliency', '--tile'], /holds uint16 values .* --normalise/],
        [['--model', path('m.onnx'), '--input', path('stack.npy'), '--method', 'saliency', '--tile', '--normalise', 'minmax', '--groups', path('labels.npy'), '--target', '0,1,0', '--quiet'], /--target lists 3 classes/],
      ],
      path('refused'),
    );
  });
});

describe('audit --tile', () => {
  it('audits at most --max-tiles tiles per image, each with its image’s label and group, and reports the answers per image and group', async () => {
    const out = path('audit');
    const r = await runCli(['audit', '--model', path('m.onnx'), '--input', path('stack.npy'), '--labels', path('labels.npy'), '--groups', path('groups.npy'), '--normalise', 'minmax', '--tile', '--max-tiles', '12', '--skip', 'leakage,sanity,conformal', '--quiet', '--out', out]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'));
    const grid = tileGrid(SH, SW, 16, 16);
    expect(json.tiling).toMatchObject({ tile: [16, 16], overlap: '0.25', maxTiles: 12, tilesAudited: 24 });
    expect(json.tiling.images.map((i: { tiles: number; audited: number }) => [i.tiles, i.audited])).toEqual([
      [grid.count, 12],
      [grid.count, 12],
    ]);
    expect(json.tiling.groups[0]).toMatchObject({ group: 7, images: [0, 1], tiles: 2 * grid.count });
    expect(json.models[0].images).toBe(24);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('24 tiles of 2 image(s)');
    expect(html).toMatch(/Tiled audit: 2 image\(s\) were cut into \d+ tiles of 16×16/);
  });

  it('refuses --max-tiles without --tile', async () => {
    await expectUserErrors((...a) => runCli(['audit', ...a]), [[['--model', path('m.onnx'), '--input', path('stack.npy'), '--labels', path('labels.npy'), '--max-tiles', '3'], /--max-tiles applies to tiled runs only; add --tile/]], path('refused-audit'));
  });
});
