/**
 * Scale bars: the chosen length and its pixels for given calibrations (worked out by hand in the
 * comments), the burned bar at the exact pixels of a decoded PNG, and the SVG drawn in HTML reports.
 */
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { SpatialCalibration } from '../../src/data/spatial-calibration.js';
import { burnLayout, burnScaleBar, chooseScaleBar, scaleBarFor, scaleBarSvg, withScaleBar } from '../../src/report/scale-bar.js';
import { overlayPng, greyscalePng } from '../../src/report/png.js';
import { textWidth } from '../../src/report/bitmap-font.js';

const cal = (pixelWidth: number, unit: string, width: number, height = width): SpatialCalibration => ({ pixelWidth, pixelHeight: pixelWidth, unit, width, height });

describe('chooseScaleBar', () => {
  it.each([
    // FEI Helios fixture: 64 px × 3.3726 nm = 215.85 nm; 15–25% = 32.4–54.0 nm → 50 nm = 14.825 px (23.2%).
    [cal(3.3726e-9, 'm', 64, 40), 50, 'nm', '50 nm', 50 / 3.3726],
    // ImageJ µm: 24 px × 12.5 nm = 300 nm; band 45–75 nm → 50 nm = 4 px.
    [cal(0.0125, 'µm', 24), 50, 'nm', '50 nm', 4],
    // nm file, µm bar: 1024 × 10 nm = 10.24 µm; band 1.54–2.56 µm → 2 µm = 200 px.
    [cal(10, 'nm', 1024), 2, 'µm', '2 µm', 200],
    // FEI in metres: 48 × 1 µm; band 7.2–12 µm → 10 µm = 10 px.
    [cal(1e-6, 'm', 48, 24), 10, 'µm', '10 µm', 10],
    // 2000 × 5 µm = 10 mm; band 1.5–2.5 mm → 2 mm = 400 px.
    [cal(5, 'µm', 2000), 2, 'mm', '2 mm', 400],
    // MRC in Å: 100 × 1.5 Å = 150 Å; band 22.5–37.5 Å holds no 1-2-5 length; 20 Å (13.3%) is closer to 20% than 50 Å (33.3%) on a log scale.
    [cal(1.5, 'Å', 100), 20, 'Å', '20 Å', 20 / 1.5],
    // Å file, long bar: 4096 × 2 Å = 819.2 nm; band 123–205 nm → 200 nm = 2000 Å, shown in nm (≥ 1000 Å).
    [cal(2, 'Å', 4096), 200, 'nm', '200 nm', 1000],
    // A nm file never becomes Å: 64 × 0.05 nm = 3.2 nm; band 0.48–0.8 nm → 500 pm.
    [cal(0.05, 'nm', 64), 500, 'pm', '500 pm', 10],
  ])('%o → %d %s', (c, value, unit, label, pixels) => {
    const bar = chooseScaleBar(c);
    expect(bar.value).toBe(value);
    expect(bar.unit).toBe(unit);
    expect(bar.label).toBe(label);
    expect(bar.pixels).toBeCloseTo(pixels, 9);
    expect(bar.fraction).toBeCloseTo(pixels / c.width, 12);
  });

  it('stays within 12.6–31.7% of the width for any pixel size (the 1-2-5 steps are at most 2.5× apart)', () => {
    for (let e = -12; e <= -3; e += 0.037) {
      const bar = chooseScaleBar(cal(10 ** e, 'm', 512));
      expect(bar.fraction).toBeGreaterThanOrEqual(0.2 / Math.sqrt(2.5) - 1e-12);
      expect(bar.fraction).toBeLessThanOrEqual(0.2 * Math.sqrt(2.5) + 1e-12);
      expect([1, 2, 5, 10, 20, 50, 100, 200, 500]).toContain(bar.value);
    }
  });

  it('refuses a non-positive pixel size and an unknown unit', () => {
    expect(() => chooseScaleBar(cal(0, 'nm', 10))).toThrow(/positive/);
    expect(() => chooseScaleBar(cal(1, 'px', 10))).toThrow(/not a unit of length/);
  });

  it('scaleBarFor only lends a calibration to a picture of its own grid', () => {
    const c = cal(2, 'nm', 32);
    expect(scaleBarFor(c, 32, 32)?.label).toBe('10 nm');
    expect(scaleBarFor(c, 8, 8)).toBeUndefined();
    expect(scaleBarFor(undefined, 32, 32)).toBeUndefined();
  });
});

