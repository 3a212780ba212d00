/** The lecture's tiny CNN: its layout, its options, its seeded PyTorch-style initial weights. */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/models/model.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { randomTensor } from '../../helpers/models.js';

describe('tinyCnn', () => {
  it('is conv–relu–pool twice, flatten, fc–relu–fc, with the documented default sizes', () => {
    const g = tinyCnn();
    expect(g.nodes.map((n) => `${n.name}:${n.opType}`)).toEqual([
      'conv1:Conv',
      'relu1:Relu',
      'pool1:MaxPool',
      'conv2:Conv',
      'relu2:Relu',
      'pool2:MaxPool',
      'flatten:Flatten',
      'fc1:Gemm',
      'relu3:Relu',
      'fc2:Gemm',
    ]);
    const dims = Object.fromEntries([...g.initializers].map(([k, t]) => [k, t.dims]));
    expect(dims).toEqual({
      'conv1.weight': [8, 1, 3, 3],
      'conv1.bias': [8],
      'conv2.weight': [16, 8, 3, 3],
      'conv2.bias': [16],
      // 16 channels × 8 × 8 after two 2×2 pools of a 32×32 image.
      'fc1.weight': [32, 1024],
      'fc1.bias': [32],
      'fc2.weight': [2, 32],
      'fc2.bias': [2],
    });
    expect(g.inputs).toEqual([{ name: 'input', dataType: 1, shape: ['N', 1, 32, 32] }]);
    expect(g.outputs.map((o) => [o.name, o.shape])).toEqual([['fc2_out', ['N', 2]]]);
  });

  it('follows its options and runs at those sizes', async () => {
    const g = tinyCnn({ channels: 3, size: 12, classes: 5, width: 4, hidden: 7 });
    expect(g.initializers.get('conv1.weight')!.dims).toEqual([4, 3, 3, 3]);
    expect(g.initializers.get('conv2.weight')!.dims).toEqual([8, 4, 3, 3]);
    expect(g.initializers.get('fc1.weight')!.dims).toEqual([7, 8 * 3 * 3]);
    expect(g.initializers.get('fc2.weight')!.dims).toEqual([5, 7]);
    const m = new OnnxModel(g);
    expect(m.inputShape).toEqual([3, 12, 12]);
    const y = await m.forward(randomTensor([2, 3, 12, 12], 1));
    expect(y.shape).toEqual([2, 5]);
  });

  it('draws conv1, conv2 and fc1 uniformly within ±1/√fan_in, reproducibly per seed', () => {
    const g = tinyCnn({ seed: 7 });
    const fanIn: Record<string, number> = { conv1: 9, conv2: 72, fc1: 1024, fc2: 32 };
    for (const [name, t] of g.initializers) {
      const bound = 1 / Math.sqrt(fanIn[name.split('.')[0]]);
      const v = Array.from(t.data as Float32Array);
      expect(Math.max(...v.map(Math.abs)), name).toBeLessThanOrEqual(bound);
      if (v.length >= 32 && !name.startsWith('fc2')) {
        // Uniform on [−bound, bound]: mean ≈ 0, rms ≈ bound/√3, spread reaching near both ends.
        expect(Math.max(...v), name).toBeGreaterThan(0.8 * bound);
        expect(Math.min(...v), name).toBeLessThan(-0.8 * bound);
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        const rms = Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
        expect(Math.abs(mean), name).toBeLessThan((4 * bound) / Math.sqrt(3 * v.length));
        expect(Math.abs(rms / (bound / Math.sqrt(3)) - 1), name).toBeLessThan(0.25);
      }
    }
    const again = tinyCnn({ seed: 7 });
    const other = tinyCnn({ seed: 8 });
    for (const [name, t] of g.initializers) {
      expect(again.initializers.get(name)!.data, name).toEqual(t.data);
      expect(other.initializers.get(name)!.data, name).not.toEqual(t.data);
    }
  });

  it('centres the classifier head over classes: fc2 weight columns and bias sum to zero', () => {
    for (const classes of [2, 5]) {
      const g = tinyCnn({ seed: 3, classes, hidden: 16 });
      const w = g.initializers.get('fc2.weight')!.data as Float32Array;
      const b = g.initializers.get('fc2.bias')!.data as Float32Array;
      for (let j = 0; j < 16; j++) {
        let s = 0;
        for (let c = 0; c < classes; c++) s += w[c * 16 + j];
        expect(Math.abs(s), `classes ${classes}, column ${j}`).toBeLessThan(1e-7);
      }
      expect(Math.abs(b.reduce((a, v) => a + v, 0))).toBeLessThan(1e-7);
      // Still a random head, not all zeros.
      expect(Math.max(...Array.from(w, Math.abs))).toBeGreaterThan(0.05);
    }
  });
});
