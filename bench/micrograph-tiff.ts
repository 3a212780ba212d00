/**
 * A whole synthetic micrograph as a 16-bit TIFF, for the tiling benchmark: a polycrystal (the grains
 * generator of src/data/synthetic/, at full size) scaled to 0..65535 and written as one uncompressed
 * baseline TIFF strip. Generated on demand, never committed (a 4096² image is 32 MB).
 */
import { generateGrains } from '../src/data/synthetic/grains.js';

/** A baseline little-endian TIFF: one grey uint16 plane, one uncompressed strip. */
export function encodeUint16Tiff(data: Uint16Array, height: number, width: number): Uint8Array {
  if (data.length !== height * width) throw new Error(`encodeUint16Tiff: ${data.length} values for ${height}×${width}`);
  const SHORT = 3;
  const LONG = 4;
  // [tag, type, value], ascending tags as TIFF requires.
  const entries: [number, number, number][] = [
    [256, LONG, width],
    [257, LONG, height],
    [258, SHORT, 16],
    [259, SHORT, 1], // no compression
    [262, SHORT, 1], // min-is-black
    [273, LONG, 0], // strip offset, set below
    [277, SHORT, 1],
    [278, LONG, height],
    [279, LONG, data.length * 2],
    [284, SHORT, 1],
    [339, SHORT, 1], // unsigned integers
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const dataOffset = 8 + ifdSize;
  entries[5][2] = dataOffset;
  const out = new Uint8Array(dataOffset + data.length * 2);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, value], i) => {
    const o = 10 + i * 12;
    view.setUint16(o, tag, true);
    view.setUint16(o + 2, type, true);
    view.setUint32(o + 4, 1, true);
    if (type === SHORT) view.setUint16(o + 8, value, true);
    else view.setUint32(o + 8, value, true);
  });
  view.setUint32(10 + entries.length * 12, 0, true);
  for (let i = 0; i < data.length; i++) view.setUint16(dataOffset + 2 * i, data[i], true);
  return out;
}

/** A seeded size² polycrystal micrograph as uint16 counts (grain count: many small grains when `fine`). */
export function syntheticMicrograph(size: number, seed: number, fine: boolean): Uint16Array {
  const grains = fine ? 60 : 30;
  const set = generateGrains({ count: 1, seed, size, grainsPerClass: [[grains, grains], [grains + 1, grains + 1]], boundaryWidth: 3, noise: 0.05 });
  const out = new Uint16Array(size * size);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(65535 * Math.min(1, Math.max(0, set.images.data[i])));
  return out;
}
