/** PNG as a Reader: one image [C, H, W] scaled to [0, 1] by its bit depth (see png.ts). */
import { hasPngSignature } from 'fast-png';
import { decodePngBytes } from './png.js';
import type { Reader } from './reader.js';

export const pngReader: Reader = {
  name: 'png',
  description: 'PNG, 1–16-bit grey, grey+alpha, RGB(A) and palette; scaled to [0, 1]',
  extensions: ['.png'],
  sniff: (head) => hasPngSignature(head),
  read(bytes, source) {
    const values = decodePngBytes(bytes, source);
    const [c, h, w] = values.shape;
    return { values, dtype: 'png', axes: [{ name: 'c', size: c }, { name: 'y', size: h }, { name: 'x', size: w }], metadata: {}, format: 'png' };
  },
};
