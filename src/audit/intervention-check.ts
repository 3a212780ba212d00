/**
 * "Does a suspected nuisance act on the model?": the demo's inject test, generalised. The user names
 * a patch (a mask and an intensity, e.g. a detector hot spot or a scale bar) and the class it might
 * fake; the patch is pasted into every image the model does not already assign to that class, and
 * the share that flips is reported.
 */
import { takeRows } from '../tensor/tensor.js';
import { pastePatch, predictedRate } from '../trust/intervention.js';
import { defineCheck, need } from './check.js';

export type { InterventionSpec } from './check.js';

export const INTERVENTION_RULE = { flagRate: 0.5, warnRate: 0.1 };

export const interventionCheck = defineCheck({
  id: 'intervention',
  title: 'Does the named patch fake a class?',
  needs: [need('classifier', 'its regression form is not built yet'), need('patch', 'the check pastes a patch the user suspects (with --patch-class, the class it might fake)')],
  options: [],
  limits: 'Only the named patch is tested; a pass says this patch does not act on the model, not that nothing else does (see the shortcut check).',
  async run(context) {
    const { model, data } = context;
    const spec = context.intervention!;
    if (!Number.isInteger(spec.targetClass) || spec.targetClass < 0 || spec.targetClass >= model.outputSize) {
      throw new Error(`intervention: class ${spec.targetClass} is not a class of this model (0..${model.outputSize - 1})`);
    }
    const rows = context.predicted.map((p, i) => (p !== spec.targetClass ? i : -1)).filter((i) => i >= 0);
    const area = spec.patch.mask.reduce((a, v) => a + (v > 0.5 ? 1 : 0), 0);
    // The patch's pixels (flat indices into H×W) stay in the evidence: remedy --from-audit masks them.
    const [h, w] = data.images.shape.slice(-2);
    const pixels = [...spec.patch.mask.keys()].filter((p) => spec.patch.mask[p] > 0.5);
    const rate = rows.length ? await predictedRate(model, pastePatch(takeRows(data.images, rows), spec.patch), spec.targetClass) : NaN;
    const verdict = !(rate >= 0) ? 'not-run' : rate >= INTERVENTION_RULE.flagRate ? 'flag' : rate >= INTERVENTION_RULE.warnRate ? 'warn' : 'pass';
    return {
      verdict,
      summary: rows.length
        ? `Pasting the ${area}-pixel patch (intensity ${spec.patch.value}) turns ${(100 * rate).toFixed(1)}% of ${rows.length} images not predicted as class ${spec.targetClass} into class ${spec.targetClass}.`
        : `Every image is already predicted as class ${spec.targetClass}; there is nothing to flip.`,
      headline: `the named patch alone turns ${(100 * rate).toFixed(0)}% of other images into class ${spec.targetClass}`,
      rule: `flag when ≥ ${100 * INTERVENTION_RULE.flagRate}% flip; warn when ≥ ${100 * INTERVENTION_RULE.warnRate}%.`,
      evidence: { targetClass: spec.targetClass, patchPixels: area, value: spec.patch.value, images: rows.length, flipRate: rate, patch: { height: h, width: w, pixels } },
    };
  },
});
