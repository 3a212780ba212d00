/**
 * The pixel size each reader's calibration gives, checked on committed fixtures against the values
 * their reference tools wrote (tifffile, HyperSpy, mrcfile, rosettasciio: the fixtures' .json files),
 * plus the per-image and shared look-ups a batch of several files needs.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readArrayFile } from '../../src/data/formats/registry.js';
import { calibrationOfImage, lengthUnit, pixelSizeRecord, sharedCalibration, spatialCalibration, type FileCalibration } from '../../src/data/spatial-calibration.js';

const FIXTURES = 'test/fixtures/formats';
const json = async (path: string) => JSON.parse(await readFile(`${FIXTURES}/${path}`, 'utf8'));

describe('spatialCalibration on real reader output', () => {
  it('TIFF: FEI pixel width in metres, ImageJ µm, resolution tags with unequal x and y', async () => {
    const fei = await json('tiff/fei-helios.json');
    expect(spatialCalibration(await readArrayFile(`${FIXTURES}/tiff/fei-helios.tif`))).toEqual({ pixelWidth: fei.calibration.x.scale, pixelHeight: fei.calibration.y.scale, unit: 'm', width: 64, height: 40 });
    const res = await json('tiff/resolution-cm.json');
    expect(spatialCalibration(await readArrayFile(`${FIXTURES}/tiff/resolution-cm.tif`))).toEqual({ pixelWidth: res.calibration.x.scale, pixelHeight: res.calibration.y.scale, unit: 'µm', width: 30, height: 20 });
    const stack = await readArrayFile(`${FIXTURES}/tiff/imagej-stack-micron.tif`);
    expect(spatialCalibration(stack)).toMatchObject({ pixelWidth: 0.0125, unit: 'µm', width: 32, height: 24 });
  });

  it('DM, MRC (Å), EMD (nm) per their reference readers', async () => {
    const dm = (await json('dm/float32-2d.dm3.json')).reference.images[0];
    const [y, x] = dm.axes;
    expect(spatialCalibration(await readArrayFile(`${FIXTURES}/dm/float32-2d.dm3`))).toEqual({ pixelWidth: x.scale, pixelHeight: y.scale, unit: x.units, width: x.size, height: y.size });
    const mrc = await json('mrc/mode2-float32.json');
    expect(spatialCalibration(await readArrayFile(`${FIXTURES}/mrc/mode2-float32.mrc`))).toEqual({ pixelWidth: mrc.voxel_size[0], pixelHeight: mrc.voxel_size[1], unit: 'Å', width: mrc.nx, height: mrc.ny });
    const emd = (await json('emd/berkeley-image.json')).datasets[0].axes;
    expect(spatialCalibration(await readArrayFile(`${FIXTURES}/emd/berkeley-image.emd`))).toEqual({ pixelWidth: emd[1].scale, pixelHeight: emd[0].scale, unit: 'nm', width: 6, height: 4 });
  });

  it('no pixel size: PNG, NPY, an uncalibrated TIFF, and a diffraction pattern (1/nm is not a length)', async () => {
    for (const f of ['png/grey8-8x8.png', 'tiff/uint16.tif', 'ser/diffraction-u8-v210_1.ser']) {
      expect(spatialCalibration(await readArrayFile(`${FIXTURES}/${f}`)), f).toBeUndefined();
    }
    const npy = (await import('node:fs')).readdirSync(`${FIXTURES}/npy`).find((n) => n.endsWith('.npy'))!;
    expect(spatialCalibration(await readArrayFile(`${FIXTURES}/npy/${npy}`))).toBeUndefined();
  });

  it('unit spellings, mixed units and bad steps', () => {
    expect(['um', 'μm', 'micron', 'µm'].map(lengthUnit)).toEqual(['µm', 'µm', 'µm', 'µm']);
    expect(['A', 'angstrom', 'Å'].map(lengthUnit)).toEqual(['Å', 'Å', 'Å']);
    expect(['1/nm', '1 / nm', 'eV', 's', '', undefined].map(lengthUnit)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    const axes = (sy: number, uy: string, sx: number, ux: string) => [{ name: 'y', size: 4, scale: sy, unit: uy }, { name: 'x', size: 6, scale: sx, unit: ux }];
    expect(spatialCalibration({ axes: axes(0.002, 'µm', 3, 'nm') })).toEqual({ pixelWidth: 3, pixelHeight: 2, unit: 'nm', width: 6, height: 4 });
    expect(spatialCalibration({ axes: axes(0, 'nm', 1, 'nm') })).toBeUndefined();
    expect(spatialCalibration({ axes: axes(NaN, 'nm', 1, 'nm') })).toBeUndefined();
    expect(spatialCalibration({ axes: [{ name: 'y', size: 4 }, { name: 'x', size: 6, scale: 1, unit: 'nm' }] })).toBeUndefined();
  });
});

describe('a batch from several files', () => {
  const a = { pixelWidth: 2, pixelHeight: 2, unit: 'nm', width: 8, height: 8 };
  const files: FileCalibration[] = [
    { file: 'a.tif', images: 2, calibration: a },
    { file: 'b.png', images: 1 },
    { file: 'c.tif', images: 3, calibration: { ...a } },
  ];

  it('each image takes its own file\'s calibration', () => {
    expect([0, 1, 2, 3, 5, 6].map((i) => calibrationOfImage(files, i)?.pixelWidth)).toEqual([2, 2, undefined, 2, 2, undefined]);
  });

  it('a shared calibration only when every file has the same one', () => {
    expect(sharedCalibration(files)).toBeUndefined();
    expect(sharedCalibration([files[0], files[2]])).toEqual(a);
    expect(sharedCalibration([files[0], { file: 'd', images: 1, calibration: { ...a, pixelWidth: 3 } }])).toBeUndefined();
    expect(sharedCalibration([])).toBeUndefined();
  });

  it('run.json records every file, null where it has no pixel size', () => {
    expect(pixelSizeRecord(files)).toEqual([
      { file: 'a.tif', pixelSize: { x: 2, y: 2, unit: 'nm' } },
      { file: 'b.png', pixelSize: null },
      { file: 'c.tif', pixelSize: { x: 2, y: 2, unit: 'nm' } },
    ]);
  });
});
