import { describe, expect, it } from 'vitest';
import { inferTask, isDenseTask, isTask, TASKS, TASK_OPTION } from '../../src/models/task.js';

describe('inferTask', () => {
  it('one output is a regression, K outputs class scores, [K, H, W] a segmentation', () => {
    expect(inferTask([1])).toBe('regression');
    expect(inferTask([3])).toBe('classification');
    expect(inferTask([2, 8, 8])).toBe('segmentation');
  });
  it('a declaration wins over the shape where the shape allows it', () => {
    expect(inferTask([3], 'regression')).toBe('regression');
    expect(inferTask([1, 8, 8], 'image-to-image')).toBe('image-to-image');
  });
  it('refuses a one-output classifier and an uninferable shape with a line naming --task', () => {
    expect(() => inferTask([1], 'classification')).toThrow(/--task regression/);
    expect(() => inferTask([2, 3])).toThrow(/--task/);
    expect(() => inferTask([2], 'nonsense')).toThrow(/task must be one of/);
  });
  it('the flag offers exactly the tasks', () => {
    expect(TASK_OPTION.choices).toEqual(TASKS);
  });
  it('knows which tasks are dense', () => {
    expect(isTask('segmentation')).toBe(true);
    expect(isTask('x')).toBe(false);
    expect(isDenseTask('segmentation')).toBe(true);
    expect(isDenseTask('image-to-image')).toBe(true);
    expect(isDenseTask('regression')).toBe(false);
  });
});
