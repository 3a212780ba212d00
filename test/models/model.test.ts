/**
 * OnnxModel against independent references: closed-form linear models, a float64 interpreter
 * (test/onnx/reference-interpreter.ts) with central finite differences for the tiny CNN, and
 * loops written here for the last layers of the tiny CNN.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import type { Graph } from '../../src/onnx/graph.js';
import { DataType, attr, floatTensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { oneHot, tensor } from '../../src/tensor/tensor.js';
import { refTensor, runReference } from '../onnx/reference-interpreter.js';
import { linearModel, maxAbsDiff, randomTensor, relativeL2, uniformValues } from '../helpers/models.js';

function init(g: Graph, name: string): Float32Array {
  const t = g.initializers.get(name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t.data as Float32Array;
}

/** Float64 forward of the graph for a batch, returning the named value. */
function reference(g: Graph, x: Tensor, value: string, inputName = 'input'): Float64Array {
  const out = runReference(g, { [inputName]: refTensor(x.shape, x.data) }).get(value);
  if (!out) throw new Error(`reference computed no '${value}'`);
  return out.data;
}

describe('OnnxModel structure', () => {
  const model = new OnnxModel(tinyCnn({ seed: 1 }));

  it('reads input shape, output size, layers (output excluded) and their shapes from the graph', () => {
    expect(model.inputShape).toEqual([1, 32, 32]);
    expect(model.outputSize).toBe(2);
    expect(model.inputName).toBe('input');
    expect(model.outputName).toBe('fc2_out');
    expect(model.layers).toEqual(['conv1_out', 'relu1_out', 'pool1_out', 'conv2_out', 'relu2_out', 'pool2_out', 'flatten_out', 'fc1_out', 'relu3_out']);
    const byName = new Map(model.layerInfo.map((l) => [l.name, l]));
    expect(byName.get('relu2_out')).toMatchObject({ node: 'relu2', opType: 'Relu', shape: [-1, 16, 16, 16] });
    expect(byName.get('pool2_out')?.shape).toEqual([-1, 16, 8, 8]);
    expect(byName.get('flatten_out')?.shape).toEqual([-1, 1024]);
    expect(byName.get('relu3_out')?.shape).toEqual([-1, 32]);
    expect(model.layerShape('pool1_out')).toEqual([-1, 8, 16, 16]);
  });

  it('lists parameters with their layer, role and PyTorch fan-in', () => {
    const p = model.parameters.map((q) => [q.name, q.layer, q.role, q.fanIn, q.shape]);
    expect(p).toEqual([
      ['conv1.weight', 'conv1', 'weight', 9, [8, 1, 3, 3]],
      ['conv1.bias', 'conv1', 'bias', 9, [8]],
      ['conv2.weight', 'conv2', 'weight', 72, [16, 8, 3, 3]],
      ['conv2.bias', 'conv2', 'bias', 72, [16]],
      ['fc1.weight', 'fc1', 'weight', 1024, [32, 1024]],
      ['fc1.bias', 'fc1', 'bias', 1024, [32]],
      ['fc2.weight', 'fc2', 'weight', 32, [2, 32]],
      ['fc2.bias', 'fc2', 'bias', 32, [2]],
    ]);
  });

  it('uses the input dimension as the fan-in of a MatMul weight [in, out] and of a Gemm weight without transB', () => {
    const e = new GraphEditor('matmul');
    e.input('x', ['N', 6]);
    e.initializer('w', floatTensorValue([6, 2], uniformValues(12, 1)));
    e.output(e.op('MatMul', ['x', 'w']), ['N', 2]);
    const m = new OnnxModel(e.build());
    expect(m.parameters.map((q) => [q.name, q.role, q.fanIn])).toEqual([['w', 'weight', 6]]);

    const g = new GraphEditor('gemm');
    g.input('x', ['N', 6]);
    g.initializer('w', floatTensorValue([6, 2], uniformValues(12, 1)));
    g.initializer('b', floatTensorValue([2], [0, 0]));
    g.output(g.op('Gemm', ['x', 'w', 'b']), ['N', 2]);
    expect(new OnnxModel(g.build()).parameters.map((q) => [q.name, q.role, q.fanIn])).toEqual([
      ['w', 'weight', 6],
      ['b', 'bias', 6],
    ]);
    // …so reinitialising draws within ±1/√6, not ±1/√2.
    const r = m.withParameters({ kind: 'reinitialise', parameters: ['w'], seed: 1 });
    expect(Math.max(...init(r.graph, 'w').map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(6));
  });

  it('rejects graphs it cannot serve, saying why', () => {
    const two = new GraphEditor('two');
    two.input('a', ['N', 3]);
    two.input('b', ['N', 3]);
    two.output(two.op('Add', ['a', 'b']), ['N', 3]);
    expect(() => new OnnxModel(two.build())).toThrow(/2 run-time inputs \(a, b\).*exactly one/);

    const dyn = new GraphEditor('dyn');
    dyn.input('x', ['N', 'C']);
    dyn.output(dyn.op('Relu', ['x']), ['N', 'C']);
    expect(() => new OnnxModel(dyn.build())).toThrow(/static shape except for the batch/);

    const ints = new GraphEditor('ints');
    ints.input('x', ['N', 3], DataType.INT64);
    ints.output(ints.op('Identity', ['x']), ['N', 3]);
    expect(() => new OnnxModel(ints.build())).toThrow(/must be float32/);

    // Dense outputs [N, K, H, W] are served (dense-output.test.ts); a bare [N] is not.
    const scalar = new GraphEditor('scalar');
    scalar.input('x', ['N', 4]);
    scalar.output(scalar.op('ReduceSum', ['x'], { keepdims: attr.int(0), axes: attr.ints([1]) }), ['N']);
    expect(() => new OnnxModel(scalar.build())).toThrow(/must have shape \[N, K\] or \[N, K, H, W\]/);
  });
});

describe('OnnxModel.forward and vjp on a linear model (exact answers)', () => {
  const chw = [2, 3, 4];
  const d = 24;
  const k = 3;
  const W = uniformValues(k * d, 2);
  const b = uniformValues(k, 3);
  const model = new OnnxModel(linearModel(chw, W, b));
  const x = randomTensor([5, ...chw], 4, -1, 1);

  it('forward is x·Wᵀ + b', async () => {
    const y = await model.forward(x);
    expect(y.shape).toEqual([5, k]);
    const expected = new Float64Array(5 * k);
    for (let i = 0; i < 5; i++) for (let c = 0; c < k; c++) {
      let s = b[c];
      for (let j = 0; j < d; j++) s += x.data[i * d + j] * W[c * d + j];
      expected[i * k + c] = s;
    }
    expect(maxAbsDiff(y.data, expected)).toBeLessThan(1e-5);
  });

  it('vjp gives Σ_c cot[i,c]·W[c,:] per row, and the forward output alongside', async () => {
    const cot = randomTensor([5, k], 5, -2, 2);
    const { output, inputGrad } = await model.vjp(x, cot);
    expect(inputGrad.shape).toEqual([5, ...chw]);
    const expected = new Float64Array(5 * d);
    for (let i = 0; i < 5; i++) for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) expected[i * d + j] += cot.data[i * k + c] * W[c * d + j];
    expect(maxAbsDiff(inputGrad.data, expected)).toBeLessThan(1e-5);
    expect(Array.from(output.data)).toEqual(Array.from((await model.forward(x)).data));
  });

  it('with a one-hot cotangent the gradient is exactly the weight row', async () => {
    const { inputGrad } = await model.vjp(x, oneHot([2, 0, 1, 2, 2], k));
    [2, 0, 1, 2, 2].forEach((c, i) => expect(Array.from(inputGrad.data.subarray(i * d, (i + 1) * d))).toEqual(Array.from(W.subarray(c * d, (c + 1) * d))));
  });

  it('returns [0, …] results for an empty batch from forward, vjp and layerVjp', async () => {
    const empty = tensor([0, ...chw]);
    expect((await model.forward(empty)).shape).toEqual([0, k]);
    const v = await model.vjp(empty, tensor([0, k]));
    expect(v.output.shape).toEqual([0, k]);
    expect(v.inputGrad.shape).toEqual([0, ...chw]);
    const l = await model.layerVjp(empty, 'flatten', tensor([0, k]));
    expect(l.output.shape).toEqual([0, k]);
    expect(l.activation.shape).toEqual([0, d]);
    expect(l.grad.shape).toEqual([0, d]);
  });
});

