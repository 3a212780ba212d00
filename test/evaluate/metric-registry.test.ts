/**
 * The Metric contract, checked by iterating the registries (no hand-kept list of names): every
 * registered metric has a unique name, options that merge with every other metric's and defaults
 * its own declarations accept, and it runs on every registered method it supports. A metric that
 * needs something (a mask, several images) refuses a request without it in one clear line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainers } from '../../src/attribution/registry.js';
import type { Explainer } from '../../src/attribution/explainer.js';
import { saliency } from '../../src/attribution/saliency.js';
import { evaluateExplanations, evaluationJson, prepareContext } from '../../src/evaluate/evaluate.js';
import type { MetricContext } from '../../src/evaluate/metric.js';
import { resolveMetricOptions, unmetNeed } from '../../src/evaluate/metric.js';
import type { MetricName } from '../../src/evaluate/registry.js';
import { METRIC_NAMES, getMetric, metrics } from '../../src/evaluate/registry.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tinyVit } from '../../src/models/zoo/tiny-vit.js';
import { mergeOptionSpecs, parseOptionValue, validateOptionValue } from '../../src/options/option-spec.js';
import { sliceRows, tensor } from '../../src/tensor/tensor.js';
import { randomTensor } from '../helpers/models.js';

const S = 8;
const cnn = new OnnxModel(tinyCnn({ size: S, seed: 3 }));
// Methods that read attention probabilities cannot run on a CNN: they get a one-block ViT instead.
const vit = new OnnxModel(tinyVit({ size: S, patch: 4, dim: 8, depth: 1, heads: 2, seed: 3 }));
const inputs = randomTensor([3, 1, S, S], 4);
const mask = tensor([3, S, S], Float32Array.from({ length: 3 * S * S }, (_, i) => (i % (S * S) < (S * S) / 2 ? 1 : 0)));

/** The CNN's last 4-D inner value: the layer Grad-CAM and its variants explain. */
const camLayer = [...cnn.layerInfo].reverse().find((l) => l.shape?.length === 4)!.name;

/**
 * Tiny method settings by option key; a method ignores the keys it does not take. Few steps,
 * samples and masks keep 18 methods × every metric within seconds.
 */
const TINY_EXPLAIN = { steps: 4, ntSamples: 2, masks: 16, window: 4, stride: 4, patch: 4, layer: camLayer };

/** Tiny metric settings; a metric not listed here runs at its declared defaults. */
const TINY_METRIC: Partial<Record<MetricName, Record<string, unknown>>> = {
  randomisation: { modes: ['cascading'] },
  faithfulness: { steps: 4, runs: 4, subsetSize: 8 },
  robustness: { samples: 2, grid: 2, refine: 1 },
  road: { percentages: [25, 75] },
  infidelity: { samples: 2 },
  manipulation: { steps: 4 },
};

