/**
 * The crops incremental occlusion feeds its one-layer graphs: each element read from the right
 * place (pad value outside the map, the recomputed box inside it, the cache elsewhere), checked
 * element by element against a direct definition, for crops inside the map, at each border and
 * larger than the map, with and without a patch.
 */
import { describe, expect, it } from 'vitest';
import type { Box } from '../../src/onnx/affected-box.js';
import { assembleCrop, copyOverlap, type Patch } from '../../src/models/incremental-crops.js';
import { uniformValues } from '../helpers/models.js';

function reference(channels: number, crop: Box, map: Float32Array, h: number, w: number, patch: Patch | null, pad: number): Float32Array {
  const cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
  const out = new Float32Array(channels * ch * cw);
  for (let c = 0; c < channels; c++)
    for (let y = crop.y0; y < crop.y1; y++)
      for (let x = crop.x0; x < crop.x1; x++) {
        const b = patch?.box;
        let v: number;
        if (y < 0 || y >= h || x < 0 || x >= w) v = pad;
        else if (b && y >= b.y0 && y < b.y1 && x >= b.x0 && x < b.x1) v = patch!.data[c * (b.y1 - b.y0) * (b.x1 - b.x0) + (y - b.y0) * (b.x1 - b.x0) + x - b.x0];
        else v = map[c * h * w + y * w + x];
        out[c * ch * cw + (y - crop.y0) * cw + x - crop.x0] = v;
      }
  return out;
}

describe('assembleCrop', () => {
  const [channels, h, w] = [3, 9, 11];
  const map = uniformValues(channels * h * w, 1);
  const box: Box = { y0: 2, y1: 6, x0: 3, x1: 9 };
  const patch: Patch = { box, data: uniformValues(channels * 4 * 6, 2, 5, 6) };
  const crops: [string, Box][] = [
    ['inside the map', { y0: 1, y1: 7, x0: 2, x1: 10 }],
    ['past the top-left corner', { y0: -2, y1: 4, x0: -1, x1: 5 }],
    ['past the bottom-right corner', { y0: 5, y1: 11, x0: 7, x1: 13 }],
    ['larger than the map', { y0: -1, y1: 10, x0: -2, x1: 12 }],
    ['cutting through the patch', { y0: 3, y1: 5, x0: 4, x1: 7 }],
  ];
  for (const [label, crop] of crops)
    for (const pad of [0, -Infinity])
      for (const withPatch of [true, false])
        it(`${label}, pad ${pad}, ${withPatch ? 'with' : 'without'} a patch`, () => {
          const into = new Float32Array(channels * (crop.y1 - crop.y0) * (crop.x1 - crop.x0));
          assembleCrop(into, channels, crop, map, h, w, withPatch ? patch : null, pad);
          expect(into).toEqual(reference(channels, crop, map, h, w, withPatch ? patch : null, pad));
        });

  it('copyOverlap copies exactly the intersection of two boxes', () => {
    const from = uniformValues(2 * 4 * 5, 3);
    const to = new Float32Array(2 * 3 * 3);
    copyOverlap(from, { y0: 0, y1: 4, x0: 0, x1: 5 }, to, { y0: 2, y1: 5, x0: 3, x1: 6 }, 2);
    for (let c = 0; c < 2; c++)
      for (let y = 2; y < 5; y++)
        for (let x = 3; x < 6; x++) expect(to[c * 9 + (y - 2) * 3 + x - 3]).toBe(y < 4 && x < 5 ? from[c * 20 + y * 5 + x] : 0);
  });
});
