/**
 * Writes a stack of float32 images as a baseline multi-page TIFF: little-endian, one uncompressed
 * strip per page, SampleFormat 3 (IEEE float), one sample per pixel — the plainest TIFF every
 * reader (ImageJ/Fiji, tifffile, DigitalMicrograph's import, trustscope's own) opens. Used to hand
 * the demo's tiles out in the format microscopes export, with the same float32 values as the .npy.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeToString } from '../../tensor/tensor.js';

const SHORT = 3;
const LONG = 4;
const ENTRY_BYTES = 12;

/** [N, H, W] or [N, 1, H, W] float32 → TIFF bytes, one page per image. */
export function encodeFloat32TiffStack(stack: Tensor): Uint8Array {
  const s = stack.shape;
  const grey = s.length === 3 || (s.length === 4 && s[1] === 1);
  if (!grey || s.some((d) => !Number.isSafeInteger(d) || d <= 0)) throw new Error(`encodeFloat32TiffStack: expected [N, H, W] or [N, 1, H, W] images, got ${shapeToString(s)}`);
  const [n, h, w] = [s[0], s[s.length - 2], s[s.length - 1]];
  const pageBytes = h * w * 4;
  const tags: [number, number, number][] = []; // [tag, type, value]; offsets are filled per page
  const entries = 11;
  const ifdBytes = 2 + entries * ENTRY_BYTES + 4;
  // Layout: header, then per page its IFD followed by its pixels (IFDs sit on word boundaries: 2 + 12k + 4 is even).
  const total = 8 + n * (ifdBytes + pageBytes);
  if (total > 0xffffffff) throw new Error(`encodeFloat32TiffStack: ${total} bytes exceed classic TIFF's 4 GiB; write fewer images per file`);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set([0x49, 0x49]); // 'II': little-endian
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  let at = 8;
  for (let page = 0; page < n; page++) {
    const pixels = at + ifdBytes;
    const next = page + 1 < n ? pixels + pageBytes : 0;
    tags.length = 0;
    tags.push(
      [254, LONG, 0], // NewSubfileType: a full-resolution page
      [256, LONG, w], // ImageWidth
      [257, LONG, h], // ImageLength
      [258, SHORT, 32], // BitsPerSample
      [259, SHORT, 1], // Compression: none
      [262, SHORT, 1], // Photometric: black is zero
      [273, LONG, pixels], // StripOffsets
      [277, SHORT, 1], // SamplesPerPixel
      [278, LONG, h], // RowsPerStrip: the whole page in one strip
      [279, LONG, pageBytes], // StripByteCounts
      [339, SHORT, 3], // SampleFormat: IEEE float
    );
    view.setUint16(at, entries, true);
    tags.forEach(([tag, type, value], i) => {
      const e = at + 2 + i * ENTRY_BYTES;
      view.setUint16(e, tag, true);
      view.setUint16(e + 2, type, true);
      view.setUint32(e + 4, 1, true);
      if (type === SHORT) view.setUint16(e + 8, value, true);
      else view.setUint32(e + 8, value, true);
    });
    view.setUint32(at + 2 + entries * ENTRY_BYTES, next, true);
    const values = stack.data.subarray(page * h * w, (page + 1) * h * w);
    for (let i = 0; i < values.length; i++) view.setFloat32(pixels + 4 * i, values[i], true);
    at = pixels + pageBytes;
  }
  return bytes;
}
