/**
 * The demo scenario end to end at toy size (the numbers of the real run are in README; here only the
 * plumbing): lots split whole, the four models trained, every section of the result filled, the
 * truth and the physical measurement used, and the same seed giving the same numbers.
 */
import { describe, expect, it } from 'vitest';
import { runKnobsDemo } from '../../../src/generative/knobs/knobs-demo.js';
import { SEM_ATTRIBUTES } from '../../../src/data/synthetic/sem-particles.js';

const sizes = { lots: 6, tilesPerLot: 3, validationLots: 1, testLots: 2, regressorEpochs: 1, criticEpochs: 1, generatorEpochs: 1, criticPooling: 'mean-std' as const, criticStages: 4, generatorUpsampling: 'resize-conv' as const, criticAugmentation: { shift: 2, blur: 0.5, noise: 0.03 } };

describe('runKnobsDemo (toy size)', () => {
  it('trains on whole lots and fills every section, reproducibly', async () => {
    const options = { seed: 4, sizes, iterations: 3, counterfactualTiles: 2 };
    const demo = await runKnobsDemo(options);
    const { scenario, result } = demo;
    const lotsOf = (s: 'train' | 'validation' | 'test') => new Set(scenario.split[s].map((i) => scenario.data.lots[i]));
    expect([...lotsOf('test')].sort()).toEqual(scenario.splitLots.test);
    expect([...lotsOf('train')].some((l) => lotsOf('test').has(l))).toBe(false);
    expect(demo.tiles).toEqual(scenario.split.test);
    expect(demo.regressor.train.lots).toBe(3);
    expect(Object.keys(demo.critic.test)).toEqual([...SEM_ATTRIBUTES]);
    expect(result.attributes).toEqual([...SEM_ATTRIBUTES]);
    for (const n of SEM_ATTRIBUTES) {
      expect(Number.isFinite(result.sensitivity[n].estimated)).toBe(true);
      expect(Number.isFinite(result.sensitivity[n].truth)).toBe(true);
      expect(Number.isFinite(result.sensitivity[n].rendered)).toBe(true);
    }
    expect(result.sensitivity.decoy.truth).toBe(0);
    expect(result.entanglement.byCritic!.matrix).toHaveLength(5);
    expect(result.entanglement.byMeasurement!.matrix).toHaveLength(5);
    expect(result.counterfactual.tiles).toBe(2);
    expect(result.counterfactual).toHaveProperty('measuredDirectionRate');
    expect(result.perLot.map((l) => l.lot)).toEqual(scenario.splitLots.test);
    const again = await runKnobsDemo(options);
    expect(again.result.sensitivity).toEqual(result.sensitivity);
    expect(again.result.counterfactual).toEqual(result.counterfactual);
  });
});
