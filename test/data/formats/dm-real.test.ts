/**
 * Opt-in: files saved by DigitalMicrograph itself against the reference reader's reading of them.
 * rosettasciio's test data (rsciio/tests/data/digitalmicrograph: DM3 and DM4 files of every DataType
 * in 1, 2 and 3 dimensions, EELS/EDS/CL spectra, spectrum images, a packed-complex FFT, a stack-builder
 * stack) are GPL-licensed, so they are not copied here. To run:
 *
 *   /usr/bin/python3 bench/reference/dm_reference.py DIR/*.dm? > DIR/reference.json
 *   TRUSTSCOPE_DM_REAL=DIR npx vitest run test/data/formats/dm-real.test.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dmReader } from '../../../src/data/formats/dm-reader.js';
import type { ImageArray } from '../../../src/data/formats/reader.js';

const DIR = process.env.TRUSTSCOPE_DM_REAL;

interface Ref {
  file: string;
  error?: string;
  images: { shape: number[]; dtype: string; sha256: string; values?: unknown[]; complex?: [number, number][]; axes: { size: number; scale: number; offset: number; units: string }[]; title: string }[];
}

describe.skipIf(!DIR)('DM files written by DigitalMicrograph, against the reference reader', () => {
  const refs = DIR ? (JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as Ref[]) : [];
  for (const r of refs) {
    it(r.file, () => {
      expect(r.error).toBeUndefined();
      const a = dmReader.read(readFileSync(join(DIR!, r.file)), r.file) as ImageArray;
      const im = r.images[0]; // the first non-thumbnail image is the one read
      const rgb = a.dtype === 'rgb8' || a.dtype === 'rgba8';
      const axes = a.axes.filter((x) => !(rgb && x.name === 'c'));
      expect((a.metadata as Record<string, unknown>).title ?? '').toBe(im.title);
      ref: {
        const odd = a.dtype.startsWith('complex') && (a.metadata as { dm: { dataType: number } }).dm.dataType === 27 && im.shape[1] !== axes[1].size;
        if (odd) {
          // Packed FFT of odd width: the reference drops the last column (W − 1 against its own
          // axes' W); every column it does return matches.
          const n = a.native as Float32Array;
          const w = axes[1].size;
          im.complex!.forEach(([re, imag], k) => {
            const row = Math.floor(k / im.shape[1]);
            const col = k % im.shape[1];
            expect([n[2 * (row * w + col)], n[2 * (row * w + col) + 1]]).toEqual([Math.fround(re), Math.fround(imag)]);
          });
          break ref;
        }
        expect(axes.map((x) => x.size)).toEqual(im.shape);
        const n = a.native!;
        expect(createHash('sha256').update(Buffer.from(n.buffer, n.byteOffset, n.byteLength)).digest('hex')).toBe(im.sha256);
      }
      // An axis Calibrations/Dimension does not list has no scale here; the reference fills 1 and 0.
      im.axes.forEach((x, i) => {
        expect(axes[i].scale ?? 1).toBe(x.scale);
        expect(axes[i].offset ?? 0).toBe(x.offset + 0);
        expect(axes[i].unit ?? '').toBe(x.units);
      });
    });
  }
});
