/** The .npy and .png readers under the seeded mutation fuzzer: only FormatError, never a hang or a huge allocation. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npyReader } from '../../../src/data/formats/npy-reader.js';
import { pngReader } from '../../../src/data/formats/png-reader.js';
import { FormatError } from '../../../src/data/formats/reader.js';
import { fuzz } from '../../helpers/mutate.js';

const seeds = (dir: string) => readdirSync(join(__dirname, '../../fixtures/formats', dir)).filter((f) => !f.endsWith('.json')).map((f) => new Uint8Array(readFileSync(join(__dirname, '../../fixtures/formats', dir, f))));

describe('npy and png readers under mutation', () => {
  for (const [name, reader] of [['npy', npyReader], ['png', pngReader]] as const) {
    it(`${name}: 3000 mutants read or throw a FormatError`, async () => {
      const r = await fuzz(seeds(name), 3000, (b) => reader.read(b, `${name}-mutant`), (e) => e instanceof FormatError, 11);
      expect(r.inputs).toBe(3000);
      expect(r.failures.map((f) => String(f.error))).toEqual([]);
    });
  }

  it('png: an IHDR claiming 65535×65535 pixels in a small file is refused before decoding', () => {
    const png = seeds('png')[0].slice();
    new DataView(png.buffer).setUint32(16, 65535);
    new DataView(png.buffer).setUint32(20, 65535);
    expect(() => pngReader.read(png, 'huge.png')).toThrow(/huge\.png: the header claims 65535×65535 pixels .* \(at IHDR, byte 16\)/);
  });
});
