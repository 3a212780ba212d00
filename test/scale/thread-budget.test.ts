/** workers × ONNX Runtime threads never exceeds the cores unless there are more workers than cores. */
import { describe, expect, it } from 'vitest';
import { threadBudget } from '../../src/scale/thread-budget.js';

describe('threadBudget', () => {
  it('splits the cores evenly and says when workers outnumber them', () => {
    expect(threadBudget(1, 2)).toEqual({ workers: 1, threadsPerWorker: 2, cores: 2, oversubscribed: false });
    expect(threadBudget(2, 2)).toEqual({ workers: 2, threadsPerWorker: 1, cores: 2, oversubscribed: false });
    expect(threadBudget(3, 8).threadsPerWorker).toBe(2);
    expect(threadBudget(3, 2)).toMatchObject({ threadsPerWorker: 1, oversubscribed: true });
    expect(() => threadBudget(0, 2)).toThrow(/≥ 1/);
  });
});
