import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asBatch, asMasks, describePosition, readIds } from '../../src/cli/inputs.js';
import { writeNpy } from '../../src/data/formats/npy.js';
import { tensor, zeros } from '../../src/tensor/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-inputs-'));

describe('inputs are checked before compute, with positions a user can find', () => {
  it('names the image, channel and pixel of the first non-finite value', () => {
    const x = zeros([20, 2, 32, 32]);
    x.data[12 * 2 * 1024 + 1 * 1024 + 3 * 32 + 17] = NaN;
    expect(() => asBatch(x, [2, 32, 32], 'x.npy')).toThrow(/^x\.npy: NaN at image 12, channel 1, pixel \(3, 17\)/);
    const one = zeros([20, 1, 32, 32]);
    one.data[5 * 1024 + 31] = Infinity;
    expect(() => asBatch(one, [1, 32, 32], 'y.npy')).toThrow(/y\.npy: Infinity at image 5, pixel \(0, 31\)/);
    expect(describePosition([4, 6], 13)).toBe('row 2, column 1');
  });

  it('refuses an empty batch and non-finite masks', () => {
    expect(() => asBatch(zeros([0, 1, 4, 4]), [1, 4, 4], 'e.npy')).toThrow(/e\.npy holds no images/);
    const m = zeros([3, 4, 4]);
    m.data[2 * 16 + 5] = NaN;
    expect(() => asMasks(m, 3, 4, 4, 'm.npy')).toThrow(/m\.npy: NaN at image 2, pixel \(1, 1\)/);
  });

  it('names the row of a label outside the model’s classes, and of a bad id', async () => {
    const labels = tensor([12], Float32Array.from([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 7, 1]));
    await writeNpy(join(dir, 'labels.npy'), labels);
    await expect(readIds(join(dir, 'labels.npy'), 12, 'labels', 3)).rejects.toThrow(/labels\.npy row 10: label 7, but the model has 3 classes \(0\.\.2\)/);
    await writeNpy(join(dir, 'groups.npy'), tensor([3], Float32Array.from([0, 1, -1])));
    await expect(readIds(join(dir, 'groups.npy'), 3, 'group ids')).rejects.toThrow(/groups\.npy row 2: group ids must be non-negative integers \(got -1\)/);
  });
});

describe('images from any supported file', () => {
  it('asks for --normalise on integer data, fits 2-D images and stacks to a one-channel model, refuses larger images', async () => {
    const { readImages } = await import('../../src/cli/inputs.js');
    const { encodeNpy } = await import('../../src/data/formats/npy.js');
    const { writeFileSync } = await import('node:fs');
    const { encode } = await import('fast-png');
    // a uint16 .npy written by hand: header for '<u2', shape (2, 4, 4)
    const header = "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 4, 4), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const head = Buffer.from('\x93NUMPY\x01\x00' + String.fromCharCode((header.length + pad + 1) & 0xff, (header.length + pad + 1) >> 8) + header + ' '.repeat(pad) + '\n', 'latin1');
    const body = Buffer.from(new Uint16Array(32).map((_, i) => i * 100).buffer);
    writeFileSync(join(dir, 'u16.npy'), Buffer.concat([head, body]));
    await expect(readImages(join(dir, 'u16.npy'), [1, 4, 4])).rejects.toThrow(/u16\.npy holds uint16 values \(0\.\.3100\); say how the model expects them scaled with --normalise/);
    const r = await readImages(join(dir, 'u16.npy'), [1, 4, 4], { kind: 'minmax' });
    expect(r.batch.shape).toEqual([2, 1, 4, 4]);
    expect(r.batch.data[15]).toBe(1);
    expect(r.batch.data[16]).toBe(0);
    writeFileSync(join(dir, 'grey.png'), encode({ width: 4, height: 4, data: new Uint8Array(16).fill(255), channels: 1, depth: 8 }));
    const png = await readImages(join(dir, 'grey.png'), [1, 4, 4]);
    expect(png.single).toBe(true);
    expect(png.batch.shape).toEqual([1, 1, 4, 4]);
    expect(png.batch.data[0]).toBe(1);
    writeFileSync(join(dir, 'plain.npy'), encodeNpy(tensor([4, 4], new Float32Array(16))));
    expect((await readImages(join(dir, 'plain.npy'), [1, 4, 4])).batch.shape).toEqual([1, 1, 4, 4]);
    writeFileSync(join(dir, 'big.npy'), encodeNpy(tensor([64, 64], new Float32Array(64 * 64))));
    await expect(readImages(join(dir, 'big.npy'), [1, 4, 4])).rejects.toThrow(/big\.npy has shape \[64, 64\] but the model takes .*64×64 images are not resized: add --tile/);
  });
});

