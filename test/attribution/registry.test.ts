/** Method names → explainers. */
import { describe, expect, it } from 'vitest';
import { explainers, getExplainer } from '../../src/attribution/registry.js';
import { occlusion } from '../../src/attribution/occlusion.js';
import { saliency } from '../../src/attribution/saliency.js';

describe('registry', () => {
  it('maps method names to explainers and names the available ones on a miss', () => {
    expect([...explainers.keys()]).toEqual(['saliency', 'occlusion']);
    for (const [name, e] of explainers) expect(e.name).toBe(name);
    expect(getExplainer('occlusion')).toBe(occlusion);
    expect(getExplainer('saliency')).toBe(saliency);
    expect(() => getExplainer('gradcam')).toThrow("unknown method 'gradcam'; available: saliency, occlusion");
  });
});
