/**
 * Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhyay et al. 2018) on a named inner
 * value A [N, C, h, w] of the model, with Captum's `LayerGradCam` semantics:
 *
 * - attribution to the layer's *output* (Captum's attribute_to_layer_input=False);
 * - Grad-CAM weights α_k = mean over spatial positions of ∂y/∂A_k, map = Σ_k α_k A_k (one channel);
 * - no ReLU by default (Captum's relu_attributions=False keeps the sign); `relu: true` gives the
 *   paper's ReLU(map);
 * - the map is then resized to the input's spatial size like Captum's `LayerAttribution.interpolate`
 *   (mode 'nearest' by default, or 'bilinear' with torch's align_corners=False), or kept at the
 *   layer's resolution with `upsample: 'none'`.
 *
 * `values` has ONE channel, [N, 1, H, W] (or [N, 1, h, w] with 'none'): it broadcasts over the
 * input's channels rather than repeating the map C times. `extras.layerMap` always holds the
 * layer-resolution map [N, 1, h, w] and `extras.channelWeights` the weights [N, C].
 *
 * Grad-CAM++ uses the closed-form weights derived for exp(score), which only need the first
 * gradient g = ∂y/∂A (as pytorch-grad-cam does): with S_k = Σ_ab A_kab,
 *   a_kij = g² / (2g² + S_k g³) = 1 / (2 + S_k g)   (0 where g = 0),   w_k = Σ_ij a_kij · ReLU(g_kij),
 * and map = Σ_k w_k A_k. pytorch-grad-cam adds 1e-6 to the denominator; we compute the exact form
 * (that epsilon dominates when gradients are ~1e-3 or smaller), setting a = 0 where it is undefined.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, tensor } from '../tensor/tensor.js';
import { resizeMaps } from '../tensor/resize-maps.js';
import type { Model } from '../models/model.js';
import type { OptionSpec } from '../options/option-spec.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions } from './explainer.js';
import { targetLayerVjp } from './common/target-gradient.js';

export type Upsample = 'none' | 'nearest' | 'bilinear';
export const UPSAMPLE_MODES: readonly Upsample[] = ['none', 'nearest', 'bilinear'];

export interface GradCamOptions extends ExplainOptions {
  /** Required: an inner value name ('relu2_out', '/conv2/Conv_output_0') or the name of the node producing it. */
  layer?: string;
  /** ReLU on the final map (Captum's relu_attributions; default false, keeping negative evidence). */
  relu?: boolean;
  /** Resize to the input's spatial size (default 'nearest', Captum's interpolate default). */
  upsample?: Upsample;
}

/** The layer option every layer method declares; the CLI says how to list the names when it is missing. */
export const LAYER_OPTION: OptionSpec & { readonly key: 'layer' } = {
  key: 'layer',
  flag: '--layer',
  kind: 'string',
  placeholder: '<name>',
  help: "inner value or node name of a 4-D layer (list them with 'trustscope layers --model M.onnx')",
};

export const GRAD_CAM_OPTIONS = declareOptions<GradCamOptions>([
  LAYER_OPTION,
  { key: 'relu', flag: '--relu-attributions', kind: 'boolean', default: false, help: "ReLU the map (Captum's relu_attributions; without it negative evidence is kept)" },
  { key: 'upsample', flag: '--upsample', kind: 'choice', choices: UPSAMPLE_MODES, default: 'nearest', placeholder: '<mode>', help: `${UPSAMPLE_MODES.join(' | ')} resize of the one-channel map [N, 1, H, W] to the input size` },
]);

const LAYERS_HINT = "list the model's layers with 'trustscope layers --model M.onnx'";

/** Optional parts of OnnxModel used to check the layer before running anything. */
interface LayerAware {
  resolveLayer(layer: string): string;
  layerShape(layer: string): readonly number[] | undefined;
}

function isLayerAware(m: Model): m is Model & LayerAware {
  const o = m as Partial<LayerAware>;
  return typeof o.resolveLayer === 'function' && typeof o.layerShape === 'function';
}

function notFourD(method: string, layer: string, shape: readonly number[]): Error {
  const s = `[${shape.map((d) => (d < 0 ? 'N' : d)).join(', ')}]`;
  return new Error(`${method} needs a 4-D layer [N, C, h, w]; '${layer}' has shape ${s}. Pick a convolutional layer (${LAYERS_HINT})`);
}

export { resizeMaps } from '../tensor/resize-maps.js';

