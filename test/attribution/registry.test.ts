/** Method names → explainers. */
import { describe, expect, it } from 'vitest';
import { explainers, getExplainer } from '../../src/attribution/registry.js';
import { occlusion } from '../../src/attribution/occlusion.js';
import { saliency } from '../../src/attribution/saliency.js';

describe('registry', () => {
  it('maps method names to explainers and names the available ones on a miss', () => {
    // No hand-kept list of names: a new method is one file and one registry line (contract.test.ts runs it).
    expect(explainers.size).toBeGreaterThanOrEqual(19);
    for (const name of explainers.keys()) expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
    for (const [name, e] of explainers) expect(e.name).toBe(name);
    expect(getExplainer('occlusion')).toBe(occlusion);
    expect(getExplainer('saliency')).toBe(saliency);
    expect(() => getExplainer('gradcam')).toThrow(`unknown method 'gradcam'; available: ${[...explainers.keys()].join(', ')}`);
  });
});
