/** Method names → explainers. A new method is one file and one line here. */
import type { Explainer } from './explainer.js';
import { gradCam, gradCamPlusPlus } from './grad-cam.js';
import { gradientShap } from './gradient-shap.js';
import { deepLift } from './deeplift.js';
import { guidedBackprop } from './guided-backprop.js';
import { guidedGradCam } from './guided-grad-cam.js';
import { inputXGradient } from './input-x-gradient.js';
import { integratedGradients } from './integrated-gradients.js';
import { kernelShap } from './kernel-shap.js';
import { shapleyValueSampling } from './shapley-value-sampling.js';
import { lime } from './lime.js';
import { smoothGrad, smoothGradSq, varGrad } from './noise-tunnel.js';
import { occlusion } from './occlusion.js';
import { rise } from './rise.js';
import { saliency } from './saliency.js';
import { attention, attentionRollout } from './attention.js';

const all: readonly Explainer[] = [
  saliency,
  occlusion,
  inputXGradient,
  integratedGradients,
  smoothGrad,
  smoothGradSq,
  varGrad,
  gradCam,
  gradCamPlusPlus,
  gradientShap,
  rise,
  kernelShap,
  shapleyValueSampling,
  lime,
  guidedBackprop,
  guidedGradCam,
  deepLift,
  attention,
  attentionRollout,
] as readonly Explainer<never>[] as readonly Explainer[];

export const explainers: ReadonlyMap<string, Explainer> = new Map(all.map((e) => [e.name, e]));

export function getExplainer(name: string): Explainer {
  const e = explainers.get(name);
  if (!e) throw new Error(`unknown method '${name}'; available: ${[...explainers.keys()].join(', ')}`);
  return e;
}
