/**
 * "Does a suspected nuisance act on the model?": the demo's inject test, generalised. The user names
 * a patch (a mask and an intensity, e.g. a detector hot spot or a scale bar) and the class it might
 * fake; the patch is pasted into every image the model does not already assign to that class, and
 * the share that flips is reported.
 */
import type { Dataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import { argmaxRows, takeRows } from '../tensor/tensor.js';
import { pastePatch, predictedRate, type Patch } from '../trust/intervention.js';
import type { Finding } from './findings.js';

export const INTERVENTION_RULE = { flagRate: 0.5, warnRate: 0.1 };

export interface InterventionSpec {
  patch: Patch;
  /** The class the patch might fake. */
  targetClass: number;
}

export async function interventionCheck(model: Model, data: Dataset, spec: InterventionSpec): Promise<Finding> {
  if (!Number.isInteger(spec.targetClass) || spec.targetClass < 0 || spec.targetClass >= model.outputSize) {
    throw new Error(`intervention: class ${spec.targetClass} is not a class of this model (0..${model.outputSize - 1})`);
  }
  const predicted = argmaxRows(await model.forward(data.images));
  const rows = predicted.map((p, i) => (p !== spec.targetClass ? i : -1)).filter((i) => i >= 0);
  const area = spec.patch.mask.reduce((a, v) => a + (v > 0.5 ? 1 : 0), 0);
  const rate = rows.length ? await predictedRate(model, pastePatch(takeRows(data.images, rows), spec.patch), spec.targetClass) : NaN;
  const verdict = !(rate >= 0) ? 'not-run' : rate >= INTERVENTION_RULE.flagRate ? 'flag' : rate >= INTERVENTION_RULE.warnRate ? 'warn' : 'pass';
  return {
    id: 'intervention',
    title: 'Does the named patch fake a class?',
    verdict,
    summary: rows.length
      ? `Pasting the ${area}-pixel patch (intensity ${spec.patch.value}) turns ${(100 * rate).toFixed(1)}% of ${rows.length} images not predicted as class ${spec.targetClass} into class ${spec.targetClass}.`
      : `Every image is already predicted as class ${spec.targetClass}; there is nothing to flip.`,
    rule: `flag when ≥ ${100 * INTERVENTION_RULE.flagRate}% flip; warn when ≥ ${100 * INTERVENTION_RULE.warnRate}%.`,
    evidence: { targetClass: spec.targetClass, patchPixels: area, value: spec.patch.value, images: rows.length, flipRate: rate },
    limits: 'Only the named patch is tested; a pass says this patch does not act on the model, not that nothing else does (see the shortcut check).',
  };
}
