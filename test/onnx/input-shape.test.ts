/**
 * withInputShape: a model exported with dynamic H/W axes becomes static at the size of the data in
 * hand. Checked on the dynamic-axes ResNet fixture (make_family_fixtures.py) at a size it was not
 * exported with, against ONNX Runtime running the unspecialised file, and on the refusals.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { loadOnnxModel } from '../../src/models/import/onnx-file.js';
import { withInputShape } from '../../src/onnx/input-shape.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { createSession } from '../../src/onnx/runtime.js';
import { relativeL2 } from '../../src/tensor/compare.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { opGraph } from './autodiff/fd-harness.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/families/resnet-dynamic-opset11/model.onnx', import.meta.url));

describe('withInputShape', () => {
  it('fixes the symbolic spatial axes, keeps the batch dynamic, and the model then differentiates at that size', async () => {
    const graph = decodeModel(readFileSync(FIXTURE), 'resnet-dynamic');
    expect(graph.inputs[0].shape).toEqual(['N', 3, 'H', 'W']);
    expect(() => new OnnxModel(graph)).toThrow(/static shape/);
    const fixed = withInputShape(graph, [3, 24, 20]);
    expect(fixed.inputs[0].shape).toEqual(['N', 3, 24, 20]);
    expect(graph.inputs[0].shape).toEqual(['N', 3, 'H', 'W']);
    const model = new OnnxModel(fixed);
    expect(model.inputShape).toEqual([3, 24, 20]);
    const rng = new Random(3);
    const x = tensor([3, 3, 24, 20], Array.from({ length: 3 * 3 * 24 * 20 }, () => rng.normal()));
    const reference = (await (await createSession(graph)).run({ input: x })).output;
    const { output, inputGrad } = await model.vjp(x, tensor([3, model.outputSize], Array.from({ length: 3 * model.outputSize }, () => rng.normal())));
    expect(relativeL2(output.data, reference.data)).toBeLessThan(1e-6);
    expect(inputGrad.shape).toEqual([3, 3, 24, 20]);
    expect(inputGrad.data.some((v) => v !== 0)).toBe(true);
  });

  it('loadOnnxModel names the inputShape option when the file has dynamic spatial axes, and takes it', async () => {
    await expect(loadOnnxModel(FIXTURE)).rejects.toThrow(/dynamic: pass the data's size as inputShape \[C, H, W\]/);
    expect((await loadOnnxModel(FIXTURE, { inputShape: [3, 16, 16] })).inputShape).toEqual([3, 16, 16]);
  });

  it('refuses a rank mismatch, a fixed axis that disagrees, and non-positive sizes, naming the fix', () => {
    const graph = decodeModel(readFileSync(FIXTURE), 'resnet-dynamic');
    expect(() => withInputShape(graph, [3, 24])).toThrow(/rank 4.*without the batch/);
    expect(() => withInputShape(graph, [1, 24, 24])).toThrow(/fixed size 3 at axis 1.*re-export/);
    expect(() => withInputShape(graph, [3, 0, 24])).toThrow(/positive integers/);
    const two = opGraph('Add', [{ name: 'a', shape: ['N', 2] }, { name: 'b', shape: ['N', 2] }]);
    expect(() => withInputShape(two, [2])).toThrow(/2 run-time inputs/);
  });
});
