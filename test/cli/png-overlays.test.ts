/**
 * `trustscope explain --png` on a calibrated micrograph: the FEI Helios TIFF fixture (64 × 40 px,
 * 3.3726 nm/px per tifffile) gets a 50 nm scale bar burned into its overlay at the pixels the
 * layout says, run.json records the file's pixel size, and an uncalibrated input says so once.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { burnLayout, chooseScaleBar, NO_PIXEL_SIZE } from '../../src/report/scale-bar.js';
import { linearModel, randomTensor, tempDir, uniformValues } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const FEI = 'test/fixtures/formats/tiff/fei-helios.tif';
const PIXEL = 3.3726e-9; // tifffile's [Scan] PixelWidth of the fixture (fei-helios.json)
const dirP = tempDir('trustscope-overlays-');
let path: (name: string) => string;

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('linear.onnx'), linearModel([1, 40, 64], uniformValues(2 * 40 * 64, 3), [0, 0]));
  await copyFile(FEI, path('fei.tif'));
  await writeNpy(path('plain.npy'), randomTensor([1, 1, 40, 64], 4));
});
afterAll(async () => (await dirP).cleanup());

const white = (png: ReturnType<typeof decode>, x: number, y: number) => [0, 1, 2].every((c) => png.data[4 * (y * png.width + x) + c] === 255);

describe('explain --png scale bars', () => {
  it('burns a 50 nm bar into the overlay of a calibrated TIFF and records the pixel size in run.json', async () => {
    const out = path('fei-out');
    const r = await runCli(['explain', '--model', path('linear.onnx'), '--input', path('fei.tif'), '--normalise', 'minmax', '--method', 'saliency', '--target', '1', '--png', '--out', out]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(NO_PIXEL_SIZE);
    const png = decode(await readFile(join(out, 'overlays', 'image-0.png')));
    // 256 / 64 = 4 output pixels per image pixel.
    expect([png.width, png.height]).toEqual([256, 160]);
    const bar = chooseScaleBar({ pixelWidth: PIXEL, pixelHeight: PIXEL, unit: 'm', width: 64, height: 40 });
    expect(bar.label).toBe('50 nm');
    // 50 nm / 3.3726 nm = 14.83 image px = 59 output px.
    const layout = burnLayout(bar, 256, 160, 4);
    expect(layout.bar).toEqual({ x: 189, y: 149, width: 59, height: 3 });
    for (let y = 149; y < 152; y++) for (let x = 189; x < 248; x++) expect(white(png, x, y)).toBe(true);
    // Just outside the bar's ends the box is dark, not white.
    expect(white(png, 188, 150)).toBe(false);
    expect(white(png, 248, 150)).toBe(false);
    expect(layout.label).toBeDefined();
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.pixelSizes).toEqual([{ file: path('fei.tif'), pixelSize: { x: PIXEL, y: PIXEL, unit: 'm' } }]);
  });

  it('an input without a pixel size gets no bar, one line saying so, and null in run.json', async () => {
    const out = path('plain-out');
    const r = await runCli(['explain', '--model', path('linear.onnx'), '--input', path('plain.npy'), '--method', 'saliency', '--png', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout.split(NO_PIXEL_SIZE).length).toBe(2);
    const png = decode(await readFile(join(out, 'overlays', 'image-0.png')));
    let whites = 0;
    for (let y = 140; y < 160; y++) for (let x = 180; x < 256; x++) if (white(png, x, y)) whites++;
    expect(whites).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(manifest.pixelSizes).toEqual([{ file: path('plain.npy'), pixelSize: null }]);
  });
});
