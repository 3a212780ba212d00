/** --tile's reader: every layout a file may hold, one image at a time, normalised per micrograph. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { readMicrographs, type Micrograph } from '../../src/cli/tiled-inputs.js';
import { randomTensor, tempDir } from '../helpers/models.js';

const dirP = tempDir('trustscope-micrographs-');
let path: (name: string) => string;
const rgb = randomTensor([2, 3, 20, 24], 1, 0, 10);

beforeAll(async () => {
  path = (await dirP).path;
  await writeNpy(path('rgb.npy'), rgb);
  await writeNpy(path('chw.npy'), randomTensor([3, 20, 24], 2));
  await writeNpy(path('grey.npy'), randomTensor([20, 24], 3));
});
afterAll(async () => (await dirP).cleanup());

async function all(p: string, shape: number[], normalise?: { kind: 'minmax' }): Promise<Micrograph[]> {
  const out: Micrograph[] = [];
  for await (const m of readMicrographs(p, shape, normalise)) out.push(m);
  return out;
}

describe('readMicrographs', () => {
  it('reads (N, C, H, W) batches image by image, each scaled on its own', async () => {
    const m = await all(path('rgb.npy'), [3, 8, 8], { kind: 'minmax' });
    expect(m.map((x) => [x.index, x.page, ...x.image.shape])).toEqual([
      [0, 0, 3, 20, 24],
      [1, 1, 3, 20, 24],
    ]);
    const second = rgb.data.subarray(3 * 20 * 24);
    const [lo, hi] = [Math.min(...second), Math.max(...second)];
    expect(m[1].image.data[5]).toBeCloseTo((second[5] - lo) / (hi - lo), 6);
  });

  it('takes (C, H, W) as one image and a plain 2-D image for a one-channel model', async () => {
    expect((await all(path('chw.npy'), [3, 8, 8])).map((x) => x.image.shape)).toEqual([[3, 20, 24]]);
    expect((await all(path('grey.npy'), [1, 8, 8])).map((x) => x.image.shape)).toEqual([[1, 20, 24]]);
  });

  it('refuses other channel counts and images smaller than the tile, in one line', async () => {
    await expect(all(path('grey.npy'), [3, 8, 8])).rejects.toThrow(/grey\.npy has shape \[20, 24\]; with --tile the model's 3-channel input takes images \(3, H, W\) or \(N, 3, H, W\)/);
    await expect(all(path('chw.npy'), [3, 32, 8])).rejects.toThrow(/its 20×24 images are smaller than the model's 32×8 input/);
  });
});