/** The first model each method runs on, or why it runs on none (its own error messages). */
async function modelFor(explainer: Explainer): Promise<{ model: OnnxModel } | { reason: string }> {
  const errors: string[] = [];
  for (const model of [cnn, vit]) {
    try {
      const explain: Record<string, unknown> = { ...TINY_EXPLAIN, layer: model === cnn ? camLayer : undefined };
      await explainer.attribute(model, sliceRows(inputs, 0, 1), explain);
      return { model };
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { reason: errors.join(' / ') };
}

afterAll(async () => {
  await cnn.dispose();
  await vit.dispose();
});

describe('the metric registry', () => {
  it('has one metric per unique name, keyed by that name, with a description for --help', () => {
    expect(metrics.size).toBeGreaterThan(0);
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
    for (const [name, metric] of metrics) {
      expect(metric.name).toBe(name);
      expect(metric.description.length).toBeGreaterThan(10);
      expect(metric.description).not.toMatch(/\n/);
    }
  });

  it("merges every metric's options without a flag meaning two things; each default passes its own declaration", () => {
    const merged = mergeOptionSpecs([...metrics.values()].map((m) => ({ owner: m.name, options: m.options })));
    expect(merged.length).toBe([...metrics.values()].reduce((k, m) => k + m.options.length, 0));
    for (const metric of metrics.values()) {
      expect(new Set(metric.options.map((o) => o.key)).size).toBe(metric.options.length);
      for (const spec of metric.options) {
        expect(spec.flag).toMatch(/^--[a-z][a-z0-9-]*$/);
        expect(() => validateOptionValue(spec, spec.default)).not.toThrow();
        // The default also survives the command line: printed as --help prints it, parsed back.
        if (spec.default !== undefined && spec.kind !== 'boolean') {
          const printed = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
          expect(parseOptionValue(spec, printed), `${metric.name} ${spec.flag}`).toEqual(spec.default);
        }
      }
      expect(() => resolveMetricOptions(metric, undefined)).not.toThrow();
    }
  });

  it('refuses an option value its declaration refuses, naming the metric and the option', () => {
    for (const metric of metrics.values()) {
      const bounded = metric.options.find((o) => (o.kind === 'integer' || o.kind === 'number') && (o.min !== undefined || o.above !== undefined));
      if (!bounded) continue;
      const below = (bounded.min ?? bounded.above!) - 1;
      expect(() => resolveMetricOptions(metric, { [bounded.key]: below })).toThrow(new RegExp(`^${metric.name}: ${bounded.key} must be`));
    }
  });

  it('names the available metrics for an unknown name', () => {
    expect(() => getMetric('speed')).toThrow(`unknown metric 'speed'; choose from ${METRIC_NAMES.join(', ')}`);
  });

  it('refuses, before explaining, a metric whose declared need is missing, in one line naming what to give', async () => {
    const needing = (need: string) => [...metrics.values()].filter((m) => m.needs.includes(need as never));
    expect(needing('mask').length).toBeGreaterThan(0);
    for (const metric of needing('mask')) {
      await expect(evaluateExplanations(cnn, saliency, inputs, { metrics: [metric.name] })).rejects.toThrow(`evaluate: ${metric.name} needs a region mask [N, H, W] (CLI: --roi ROI.npy)`);
      // Called directly, without evaluate, it refuses the same way.
      const context = await prepareContext(cnn, saliency, inputs, {});
      await expect(metric.run(context, {})).rejects.toThrow(`${metric.name} needs a region mask`);
    }
    for (const metric of needing('two-or-more-inputs')) {
      await expect(evaluateExplanations(cnn, saliency, sliceRows(inputs, 0, 1), { metrics: [metric.name] })).rejects.toThrow(`evaluate: ${metric.name} compares explanations across inputs and needs at least 2 images (got 1)`);
    }
  });
});

for (const explainer of explainers.values()) {
  describe(`every metric on ${explainer.name}`, () => {
    let context: MetricContext | undefined;
    let skipped: string | undefined;

    beforeAll(async () => {
      const found = await modelFor(explainer);
      if ('reason' in found) {
        skipped = found.reason;
        return;
      }
      const explain = { ...TINY_EXPLAIN, layer: found.model === cnn ? camLayer : undefined };
      context = await prepareContext(found.model, explainer, inputs, { explain, mask, seed: 1 });
    });

    for (const metric of metrics.values()) {
      if (metric.supports && !metric.supports(explainer)) continue;
      it(metric.name, async () => {
        // Only a method that runs on neither tiny model is skipped, and the test says why.
        if (!context) expect.fail(`${explainer.name} runs on neither the tiny CNN nor the tiny ViT: ${skipped}`);
        // One-channel images, three of them and a mask: every declared need is met for every method.
        expect(unmetNeed(metric, { ...context, explainer: explainer.name })).toBeUndefined();
        const outcome = await metric.run(context, resolveMetricOptions(metric, TINY_METRIC[metric.name]));
        expect([true, false, null]).toContain(outcome.verdict.passes);
        expect(outcome.verdict.text).toMatch(/\S/);
        expect(outcome.verdict.text).not.toMatch(/undefined|\[object/);
        const numbers = metric.summarise(outcome.result);
        expect(numbers.length).toBeGreaterThan(0);
        for (const n of numbers) expect(n.value === null || typeof n.value === 'number').toBe(true);
        // The result serialises as evaluation.json does.
        expect(() => JSON.stringify(evaluationJson({ results: { [metric.name]: outcome.result } } as never))).not.toThrow();
      });
    }
  });
}