describe('OnnxModel input checks', () => {
  const model = new OnnxModel(tinyCnn({ size: 8, seed: 2 }));

  it('names a wrong input shape and the expected one', async () => {
    await expect(model.forward(tensor([2, 1, 16, 16]))).rejects.toThrow('input has shape [2, 1, 16, 16] but the model takes [N, 1, 8, 8]');
    await expect(model.forward(tensor([1, 8, 8]))).rejects.toThrow(/\[1, 8, 8\] but the model takes \[N, 1, 8, 8\]/);
    await expect(model.vjp(tensor([1, 2, 8, 8]), oneHot([0], 2))).rejects.toThrow(/takes \[N, 1, 8, 8\]/);
  });

  it('names a non-finite input value and where it is', async () => {
    const x = randomTensor([2, 1, 8, 8], 1);
    x.data[70] = NaN;
    await expect(model.forward(x)).rejects.toThrow('input holds a non-finite value (NaN) at flat index 70');
    x.data[70] = 0;
    x.data[3] = -Infinity;
    await expect(model.vjp(x, oneHot([0, 1], 2))).rejects.toThrow(/non-finite value \(-Infinity\) at flat index 3/);
    await expect(model.layerVjp(x, 'relu3', oneHot([0, 1], 2))).rejects.toThrow(/non-finite/);
  });

  it('checks the cotangent shape', async () => {
    const x = randomTensor([2, 1, 8, 8], 1);
    await expect(model.vjp(x, oneHot([0], 2))).rejects.toThrow('cotangent has shape [1, 2] but must be [2, 2]');
    await expect(model.vjp(x, tensor([2, 3]))).rejects.toThrow(/must be \[2, 2\]/);
    await expect(model.layerVjp(x, 'relu3', tensor([2]))).rejects.toThrow(/cotangent has shape \[2\]/);
  });
});

