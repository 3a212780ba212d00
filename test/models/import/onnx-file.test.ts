/** .onnx files: a round trip keeps every value, and bad files fail in one line naming the file. */
import { writeFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxModel, readOnnxGraph, saveOnnxGraph } from '../../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { OnnxModel } from '../../../src/models/model.js';
import { linearModel, randomTensor, tempDir, uniformValues } from '../../helpers/models.js';

const dir = tempDir();
afterAll(async () => (await dir).cleanup());

describe('saveOnnxGraph / readOnnxGraph / loadOnnxModel', () => {
  it('round-trips nodes, attributes, initializers and shapes; the model computes the same', async () => {
    const { path } = await dir;
    const g = tinyCnn({ size: 16, seed: 4 });
    const file = path('nested/dir/tiny.onnx');
    await saveOnnxGraph(file, g);
    const back = await readOnnxGraph(file);
    expect(back.nodes).toEqual(g.nodes);
    expect(back.inputs).toEqual(g.inputs);
    expect(back.outputs).toEqual(g.outputs);
    expect(back.opsetVersion).toBe(g.opsetVersion);
    expect([...back.initializers.keys()]).toEqual([...g.initializers.keys()]);
    for (const [name, t] of g.initializers) {
      expect(back.initializers.get(name)!.dims).toEqual(t.dims);
      expect(Array.from(back.initializers.get(name)!.data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
    }
    const m = await loadOnnxModel(file, { internalBatchSize: 2 });
    expect(m.internalBatchSize).toBe(2);
    const x = randomTensor([5, 1, 16, 16], 1);
    expect(Array.from((await m.forward(x)).data)).toEqual(Array.from((await new OnnxModel(g).forward(x)).data));
  });

  it('writes a file onnxruntime runs on its own, giving x·Wᵀ + b', async () => {
    const { path } = await dir;
    const W = uniformValues(2 * 3, 5);
    const file = path('linear.onnx');
    await saveOnnxGraph(file, linearModel([3], W, [0.5, -0.5]));
    const session = await ort.InferenceSession.create(file);
    const x = Float32Array.from([1, 2, 3]);
    const y = (await session.run({ x: new ort.Tensor('float32', x, [1, 3]) }))[session.outputNames[0]].data as Float32Array;
    expect(y[0]).toBeCloseTo(0.5 + W[0] + 2 * W[1] + 3 * W[2], 5);
    expect(y[1]).toBeCloseTo(-0.5 + W[3] + 2 * W[4] + 3 * W[5], 5);
  });

  it('fails in one line naming the file: missing, not ONNX, or not a model trustscope can use', async () => {
    const { path } = await dir;
    await expect(readOnnxGraph(path('missing.onnx'))).rejects.toThrow(`cannot read ${path('missing.onnx')}: no such file`);
    await expect(loadOnnxModel(path('missing.onnx'))).rejects.toThrow(/no such file/);
    await expect(loadOnnxModel((await dir).dir)).rejects.toThrow(/it is a directory/);

    await writeFile(path('garbage.onnx'), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
    await expect(loadOnnxModel(path('garbage.onnx'))).rejects.toThrow(`${path('garbage.onnx')}: not a valid ONNX file`);

    const e = new GraphEditor('two-inputs');
    e.input('a', ['N', 2]);
    e.input('b', ['N', 2]);
    e.output(e.op('Add', ['a', 'b']), ['N', 2]);
    await saveOnnxGraph(path('two.onnx'), e.build());
    const err = await loadOnnxModel(path('two.onnx')).catch((x: Error) => x);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`^${path('two.onnx').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: model 'two-inputs' has 2 run-time inputs`));
    expect((err as Error).message).not.toContain('\n');
  });
});
