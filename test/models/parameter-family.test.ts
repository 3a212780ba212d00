/**
 * Copies made by OnnxModel.withParameters run one shared weights-as-inputs session family. Checked
 * against independent references: a float64 interpreter on the copy's graph (forward and inner
 * values), and a fresh OnnxModel over the copy's graph (constant weights, its own gradient graph
 * and session) for the gradients, including replaced backward rules.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { ParameterFamily } from '../../src/models/parameter-family.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { oneHot } from '../../src/tensor/tensor.js';
import { refTensor, runReference } from '../onnx/reference-interpreter.js';
import { maxAbsDiff, randomTensor, relativeL2 } from '../helpers/models.js';

describe('ParameterFamily', () => {
  const graph = tinyCnn({ size: 8, seed: 2 });
  const names = new OnnxModel(graph).parameters.map((p) => p.name);
  const family = new ParameterFamily(names);

  it('turns exactly the parameters into graph inputs and feeds a member\'s values', () => {
    const fed = family.fed(graph);
    for (const name of names) {
      expect(fed.initializers.has(name), name).toBe(false);
      expect(fed.inputs.find((i) => i.name === name)?.shape, name).toEqual(graph.initializers.get(name)!.dims);
    }
    const others = [...graph.initializers.keys()].filter((k) => !names.includes(k));
    expect([...fed.initializers.keys()].sort()).toEqual(others.sort());
    const feeds = family.feeds(graph);
    expect(Object.keys(feeds).sort()).toEqual([...names].sort());
    expect(feeds['conv1.weight'].data).toBe(graph.initializers.get('conv1.weight')!.data);
    expect(family.covers(['fc2.weight', 'conv1.bias'])).toBe(true);
    expect(family.covers(['fc2.weight', 'something.else'])).toBe(false);
    const { ['fc1.bias']: _dropped, ...rest } = Object.fromEntries(graph.initializers);
    expect(() => family.fed({ ...graph, initializers: new Map(Object.entries(rest)) })).toThrow(/no initializer 'fc1.bias'/);
  });
});

describe('OnnxModel.withParameters copies share one session family', () => {
  const model = new OnnxModel(tinyCnn({ size: 16, seed: 3 }));
  const x = randomTensor([5, 1, 16, 16], 4);
  const cot = oneHot([0, 1, 1, 0, 1], 2);
  const layers = ['fc2', 'fc1', 'conv2', 'conv1'];
  const cascade = layers.map((_, k) => {
    const params = model.parameters.filter((p) => layers.slice(0, k + 1).includes(p.layer)).map((p) => p.name);
    return model.withParameters({ kind: 'reinitialise', parameters: params, seed: 101 });
  });
  afterAll(() => model.dispose());

  it('every cascade copy computes with its own weights (float64 reference; fresh constant-weight model)', async () => {
    const before = await model.vjp(x, cot);
    const original = ParameterFamily.prototype.gradient;
    const builds: string[] = [];
    const spy = vi.spyOn(ParameterFamily.prototype, 'gradient').mockImplementation(function (this: ParameterFamily, key, build) {
      return original.call(this, key, () => (builds.push(key), build()));
    });
    for (const copy of cascade) {
      const ref = runReference(copy.graph, { input: refTensor(x.shape, x.data) });
      expect(maxAbsDiff((await copy.forward(x)).data, ref.get('fc2_out')!.data)).toBeLessThan(1e-5);
      const [pool2] = await copy.activations(x, ['pool2_out']);
      expect(maxAbsDiff(pool2.data, ref.get('pool2_out')!.data)).toBeLessThan(1e-5);
      const fresh = new OnnxModel(copy.graph);
      const ours = await copy.vjp(x, cot);
      const theirs = await fresh.vjp(x, cot);
      expect(relativeL2(ours.inputGrad.data, theirs.inputGrad.data)).toBeLessThan(1e-5);
      const layerOurs = await copy.layerVjp(x, 'conv2_out', cot);
      const layerTheirs = await fresh.layerVjp(x, 'conv2_out', cot);
      expect(relativeL2(layerOurs.grad.data, layerTheirs.grad.data)).toBeLessThan(1e-5);
      expect(maxAbsDiff(layerOurs.activation.data, ref.get('conv2_out')!.data)).toBeLessThan(1e-5);
      // The copy differs from the trained model (so the feeds, not the original weights, are used).
      expect(relativeL2(ours.inputGrad.data, before.inputGrad.data)).toBeGreaterThan(0.1);
      await fresh.dispose();
      await copy.dispose();
    }
    // One gradient graph per pass for the whole family: the input gradient and the conv2 gradient.
    expect(spy).toHaveBeenCalledTimes(2 * cascade.length);
    expect(builds.sort()).toEqual(['gradient|layer:conv2_out', 'gradient|vjp']);
    spy.mockRestore();
    // Disposing copies frees nothing shared, and the trained model is untouched.
    expect(Array.from((await model.vjp(x, cot)).inputGrad.data)).toEqual(Array.from(before.inputGrad.data));
    expect(relativeL2((await cascade[1].forward(x)).data, runReference(cascade[1].graph, { input: refTensor(x.shape, x.data) }).get('fc2_out')!.data)).toBeLessThan(1e-5);
  });

  it('a copy of a copy, and a copy with other backward rules, stay in the family and match fresh models', async () => {
    const twice = cascade[0].withParameters({ kind: 'reinitialise', parameters: ['conv1.weight'], seed: 9 });
    const fresh = new OnnxModel(twice.graph);
    // fc2 from the first copy, conv1 re-drawn again, the rest trained.
    expect(twice.graph.initializers.get('fc2.weight')).toBe(cascade[0].graph.initializers.get('fc2.weight'));
    expect(twice.graph.initializers.get('fc1.weight')).toBe(model.graph.initializers.get('fc1.weight'));
    expect(relativeL2((await twice.vjp(x, cot)).inputGrad.data, (await fresh.vjp(x, cot)).inputGrad.data)).toBeLessThan(1e-5);
    const guided = twice.withBackwardRules('guided-backprop');
    const guidedRef = fresh.withBackwardRules('guided-backprop');
    const g = (await guided.vjp(x, cot)).inputGrad.data;
    expect(relativeL2(g, (await guidedRef.vjp(x, cot)).inputGrad.data)).toBeLessThan(1e-5);
    // Guided backprop really is a different rule here (the shared session cache keys by rules).
    expect(relativeL2(g, (await twice.vjp(x, cot)).inputGrad.data)).toBeGreaterThan(0.05);
    await fresh.dispose();
  });

  it('a copy moves to sessions of its own at its first call that needs several ORT runs', async () => {
    const small = new OnnxModel(tinyCnn({ size: 16, seed: 3 }), { internalBatchSize: 2 });
    const copy = small.withParameters({ kind: 'reinitialise', parameters: ['fc1.weight'], seed: 5 });
    const fresh = new OnnxModel(copy.graph, { internalBatchSize: 2 });
    const spy = vi.spyOn(ParameterFamily.prototype, 'gradient');
    const two = randomTensor([2, 1, 16, 16], 6);
    expect(relativeL2((await copy.vjp(two, oneHot([0, 1], 2))).inputGrad.data, (await fresh.vjp(two, oneHot([0, 1], 2))).inputGrad.data)).toBeLessThan(1e-5);
    expect(spy).toHaveBeenCalledTimes(1); // one run: shared
    const many = await copy.vjp(x, cot); // 5 rows, 3 runs: own sessions from here on
    expect(Array.from(many.inputGrad.data)).toEqual(Array.from((await fresh.vjp(x, cot)).inputGrad.data));
    expect(Array.from((await copy.vjp(two, oneHot([0, 1], 2))).inputGrad.data)).toEqual(Array.from((await fresh.vjp(two, oneHot([0, 1], 2))).inputGrad.data));
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    await Promise.all([small.dispose(), copy.dispose(), fresh.dispose()]);
  });

  it('BatchNorm statistics fed as inputs (no folded 1/√var) give the constant-weight gradients (torch fixture)', async () => {
    const graph = decodeModel(readFileSync(new URL('../fixtures/torch/mixed/model.onnx', import.meta.url)));
    const mixed = new OnnxModel(graph);
    expect(mixed.parameters.filter((p) => p.opType === 'BatchNormalization').map((p) => p.role)).toEqual(['scale', 'bias', 'mean', 'variance']);
    const xs = randomTensor([3, ...mixed.inputShape], 7);
    const c = oneHot([0, 1, 2].map((i) => i % mixed.outputSize), mixed.outputSize);
    const stats = new Map(mixed.parameters.filter((p) => p.role === 'mean' || p.role === 'variance').map((p) => [p.name, Float32Array.from(graph.initializers.get(p.name)!.data as Float32Array, (v) => 1.7 * v + 0.1)]));
    const trained = (await mixed.vjp(xs, c)).inputGrad.data;
    for (const copy of [mixed.withParameters({ kind: 'replace', values: stats }), mixed.withParameters({ kind: 'reinitialise', parameters: mixed.parameters.map((p) => p.name), seed: 3 })]) {
      const fresh = new OnnxModel(copy.graph);
      const ours = (await copy.vjp(xs, c)).inputGrad.data;
      expect(relativeL2(ours, (await fresh.vjp(xs, c)).inputGrad.data)).toBeLessThan(1e-5);
      expect(relativeL2(ours, trained)).toBeGreaterThan(0.1);
      await fresh.dispose();
    }
    await mixed.dispose();
  });

  it('a change of a constant that is not a parameter gets sessions of its own', async () => {
    // y = (W·flatten(x) + b) · s, with s a rank-1 constant (not a parameter).
    const e = new GraphEditor('scaled');
    const input = e.input('x', ['N', 1, 2, 2]);
    e.initializer('fc.weight', floatTensorValue([2, 4], [1, 2, 3, 4, -1, 0, 1, 0]));
    e.initializer('fc.bias', floatTensorValue([2], [0.5, -0.5]));
    e.initializer('scale', floatTensorValue([1], [2]));
    const flat = e.node('Flatten', [input], { axis: attr.int(1) }, 1, 'flatten')[0];
    const fc = e.node('Gemm', [flat, 'fc.weight', 'fc.bias'], { transB: attr.int(1) }, 1, 'fc')[0];
    e.output(e.node('Mul', [fc, 'scale'], {}, 1, 'scale')[0], ['N', 2]);
    const small = new OnnxModel(e.build());
    expect(small.parameters.map((p) => p.name)).toEqual(['fc.weight', 'fc.bias']);
    const ones = randomTensor([1, 1, 2, 2], 1, 1, 1);
    expect(Array.from((await small.forward(ones)).data)).toEqual([21, -1]);
    // A family member runs first, so a wrongly shared session would still hold scale = 2.
    const noBias = small.withParameters({ kind: 'replace', values: new Map([['fc.bias', new Float32Array([0, 0])]]) });
    expect(Array.from((await noBias.forward(ones)).data)).toEqual([20, 0]);
    const tripled = small.withParameters({ kind: 'replace', values: new Map([['scale', new Float32Array([3])]]) });
    expect(Array.from((await tripled.forward(ones)).data)).toEqual([31.5, -1.5]);
    // d(3·(W x + b))/dx for cotangent [1, 0] is 3·W[0].
    expect(Array.from((await tripled.vjp(ones, oneHot([0], 2))).inputGrad.data)).toEqual([3, 6, 9, 12]);
    const both = tripled.withParameters({ kind: 'replace', values: new Map([['fc.bias', new Float32Array([0, 0])]]) });
    expect(Array.from((await both.forward(ones)).data)).toEqual([30, 0]);
    await Promise.all([small.dispose(), noBias.dispose(), tripled.dispose(), both.dispose()]);
  });
});
