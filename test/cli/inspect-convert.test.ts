import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpyArray, parseNpy } from '../../src/data/formats/npy.js';
import { runCli } from './cli-harness.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const dir = mkdtempSync(join(tmpdir(), 'ts-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inspect and convert', () => {
  const u16 = Uint16Array.from({ length: 24 }, (_, i) => i * 1000);
  writeFileSync(join(dir, 'u16.npy'), encodeNpyArray(u16, [2, 3, 4]));

  it('inspect prints format, dtype, shape, range and axes; --json one object per file', async () => {
    const r = await runCli(['inspect', join(dir, 'u16.npy')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('npy, uint16 [2, 3, 4], values 0..23000');
    expect(r.stdout).toContain('axes: c 2; y 3; x 4');
    const j = await runCli(['inspect', '--json', join(dir, 'u16.npy'), join(dir, 'u16.npy')]);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ format: 'npy', dtype: 'uint16', shape: [2, 3, 4], min: 0, max: 23000 });
  });

  it('convert keeps the native dtype and writes axes.json and run.json', async () => {
    const out = join(dir, 'conv');
    const r = await runCli(['convert', '--input', join(dir, 'u16.npy'), '--out', out]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const a = parseNpy(readFileSync(join(out, 'data.npy')), 'data.npy');
    expect(a.dtype).toBe('<u2');
    expect(Array.from(a.raw as Uint16Array)).toEqual(Array.from(u16));
    expect(JSON.parse(readFileSync(join(out, 'axes.json'), 'utf8'))).toMatchObject({ dtype: 'uint16', shape: [2, 3, 4] });
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).outputs).toEqual(['axes.json', 'data.npy']);
  });

  it('an unknown format is one line naming the formats it reads', async () => {
    writeFileSync(join(dir, 'x.xyz'), 'hello');
    const r = await runCli(['inspect', join(dir, 'x.xyz')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/unknown file format '.xyz'; trustscope reads npy/);
  });
});