/** Channel weights [N, C] from the activation and the gradient of the explained score, both [N, C, h, w]. */
type Weigh = (activation: Tensor, grad: Tensor) => Float64Array;

/** Grad-CAM: the spatial mean of the gradient per channel. */
export const gradCamWeights: Weigh = (_activation, grad) => {
  const [n, c, h, w] = grad.shape;
  const plane = h * w;
  const out = new Float64Array(n * c);
  for (let nc = 0; nc < n * c; nc++) {
    let s = 0;
    for (let j = 0; j < plane; j++) s += grad.data[nc * plane + j];
    out[nc] = s / plane;
  }
  return out;
};

/** Grad-CAM++: Σ_ij ReLU(g)·g² / (2g² + S·g³), the exp(score) closed form (see the file comment). */
export const gradCamPlusPlusWeights: Weigh = (activation, grad) => {
  const [n, c, h, w] = grad.shape;
  const plane = h * w;
  const out = new Float64Array(n * c);
  for (let nc = 0; nc < n * c; nc++) {
    let sum = 0;
    for (let j = 0; j < plane; j++) sum += activation.data[nc * plane + j];
    let weight = 0;
    for (let j = 0; j < plane; j++) {
      const g = grad.data[nc * plane + j];
      if (g <= 0) continue; // ReLU(g) = 0: the term vanishes whatever a is
      // g² / (2g² + S g³) divided through by g², which avoids underflow for small gradients.
      const denominator = 2 + sum * g;
      if (denominator !== 0) weight += g / denominator;
    }
    out[nc] = weight;
  }
  return out;
};

function camExplainer(name: string, description: string, weigh: Weigh): Explainer<GradCamOptions> {
  return {
    name,
    description,
    options: GRAD_CAM_OPTIONS,
    output: 'map',
    needs: { layer: true },
    usesTarget: true,
    usesSeed: false,
    async attribute(model, inputs, options = {}) {
      const { layer, relu = false, upsample = 'nearest' } = options;
      if (layer === undefined || layer === '') {
        throw new Error(`${name} needs options.layer: the name of a 4-D inner value [N, C, h, w] such as a conv or ReLU output (${LAYERS_HINT})`);
      }
      if (!UPSAMPLE_MODES.includes(upsample)) throw new Error(`${name}: upsample must be one of ${UPSAMPLE_MODES.join(', ')} (got '${String(upsample)}')`);
      if (upsample !== 'none' && inputs.shape.length !== 4) {
        throw new Error(`${name} upsamples to image inputs [N, C, H, W]; got inputs ${shapeToString(inputs.shape)} (use upsample: 'none')`);
      }
      // Check the layer before the (possibly long) backward pass when the model can tell its shapes.
      let value = layer;
      if (isLayerAware(model)) {
        value = model.resolveLayer(layer);
        const shape = model.layerShape(value);
        if (shape && shape.length !== 4) throw notFourD(name, value, shape);
      }
      const { activation, grad, classes } = await targetLayerVjp(model, inputs, value, options.target);
      if (activation.shape.length !== 4) throw notFourD(name, value, activation.shape);

      const [n, c, h, w] = activation.shape;
      const plane = h * w;
      const weights = weigh(activation, grad);
      const map = new Float32Array(n * plane);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < plane; j++) {
          let s = 0;
          for (let k = 0; k < c; k++) s += weights[i * c + k] * activation.data[(i * c + k) * plane + j];
          map[i * plane + j] = relu ? Math.max(0, s) : s;
        }
      const layerMap = tensor([n, 1, h, w], map);
      const values = upsample === 'none' ? layerMap : resizeMaps(layerMap, inputs.shape[2], inputs.shape[3], upsample);
      return {
        method: name,
        values,
        targets: classes,
        extras: { layer: value, layerMap, channelWeights: tensor([n, c], Float32Array.from(weights)), upsample, relu },
      };
    },
  };
}

export const gradCam = camExplainer(
  'grad-cam',
  "Grad-CAM on --layer: Σ_k mean(∂y/∂A_k)·A_k, one channel [N, 1, H, W] (no ReLU, nearest upsampling by default, as Captum's LayerGradCam + interpolate)",
  gradCamWeights,
);

export const gradCamPlusPlus = camExplainer(
  'grad-cam-pp',
  'Grad-CAM++ on --layer: closed-form weights Σ ReLU(g)·g²/(2g² + ΣA·g³), one channel [N, 1, H, W] (no ReLU, nearest upsampling by default)',
  gradCamPlusPlusWeights,
);
