/** Add, Sub, Mul, Div (multidirectional broadcasting) and Neg against finite differences. */
import { describe, expect, it } from 'vitest';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { Random } from '../../../src/tensor/random.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

/** Shape pairs covering the broadcasting patterns of the ONNX spec. */
const pairs: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4, 5], [3, 1, 1]],
  [[1, 5], [4, 1]],
  [[2, 3], []],
  [[], [3, 4]],
  [[4, 1, 5], [3, 1]],
];

/** Values of magnitude 0.5..2 with random signs: a denominator safely away from zero. */
function awayFromZero(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.5, 2));
}

describe('binary arithmetic with broadcasting', () => {
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    it(`${op}: ${pairs.map(([a, b]) => `[${a}]∘[${b}]`).join(', ')}`, async () => {
      for (const [sa, sb] of pairs) {
        const g = opGraph(op, [{ name: 'a', shape: sa }, { name: 'b', shape: sb }]);
        const size = sb.reduce((p, d) => p * d, 1);
        const values = op === 'Div' ? { b: awayFromZero(size, size) } : undefined;
        const result = await expectGradientsMatch(g, { values, label: `${op} [${sa}]∘[${sb}]` });
        expect(result.gradients.a.shape).toEqual(sa);
        expect(result.gradients.b.shape).toEqual(sb);
      }
    });
  }

  it('one operand an initializer (a bias), the other a graph input', async () => {
    const g = opGraph('Add', [{ name: 'x', shape: [2, 3, 4, 4] }, { name: 'bias', value: randomValue([3, 1, 1], 5) }]);
    await expectGradientsMatch(g, { wrtInitializers: ['bias'], label: 'Add bias initializer' });
  });

  it('the same value on both sides (x·x, x + x, x / x) sums both contributions', async () => {
    for (const op of ['Mul', 'Add', 'Div']) {
      const e = new GraphEditor(`${op}_self`);
      const x = e.input('x', [3, 4]);
      e.output(e.op(op, [x, x]));
      await expectGradientsMatch(e.build(), { values: { x: awayFromZero(12, 3) }, label: `${op}(x, x)` });
    }
  });

  it('only the operand that needs a gradient gets one (the other is a frozen initializer)', async () => {
    const g = opGraph('Div', [{ name: 'a', value: randomValue([2, 3], 9) }, { name: 'b', shape: [3] }]);
    await expectGradientsMatch(g, { values: { b: awayFromZero(3, 4) }, label: 'Div frozen numerator' });
  });
});

describe('Neg', () => {
  it('negates the gradient', async () => {
    await expectGradientsMatch(opGraph('Neg', [{ name: 'x', shape: [2, 5] }]), { label: 'Neg' });
  });
});
