import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { decodePngBytes, readPng } from '../../../src/data/formats/png.js';
import { encodePng } from '../../../src/report/png.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trustscope-png-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const values = (t: { data: Float32Array }): number[] => Array.from(t.data, (v) => Math.round(v * 1e6) / 1e6);

describe('decodePngBytes', () => {
  it('reads 8-bit grey as [1, H, W] in [0, 1]', () => {
    const bytes = encode({ width: 2, height: 2, channels: 1, depth: 8, data: Uint8Array.from([0, 51, 204, 255]) });
    const t = decodePngBytes(bytes, 'grey.png');
    expect(t.shape).toEqual([1, 2, 2]);
    expect(values(t)).toEqual([0, 0.2, 0.8, 1]);
  });

  it('reads 16-bit grey with full precision', () => {
    const data = Uint16Array.from([0, 1, 32768, 65535]);
    const t = decodePngBytes(encode({ width: 4, height: 1, channels: 1, depth: 16, data }), 'grey16.png');
    expect(t.shape).toEqual([1, 1, 4]);
    expect(Array.from(t.data)).toEqual(Array.from(data, (v) => Math.fround(v / 65535)));
  });

  it('drops alpha from grey+alpha and RGBA', () => {
    const ga = decodePngBytes(encode({ width: 2, height: 1, channels: 2, depth: 8, data: Uint8Array.from([255, 0, 0, 255]) }), 'ga.png');
    expect(ga.shape).toEqual([1, 1, 2]);
    expect(values(ga)).toEqual([1, 0]);
    const rgba = decodePngBytes(encodePng(Uint8Array.from([255, 0, 51, 7, 0, 255, 102, 255]), 2, 1), 'rgba.png');
    expect(rgba.shape).toEqual([3, 1, 2]);
    // planar: R plane, G plane, B plane
    expect(values(rgba)).toEqual([1, 0, 0, 1, 0.2, 0.4]);
  });

  it('reads 16-bit RGB as planar channels', () => {
    const data = Uint16Array.from([65535, 0, 13107, 0, 65535, 65535]);
    const t = decodePngBytes(encode({ width: 2, height: 1, channels: 3, depth: 16, data }), 'rgb16.png');
    expect(t.shape).toEqual([3, 1, 2]);
    expect(values(t)).toEqual([1, 0, 0, 1, 0.2, 1]);
  });

  it('unpacks sub-byte grey with row padding', () => {
    // width 3 at 4 bits: each row is 2 bytes, the last nibble is padding
    const data = Uint8Array.from([0x0f, 0x50, 0xa5, 0xf0]);
    const t = decodePngBytes(encode({ width: 3, height: 2, channels: 1, depth: 4, data }), 'grey4.png');
    expect(t.shape).toEqual([1, 2, 3]);
    expect(values(t)).toEqual([0, 1, 1 / 3, 2 / 3, 1 / 3, 1].map((v) => Math.round(Math.fround(v) * 1e6) / 1e6));
  });

  it('expands palette images to RGB, or to one channel when the palette is grey', () => {
    const colour = encode({ width: 2, height: 1, channels: 1, depth: 8, data: Uint8Array.from([1, 0]), palette: [[255, 0, 0], [0, 51, 255]] });
    const c = decodePngBytes(colour, 'palette.png');
    expect(c.shape).toEqual([3, 1, 2]);
    expect(values(c)).toEqual([0, 1, 0.2, 0, 1, 0]);
    const grey = encode({ width: 2, height: 1, channels: 1, depth: 8, data: Uint8Array.from([1, 0]), palette: [[0, 0, 0], [51, 51, 51]] });
    const g = decodePngBytes(grey, 'grey-palette.png');
    expect(g.shape).toEqual([1, 1, 2]);
    expect(values(g)).toEqual([0.2, 0]);
  });

  it('gives one-line errors for non-PNG and corrupt bytes', () => {
    expect(() => decodePngBytes(new TextEncoder().encode('hello'), 'notes.txt')).toThrow(/^notes\.txt is not a PNG file$/);
    const good = encode({ width: 8, height: 8, channels: 1, depth: 8, data: new Uint8Array(64) });
    const broken = good.slice(0, 40);
    let message = '';
    try {
      decodePngBytes(broken, 'broken.png');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^cannot decode broken\.png: /);
    expect(message).not.toContain('\n');
  });
});

describe('readPng', () => {
  it('round-trips a file written to disk', async () => {
    const path = join(dir, 'img.png');
    await writeFile(path, encode({ width: 1, height: 2, channels: 1, depth: 16, data: Uint16Array.from([65535, 0]) }));
    const t = await readPng(path);
    expect(t.shape).toEqual([1, 2, 1]);
    expect(Array.from(t.data)).toEqual([1, 0]);
  });

  it('names the file in errors', async () => {
    await expect(readPng(join(dir, 'missing.png'))).rejects.toThrow(/^cannot read .*missing\.png: no such file$/);
    await expect(readPng(dir)).rejects.toThrow(/: it is a directory$/);
    const text = join(dir, 'fake.png');
    await writeFile(text, 'not an image');
    await expect(readPng(text)).rejects.toThrow(`${text} is not a PNG file`);
  });
});
