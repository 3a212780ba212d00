/**
 * A tiny 5×7 bitmap font for the few characters burned into PNG pictures (scale-bar labels such as
 * "50 nm", "2 µm", "500 Å"): a PNG written for a lab notebook must carry its own label, and there
 * is no text rasteriser in the report's dependencies. HTML reports draw their text as SVG instead.
 */
import type { RgbaImage } from './png.js';

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Blank columns between two glyphs (at font scale 1). */
export const GLYPH_GAP = 1;

/** Rows top to bottom, '#' = ink. Å's ring sits in the top row, so the letters share one box. */
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
  '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
  '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
  '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
  '.': ['     ', '     ', '     ', '     ', '     ', ' ##  ', ' ##  '],
  ' ': ['     ', '     ', '     ', '     ', '     ', '     ', '     '],
  c: ['     ', '     ', ' ### ', '#    ', '#    ', '#   #', ' ### '],
  m: ['     ', '     ', '## # ', '# # #', '# # #', '#   #', '#   #'],
  n: ['     ', '     ', '# ## ', '##  #', '#   #', '#   #', '#   #'],
  p: ['     ', '     ', '#### ', '#   #', '#### ', '#    ', '#    '],
  'µ': ['     ', '     ', '#   #', '#   #', '#   #', '## ##', '# ## '],
  'Å': ['  #  ', ' # # ', ' ### ', '#   #', '#####', '#   #', '#   #'],
};

/** Width in pixels of `text` at integer font scale `size` (no gap after the last glyph). */
export function textWidth(text: string, size = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : size * (n * GLYPH_WIDTH + (n - 1) * GLYPH_GAP);
}

/** True when every character of `text` has a glyph. */
export function canDraw(text: string): boolean {
  return [...text].every((ch) => GLYPHS[ch] !== undefined);
}

/**
 * Draws `text` in place with its top-left corner at (x, y), each font pixel a size×size block of
 * `color`; ink falling outside the image is clipped.
 */
export function drawText(image: RgbaImage, text: string, x: number, y: number, color: readonly [number, number, number], size = 1): void {
  let left = x;
  for (const ch of text) {
    const glyph = GLYPHS[ch];
    if (!glyph) throw new Error(`bitmap font: no glyph for '${ch}' (it draws ${Object.keys(GLYPHS).join('')})`);
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (glyph[row][col] !== '#') continue;
        fillRect(image, left + col * size, y + row * size, size, size, color);
      }
    }
    left += size * (GLYPH_WIDTH + GLYPH_GAP);
  }
}

/** Fills a rectangle in place, clipped to the image; `alpha` < 1 blends over what is there. */
export function fillRect(image: RgbaImage, x: number, y: number, w: number, h: number, color: readonly [number, number, number], alpha = 1): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(image.width, x + w);
  const y1 = Math.min(image.height, y + h);
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      const o = 4 * (py * image.width + px);
      for (let c = 0; c < 3; c++) image.data[o + c] = Math.round((1 - alpha) * image.data[o + c] + alpha * color[c]);
      image.data[o + 3] = 255;
    }
  }
}