describe('a folder or a pattern of image files', () => {
  it('reads every readable file in name order as one batch; a pattern matches in its folder', async () => {
    const { readImages } = await import('../../src/cli/inputs.js');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { encode } = await import('fast-png');
    const folder = join(dir, 'tiles');
    mkdirSync(folder);
    // b.png (value 1) before c.png (value 0.5) after a.png (value 0): name order, not creation order
    for (const [name, v] of [['b.png', 255], ['c.png', 51], ['a.png', 0]] as const) writeFileSync(join(folder, name), encode({ width: 4, height: 4, data: new Uint8Array(16).fill(v), channels: 1, depth: 8 }));
    writeFileSync(join(folder, 'notes.txt'), 'not an image');
    const all = await readImages(folder, [1, 4, 4]);
    expect(all.batch.shape).toEqual([3, 1, 4, 4]);
    expect([all.batch.data[0], all.batch.data[16], all.batch.data[32]]).toEqual([0, 1, Math.fround(51 / 255)]);
    expect(all.files.map((f) => f.slice(-5))).toEqual(['a.png', 'b.png', 'c.png']);
    const some = await readImages(join(folder, '?.png'), [1, 4, 4]);
    expect(some.batch.shape).toEqual([3, 1, 4, 4]);
    const two = await readImages(join(folder, 'b*'), [1, 4, 4]);
    expect(two.batch.shape).toEqual([1, 1, 4, 4]);
    await expect(readImages(join(folder, '*.tif'), [1, 4, 4])).rejects.toThrow(/\*\.tif names no file trustscope reads/);
  });

  it('run.json records a folder input file by file, each hashed', async () => {
    const { prepareOutputFolder } = await import('../../src/cli/output-folder.js');
    const f = await prepareOutputFolder(join(dir, 'out-folder'), 'explain');
    f.input(join(dir, 'tiles'));
    const m = await f.finish();
    expect(m.inputs.map((i) => i.path.slice(-11))).toEqual(['tiles/a.png', 'tiles/b.png', 'tiles/c.png', 's/notes.txt']);
    expect(m.inputs.every((i) => /^[0-9a-f]{64}$/.test(i.sha256))).toBe(true);
  });
});

describe('readImages reports each file\'s pixel size', () => {
  it('a folder of a calibrated TIFF stack and an uncalibrated PNG: per file, in batch order', async () => {
    const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { readImages } = await import('../../src/cli/inputs.js');
    const { encodeGrey16Png } = await import('../../src/data/formats/png-writer.js');
    const folder = join(dir, 'calibrated');
    mkdirSync(folder);
    // ImageJ stack: 4 pages of 24 × 32, 0.0125 µm per pixel (tifffile: imagej-stack-micron.json).
    copyFileSync('test/fixtures/formats/tiff/imagej-stack-micron.tif', join(folder, 'a.tif'));
    writeFileSync(join(folder, 'b.png'), encodeGrey16Png(tensor([24, 32], new Float32Array(24 * 32).fill(0.5))));
    const r = await readImages(folder, [1, 24, 32], { kind: 'minmax' });
    expect(r.batch.shape).toEqual([5, 1, 24, 32]);
    expect(r.calibrations).toEqual([
      { file: join(folder, 'a.tif'), images: 4, calibration: { pixelWidth: 0.0125, pixelHeight: 0.0125, unit: 'µm', width: 32, height: 24 } },
      { file: join(folder, 'b.png'), images: 1, calibration: undefined },
    ]);
    const single = await readImages(join(folder, 'a.tif'), [1, 24, 32], { kind: 'minmax' });
    expect(single.calibrations.map((c) => c.images)).toEqual([4]);
  });
});
