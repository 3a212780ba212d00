import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/onnx/proto.js';
import { encodeNpy } from '../../src/data/formats/npy.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, uniformValues } from '../helpers/models.js';
import { explainDropped, parseMethodOptions, attributionTensor } from '../../src/web/explain-session.js';
import { getExplainer } from '../../src/attribution/registry.js';
import type { WorkbenchEnvironment } from '../../src/web/browser-provenance.js';
import { createHash } from 'node:crypto';

const ENV: WorkbenchEnvironment = { trustscope: 'test', onnxruntime: 'node', platform: 'Node', os: 'linux', arch: 'x64', cores: 2 };

// y = W·flatten(x) + b on 1×4×4 images, 3 classes: saliency of class k is |W[k]| everywhere (analytic).
const chw = [1, 4, 4];
const W = uniformValues(3 * 16, 7);
const b = [0.1, -0.2, 0.3];
const modelBytes = encodeModel(linearModel(chw, W, b));
const images = tensor([2, 1, 4, 4], uniformValues(32, 8, 0, 1));

function logitsOf(row: number): number[] {
  return [0, 1, 2].map((k) => b[k] + images.data.subarray(row * 16, row * 16 + 16).reduce((s, v, j) => s + v * W[k * 16 + j], 0));
}

describe('workbench explain session (Node-free pipeline, here on onnxruntime-node)', () => {
  it('saliency of a linear model is |W[predicted class]|, with the predictions and the provenance', async () => {
    const out = await explainDropped({ model: { name: 'linear.onnx', bytes: modelBytes }, images: [{ name: 'two.npy', bytes: encodeNpy(images) }], method: 'saliency' }, ENV);
    const maps = attributionTensor(out.json);
    expect(maps.shape).toEqual([2, 1, 4, 4]);
    for (let i = 0; i < 2; i++) {
      const logits = logitsOf(i);
      const k = logits.indexOf(Math.max(...logits));
      expect(out.json.images[i].predicted).toBe(k);
      const exp = logits.map((l) => Math.exp(l - logits[k]));
      expect(out.json.images[i].confidence).toBeCloseTo(1 / exp.reduce((s, v) => s + v, 0), 5);
      for (let j = 0; j < 16; j++) expect(maps.data[i * 16 + j]).toBeCloseTo(Math.abs(W[k * 16 + j]), 6);
    }
    expect(out.json.images.map((im) => im.label)).toEqual(['two.npy [0]', 'two.npy [1]']);
    expect(out.json.provenance.models[0].sha256).toBe(createHash('sha256').update(modelBytes).digest('hex'));
    // The report's own components: a colour bar per map, the raw image beside each overlay, a footer.
    expect(out.html.match(/class="colourbar"/g)?.length ?? out.html.match(/colourbar/g)?.length).toBeGreaterThanOrEqual(2);
    expect(out.reportHtml).toContain('<footer class="provenance">');
    expect(out.reportHtml).toContain('two.npy [1]');
  });

  it('a fixed target and a signed map: W[target] with its sign', async () => {
    const out = await explainDropped({ model: { name: 'linear.onnx', bytes: modelBytes }, images: [{ name: 'two.npy', bytes: encodeNpy(images) }], method: 'saliency', options: { abs: 'true' }, target: 2 }, ENV);
    const maps = attributionTensor(out.json);
    for (let j = 0; j < 16; j++) expect(maps.data[16 + j]).toBeCloseTo(W[2 * 16 + j], 6);
    expect(out.json.options.abs).toBe(false);
  });

  it('refuses bad input with one line naming the problem', async () => {
    const model = { name: 'linear.onnx', bytes: modelBytes };
    await expect(explainDropped({ model, images: [{ name: 'x.npy', bytes: encodeNpy(tensor([1, 5, 5], new Float32Array(25))) }], method: 'saliency' }, ENV)).rejects.toThrow(/x\.npy has shape \[1, 5, 5\] but the model takes \(1, 4, 4\)/);
    await expect(explainDropped({ model, images: [{ name: 'x.txt', bytes: new Uint8Array([1, 2, 3]) }], method: 'saliency' }, ENV)).rejects.toThrow(/x\.txt: unknown file format '\.txt'/);
    await expect(explainDropped({ model: { name: 'm.onnx', bytes: new Uint8Array([9, 9, 9]) }, images: [{ name: 'two.npy', bytes: encodeNpy(images) }], method: 'saliency' }, ENV)).rejects.toThrow(/m\.onnx/);
    await expect(explainDropped({ model, images: [{ name: 'two.npy', bytes: encodeNpy(images) }], method: 'saliency', target: 3 }, ENV)).rejects.toThrow(/target 3 is not an output of the model \(0\.\.2\)/);
    expect(() => parseMethodOptions(getExplainer('occlusion'), { window: '0' })).toThrow(/window/);
    expect(() => parseMethodOptions(getExplainer('saliency'), { steps: '3' })).toThrow(/saliency has no option 'steps'/);
  });
});
