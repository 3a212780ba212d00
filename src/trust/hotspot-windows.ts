/**
 * Windows of an image that lie outside its region of interest, and the two edits the shortcut tests
 * make with them: paste a window from one image into another (is the patch *sufficient* for the
 * class?) and erase a window by its surroundings (is it *necessary*?).
 */
import type { Tensor } from '../tensor/tensor.js';

export interface Window {
  y: number;
  x: number;
}

/** Channel-summed |map| per image as [N][H·W]. */
export function absPlanes(maps: Tensor): Float64Array[] {
  const [n, c, h, w] = maps.shape;
  const plane = h * w;
  return Array.from({ length: n }, (_, i) => {
    const m = new Float64Array(plane);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) m[p] += Math.abs(maps.data[(i * c + ch) * plane + p]);
    return m;
  });
}

/** Windows of side `size` whose every pixel lies outside the ROI grown by `margin`. */
export function allowedWindows(roi: ArrayLike<number>, h: number, w: number, size: number, margin: number): Window[] {
  const grown = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (roi[y * w + x] <= 0.5) continue;
      for (let dy = -margin; dy <= margin; dy++) {
        for (let dx = -margin; dx <= margin; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) grown[yy * w + xx] = 1;
        }
      }
    }
  }
  // Summed-area table of the grown mask: a window is clear when its sum is zero.
  const sat = new Int32Array((h + 1) * (w + 1));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sat[(y + 1) * (w + 1) + x + 1] = grown[y * w + x] + sat[y * (w + 1) + x + 1] + sat[(y + 1) * (w + 1) + x] - sat[y * (w + 1) + x];
  const out: Window[] = [];
  for (let y = 0; y + size <= h; y++) {
    for (let x = 0; x + size <= w; x++) {
      const s = sat[(y + size) * (w + 1) + x + size] - sat[y * (w + 1) + x + size] - sat[(y + size) * (w + 1) + x] + sat[y * (w + 1) + x];
      if (s === 0) out.push({ y, x });
    }
  }
  return out;
}

export function windowSum(m: Float64Array, w: number, win: Window, size: number): number {
  let s = 0;
  for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) s += m[(win.y + dy) * w + win.x + dx];
  return s;
}

/** The allowed window with the largest summed map (ties: the first in raster order). */
export function strongestWindow(m: Float64Array, w: number, windows: readonly Window[], size: number): { window: Window; sum: number } {
  let best = windows[0];
  let bestSum = -1;
  for (const win of windows) {
    const s = windowSum(m, w, win, size);
    if (s > bestSum) {
      bestSum = s;
      best = win;
    }
  }
  return { window: best, sum: bestSum };
}

/** Copies the source's window (all channels) into the recipient, in place. */
export function pasteWindow(out: Float32Array, recipientOffset: number, source: Float32Array, sourceOffset: number, c: number, h: number, w: number, win: Window, size: number): void {
  for (let ch = 0; ch < c; ch++) {
    for (let dy = 0; dy < size; dy++) {
      for (let dx = 0; dx < size; dx++) {
        const p = ch * h * w + (win.y + dy) * w + win.x + dx;
        out[recipientOffset + p] = source[sourceOffset + p];
      }
    }
  }
}

/**
 * Erases a window by its surroundings: each channel of the window becomes the median of the ring of
 * pixels just outside it (two pixels wide, clipped at the image border). A median, not a mean, so a
 * bright mark that spills past the window does not leak its own intensity back in; a flat fill, not
 * a texture, because the question is whether the model needs *what was there*, and local background
 * level is the least informative replacement the image itself offers.
 */
export function eraseWindow(image: Float32Array, offset: number, c: number, h: number, w: number, win: Window, size: number, ring = 2): void {
  for (let ch = 0; ch < c; ch++) {
    const base = offset + ch * h * w;
    const values: number[] = [];
    for (let y = win.y - ring; y < win.y + size + ring; y++) {
      for (let x = win.x - ring; x < win.x + size + ring; x++) {
        if (y < 0 || y >= h || x < 0 || x >= w) continue;
        if (y >= win.y && y < win.y + size && x >= win.x && x < win.x + size) continue;
        values.push(image[base + y * w + x]);
      }
    }
    values.sort((a, b) => a - b);
    const fill = values.length ? values[Math.floor(values.length / 2)] : 0;
    for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) image[base + (win.y + dy) * w + win.x + dx] = fill;
  }
}
