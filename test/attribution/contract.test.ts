/**
 * The Explainer contract, checked on every registered method (the registry is iterated; no method
 * is named here). Each method runs on a tiny model chosen from its declared needs (a ViT when it
 * needs attention, the tiny CNN otherwise, with its last 4-D layer when it needs one) and must:
 * return the shape its `output` declares; give identical values for the same seed (and, exactly
 * when it declares `usesSeed`, other values for another seed); honour every target kind — one class
 * for all rows, one class per row, a cotangent — equal where mathematically equal; and give the
 * same values whatever the Model's internalBatchSize (the Model is the only batcher).
 */
import { describe, expect, it } from 'vitest';
import { explainers } from '../../src/attribution/registry.js';
import type { Attribution, Explainer, Target } from '../../src/attribution/explainer.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tinyVit } from '../../src/models/zoo/tiny-vit.js';
import { mergeOptionSpecs, validateOptionValue, defaultsOf } from '../../src/options/option-spec.js';
import { oneHot, sizeOf, tensor } from '../../src/tensor/tensor.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { randomTensor, relativeL2 } from '../helpers/models.js';

const CLASSES = 3;
const cnnGraph = tinyCnn({ size: 8, seed: 3, classes: CLASSES });
const vitGraph = tinyVit({ size: 8, patch: 2, dim: 8, depth: 2, heads: 2, seed: 3, classes: CLASSES });
const x = randomTensor([3, 1, 8, 8], 5);
const TOLERANCE = 1e-5;

/**
 * Counts shrunk so that the file stays fast, keyed by option (not by method): every other option
 * keeps its declared default. A test below checks that each key is still declared by some method.
 */
const SMALL: Readonly<Record<string, number>> = { masks: 50, samples: 30, steps: 8, ntSamples: 3 };

const all = [...explainers.values()];

function modelFor(e: Explainer, internalBatchSize?: number): OnnxModel {
  return new OnnxModel(e.needs.attention ? vitGraph : cnnGraph, internalBatchSize === undefined ? {} : { internalBatchSize });
}

/** The options a run uses: shrunk counts, and the last 4-D layer for methods that need one. */
function optionsFor(e: Explainer, model: OnnxModel): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const spec of e.options) if (spec.key in SMALL) options[spec.key] = SMALL[spec.key];
  if (e.needs.layer) options.layer = model.layers.filter((l) => model.layerShape(l)?.length === 4).at(-1);
  return options;
}

const run = (e: Explainer, model: OnnxModel, extra: Record<string, unknown> = {}): Promise<Attribution> =>
  e.attribute(model, x, { ...optionsFor(e, model), seed: 3, ...extra });

/** Row i of a result (whatever its per-row shape). */
function rowOf(values: Tensor, i: number): Float32Array {
  const d = sizeOf(values.shape.slice(1));
  return values.data.subarray(i * d, (i + 1) * d);
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(relativeL2(actual, expected), what).toBeLessThanOrEqual(TOLERANCE);
}

describe('the registry declares its options consistently', () => {
  it('one flag means one thing across all methods, and one option has one flag', () => {
    expect(() => mergeOptionSpecs(all.map((e) => ({ owner: e.name, options: e.options })))).not.toThrow();
    const flagOf = new Map<string, string>();
    for (const e of all)
      for (const spec of e.options) {
        expect(flagOf.get(spec.key) ?? spec.flag, `${e.name}: option '${spec.key}'`).toBe(spec.flag);
        flagOf.set(spec.key, spec.flag);
      }
  });

  it('every declared default is a valid value of its declaration', () => {
    for (const e of all) for (const spec of e.options) expect(() => validateOptionValue(spec, spec.default), `${e.name} ${spec.flag}`).not.toThrow();
  });

  it('every shrunk count of this file is an option some method declares', () => {
    const keys = new Set(all.flatMap((e) => e.options.map((s) => s.key)));
    for (const key of Object.keys(SMALL)) expect(keys.has(key), key).toBe(true);
  });
});

