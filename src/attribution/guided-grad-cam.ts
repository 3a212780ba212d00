/**
 * Guided Grad-CAM (Selvaraju et al. 2017) with Captum's `GuidedGradCam` semantics: guided
 * backpropagation [N, C, H, W] times ReLU(Grad-CAM on `layer`) resized to the input (nearest by
 * default, Captum's interpolate_mode; ReLU before resizing, as Captum) and broadcast over channels.
 * extras.gradCam holds the resized, ReLU'd map [N, 1, H, W]; extras.layerMap the layer-resolution one.
 */
import { shapeToString, tensor } from '../tensor/tensor.js';
import type { Explainer } from './explainer.js';
import { declareOptions } from './explainer.js';
import { gradCam, LAYER_OPTION, type GradCamOptions } from './grad-cam.js';
import { guidedBackprop } from './guided-backprop.js';

export type GuidedGradCamOptions = Omit<GradCamOptions, 'relu' | 'upsample'> & { upsample?: 'nearest' | 'bilinear' };

const UPSAMPLE = ['nearest', 'bilinear'] as const;

export const GUIDED_GRAD_CAM_OPTIONS = declareOptions<GuidedGradCamOptions>([
  LAYER_OPTION,
  { key: 'upsample', flag: '--upsample', kind: 'choice', choices: UPSAMPLE, default: 'nearest', placeholder: '<mode>', help: `${UPSAMPLE.join(' | ')} resize of the Grad-CAM factor to the input size` },
]);

export const guidedGradCam: Explainer<GuidedGradCamOptions> = {
  name: 'guided-grad-cam',
  description: "guided Grad-CAM on --layer: guided backprop × ReLU(Grad-CAM) resized to the input (nearest by default, as Captum's GuidedGradCam)",
  options: GUIDED_GRAD_CAM_OPTIONS,
  output: 'input',
  needs: { layer: true, backwardRules: true },
  usesTarget: true,
  usesSeed: false,
  async attribute(model, inputs, options = {}) {
    const upsample = options.upsample ?? 'nearest';
    if (!(UPSAMPLE as readonly string[]).includes(upsample)) throw new Error(`guided-grad-cam: upsample must be nearest or bilinear (got '${String(upsample)}')`);
    if (inputs.shape.length !== 4) throw new Error(`guided-grad-cam needs image inputs [N, C, H, W]; got ${shapeToString(inputs.shape)}`);
    const cam = await gradCam.attribute(model, inputs, { ...options, relu: true, upsample });
    // Explain the same classes Grad-CAM did (the predicted class is resolved only once).
    const target = options.target ?? cam.targets;
    const guided = await guidedBackprop.attribute(model, inputs, { ...options, target });
    const [n, c, h, w] = inputs.shape;
    const plane = h * w;
    const values = new Float32Array(n * c * plane);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let j = 0; j < plane; j++) values[(i * c + ch) * plane + j] = guided.values.data[(i * c + ch) * plane + j] * cam.values.data[i * plane + j];
    return {
      method: 'guided-grad-cam',
      values: tensor(inputs.shape, values),
      targets: cam.targets,
      extras: { layer: cam.extras?.layer, gradCam: cam.values, layerMap: cam.extras?.layerMap, guidedBackprop: guided.values, upsample },
    };
  },
};
