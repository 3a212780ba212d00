import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { renderDemoPage, type DemoPageInput, type ModelExamples } from '../../src/report/demo-page.js';
import { NO_PIXEL_SIZE } from '../../src/report/scale-bar.js';

const S = 32;

function disk(r: number): Tensor {
  const m = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) m[y * S + x] = (x - 15.5) ** 2 + (y - 15.5) ** 2 <= r * r ? 1 : 0;
  return tensor([S, S], m);
}

function corner(): Tensor {
  const m = new Float32Array(S * S);
  for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) m[y * S + x] = 1;
  return tensor([S, S], m);
}

function examples(label: string, focus: Tensor, n: number, withRegions: boolean): ModelExamples {
  const image = tensor([1, S, S], Float32Array.from({ length: S * S }, (_, i) => 0.3 + 0.4 * disk(6).data[i] + 0.01 * (i % 7)));
  const map = tensor([1, S, S], Float32Array.from(focus.data, (v, i) => v + 0.05 * ((i * 13) % 5)));
  return {
    label,
    images: Array.from({ length: n }, () => image),
    saliency: Array.from({ length: n }, () => map),
    occlusion: Array.from({ length: n }, () => tensor([1, S, S], Float32Array.from(map.data, (v) => v - 0.1))),
    regionNote: 'lime circle = defect region; red box = corner artifact',
    regions: withRegions ? Array.from({ length: n }, () => ({ defect: disk(6), corner: corner() })) : undefined,
  };
}

const input: DemoPageInput = {
  summary: {
    seed: 7,
    clean: {
      testAccuracy: 0.995,
      saliency: { insideDefect: 0.627, outsideDefect: 0.195, ratio: 3.215 },
      occlusion: { insideDefect: 0.698, outsideDefect: 0.0064, ratio: 109.06 },
      intervention: { injectedDefectRate: 0.02, removedArtifactAccuracy: 0.993 },
    },
    shortcut: {
      testAccuracy: 0.99,
      saliency: { corner: 0.5, defectRegion: 0.054, ratio: 9.26 },
      occlusion: { corner: 0.41, defectRegion: 0.012, ratio: 34.2 },
      intervention: { injectedDefectRate: 0.97, removedArtifactAccuracy: 0.51 },
    },
  },
  clean: examples('clean model', disk(6), 2, true),
  shortcut: examples('shortcut model', corner(), 3, false),
  timings: { 'generate data': 0.42, 'train clean': 3.1, 'train shortcut': 2.9 },
};

describe('renderDemoPage', () => {
  const html = renderDemoPage(input);

  it('states the numbers', () => {
    for (const s of ['0.995', '0.990', '3.2×', '0.627', '0.195', '109×', '9.3×', '0.500', '0.054', '34×', '97%', '2%', '0.510', '0.993']) {
      expect(html).toContain(s);
    }
    expect(html).toContain('seed 7');
    expect(html).toMatch(/shortcut model&#39;s saliency is 9\.3× stronger in the corner than in the defect region/);
    expect(html).toMatch(/call 97% of them defective/);
    expect(html).toMatch(/must still judge the physics/);
  });

  it('has five pictures per example, all as data URIs', () => {
    const imgs = html.match(/<img [^>]*>/g) ?? [];
    expect(imgs.length).toBe(5 * (2 + 3));
    for (const tag of imgs) expect(tag).toMatch(/src="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
  });

  it('upscales the pictures and outlines the regions on the overlays', () => {
    const uris = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => m[1]);
    const overlay = decode(Buffer.from(uris[2], 'base64'));
    expect([overlay.width, overlay.height]).toEqual([192, 192]);
    const px = (x: number, y: number): number[] => Array.from(overlay.data.subarray(4 * (y * 192 + x), 4 * (y * 192 + x) + 3));
    expect(px(0, 0)).toEqual([255, 0, 0]); // corner box edge
    expect(px(96, 60)).toEqual([0, 255, 0]); // top edge of the defect disk (row 10 × 6)
    expect(px(96, 59)).not.toEqual([0, 255, 0]);
    expect(px(96, 61)).not.toEqual([0, 255, 0]); // the line is one pixel thin
  });

  it('is self-contained', () => {
    expect(html).not.toContain('http://');
    expect(html).not.toContain('https://');
    expect(html).not.toMatch(/<script|<link/);
  });

  it('shows timings only when asked and given', () => {
    expect(html).toMatch(/<footer>Timings: generate data 0\.42 s · train clean 3\.10 s · train shortcut 2\.90 s · total 6\.42 s<\/footer>/);
    expect(renderDemoPage(input, { showTimings: false })).not.toContain('<footer>');
    expect(renderDemoPage({ ...input, timings: undefined })).not.toContain('<footer>');
  });

  it('writes the findings from the numbers, not from a script', () => {
    const flat = renderDemoPage({
      ...input,
      summary: { ...input.summary, shortcut: { ...input.summary.shortcut, saliency: { corner: 0.1, defectRegion: 0.2, ratio: 0.5 }, intervention: { injectedDefectRate: 0.1, removedArtifactAccuracy: 0.98 } } },
    });
    expect(flat).toContain('2.0× weaker in the corner');
    expect(flat).toContain('do not show the expected contrast');
  });

  it('rejects mismatched example lists', () => {
    const bad = { ...input, clean: { ...input.clean, saliency: input.clean.saliency.slice(1) } };
    expect(() => renderDemoPage(bad)).toThrow(/clean model has 2 images but 1 saliency/);
  });

  it('the synthetic tiles have no pixel size: said once, no bar; a calibration puts a bar on every picture', () => {
    expect(html.split(NO_PIXEL_SIZE).length).toBe(2);
    expect(html).not.toContain('class="scalebar"');
    // 32 px × 1 nm: 15–25% = 4.8–8 nm → 5 nm.
    const calibrated = renderDemoPage({ ...input, calibration: { pixelWidth: 1, pixelHeight: 1, unit: 'nm', width: 32, height: 32 } });
    expect(calibrated).not.toContain(NO_PIXEL_SIZE);
    const pictures = calibrated.match(/<img src="data:image\/png;base64,/g)!.length;
    expect(calibrated.match(/<svg class="scalebar"[^>]*>.*?>5 nm<\/text><\/svg>/g)!.length).toBe(pictures);
  });
});