describe.each(all.map((e) => [e.name, e] as const))('%s', (_, e) => {
  const model = modelFor(e);

  it('reads no option it does not declare (besides target and seed), unless only to refuse it', async () => {
    const read = new Set<string>();
    const declared = new Set(e.options.map((s) => s.key));
    const options = new Proxy(
      { ...defaultsOf(e.options), ...optionsFor(e, model), seed: 3 },
      {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver);
        },
        has(target, key) {
          if (typeof key === 'string') read.add(key);
          return Reflect.has(target, key);
        },
      },
    );
    await e.attribute(model, x, options);
    const undeclared = [...read].filter((k) => !declared.has(k) && k !== 'target' && k !== 'seed');
    for (const key of undeclared) {
      // An option another method declares may be read to refuse it (attention-rollout refuses a head).
      const spec = all.flatMap((m) => m.options).find((o) => o.key === key);
      expect(spec, `${e.name} reads '${key}', which no method declares`).toBeDefined();
      const value = spec!.default ?? spec!.min ?? spec!.choices?.[0] ?? 0;
      await expect(e.attribute(model, x, { ...optionsFor(e, model), [key]: value }), `${e.name} reads undeclared '${key}'`).rejects.toThrow();
    }
  });

  it('returns the shape it declares, finite', async () => {
    const a = await run(e, model);
    const [n, , h, w] = x.shape;
    expect(a.values.shape).toEqual(e.output === 'input' ? x.shape : [n, 1, h, w]);
    expect(a.values.data.every(Number.isFinite)).toBe(true);
    expect(a.method).toBe(e.name);
  });

  it('is deterministic under a seed; another seed changes it exactly when it declares usesSeed', async () => {
    const a = await run(e, model, { seed: 7 });
    const b = await run(e, model, { seed: 7 });
    expect(Array.from(b.values.data)).toEqual(Array.from(a.values.data));
    const c = await run(e, model, { seed: 8 });
    if (e.usesSeed) expect(Array.from(c.values.data)).not.toEqual(Array.from(a.values.data));
    else expect(Array.from(c.values.data)).toEqual(Array.from(a.values.data));
  });

  it('honours every target kind: a class, a class per row, a cotangent', async () => {
    const perRow = [2, 0, 1];
    const byRow = await run(e, model, { target: perRow });
    const byClass = await Promise.all([0, 1, 2].map((c) => run(e, model, { target: c })));
    const cotangent: Target = { cotangent: oneHot(perRow, CLASSES) };
    const byCotangent = await run(e, model, { target: cotangent });
    const weights = tensor([3, CLASSES], randomTensor([3, CLASSES], 9, -1, 1).data);
    const weighted = await run(e, model, { target: { cotangent: weights } });
    expect(weighted.values.shape).toEqual(byRow.values.shape);
    expect(weighted.values.data.every(Number.isFinite)).toBe(true);
    if (!e.usesTarget) {
      // Class-agnostic: the target changes nothing.
      for (const other of [...byClass, byCotangent, weighted]) expect(Array.from(other.values.data)).toEqual(Array.from(byRow.values.data));
      return;
    }
    expect(byRow.targets).toEqual(perRow);
    expect(byCotangent.targets).toBeUndefined();
    // The same class for every row, as one number or as a list.
    const sameList = await run(e, model, { target: [1, 1, 1] });
    expect(Array.from(sameList.values.data)).toEqual(Array.from(byClass[1].values.data));
    expect(byClass[1].targets).toEqual([1, 1, 1]);
    perRow.forEach((c, i) => {
      // Row i of a per-row target is row i of that row's class for all rows (draws do not depend on the target).
      expectClose(rowOf(byRow.values, i), rowOf(byClass[c].values, i), `row ${i}, class ${c}`);
      // A one-hot cotangent is the class it selects.
      expectClose(rowOf(byCotangent.values, i), rowOf(byRow.values, i), `one-hot row ${i}`);
    });
    // Different classes give different maps (the target is really used).
    expect(Array.from(byClass[0].values.data)).not.toEqual(Array.from(byClass[1].values.data));
  });

  it('gives the same values at the Model\'s internalBatchSize 1, 7 and 256', async () => {
    const results = [];
    for (const size of [1, 7, 256]) results.push(await run(e, modelFor(e, size), { target: [2, 0, 1] }));
    for (const r of results.slice(0, 2)) expectClose(r.values.data, results[2].values.data, `batch size vs 256`);
  });
});
