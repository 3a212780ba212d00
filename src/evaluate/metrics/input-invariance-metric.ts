/**
 * Input invariance (Kindermans et al. 2017): shift every input by a constant c and hand the method a
 * second network whose first-layer bias absorbs the shift (shift-absorbed-model.ts), so both networks
 * give identical outputs — verified here on the inputs. The method passes when its maps do not
 * change. Known outcomes: gradients (saliency, SmoothGrad with the same noise) pass; input×gradient
 * and integrated gradients with a fixed zero baseline fail (they multiply by x + c); integrated
 * gradients whose baseline moves with the input (`baseline: shifted`) pass.
 */
import type { Metric } from '../metric.js';
import { fmt } from '../metric.js';
import { OnnxModel } from '../../models/model.js';
import { sizeOf, tensor } from '../../tensor/tensor.js';
import { expandBaseline, type Baseline } from '../../attribution/common/baselines.js';
import { shiftAbsorbedModel } from '../shift-absorbed-model.js';

export interface InputInvarianceOptions {
  /** The constant added to every input value. */
  shift?: number;
  /** 'same': the method keeps its baseline (what a user would run); 'shifted': the baseline moves with the input. */
  baseline?: 'same' | 'shifted';
  /** Largest tolerated ‖φ' − φ‖ / ‖φ‖ per image. */
  tolerance?: number;
}

export interface InputInvarianceResult {
  shift: number;
  baseline: 'same' | 'shifted';
  tolerance: number;
  /** max |f'(x + c) − f(x)| over all outputs, relative to max |f(x)|: the two networks agree (float32 rounding). */
  outputGap: number;
  /** ‖φ' − φ‖ / ‖φ‖ per image. */
  relativeChange: number[];
  /** Images whose map changed beyond the tolerance. */
  failing: number;
}

/** Above this relative output gap the two networks are not the same function and the test means nothing. */
const OUTPUT_AGREEMENT = 1e-4;

export const inputInvarianceMetric: Metric<'input-invariance', InputInvarianceOptions, InputInvarianceResult> = {
  name: 'input-invariance',
  description: "input invariance (Kindermans et al.): shift the input by a constant absorbed by the first layer's bias (outputs identical); does the map change?",
  needs: ['input-shaped-maps'],
  runByDefault: false,
  options: [
    { key: 'shift', flag: '--invariance-shift', kind: 'number', default: 1, placeholder: '<c>', help: 'constant added to every input value (absorbed by the first layer: the outputs do not change)' },
    { key: 'baseline', flag: '--invariance-baseline', kind: 'choice', choices: ['same', 'shifted'], default: 'same', help: "the method's baseline on the shifted input: the same (as a user would run it) or shifted with the input" },
    { key: 'tolerance', flag: '--invariance-tolerance', kind: 'number', min: 0, default: 0.01, placeholder: '<f>', help: "largest tolerated change of a map, ‖φ' − φ‖ / ‖φ‖" },
  ],
  async run(context, options) {
    const { model, inputs, attributions, explainer } = context;
    if (!(model instanceof OnnxModel)) throw new Error('input-invariance rewrites the first layer of an ONNX model; this model is not one');
    const shift = options.shift ?? 1;
    const mode = options.baseline ?? 'same';
    const tolerance = options.tolerance ?? 0.01;
    context.progress('input invariance', 0);
    const shiftedModel = shiftAbsorbedModel(model, shift);
    try {
      const shifted = tensor(inputs.shape, inputs.data.map((v) => v + shift));
      // The construction is only meaningful if the two networks are the same function: check it.
      const [before, after] = [await model.forward(inputs), await shiftedModel.forward(shifted)];
      let gap = 0;
      let scale = 0;
      for (let i = 0; i < before.data.length; i++) {
        gap = Math.max(gap, Math.abs(after.data[i] - before.data[i]));
        scale = Math.max(scale, Math.abs(before.data[i]));
      }
      const outputGap = gap / Math.max(scale, 1e-12);
      if (!(outputGap <= OUTPUT_AGREEMENT)) throw new Error(`input-invariance: the shifted network's outputs differ from the model's by ${outputGap.toExponential(2)} (relative); the shift was not absorbed`);
      const explain: Record<string, unknown> = { ...context.explain, target: context.target, seed: context.seed };
      if (mode === 'shifted') {
        const base = expandBaseline(context.explain.baseline as Baseline | undefined, inputs, explainer.name);
        explain.baseline = tensor(inputs.shape, base.map((v) => v + shift));
      }
      const moved = (await explainer.attribute(shiftedModel, shifted, explain)).values;
      const n = inputs.shape[0];
      const d = sizeOf(attributions.shape.slice(1));
      const relativeChange: number[] = [];
      for (let i = 0; i < n; i++) {
        let diff = 0;
        let norm = 0;
        for (let j = i * d; j < (i + 1) * d; j++) {
          diff += (moved.data[j] - attributions.data[j]) ** 2;
          norm += attributions.data[j] ** 2;
        }
        relativeChange.push(norm > 0 ? Math.sqrt(diff / norm) : diff > 0 ? Infinity : 0);
      }
      context.progress('input invariance', 1);
      const failing = relativeChange.filter((r) => !(r <= tolerance)).length;
      const worst = Math.max(...relativeChange);
      const how = `shift ${shift}${mode === 'shifted' ? ', baseline shifted with it' : ''}; outputs agree to ${outputGap.toExponential(1)}`;
      const text =
        failing === 0
          ? `input-invariant: no map changes by more than ${fmt(tolerance)} (largest ${fmt(worst, 4)}) when the input shifts and the first layer absorbs it (${how})`
          : `not input-invariant: ${failing} of ${n} map(s) change by more than ${fmt(tolerance)} (largest ${fmt(worst, 3)}) although the model's outputs are identical (${how}): the map answers to the input's offset, not to the model`;
      return { result: { shift, baseline: mode, tolerance, outputGap, relativeChange, failing }, verdict: { passes: failing === 0, text } };
    } finally {
      await shiftedModel.dispose();
    }
  },
  summarise(r) {
    return [
      { label: 'maps changed', value: r.failing, note: `of ${r.relativeChange.length}; tolerance ${r.tolerance}` },
      { label: 'largest change', value: r.relativeChange.length ? Math.max(...r.relativeChange) : null, note: "‖φ' − φ‖ / ‖φ‖; 0 = invariant" },
      { label: 'output gap', value: r.outputGap, note: 'the two networks agree (relative)' },
    ];
  },
};
