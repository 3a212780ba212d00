import { describe, expect, it } from 'vitest';
import { inferTask, isDenseTask, isTask } from '../../src/models/task.js';

describe('inferTask', () => {
  it('reads the task off the per-example output shape', () => {
    expect(inferTask([1])).toBe('regression');
    expect(inferTask([10])).toBe('classification');
    expect(inferTask([2, 128, 128])).toBe('segmentation');
  });
  it('lets a declared task override the shape', () => {
    expect(inferTask([1], 'classification')).toBe('classification');
    expect(inferTask([3], 'regression')).toBe('regression');
    expect(inferTask([1, 64, 64], 'image-to-image')).toBe('image-to-image');
  });
  it('refuses unknown tasks and shapes without a default in one line naming --task', () => {
    expect(() => inferTask([3], 'detection')).toThrow(/unknown task 'detection'; use one of classification, regression/);
    expect(() => inferTask([4, 5])).toThrow(/declare it with --task/);
  });
  it('knows which tasks are dense', () => {
    expect(isTask('segmentation')).toBe(true);
    expect(isTask('x')).toBe(false);
    expect(isDenseTask('segmentation')).toBe(true);
    expect(isDenseTask('image-to-image')).toBe(true);
    expect(isDenseTask('regression')).toBe(false);
  });
});
