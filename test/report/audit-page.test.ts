/** The audit page: scale bars over the pictures of calibrated images; "no pixel size" said once otherwise. */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/audit/findings.js';
import { renderAuditPage, type ModelAuditView } from '../../src/report/audit-page.js';
import { NO_PIXEL_SIZE } from '../../src/report/scale-bar.js';
import { tensor } from '../../src/tensor/tensor.js';

const ramp = (n: number) => Array.from({ length: n }, (_, i) => i / n);
const finding: Finding = {
  id: 'shortcut',
  title: 'Does the model use a shortcut outside the region of interest?',
  verdict: 'pass',
  summary: 'inside/outside 3×',
  rule: 'r',
  evidence: {},
  limits: 'l',
  figures: [{ kind: 'overlays', caption: 'saliency', images: tensor([2, 1, 8, 8], ramp(128)), maps: tensor([2, 1, 8, 8], ramp(128)), labels: ['a', 'b'] }],
};
const model = (name: string, calibrated: boolean): ModelAuditView => ({
  name,
  description: 'd',
  findings: [finding],
  ...(calibrated ? { calibration: { pixelWidth: 0.5, pixelHeight: 0.5, unit: 'µm', width: 8, height: 8 } } : {}),
});

describe('renderAuditPage scale bars', () => {
  it('a calibrated model gets a bar per picture and no note', async () => {
    const html = await renderAuditPage({ title: 't', subtitle: 's', models: [model('m', true)] });
    // Two images, each shown raw and under its map.
    expect(html.match(/<svg class="scalebar"/g)!.length).toBe(4);
    expect(html).toContain('>1 µm</text>');
    expect(html).not.toContain(NO_PIXEL_SIZE);
  });

  it('uncalibrated models: no bar, the note once for the page', async () => {
    const html = await renderAuditPage({ title: 't', subtitle: 's', models: [model('clean', false), model('shortcut', false)] });
    expect(html).not.toContain('class="scalebar"');
    expect(html.split(NO_PIXEL_SIZE).length).toBe(2);
  });

  it('the same input gives the same bytes (timings are not drawn), with the bottom line first and a print stylesheet', async () => {
    const flagged: Finding = { ...finding, verdict: 'flag', headline: 'it predicts class 1 from a patch outside the region of interest' };
    const input = (seconds: number) => ({ title: 't', subtitle: 's', models: [{ ...model('shortcut model', false), findings: [flagged] }], timings: { audit: seconds } });
    const a = await renderAuditPage(input(1.23));
    const b = await renderAuditPage(input(98.7));
    expect(b).toBe(a);
    expect(a).toContain('@media print');
    const bottom = a.indexOf('class="bottom-line distrust"');
    expect(bottom).toBeGreaterThan(0);
    expect(bottom).toBeLessThan(a.indexOf('<h2>Verdicts</h2>'));
    expect(a).toContain('Do not trust the shortcut model: <a href="#shortcut-model-shortcut">it predicts class 1 from a patch outside the region of interest</a> (1 of 1 check flags).');
  });
});

