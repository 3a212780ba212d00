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
