/** The workbench's evaluate from dropped bytes: the registry's metrics and page, as `trustscope evaluate`. */
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../src/onnx/proto.js';
import { encodeNpy } from '../../src/data/formats/npy.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { evaluateDropped, metricChoices } from '../../src/web/evaluate-session.js';
import { evaluateExplanations, evaluationJson } from '../../src/evaluate/evaluate.js';
import { saliency } from '../../src/attribution/saliency.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import type { WorkbenchEnvironment } from '../../src/web/browser-provenance.js';
import { uniformValues } from '../helpers/models.js';

const ENV: WorkbenchEnvironment = { trustscope: 'test', onnxruntime: 'node', platform: 'Node', os: 'linux', arch: 'x64', cores: 2 };
const graph = tinyCnn({ size: 16, seed: 5 });
const model = { name: 'm.onnx', bytes: encodeModel(graph) };
const images = tensor([3, 1, 16, 16], uniformValues(3 * 256, 6, 0, 1));
const dropped = [{ name: 'x.npy', bytes: encodeNpy(images) }];
const roi = { name: 'roi.npy', bytes: encodeNpy(tensor([16, 16], Float32Array.from({ length: 256 }, (_, i) => (i % 16 < 8 ? 1 : 0)))) };

describe('workbench evaluate session', () => {
  it('scores the maps with the metrics evaluateExplanations computes on the same data', async () => {
    const metrics = ['complexity', 'localisation'];
    const out = await evaluateDropped({ model, images: dropped, method: 'saliency', metrics, roi }, ENV);
    const direct = new OnnxModel(graph, { internalBatchSize: 32 });
    try {
      const mask = tensor([3, 16, 16], Float32Array.from({ length: 768 }, (_, i) => (i % 16 < 8 ? 1 : 0)));
      const reference = evaluationJson(await evaluateExplanations(direct, saliency, images, { metrics: ['complexity', 'localisation'], mask, seed: 0, explain: { abs: true } })) as Record<string, unknown>;
      for (const key of ['verdicts', 'complexity', 'localisation', 'targets']) expect(out.json[key]).toEqual(reference[key]);
    } finally {
      await direct.dispose();
    }
    expect(out.reportHtml).toContain('<footer class="provenance">');
    expect(out.json.provenance.inputs.map((i) => i.path)).toEqual(['x.npy', 'roi.npy']);
  });

  it('the default set leaves out mask metrics without masks; a named one is refused with the fix', async () => {
    expect(metricChoices().find((m) => m.name === 'localisation')).toMatchObject({ needsMask: true });
    await expect(evaluateDropped({ model, images: dropped, method: 'saliency', metrics: ['localisation'] }, ENV)).rejects.toThrow(/localisation needs a region mask \[N, H, W\] \(add region masks\)/);
    await expect(evaluateDropped({ model, images: dropped, method: 'saliency', metrics: ['nonsense'] }, ENV)).rejects.toThrow(/unknown metric 'nonsense'/);
  });
});