describe('OnnxModel on the tiny CNN against a float64 reference', () => {
  const graph = tinyCnn({ size: 8, seed: 5 });
  const model = new OnnxModel(graph);
  const x = randomTensor([3, 1, 8, 8], 6);

  it('forward matches the float64 interpreter', async () => {
    const y = await model.forward(x);
    expect(relativeL2(y.data, reference(graph, x, 'fc2_out'))).toBeLessThan(1e-5);
  });

  it('vjp matches central finite differences of Σ output ⊙ cotangent (float64)', async () => {
    const cot = randomTensor([3, 2], 7, -1, 1);
    const { inputGrad } = await model.vjp(x, cot);
    const loss = (xs: Float64Array) => {
      const y = runReference(graph, { input: { shape: x.shape, data: xs } }).get('fc2_out')!.data;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * cot.data[i];
      return s;
    };
    const base = Float64Array.from(x.data);
    const eps = 1e-6;
    const fd = new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const plus = base.slice();
      const minus = base.slice();
      plus[i] += eps;
      minus[i] -= eps;
      fd[i] = (loss(plus) - loss(minus)) / (2 * eps);
    }
    expect(relativeL2(inputGrad.data, fd)).toBeLessThan(1e-4);
  });
});

describe('OnnxModel.layerVjp', () => {
  const graph = tinyCnn({ size: 8, seed: 8 });
  const model = new OnnxModel(graph);
  const x = randomTensor([4, 1, 8, 8], 9);
  const targets = [0, 1, 1, 0];
  const W2 = init(graph, 'fc2.weight'); // [2, 32]
  const W1 = init(graph, 'fc1.weight'); // [32, 64]

  it("at 'relu3_out' (input of the last Gemm) the gradient is fc2.weight[target, :] and the activation is relu3", async () => {
    const { output, activation, grad } = await model.layerVjp(x, 'relu3_out', oneHot(targets, 2));
    expect(grad.shape).toEqual([4, 32]);
    targets.forEach((t, i) => expect(Array.from(grad.data.subarray(i * 32, (i + 1) * 32))).toEqual(Array.from(W2.subarray(t * 32, (t + 1) * 32))));
    expect(activation.shape).toEqual([4, 32]);
    expect(maxAbsDiff(activation.data, reference(graph, x, 'relu3_out'))).toBeLessThan(1e-5);
    expect(maxAbsDiff(output.data, (await model.forward(x)).data)).toBeLessThan(1e-6);
  });

  it("accepts the node name ('relu3') for its value, with the same result", async () => {
    expect(model.resolveLayer('relu3')).toBe('relu3_out');
    expect(model.resolveLayer('relu3_out')).toBe('relu3_out');
    expect(model.resolveLayer('pool1')).toBe('pool1_out');
    const a = await model.layerVjp(x, 'relu3', oneHot(targets, 2));
    const b = await model.layerVjp(x, 'relu3_out', oneHot(targets, 2));
    expect(Array.from(a.grad.data)).toEqual(Array.from(b.grad.data));
    expect(Array.from(a.activation.data)).toEqual(Array.from(b.activation.data));
  });

  it('rejects an unknown layer, pointing at `trustscope layers`', async () => {
    expect(() => model.resolveLayer('conv9')).toThrow(/unknown layer 'conv9'.*trustscope layers/);
    await expect(model.layerVjp(x, 'fc2_out_nope', oneHot(targets, 2))).rejects.toThrow(/trustscope layers/);
  });

  it("at 'flatten_out' the gradient is W1ᵀ · (relu3 mask ⊙ W2[target]) (written out here)", async () => {
    const { activation, grad } = await model.layerVjp(x, 'flatten', oneHot(targets, 2));
    expect(activation.shape).toEqual([4, 64]);
    expect(maxAbsDiff(activation.data, reference(graph, x, 'flatten_out'))).toBeLessThan(1e-5);
    const relu3 = reference(graph, x, 'relu3_out');
    const expected = new Float64Array(4 * 64);
    targets.forEach((t, i) => {
      for (let h = 0; h < 32; h++) {
        if (relu3[i * 32 + h] <= 0) continue;
        const g = W2[t * 32 + h];
        for (let j = 0; j < 64; j++) expected[i * 64 + j] += g * W1[h * 64 + j];
      }
    });
    expect(maxAbsDiff(grad.data, expected)).toBeLessThan(1e-5);
  });

  it('a 4-D inner value (conv2_out) gets a gradient of its own shape, matching finite differences through the head', async () => {
    // (conv2_out rather than relu2_out: after a ReLU, max-pool windows hold tied zeros where a
    // finite difference is one-sided.)
    const cot = randomTensor([4, 2], 10, -1, 1);
    const { activation, grad } = await model.layerVjp(x, 'conv2_out', cot);
    expect(activation.shape).toEqual([4, 16, 4, 4]);
    expect(grad.shape).toEqual([4, 16, 4, 4]);
    expect(maxAbsDiff(activation.data, reference(graph, x, 'conv2_out'))).toBeLessThan(1e-5);
    // Finite differences of the head (relu2 → … → fc2) w.r.t. conv2_out, in float64: run the
    // reference interpreter on the sub-graph that starts at conv2_out.
    const tail = graph.nodes.slice(graph.nodes.findIndex((n) => n.name === 'relu2'));
    const head: Graph = { ...graph, nodes: tail, inputs: [{ name: 'conv2_out', dataType: DataType.FLOAT, shape: ['N', 16, 4, 4] }] };
    const act = Float64Array.from(activation.data);
    const loss = (a: Float64Array) => {
      const y = runReference(head, { conv2_out: { shape: activation.shape, data: a } }).get('fc2_out')!.data;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * cot.data[i];
      return s;
    };
    const eps = 1e-6;
    // Every third coordinate (342 of 1024) keeps the test fast.
    const probes = Array.from({ length: Math.ceil(act.length / 3) }, (_, k) => 3 * k);
    const fd: number[] = [];
    for (const i of probes) {
      const p = act.slice();
      const m = act.slice();
      p[i] += eps;
      m[i] -= eps;
      fd.push((loss(p) - loss(m)) / (2 * eps));
    }
    expect(relativeL2(probes.map((i) => grad.data[i]), fd)).toBeLessThan(1e-4);
    expect(fd.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });
});

describe('OnnxModel internalBatchSize', () => {
  it('gives identical forward, vjp and layerVjp results for batch sizes 1, 3 and 64 on 7 inputs', async () => {
    const graph = tinyCnn({ size: 16, seed: 12 });
    const x = randomTensor([7, 1, 16, 16], 13);
    const cot = randomTensor([7, 2], 14, -1, 1);
    const results = [];
    for (const bs of [1, 3, 64]) {
      const m = new OnnxModel(graph, { internalBatchSize: bs });
      expect(m.internalBatchSize).toBe(bs);
      const y = await m.forward(x);
      const v = await m.vjp(x, cot);
      const l = await m.layerVjp(x, 'pool1', cot);
      expect(y.shape).toEqual([7, 2]);
      expect(v.inputGrad.shape).toEqual([7, 1, 16, 16]);
      expect(l.grad.shape).toEqual([7, 8, 8, 8]);
      results.push({ y: y.data, g: v.inputGrad.data, a: l.activation.data, lg: l.grad.data });
    }
    for (const r of results.slice(1)) {
      expect(Array.from(r.y)).toEqual(Array.from(results[0].y));
      expect(Array.from(r.g)).toEqual(Array.from(results[0].g));
      expect(Array.from(r.a)).toEqual(Array.from(results[0].a));
      expect(Array.from(r.lg)).toEqual(Array.from(results[0].lg));
    }
    // Row i of a batched call equals the call on row i alone.
    const m = new OnnxModel(graph, { internalBatchSize: 3 });
    const single = await m.forward(tensor([1, 1, 16, 16], x.data.slice(5 * 256, 6 * 256)));
    expect(maxAbsDiff(single.data, results[0].y.subarray(10, 12))).toBeLessThan(1e-6);
  });

  it('treats internalBatchSize < 1 as 1', () => {
    expect(new OnnxModel(tinyCnn({ size: 8 }), { internalBatchSize: 0 }).internalBatchSize).toBe(1);
  });
});

describe('OnnxModel.withParameters', () => {
  const graph = tinyCnn({ size: 8, seed: 20 });
  const model = new OnnxModel(graph);

  it("reinitialise changes only the named initializer, within ±1/√fan_in, deterministically per seed", () => {
    const a = model.withParameters({ kind: 'reinitialise', parameters: ['fc2.weight'], seed: 3 });
    const b = model.withParameters({ kind: 'reinitialise', parameters: ['fc2.weight'], seed: 3 });
    const c = model.withParameters({ kind: 'reinitialise', parameters: ['fc2.weight'], seed: 4 });
    for (const [name, value] of graph.initializers) {
      const after = init(a.graph, name);
      if (name === 'fc2.weight') continue;
      expect(Array.from(after), name).toEqual(Array.from(value.data as Float32Array));
    }
    const fresh = init(a.graph, 'fc2.weight');
    const old = init(graph, 'fc2.weight');
    expect(a.graph.initializers.get('fc2.weight')!.dims).toEqual([2, 32]);
    expect(fresh.filter((v, i) => v === old[i]).length).toBe(0);
    expect(Array.from(init(b.graph, 'fc2.weight'))).toEqual(Array.from(fresh));
    expect(Array.from(init(c.graph, 'fc2.weight'))).not.toEqual(Array.from(fresh));
    const bound = 1 / Math.sqrt(32);
    expect(Math.max(...fresh.map(Math.abs))).toBeLessThanOrEqual(bound);
    // 64 uniform draws span most of the range.
    expect(Math.max(...fresh)).toBeGreaterThan(0.7 * bound);
    expect(Math.min(...fresh)).toBeLessThan(-0.7 * bound);
    // The original model is untouched.
    expect(init(model.graph, 'fc2.weight')).toBe(old);
  });

  it('the reinitialised model computes with its new weights: logits = relu3 · W2ᵀ + b2', async () => {
    const a = model.withParameters({ kind: 'reinitialise', parameters: ['fc2.weight', 'fc2.bias'], seed: 7 });
    const x = randomTensor([3, 1, 8, 8], 21);
    const relu3 = (await model.layerVjp(x, 'relu3_out', oneHot([0, 0, 0], 2))).activation; // unchanged layers
    const W = init(a.graph, 'fc2.weight');
    const bias = init(a.graph, 'fc2.bias');
    expect(Math.max(...bias.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(32));
    const expected = new Float64Array(6);
    for (let i = 0; i < 3; i++) for (let c = 0; c < 2; c++) {
      let s = bias[c];
      for (let h = 0; h < 32; h++) s += relu3.data[i * 32 + h] * W[c * 32 + h];
      expected[i * 2 + c] = s;
    }
    expect(maxAbsDiff((await a.forward(x)).data, expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff((await model.forward(x)).data, expected)).toBeGreaterThan(1e-3);
  });

  it('reinitialise rejects a name that is not a parameter', () => {
    expect(() => model.withParameters({ kind: 'reinitialise', parameters: ['fc3.weight'], seed: 1 })).toThrow(/'fc3.weight' is not a parameter/);
  });

  it('reinitialise resets BatchNorm to identity (scale 1, shift 0, mean 0, variance 1)', () => {
    const e = new GraphEditor('bn');
    e.input('x', ['N', 2, 3, 3]);
    e.initializer('bn.scale', floatTensorValue([2], [2, 3]));
    e.initializer('bn.bias', floatTensorValue([2], [0.5, -0.5]));
    e.initializer('bn.mean', floatTensorValue([2], [0.1, 0.2]));
    e.initializer('bn.var', floatTensorValue([2], [4, 9]));
    const bn = e.node('BatchNormalization', ['x', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], {}, 1, 'bn')[0];
    const flat = e.op('Flatten', [bn], { axis: attr.int(1) });
    e.output(e.op('ReduceSum', [flat, e.constInt64([1])], { keepdims: attr.int(1) }), ['N', 1]);
    const m = new OnnxModel(e.build());
    expect(m.parameters.map((p) => [p.name, p.role])).toEqual([
      ['bn.scale', 'scale'],
      ['bn.bias', 'bias'],
      ['bn.mean', 'mean'],
      ['bn.var', 'variance'],
    ]);
    const r = m.withParameters({ kind: 'reinitialise', parameters: ['bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], seed: 1 });
    expect(Array.from(init(r.graph, 'bn.scale'))).toEqual([1, 1]);
    expect(Array.from(init(r.graph, 'bn.bias'))).toEqual([0, 0]);
    expect(Array.from(init(r.graph, 'bn.mean'))).toEqual([0, 0]);
    expect(Array.from(init(r.graph, 'bn.var'))).toEqual([1, 1]);
  });

  it('replace sets exact values (the model then computes with them) and validates names and lengths', async () => {
    const W = uniformValues(2 * 4, 30);
    const lin = new OnnxModel(linearModel([1, 2, 2], W, [0, 0]));
    const W2 = Float32Array.from([1, 0, 0, 0, 0, 0, 0, 2]);
    const r = lin.withParameters({ kind: 'replace', values: new Map([['fc.weight', W2]]) });
    const y = await r.forward(tensor([1, 1, 2, 2], [3, 5, 7, 11]));
    expect(Array.from(y.data)).toEqual([3, 22]);
    expect(Array.from(init(lin.graph, 'fc.weight'))).toEqual(Array.from(W));
    expect(() => lin.withParameters({ kind: 'replace', values: new Map([['fc.weight', new Float32Array(7)]]) })).toThrow("'fc.weight' needs 8 values, got 7");
    expect(() => lin.withParameters({ kind: 'replace', values: new Map([['nope', new Float32Array(1)]]) })).toThrow(/no parameter 'nope'/);
  });

  it('keeps the internal batch size', () => {
    const m = new OnnxModel(graph, { internalBatchSize: 5 });
    expect(m.withParameters({ kind: 'reinitialise', parameters: ['fc1.bias'], seed: 0 }).internalBatchSize).toBe(5);
  });
});

describe('OnnxModel.dispose', () => {
  it('frees the sessions and the model still answers identically afterwards', async () => {
    const { OnnxModel: Model } = await import('../../src/models/model.js');
    const { tinyCnn: cnn } = await import('../../src/models/zoo/tiny-cnn.js');
    const { tensor: t } = await import('../../src/tensor/tensor.js');
    const m = new Model(cnn({ seed: 5 }));
    const x = t([2, 1, 32, 32], Float32Array.from({ length: 2048 }, (_, i) => (i % 37) / 37));
    const before = await m.forward(x);
    await m.dispose();
    const after = await m.forward(x);
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
  });
});
