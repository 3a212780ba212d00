/**
 * The explained output's gradient for methods whose gradient pass runs the inputs themselves
 * (saliency, input × gradient, guided backprop, Grad-CAM; DeepLIFT on input/baseline pairs):
 * resolveTarget then vjp / layerVjp — except for the default target, the predicted class, on a
 * model that can choose it inside its gradient graph (Model.predictedVjp): then one backward pass
 * and no forward pass before it.
 *
 * The classes are what resolveTarget would pick from the logits of that same pass (argmaxRows:
 * first index on ties), checked against the one-hot the graph used; should a row differ (NaN
 * logits, where ONNX's ArgMax and JS's comparison may part), the call takes the ordinary path with
 * argmaxRows' classes, so the reported classes are always the ones explained.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { argmaxRows, oneHot, tensor } from '../../tensor/tensor.js';
import type { Model } from '../../models/model.js';
import { isDenseModel } from '../../models/dense-output.js';
import { classesOfOneHot } from '../../models/predicted-cotangent.js';
import { cotangentRows, resolveTarget, type ResolvedTarget, type Target } from './target.js';

/** Row 0, g, 2g, … of a [N, K] tensor: the first row of every group. */
function firstRows(t: Tensor, group: number): Tensor {
  if (group === 1) return t;
  const [n, k] = t.shape;
  const out = new Float32Array((n / group) * k);
  for (let i = 0; i < n / group; i++) out.set(t.data.subarray(i * group * k, (i * group + 1) * k), i * k);
  return tensor([n / group, k], out);
}

/** The classes the pass explained (per group), or null when they are not argmaxRows of its own logits. */
function checkedClasses(output: Tensor, used: Tensor, group: number): number[] | null {
  const classes = argmaxRows(firstRows(output, group));
  const chosen = classesOfOneHot(firstRows(used, group));
  return classes.every((c, i) => c === chosen[i]) ? classes : null;
}

interface GradientPass {
  output: Tensor;
  grad: Tensor;
  activation?: Tensor;
}

/**
 * The gradient pass over `rows` (inputs.shape[0] · group rows, row r belonging to input
 * ⌊r / group⌋) for the target of `inputs`: `pass` runs it for a given cotangent, `predicted` with
 * the class chosen in the graph (undefined when the model cannot).
 */
async function passForTarget(
  model: Model,
  inputs: Tensor,
  target: Target | undefined,
  group: number,
  pass: (cotangent: Tensor) => Promise<GradientPass>,
  predicted: (() => Promise<(GradientPass & { cotangent: Tensor }) | null>) | undefined,
): Promise<ResolvedTarget & GradientPass> {
  const n = inputs.shape[0];
  const perRow = (cotangent: Tensor) => (group === 1 ? cotangent : cotangentRows(cotangent, n * group, (r) => Math.floor(r / group)));
  if (target === undefined && n > 0 && !isDenseModel(model) && predicted) {
    const run = await predicted();
    if (run) {
      const classes = checkedClasses(run.output, run.cotangent, group);
      if (classes) return { ...run, cotangent: firstRows(run.cotangent, group), classes };
      const fixed = argmaxRows(firstRows(run.output, group));
      const cotangent = oneHot(fixed, model.outputSize);
      return { cotangent, classes: fixed, ...(await pass(perRow(cotangent))) };
    }
  }
  const resolved = await resolveTarget(model, inputs, target);
  return { ...resolved, ...(await pass(perRow(resolved.cotangent))) };
}

/** ∂(Σ output ⊙ cotangent)/∂inputs for the target, with the target resolved (classes when it names classes). */
export function targetVjp(model: Model, inputs: Tensor, target: Target | undefined): Promise<ResolvedTarget & { output: Tensor; inputGrad: Tensor }> {
  return groupedTargetVjp(model, inputs, inputs, 1, target);
}

/**
 * The same over rows built in groups from the inputs (DeepLIFT's input/baseline pairs: `rows` has
 * `group` rows per input, its own first): every row explains its input's target; the predicted
 * class is that of the group's first row. `cotangent` and `classes` are per input.
 */
export async function groupedTargetVjp(model: Model, inputs: Tensor, rows: Tensor, group: number, target: Target | undefined): Promise<ResolvedTarget & { output: Tensor; inputGrad: Tensor }> {
  if (rows.shape[0] !== inputs.shape[0] * group) throw new Error(`groupedTargetVjp: ${rows.shape[0]} rows for ${inputs.shape[0]} inputs in groups of ${group}`);
  const predictedVjp = model.predictedVjp?.bind(model);
  const r = await passForTarget(
    model,
    inputs,
    target,
    group,
    async (c) => {
      const { output, inputGrad } = await model.vjp(rows, c);
      return { output, grad: inputGrad };
    },
    predictedVjp &&
      (async () => {
        const run = await predictedVjp(rows);
        return run && { output: run.output, grad: run.inputGrad, cotangent: run.cotangent };
      }),
  );
  return { cotangent: r.cotangent, classes: r.classes, output: r.output, inputGrad: r.grad };
}

/** The same w.r.t. an inner value `layer` (Grad-CAM), with that value's activation. */
export async function targetLayerVjp(
  model: Model,
  inputs: Tensor,
  layer: string,
  target: Target | undefined,
): Promise<ResolvedTarget & { output: Tensor; activation: Tensor; grad: Tensor }> {
  const predictedLayerVjp = model.predictedLayerVjp?.bind(model);
  const r = await passForTarget(model, inputs, target, 1, (c) => model.layerVjp(inputs, layer, c), predictedLayerVjp && (() => predictedLayerVjp(inputs, layer)));
  return { cotangent: r.cotangent, classes: r.classes, output: r.output, activation: r.activation!, grad: r.grad };
}
