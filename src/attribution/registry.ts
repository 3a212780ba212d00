/** Method names → explainers. A new method is one file and one line here. */
import type { Explainer } from './explainer.js';
import { gradCam, gradCamPlusPlus } from './grad-cam.js';
import { gradientShap } from './gradient-shap.js';
import { inputXGradient } from './input-x-gradient.js';
import { integratedGradients } from './integrated-gradients.js';
import { kernelShap } from './kernel-shap.js';
import { lime } from './lime.js';
import { smoothGrad, smoothGradSq, varGrad } from './noise-tunnel.js';
import { occlusion } from './occlusion.js';
import { rise } from './rise.js';
import { saliency } from './saliency.js';

export const explainers: ReadonlyMap<string, Explainer> = new Map<string, Explainer>([
  [saliency.name, saliency as Explainer],
  [occlusion.name, occlusion as Explainer],
  [inputXGradient.name, inputXGradient as Explainer],
  [integratedGradients.name, integratedGradients as Explainer],
  [smoothGrad.name, smoothGrad as Explainer],
  [smoothGradSq.name, smoothGradSq as Explainer],
  [varGrad.name, varGrad as Explainer],
  [gradCam.name, gradCam as Explainer],
  [gradCamPlusPlus.name, gradCamPlusPlus as Explainer],
  [gradientShap.name, gradientShap as Explainer],
  [rise.name, rise as Explainer],
  [kernelShap.name, kernelShap as Explainer],
  [lime.name, lime as Explainer],
]);

export function getExplainer(name: string): Explainer {
  const e = explainers.get(name);
  if (!e) throw new Error(`unknown method '${name}'; available: ${[...explainers.keys()].join(', ')}`);
  return e;
}
