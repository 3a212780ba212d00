import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { readArrayFile, readers } from '../../../src/data/formats/registry.js';
import { encodeNpy } from '../../../src/data/formats/npy.js';
import { tensor } from '../../../src/tensor/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-formats-'));

describe('input-file registry', () => {
  it('every reader has a name, extensions and a signature test that rejects the others’ files', () => {
    const names = readers.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of readers) expect(r.extensions.every((e) => e.startsWith('.') && e === e.toLowerCase())).toBe(true);
  });

  it('reads .npy and .png through one function, chosen by content even under a wrong extension', async () => {
    const t = tensor([2, 1, 2, 2], Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
    writeFileSync(join(dir, 'a.npy'), encodeNpy(t));
    const npy = await readArrayFile(join(dir, 'a.npy'));
    expect(npy.format).toBe('npy');
    expect(npy.values.shape).toEqual([2, 1, 2, 2]);
    expect(Array.from(npy.values.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(npy.axes.map((a) => a.name)).toEqual(['n', 'c', 'y', 'x']);
    expect(npy.dtype).toBe('float32');
    const png = encode({ width: 2, height: 1, data: Uint8Array.from([0, 255]), channels: 1, depth: 8 });
    writeFileSync(join(dir, 'b.dat'), png);
    const p = await readArrayFile(join(dir, 'b.dat'));
    expect(p.format).toBe('png');
    expect(Array.from(p.values.data)).toEqual([0, 1]);
  });

  it('gives one line for unknown, mislabelled, empty and missing files', async () => {
    writeFileSync(join(dir, 'c.xyz'), 'hello');
    await expect(readArrayFile(join(dir, 'c.xyz'))).rejects.toThrow(/unknown file format '.xyz'; trustscope reads npy \(.npy\), png/);
    writeFileSync(join(dir, 'd.npy'), 'not numpy');
    await expect(readArrayFile(join(dir, 'd.npy'))).rejects.toThrow(/has the extension .npy but does not start like a npy file/);
    writeFileSync(join(dir, 'e.png'), '');
    await expect(readArrayFile(join(dir, 'e.png'))).rejects.toThrow(/is empty/);
    await expect(readArrayFile(join(dir, 'missing.npy'))).rejects.toThrow(/cannot read .*missing.npy: no such file/);
  });
});