describe('burned scale bar', () => {
  // 32 px × 2 nm = 64 nm; band 9.6–16 nm → 10 nm = 5 image pixels = 40 output pixels at scale 8.
  const c = cal(2, 'nm', 32);
  const bar = chooseScaleBar(c);

  it('lays out box, bar and label bottom-right (worked example at 256 × 256)', () => {
    const l = burnLayout(bar, 256, 256, 8);
    // thickness max(2, 256/64) = 4, margin round(256/40) = 6, font scale 2: "10 nm" is 2 × (5·5 + 4) = 58 px wide, pad 2.
    expect(textWidth('10 nm', 2)).toBe(58);
    expect(l.box).toEqual({ x: 188, y: 226, width: 62, height: 24 });
    expect(l.bar).toEqual({ x: 208, y: 244, width: 40, height: 4 });
    expect(l.label).toEqual({ x: 190, y: 228, size: 2 });
  });

  it('is in the PNG at the expected pixels: white bar inside a darkened box, image untouched elsewhere', () => {
    const image = { shape: [1, 32, 32], data: new Float32Array(32 * 32).fill(0.5) };
    const map = { shape: [1, 32, 32], data: new Float32Array(32 * 32) };
    const plain = decode(overlayPng(image, map, { scale: 8, imageRange: [0, 1] }));
    const png = decode(overlayPng(image, map, { scale: 8, imageRange: [0, 1], scaleBar: bar }));
    const at = (p: typeof png, x: number, y: number) => Array.from(p.data.slice(4 * (y * 256 + x), 4 * (y * 256 + x) + 3));
    const grey = at(plain, 0, 0);
    for (let y = 244; y < 248; y++) for (let x = 208; x < 248; x++) expect(at(png, x, y)).toEqual([255, 255, 255]);
    // Box pixels beside the bar: 40% of the grey (black at 60% opacity).
    const dark = grey.map((v) => Math.round(0.4 * v));
    expect(at(png, 207, 245)).toEqual(dark);
    expect(at(png, 248, 245)).toEqual(dark);
    expect(at(png, 208, 243)).toEqual(dark);
    // Outside the box nothing changed.
    expect(at(png, 187, 240)).toEqual(grey);
    expect(at(png, 250, 251)).toEqual(grey);
    let changed = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] !== plain.data[i]) changed++;
    expect(changed).toBe(62 * 24);
    // The label's ink: white pixels above the bar, inside the label's rows (228..241).
    let ink = 0;
    for (let y = 228; y < 242; y++) for (let x = 190; x < 248; x++) if (at(png, x, y)[0] === 255) ink++;
    // "10 nm": 1 (10 font pixels) + 0 (19) + n (12) + m (13), each 2 × 2 output pixels.
    expect(ink).toBe(4 * (10 + 19 + 12 + 13));
  });

  it('greyscale pictures take the same bar; a picture too small for the label keeps the bar', () => {
    const image = { shape: [32, 32], data: new Float32Array(32 * 32) };
    const withBar = decode(greyscalePng(image, { scale: 8, scaleBar: bar }));
    expect(Array.from(withBar.data.slice(4 * (245 * 256 + 210), 4 * (245 * 256 + 210) + 3))).toEqual([255, 255, 255]);
    const small = burnLayout(bar, 24, 12, 1);
    expect(small.label).toBeUndefined();
    expect(small.bar.width).toBe(5);
    const burned = burnScaleBar({ width: 24, height: 12, data: new Uint8Array(24 * 12 * 4) }, bar, 1);
    expect(burned.data.some((v) => v === 255)).toBe(true);
  });
});

describe('SVG scale bar', () => {
  it('draws the bar in image pixels with its label, over the picture', () => {
    const bar = chooseScaleBar(cal(2, 'nm', 32));
    const svg = scaleBarSvg(bar, 32, 32);
    expect(svg).toContain('viewBox="0 0 32 32"');
    expect(svg).toMatch(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="5" /);
    expect(svg).toContain('>10 nm</text>');
    expect(withScaleBar('<img>', bar, 32, 32)).toBe(`<div class="scaled"><img>${svg}</div>`);
    expect(withScaleBar('<img>', undefined, 32, 32)).toBe('<img>');
  });
});
