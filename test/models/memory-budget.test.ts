/**
 * Rows per ONNX Runtime call bounded by bytes: the arithmetic of rowsPerCall, the per-row cost
 * of a known graph, and the requirement measured: Integrated Gradients on one 1024×1024
 * single-channel image through a small conv net stays below 2 GB resident (peak RSS of this test
 * file's process, VmHWM; vitest runs each file in its own child process). 10 steps keep the test
 * short; the 50-step figure comes from bench/memory-ig.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { DEFAULT_MEMORY_BUDGET, rowCost, rowsPerCall } from '../../src/models/memory-budget.js';
import { OnnxModel } from '../../src/models/model.js';
import { smallConvNet } from '../../src/models/zoo/small-conv-net.js';
import { tensor } from '../../src/tensor/tensor.js';
import { randomTensor } from '../helpers/models.js';

/** Peak resident set of this process in bytes (Linux /proc/self/status VmHWM). */
function peakRss(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

describe('memory budget', () => {
  it('caps rows by bytes, keeps at least one group, and rounds to whole groups', () => {
    expect(rowsPerCall(64, 1000, 1_000_000)).toBe(64);
    expect(rowsPerCall(64, 100_000, 1_000_000)).toBe(10);
    expect(rowsPerCall(64, 100_000, 1_000_000, 2)).toBe(10);
    expect(rowsPerCall(64, 300_000, 1_000_000, 2)).toBe(2); // 3 rows fit; pairs → 2
    expect(rowsPerCall(64, 10_000_000, 1_000_000)).toBe(1);
    expect(rowsPerCall(64, 10_000_000, 1_000_000, 2)).toBe(2);
    expect(rowsPerCall(7, 1, 1_000_000, 2)).toBe(6);
  });

  it('charges a backward row 3 × 4 bytes × every value, a forward row the two largest values and the input', () => {
    // Values per row: x 1·16·16 = 256, conv1 8·256 = 2048, relu1 2048, pool1 8·16 = 128, conv2 128, relu2 128, gap 8, flatten 8, fc 2.
    const cost = rowCost(smallConvNet(16));
    expect(cost.backward).toBe(12 * (256 + 2048 * 2 + 128 * 3 + 8 + 8 + 2));
    expect(cost.forward).toBe(4 * (2048 + 2048 + 256));
    const model = new OnnxModel(smallConvNet(16), { internalBatchSize: 64, memoryBudget: 10 * cost.backward + 1 });
    expect(model.rowsPerCall('backward')).toBe(10);
    expect(model.rowsPerCall('forward')).toBe(32); // floor((10 · 57 048 + 1) / 17 408)
    expect(model.withBackwardRules('deeplift').rowsPerCall('backward')).toBe(10);
    expect(() => new OnnxModel(smallConvNet(16), { memoryBudget: 0 })).toThrow(/memoryBudget must be a positive/);
  });

  it('gives the same gradients whatever the budget (splitting rows changes nothing)', async () => {
    const x = randomTensor([6, 1, 16, 16], 3);
    const cot = tensor([6, 2], [1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 2, -1]);
    const whole = await new OnnxModel(smallConvNet(16)).vjp(x, cot);
    const tight = new OnnxModel(smallConvNet(16), { memoryBudget: 2 * rowCost(smallConvNet(16)).backward });
    expect(tight.rowsPerCall('backward')).toBe(2);
    const split = await tight.vjp(x, cot);
    expect(Array.from(split.inputGrad.data)).toEqual(Array.from(whole.inputGrad.data));
  });

  it('keeps IG on one 1024×1024 image through a small conv net below 2 GB resident (10 steps = 12 rows: without the byte cap, one call, 2.07 GB measured; bench/memory-ig.ts runs 50)', async () => {
    const model = new OnnxModel(smallConvNet(1024), { internalBatchSize: 64 });
    expect(DEFAULT_MEMORY_BUDGET).toBe(512 * 1024 * 1024);
    const x = randomTensor([1, 1, 1024, 1024], 5);
    const a = await integratedGradients.attribute(model, x, { target: 0, steps: 10 });
    const peak = peakRss();
    console.log(`IG 10 steps, 1×1×1024×1024: ${model.rowsPerCall('backward')} rows per call, peak RSS ${(peak / 2 ** 20).toFixed(0)} MB, |delta| ${Math.abs((a.extras!.convergenceDelta as number[])[0]).toExponential(2)}`);
    expect(peak).toBeLessThan(2 * 2 ** 30);
    expect(a.values.shape).toEqual([1, 1, 1024, 1024]);
    await model.dispose();
  });
});
