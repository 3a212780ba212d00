/**
 * composeGraphs: the composed graph computes second(first(x)) exactly as running the two in turn,
 * even when both graphs use the same names (two builder graphs with `input` and `fc.weight`), keeps
 * unwired inputs of the second graph as inputs, and refuses bad links with a line naming the fix.
 */
import { describe, expect, it } from 'vitest';
import { composeGraphs } from '../../src/onnx/compose.js';
import { ModelBuilder } from '../../src/onnx/builder.js';
import { createSession } from '../../src/onnx/runtime.js';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { tensor } from '../../src/tensor/tensor.js';
import { randomTensor, relativeL2 } from '../helpers/models.js';

function mlp(name: string, inputs: number, outputs: number, seed: number) {
  const b = new ModelBuilder(name, seed);
  const x = b.input('input', [inputs]);
  return b.output(b.linear(b.relu(b.linear(x, 'fc', 6), 'relu'), 'head', outputs));
}

describe('composeGraphs', () => {
  it('runs second ∘ first like the two graphs in turn, with clashing names, and keeps first’s output on request', async () => {
    const first = mlp('first', 4, 3, 1);
    const second = mlp('second', 3, 2, 2);
    const composed = composeGraphs(first, second, { links: { input: first.outputs[0].name }, keep: [first.outputs[0].name] });
    const x = randomTensor([5, 4], 7, -1, 1);
    const s1 = await createSession(first);
    const s2 = await createSession(second);
    const mid = (await s1.run({ input: x }))[first.outputs[0].name];
    const expected = (await s2.run({ input: mid }))[second.outputs[0].name];
    const sc = await createSession(composed);
    const out = await sc.run({ input: x });
    expect(composed.inputs.map((i) => i.name)).toEqual(['input']);
    expect(relativeL2(out[composed.outputs[0].name].data, expected.data)).toBeLessThan(1e-6);
    expect(relativeL2(out[first.outputs[0].name].data, mid.data)).toBeLessThan(1e-6);
  });

  it('keeps an unwired input of the second graph, and the autodiff differentiates through both w.r.t. it', async () => {
    const first = mlp('first', 4, 3, 1);
    const b = new ModelBuilder('second', 3);
    const h = b.input('h', [3]);
    const a = b.input('a', [3]);
    const sum = b.op('Add', 'join', [h, a], [-1, 3]);
    const second = b.output(b.linear(sum, 'head', 1));
    const composed = composeGraphs(first, second, { links: { h: first.outputs[0].name } });
    expect(composed.inputs.map((i) => i.name).sort()).toEqual(['a', 'input']);
    const grads = buildGradientGraph(composed, { outputs: [composed.outputs[0].name], wrt: ['a'] });
    const session = await createSession(grads.graph);
    const x = randomTensor([2, 4], 3, -1, 1);
    const av = randomTensor([2, 3], 4, -1, 1);
    const out = await session.run({ input: x, a: av, [grads.cotangents[0]]: tensor([2, 1], [1, 1]) });
    // d head / d a is the head's weight row, for every example.
    const w = second.initializers.get('head.weight')!.data as Float32Array;
    expect(Array.from(out[grads.gradients[0]].data)).toEqual([...w, ...w].map((v) => expect.closeTo(v, 6)));
  });

  it('refuses a link to a missing input or value, and different opsets, naming the fix', () => {
    const first = mlp('first', 4, 3, 1);
    const second = mlp('second', 3, 2, 2);
    expect(() => composeGraphs(first, second, { links: { x: first.outputs[0].name } })).toThrow(/no run-time input 'x'.*it has input/);
    expect(() => composeGraphs(first, second, { links: { input: 'nowhere' } })).toThrow(/no value 'nowhere'/);
    expect(() => composeGraphs(first, { ...second, opsetVersion: 13 }, { links: { input: first.outputs[0].name } })).toThrow(/same opset_version/);
  });
});
