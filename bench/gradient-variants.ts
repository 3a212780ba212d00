/**
 * Ways to build and run the same backward graph, compared by bench/profile-gradients.ts: backward-rule
 * forms (set while the graph is built, then restored) and ORT session options.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { maxPoolGradientForms } from '../src/onnx/autodiff/max-pool.js';
import { convInputGradientForms } from '../src/onnx/autodiff/conv-input-gradient.js';
import { clipMaskForms } from '../src/onnx/autodiff/clip-mask.js';
import { reluMaskForms } from '../src/onnx/autodiff/positive-mask.js';

/** Sets one field of a forms object for the build, restoring the previous value after. */
function setting<T extends object, K extends keyof T>(forms: T, key: K, value: T[K]): () => () => void {
  return () => {
    const before = forms[key];
    forms[key] = value;
    return () => {
      forms[key] = before;
    };
  };
}

export interface GradientVariant {
  name: string;
  /** Sets rule forms for the build; returns the function that restores them. */
  apply?: () => () => void;
  sessionOptions?: InferenceSession.SessionOptions;
}

/** Several settings at once. */
function settings(...parts: (() => () => void)[]): () => () => void {
  return () => {
    const restores = parts.map((p) => p());
    return () => restores.reverse().forEach((r) => r());
  };
}

export const GRADIENT_VARIANTS: Record<string, GradientVariant> = {
  current: { name: 'current' },
  /** The rules before issue 21's profile: Split-form 2×2 max-pool backward, Where ReLU masks. */
  before: { name: 'before', apply: settings(setting(maxPoolGradientForms, 'firstMax', 'split'), setting(reluMaskForms, 'mask', 'where')) },
  /** Non-overlapping max-pool backward: SpaceToDepth, Split, Equal/And/Or/Not per window position, Concat, Transpose. */
  'pool-split': { name: 'pool-split', apply: setting(maxPoolGradientForms, 'firstMax', 'split') },
  /** MaxPool's Indices and MaxUnpool. */
  'pool-unpool': { name: 'pool-unpool', apply: setting(maxPoolGradientForms, 'firstMax', 'unpool') },
  /** Overlapping pools (ResNet's stem) by strided window slices instead of MaxPool Indices + ScatterElements. */
  'overlap-windows': { name: 'overlap-windows', apply: setting(maxPoolGradientForms, 'overlapping', 'windows') },
  'overlap-scatter': { name: 'overlap-scatter', apply: setting(maxPoolGradientForms, 'overlapping', 'scatter') },
  /** ReLU backward as dy · Sign(y) instead of Where(y > 0, dy, 0). */
  'relu-sign': { name: 'relu-sign', apply: setting(reluMaskForms, 'mask', 'sign') },
  /** ReLU backward as Where(y > 0, dy, 0) (NCHW: ORT reorders around it). */
  'relu-where': { name: 'relu-where', apply: setting(reluMaskForms, 'mask', 'where') },
  /** ReLU backward as dy · mask, the mask from BatchNormalization/Relu that ORT keeps blocked (NCHWc). */
  'relu-blocked': { name: 'relu-blocked', apply: setting(reluMaskForms, 'mask', 'blocked') },
  /** Stride-1 input gradients as a flipped Conv whatever the channel count (the image's 3 channels: ORT pads the blocked Conv's outputs to its block). */
  'conv-flip-all': { name: 'conv-flip-all', apply: setting(convInputGradientForms, 'flippedMinChannels', 1) },
  /** Input gradients of grouped (depthwise) and strided convs as before issue 21's MobileNetV2 profile: ConvTranspose. */
  'conv-transpose': {
    name: 'conv-transpose',
    apply: settings(setting(convInputGradientForms, 'grouped', 'transpose'), setting(convInputGradientForms, 'stridedDepthwise', 'transpose'), setting(convInputGradientForms, 'stridedDense', 'transpose')),
  },
  /** Stride-1 depthwise as a flipped depthwise Conv, strided ones still ConvTranspose. */
  'dw-flip': { name: 'dw-flip', apply: settings(setting(convInputGradientForms, 'grouped', 'flip'), setting(convInputGradientForms, 'stridedDepthwise', 'transpose')) },
  /** Strided depthwise input gradients by sub-pixel phases (one depthwise Conv per phase, interleaved by Concat + Transpose). */
  'dw-phases': { name: 'dw-phases', apply: settings(setting(convInputGradientForms, 'grouped', 'flip'), setting(convInputGradientForms, 'stridedDepthwise', 'phases')) },
  /** The same, interleaving the phases by Concat on channels + DepthToSpace (ORT: a generic 6-D shuffle). */
  'dw-phases-d2s': {
    name: 'dw-phases-d2s',
    apply: settings(setting(convInputGradientForms, 'grouped', 'flip'), setting(convInputGradientForms, 'stridedDepthwise', 'phases'), setting(convInputGradientForms, 'interleave', 'depth-to-space')),
  },
  /** Strided depthwise input gradients by zero insertion (interleaved with zeros) and one stride-1 depthwise Conv. */
  'dw-zero-insert': { name: 'dw-zero-insert', apply: settings(setting(convInputGradientForms, 'grouped', 'flip'), setting(convInputGradientForms, 'stridedDepthwise', 'zero-insert')) },
  /** Strided dense input gradients (ResNet's stem, 3×3/2, 1×1/2) by phases. */
  'dense-phases': { name: 'dense-phases', apply: setting(convInputGradientForms, 'stridedDense', 'phases') },
  'dense-zero-insert': { name: 'dense-zero-insert', apply: setting(convInputGradientForms, 'stridedDense', 'zero-insert') },
  /** ReLU6 (Clip) backward as Where(0 < y < 6, dy, 0), in NCHW. */
  'clip-where': { name: 'clip-where', apply: setting(clipMaskForms, 'mask', 'where') },
  /** ReLU6 backward as dy · mask, the mask from depthwise 1×1 Conv + Clip pairs ORT keeps blocked (clip-mask.ts). */
  'clip-blocked': { name: 'clip-blocked', apply: setting(clipMaskForms, 'mask', 'blocked') },
  /** The same with one ArgMax over the window positions. */
  'pool-argmax': { name: 'pool-argmax', apply: setting(maxPoolGradientForms, 'firstMax', 'argmax') },
  'no-spin': { name: 'no-spin', sessionOptions: { extra: { session: { intra_op: { allow_spinning: '0' } } } } },
  'no-arena': { name: 'no-arena', sessionOptions: { enableCpuMemArena: false } },
  'no-mem-pattern': { name: 'no-mem-pattern', sessionOptions: { enableMemPattern: false } },
};

/** Several variants at once (`--variants dw-flip+clip-blocked`): their settings in order, their session options merged. */
export function combinedVariant(name: string, parts: readonly GradientVariant[]): GradientVariant {
  const applies = parts.flatMap((p) => (p.apply ? [p.apply] : []));
  return { name, apply: settings(...applies), sessionOptions: Object.assign({}, ...parts.map((p) => p.sessionOptions ?? {})) };
}
