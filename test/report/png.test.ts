import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { tensor } from '../../src/tensor/tensor.js';
import { colormapLut } from '../../src/report/colormap.js';
import {
  encodePng,
  greyscalePng,
  heatmapPng,
  overlayPng,
  pngDataUri,
  upscaleNearest,
  drawOutline,
  collapseMap,
} from '../../src/report/png.js';

const pixel = (data: ArrayLike<number>, i: number): number[] => Array.from({ length: 4 }, (_, c) => data[4 * i + c]);

describe('encodePng', () => {
  it('round-trips RGBA bytes', () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const png = decode(encodePng(rgba, 3, 2));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([3, 2, 4, 8]);
    expect(Array.from(png.data)).toEqual(Array.from(rgba));
  });

  it('checks the byte count', () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2)).toThrow(/needs 16 bytes, got 10/);
  });
});

describe('greyscalePng', () => {
  it('stretches a grey image to black..white, [H,W] and [1,H,W] alike', () => {
    const a = decode(greyscalePng(tensor([2, 2], [0, 0.25, 0.5, 1])));
    const b = decode(greyscalePng(tensor([1, 2, 2], [0, 0.25, 0.5, 1])));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect([0, 1, 2, 3].map((i) => a.data[4 * i])).toEqual([0, 64, 128, 255]);
  });

  it('accepts a range positionally or in options', () => {
    const img = tensor([1, 2], [0.5, 2]);
    const a = decode(greyscalePng(img, [0, 1]));
    const b = decode(greyscalePng(img, { range: [0, 1] }));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect([a.data[0], a.data[4]]).toEqual([128, 255]);
  });

  it('shows C=3 in [0,1] as RGB and other channel counts as the mean', () => {
    const rgb = decode(greyscalePng(tensor([3, 1, 1], [1, 0.5, 0])));
    expect(pixel(rgb.data, 0)).toEqual([255, 128, 0, 255]);
    const two = decode(greyscalePng(tensor([2, 1, 2], [0, 1, 1, 1]), [0, 1]));
    expect([two.data[0], two.data[4]]).toEqual([128, 255]);
  });

  it('upscales by an integer factor with nearest neighbour', () => {
    const png = decode(greyscalePng(tensor([2, 2], [0, 1, 1, 0]), { scale: 3 }));
    expect([png.width, png.height]).toEqual([6, 6]);
    const at = (x: number, y: number): number => png.data[4 * (y * 6 + x)];
    expect([at(0, 0), at(2, 2), at(3, 0), at(5, 2), at(0, 3), at(5, 5)]).toEqual([0, 0, 255, 255, 255, 0]);
    expect(() => greyscalePng(tensor([1, 1]), { scale: 1.5 })).toThrow(/integer/);
  });
});

describe('heatmapPng', () => {
  it('maps min and max to the ends of the colormap', () => {
    const lut = colormapLut('viridis');
    const png = decode(heatmapPng(tensor([1, 1, 2], [-3, 5]), 'viridis'));
    expect(pixel(png.data, 0)).toEqual([lut[0], lut[1], lut[2], 255]);
    expect(pixel(png.data, 1)).toEqual([lut[765], lut[766], lut[767], 255]);
    const same = decode(heatmapPng(tensor([1, 1, 2], [-3, 5]), { colormap: 'viridis', scale: 2 }));
    expect(pixel(same.data, 3)).toEqual(pixel(png.data, 1));
  });

  it('sums |values| over channels for multi-channel maps', () => {
    const { values } = collapseMap(tensor([2, 1, 2], [1, -2, -3, 0.5]));
    expect(Array.from(values)).toEqual([4, 2.5]);
  });
});

describe('overlayPng', () => {
  const image = tensor([1, 2, 2], [0, 0.2, 0.6, 1]);

  it('leaves the grey image untouched where the map is zero', () => {
    const over = decode(overlayPng(image, tensor([1, 2, 2])));
    const grey = decode(greyscalePng(image));
    expect(Array.from(over.data)).toEqual(Array.from(grey.data));
  });

  it('blends alpha × strength of the colour, normalised to max |value|', () => {
    const lut = colormapLut('inferno');
    const over = decode(overlayPng(image, tensor([1, 2, 2], [0, 0, 0, -4]), { alpha: 0.5 }));
    // pixel 3: grey 255, strength 1, colour = inferno(1)
    expect(pixel(over.data, 3)).toEqual([0, 1, 2].map((c) => Math.round(0.5 * 255 + 0.5 * lut[765 + c])).concat(255));
    const full = decode(overlayPng(image, tensor([1, 2, 2], [0, 0, 0, 2]), { alpha: 1, colormap: 'magma', scale: 2 }));
    const magma = colormapLut('magma');
    expect(pixel(full.data, 15)).toEqual([magma[765], magma[766], magma[767], 255]);
  });

  it('uses an explicit range instead of the map maximum', () => {
    const over = decode(overlayPng(image, tensor([1, 2, 2], [0, 0, 0, 1]), { alpha: 1, colormap: 'gray', range: [0, 4] }));
    expect(pixel(over.data, 3)).toEqual([0, 1, 2].map(() => Math.round(0.75 * 255 + 0.25 * 64)).concat(255));
  });

  it('rejects maps of another size', () => {
    expect(() => overlayPng(image, tensor([1, 3, 3]))).toThrow(/image is 2×2 but map is 3×3/);
  });

  it('draws a 1-pixel outline around the mask at the output resolution', () => {
    const mask = tensor([2, 2], [0, 0, 0, 1]);
    const png = decode(overlayPng(tensor([2, 2]), tensor([2, 2]), { scale: 4, outlines: [{ mask, color: '#00ff00' }] }));
    const at = (x: number, y: number): number[] => pixel(png.data, y * 8 + x);
    expect(at(4, 4)).toEqual([0, 255, 0, 255]); // corner of the masked block
    expect(at(7, 7)).toEqual([0, 255, 0, 255]); // image edge counts as outside
    expect(at(5, 5)).toEqual([0, 0, 0, 255]); // interior untouched
    expect(at(3, 4)).toEqual([0, 0, 0, 255]); // outside untouched
  });
});

describe('helpers', () => {
  it('pngDataUri wraps base64', () => {
    expect(pngDataUri(Uint8Array.from([137, 80, 78, 71]))).toBe('data:image/png;base64,iVBORw==');
  });

  it('upscaleNearest and drawOutline validate their inputs', () => {
    const img = { width: 1, height: 1, data: Uint8Array.from([1, 2, 3, 4]) };
    expect(upscaleNearest(img, 1)).toBe(img);
    expect(upscaleNearest(img, 2).data.length).toBe(16);
    expect(() => drawOutline(img, tensor([2, 2]), [255, 0, 0])).toThrow(/does not tile/);
  });
});
