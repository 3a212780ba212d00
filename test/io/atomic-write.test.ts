import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDirectory, writeFileAtomic } from '../../src/io/atomic-write.js';

describe('ensureDirectory', () => {
  it('creates missing levels and accepts an existing folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ts-dir-'));
    await ensureDirectory(join(root, 'a', 'b', 'c'));
    expect(existsSync(join(root, 'a', 'b', 'c'))).toBe(true);
    await ensureDirectory(join(root, 'a'));
  });

  it('fails in one line when a parent is a file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ts-dir-'));
    writeFileSync(join(root, 'f'), 'x');
    await expect(ensureDirectory(join(root, 'f', 'g'))).rejects.toThrow(/a parent of it is a file/);
    await expect(writeFileAtomic(join(root, 'f', 'g', 'x.json'), '{}')).rejects.toThrow(/cannot write .*a parent of it is a file/);
  });

  it('returns (instead of spinning, as Node’s recursive mkdir does) under /proc', async () => {
    if (!existsSync('/proc/self')) return;
    await expect(ensureDirectory('/proc/trustscope-test/x')).rejects.toThrow(/\/proc does not allow creating folders/);
  });
});
