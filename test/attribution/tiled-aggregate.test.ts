/** Per-image and per-specimen answers from tile answers, against numbers worked out by hand. */
import { describe, expect, it } from 'vitest';
import { aggregateGroups, aggregateTileOutputs } from '../../src/attribution/tiled-aggregate.js';

describe('aggregateTileOutputs', () => {
  it('mean probabilities, their argmax, the tile vote with its share, and the spread of the answered class', () => {
    // Tiles: [0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.8, 0.2] → mean [0.55, 0.45]; votes 0,1,1,0 → tie → class 0, share 0.5.
    const a = aggregateTileOutputs([0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.8, 0.2], 2);
    expect(a.tiles).toBe(4);
    expect(a.mean[0]).toBeCloseTo(0.55, 6);
    expect(a.mean[1]).toBeCloseTo(0.45, 6);
    expect(a.predicted).toBe(0);
    expect(a.vote).toEqual({ class: 0, share: 0.5 });
    // std of [0.9, 0.2, 0.3, 0.8] around 0.55: sqrt((0.1225 + 0.1225 + 0.0625 + 0.0625) / 4)
    expect(a.spread).toBeCloseTo(Math.sqrt(0.37 / 4), 6);
  });

  it('the mean and the vote can disagree: one very confident tile outweighs two unsure ones', () => {
    const a = aggregateTileOutputs([0.01, 0.99, 0.6, 0.4, 0.6, 0.4], 2);
    expect(a.predicted).toBe(1);
    expect(a.vote!.class).toBe(0);
    expect(a.vote!.share).toBeCloseTo(2 / 3, 12);
  });

  it('a one-output regressor: mean and standard deviation, no vote', () => {
    const a = aggregateTileOutputs([1, 2, 3, 6], 1);
    expect(a).toEqual({ tiles: 4, mean: [3], predicted: 0, spread: Math.sqrt((4 + 1 + 0 + 9) / 4) });
  });
});

describe('aggregateGroups', () => {
  it('pools the tiles of a specimen’s images and votes over its images', () => {
    const image0 = new Float32Array([0.9, 0.1, 0.8, 0.2]); // answers 0
    const image1 = new Float32Array([0.4, 0.6]); // answers 1
    const image2 = new Float32Array([0.7, 0.3, 0.6, 0.4, 0.9, 0.1]); // answers 0
    const g = aggregateGroups([image0, image1, image2], [5, 2, 5], 2);
    expect(g.map((x) => x.group)).toEqual([2, 5]);
    expect(g[0]).toMatchObject({ images: [1], tiles: 1, predicted: 1, imageVote: { class: 1, share: 1 } });
    expect(g[1].images).toEqual([0, 2]);
    expect(g[1].tiles).toBe(5);
    expect(g[1].mean[0]).toBeCloseTo((0.9 + 0.8 + 0.7 + 0.6 + 0.9) / 5, 6);
    expect(g[1].imageVote).toEqual({ class: 0, share: 1 });
    expect(() => aggregateGroups([image0], [1, 2], 2)).toThrow(/2 group ids for 1 images/);
  });
});
