/** The micrograph overlay's shrinking: block means by hand, strength as Σ_c |value|, ≤ 2048 px per side. */
import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { blockMean, MAX_OVERLAY_SIDE, writeMicrographOverlay } from '../../src/cli/tiled-overlay.js';
import type { OutputFolder } from '../../src/cli/output-folder.js';
import { tensor } from '../../src/tensor/tensor.js';

describe('blockMean', () => {
  it('averages factor × factor blocks, edge blocks over the pixels they have', () => {
    // 3×5, factor 2 → 2×3 blocks.
    const x = tensor([1, 3, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const m = blockMean(x, 2);
    expect(m.shape).toEqual([1, 2, 3]);
    expect(Array.from(m.data)).toEqual([(1 + 2 + 6 + 7) / 4, (3 + 4 + 8 + 9) / 4, (5 + 10) / 2, (11 + 12) / 2, (13 + 14) / 2, 15]);
  });

  it('with strength, collapses channels to Σ_c |value| before averaging (opposite signs do not cancel)', () => {
    const x = tensor([2, 2, 2], [1, -1, 2, -2, -3, 3, 0, 0]);
    const m = blockMean(x, 2, true);
    expect(m.shape).toEqual([1, 1, 1]);
    expect(m.data[0]).toBeCloseTo((1 + 1 + 2 + 2 + 3 + 3) / 4, 6);
  });

  it('writes one overlay whose longer side is at most 2048 px', async () => {
    const written: { name: string; data: Uint8Array }[] = [];
    const folder = { write: async (name: string, data: Uint8Array) => (written.push({ name, data }), name) } as unknown as OutputFolder;
    const image = tensor([1, 4100, 30], Float32Array.from({ length: 4100 * 30 }, (_, i) => (i % 97) / 97));
    const name = await writeMicrographOverlay(folder, 3, image, image);
    expect(name).toBe('overlays/image-3.png');
    const png = decode(written[0].data);
    expect([png.height, png.width]).toEqual([Math.ceil(4100 / 3), 10]);
    expect(Math.max(png.height, png.width)).toBeLessThanOrEqual(MAX_OVERLAY_SIDE);
  });
});
