/** Method names → explainers. */
import { describe, expect, it } from 'vitest';
import { explainers, getExplainer } from '../../src/attribution/registry.js';
import { occlusion } from '../../src/attribution/occlusion.js';
import { saliency } from '../../src/attribution/saliency.js';

describe('registry', () => {
  it('maps method names to explainers and names the available ones on a miss', () => {
    expect([...explainers.keys()].sort()).toEqual(
      ['grad-cam', 'grad-cam-pp', 'gradient-shap', 'input-x-gradient', 'integrated-gradients', 'kernel-shap', 'lime', 'occlusion', 'rise', 'saliency', 'smoothgrad', 'smoothgrad-sq', 'vargrad', 'guided-backprop', 'guided-grad-cam', 'deeplift', 'attention', 'attention-rollout'].sort(),
    );
    for (const [name, e] of explainers) expect(e.name).toBe(name);
    expect(getExplainer('occlusion')).toBe(occlusion);
    expect(getExplainer('saliency')).toBe(saliency);
    expect(() => getExplainer('gradcam')).toThrow(`unknown method 'gradcam'; available: ${[...explainers.keys()].join(', ')}`);
  });
});
