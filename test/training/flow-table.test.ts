/** Instance-flow counts: every row sums to the class size; moves, largest flows and pair totals on hand-made records. */
import { describe, expect, it } from 'vitest';
import type { PredictionsPerEpoch } from '../../src/training/instance-flow.js';
import { describeFlow, flowOfSet, flowTotalsByPair, largestFlows, predictionDistribution, recordedSets } from '../../src/training/flow-table.js';
import { Random } from '../../src/tensor/random.js';

const names = ['cat', 'dog', 'frog'];

/** Ten cats: all correct after epoch 1; after epoch 2, three are dogs and one a frog; after epoch 3, the frog is back. Four dogs, always dogs. */
function handMade(): PredictionsPerEpoch {
  const cat = (id: number, p: number[]) => ({ id: `c${id}`, set: 'train', label: 0, predicted: p });
  return {
    classNames: names,
    epochs: [1, 2, 3],
    instances: [
      ...[0, 1, 2].map((i) => cat(i, [0, 1, 1])),
      cat(3, [0, 2, 0]),
      ...[4, 5, 6, 7, 8, 9].map((i) => cat(i, [0, 0, 0])),
      ...[0, 1, 2, 3].map((i) => ({ id: `d${i}`, set: 'train', label: 1, predicted: [1, 1, 1] })),
      { id: 't0', set: 'test', label: 2, predicted: [0, 2, 2] },
    ],
  };
}

describe('flowOfSet', () => {
  it('counts predicted classes per class and epoch, and the moves between epochs', () => {
    const flow = flowOfSet(handMade(), 'train');
    expect(flow.classes.map((c) => [c.className, c.size])).toEqual([['cat', 10], ['dog', 4]]);
    const cat = flow.classes[0];
    expect(cat.counts).toEqual([[10, 0, 0], [6, 3, 1], [7, 3, 0]]);
    expect(cat.moves[0]).toEqual([[6, 3, 1], [0, 0, 0], [0, 0, 0]]);
    expect(cat.moves[1]).toEqual([[6, 0, 0], [0, 3, 0], [1, 0, 0]]);
    expect(recordedSets(handMade())).toEqual(['train', 'test']);
    expect(flowOfSet(handMade(), 'test').classes.map((c) => c.className)).toEqual(['frog']);
  });

  it('sums every row of counts to the class size, and every move table to it too, on a random record', () => {
    const rng = new Random(3);
    const k = 5;
    const instances = Array.from({ length: 200 }, (_, i) => ({ id: String(i), set: 'train', label: rng.int(0, k), predicted: Array.from({ length: 7 }, () => rng.int(0, k)) }));
    const flow = flowOfSet({ classNames: ['a', 'b', 'c', 'd', 'e'], epochs: [1, 2, 3, 4, 5, 6, 7], instances }, 'train');
    expect(flow.classes.reduce((s, c) => s + c.size, 0)).toBe(200);
    for (const c of flow.classes) {
      expect(c.size).toBe(instances.filter((i) => i.label === c.classIndex).length);
      for (const row of c.counts) expect(row.reduce((a, b) => a + b)).toBe(c.size);
      c.moves.forEach((m, e) => {
        expect(m.flat().reduce((a, b) => a + b)).toBe(c.size);
        // Row sums of a move table are the epoch's counts; column sums the next epoch's.
        expect(m.map((row) => row.reduce((a, b) => a + b))).toEqual(c.counts[e]);
        expect(m[0].map((_, b) => m.reduce((s, row) => s + row[b], 0))).toEqual(c.counts[e + 1]);
      });
    }
  });
});

describe('largestFlows', () => {
  it('picks the largest move away from the true class and words it', () => {
    const flow = flowOfSet(handMade(), 'train');
    const flows = largestFlows(flow);
    expect(flows.map((f) => [f.className, f.afterEpoch, f.toName, f.count])).toEqual([
      ['cat', 1, 'dog', 3],
      ['cat', 1, 'frog', 1],
    ]);
    expect(flows[0].share).toBeCloseTo(0.3, 12);
    expect(describeFlow(flows[0], 10)).toBe('after epoch 1, 30% of cat (3 of 10) moved from correct to dog');
    // Moves between two wrong classes, and back to the true class, are not flows away from it.
    expect(flows.some((f) => f.afterEpoch === 2)).toBe(false);
  });

  it('ranks by share of the class, so a small class\u2019s large drift beats a big class\u2019s small one', () => {
    const record: PredictionsPerEpoch = {
      classNames: names,
      epochs: [4, 5],
      instances: [
        ...Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, set: 's', label: 0, predicted: [0, i < 10 ? 2 : 0] })),
        ...Array.from({ length: 10 }, (_, i) => ({ id: `d${i}`, set: 's', label: 1, predicted: [1, i < 5 ? 0 : 1] })),
      ],
    };
    const flows = largestFlows(flowOfSet(record, 's'), 1);
    expect(flows).toEqual([{ className: 'dog', classIndex: 1, afterEpoch: 4, nextEpoch: 5, to: 0, toName: 'cat', count: 5, share: 0.5 }]);
    expect(flowTotalsByPair(flowOfSet(record, 's'))).toEqual([[0, 2, 10], [1, 0, 5]]);
  });
});

describe('predictionDistribution', () => {
  it('totals predicted classes per epoch over the classes of a set', () => {
    expect(predictionDistribution(flowOfSet(handMade(), 'train'))).toEqual([[10, 4, 0], [6, 7, 1], [7, 7, 0]]);
  });
});
