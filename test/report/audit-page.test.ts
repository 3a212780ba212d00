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
    expect(html.match(/<svg class="scalebar"/g)!.length).toBe(2);
    expect(html).toContain('>1 µm</text>');
    expect(html).not.toContain(NO_PIXEL_SIZE);
  });

  it('uncalibrated models: no bar, the note once for the page', async () => {
    const html = await renderAuditPage({ title: 't', subtitle: 's', models: [model('clean', false), model('shortcut', false)] });
    expect(html).not.toContain('class="scalebar"');
    expect(html.split(NO_PIXEL_SIZE).length).toBe(2);
  });
});
