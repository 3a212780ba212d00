/** The workbench's audit from dropped bytes: the CLI's checks and page, and its refusals in one line. */
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/onnx/proto.js';
import { encodeNpy } from '../../src/data/formats/npy.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { auditDropped } from '../../src/web/audit-session.js';
import { auditModel } from '../../src/audit/audit.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import type { WorkbenchEnvironment } from '../../src/web/browser-provenance.js';
import { uniformValues } from '../helpers/models.js';

const ENV: WorkbenchEnvironment = { trustscope: 'test', onnxruntime: 'node', platform: 'Node', os: 'linux', arch: 'x64', cores: 2 };
const N = 20;
const graph = tinyCnn({ size: 16, seed: 5 });
const model = { name: 'm.onnx', bytes: encodeModel(graph) };
const images = tensor([N, 1, 16, 16], uniformValues(N * 256, 6, 0, 1));
const labelValues = Float32Array.from({ length: N }, (_, i) => (i * 7) % 2);
const files = { images: [{ name: 'x.npy', bytes: encodeNpy(images) }], labels: { name: 'y.npy', bytes: encodeNpy(tensor([N], labelValues)) } };

describe('workbench audit session', () => {
  it('gives the verdicts auditModel gives on the same data, the report page and provenance', async () => {
    const out = await auditDropped({ model, ...files }, ENV);
    const direct = new OnnxModel(graph);
    try {
      const reference = await auditModel({ name: 'm.onnx', model: direct, data: { images, labels: [...labelValues] } });
      expect(out.json.verdicts).toEqual(Object.fromEntries(reference.findings.map((f) => [f.id, f.verdict])));
      expect(out.json.accuracy).toBe(reference.accuracy);
    } finally {
      await direct.dispose();
    }
    expect(out.reportHtml).toContain('class="bottom-line');
    // Accessible: every chart, colour bar and scale bar is an image with a label; every picture has alt text.
    const svgs = out.reportHtml.match(/<svg[^>]*>/g) ?? [];
    expect(svgs.length).toBeGreaterThan(3);
    for (const tag of svgs) expect(tag).toMatch(/ role="img" aria-label="[^"]+"/);
    for (const tag of out.reportHtml.match(/<img[^>]*>/g) ?? []) expect(tag).toMatch(/ alt="[^"]+"/);
    expect(out.reportHtml).toContain('<footer class="provenance">');
    expect(out.json.provenance.inputs.map((i) => i.path)).toEqual(['x.npy', 'y.npy']);
  });

  it('refuses labels and masks that do not fit, naming the file and the fix', async () => {
    const labels = (values: number[]) => ({ name: 'y.npy', bytes: encodeNpy(tensor([values.length], Float32Array.from(values))) });
    await expect(auditDropped({ model, images: files.images, labels: labels([0, 1]) }, ENV)).rejects.toThrow(/y\.npy holds 2 labels but there are 20 images; give one class id per image/);
    await expect(auditDropped({ model, images: files.images, labels: labels(Array.from({ length: N }, (_, i) => (i === 3 ? 2 : 0))) }, ENV)).rejects.toThrow(/y\.npy: label 2 at index 3 is not a class id of the model \(integers 0\.\.1\)/);
    const roi = { name: 'roi.npy', bytes: encodeNpy(tensor([3, 16, 16], new Float32Array(768))) };
    await expect(auditDropped({ model, ...files, roi }, ENV)).rejects.toThrow(/roi\.npy has shape \[3, 16, 16\]; region masks are \(16, 16\) for every image or \(20, 16, 16\)/);
  });
});
