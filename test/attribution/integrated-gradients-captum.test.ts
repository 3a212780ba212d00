/**
 * IG's completeness against Captum 0.8 itself (issue 21): the convergence delta
 * Σφ − (f(x) − f(baseline)) and the relative completeness error |δ| / |f(x) − f(baseline)| are
 * properties of the model, the rule and the step count, so trustscope's must equal Captum's
 * `IntegratedGradients.attribute(..., return_convergence_delta=True)` on the same network to float32
 * rounding. Fixture: test/fixtures/ig-completeness/ (the zoo's tiny CNN at 16×16 as model.onnx, run by
 * Captum through bench/reference/onnx_to_torch.py; bench/reference/make_ig_completeness_fixture.py),
 * Gauss–Legendre and riemann_trapezoid at 2–50 steps, a random and (Gauss–Legendre only) a zero baseline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CompletenessCheck } from '../../src/attribution/common/completeness.js';
import { integratedGradients, type IntegrationRule } from '../../src/attribution/integrated-gradients.js';
import { readNpy } from '../../src/data/formats/npy.js';
import { OnnxModel } from '../../src/models/model.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { relativeL2 } from '../../src/tensor/compare.js';

const DIR = fileURLToPath(new URL('../fixtures/ig-completeness/', import.meta.url));

interface Case {
  rule: IntegrationRule;
  steps: number;
  baseline: 'random' | 'zero';
  delta: number[];
  attributionSum: number[];
  outputChange: number[];
  relativeError: number[];
}
const meta = JSON.parse(readFileSync(join(DIR, 'captum.json'), 'utf8')) as { captum: string; targets: number[]; cases: Case[] };

describe("integrated gradients' completeness equals Captum's", () => {
  const model = new OnnxModel(decodeModel(readFileSync(join(DIR, 'model.onnx')), 'ig-completeness/model.onnx'));
  const inputs = readNpy(join(DIR, 'x.npy'));
  const randomBaseline = readNpy(join(DIR, 'baseline.npy'));

  it.each(meta.cases.map((c) => [`${c.rule}, ${c.steps} steps, ${c.baseline} baseline`, c] as const))('%s', async (_, c) => {
    const x = await inputs;
    const r = await integratedGradients.attribute(model, x, { target: meta.targets, steps: c.steps, rule: c.rule, baseline: c.baseline === 'zero' ? 0 : await randomBaseline });
    const delta = r.extras?.convergenceDelta as number[];
    const check = r.extras?.completeness as CompletenessCheck;
    c.delta.forEach((want, i) => {
      // Float32 rounding of two sums of ~256 terms and of two logits: a few 1e-7 of their size.
      const scale = Math.abs(c.attributionSum[i]) + Math.abs(c.outputChange[i]);
      expect(Math.abs(delta[i] - want), `delta of image ${i}`).toBeLessThan(2e-6 * scale);
      expect(Math.abs(check.outputChange[i] - c.outputChange[i])).toBeLessThan(1e-6 * scale);
      expect(Math.abs(check.relativeGap[i] - c.relativeError[i]), `relative error of image ${i}`).toBeLessThan((2e-6 * scale) / Math.abs(c.outputChange[i]));
    });
  });

  it('gives the same maps as Captum (50 Gauss–Legendre steps, random baseline)', async () => {
    const r = await integratedGradients.attribute(model, await inputs, { target: meta.targets, steps: 50, baseline: await randomBaseline });
    expect(relativeL2(r.values.data, (await readNpy(join(DIR, 'captum_ig.npy'))).data)).toBeLessThan(1e-5);
  });
});
