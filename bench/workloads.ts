/**
 * What the benchmark times: each method on the tiny CNN (1×32×32), the VGG-style net, ResNet-18,
 * MobileNetV2 and a ViT-Ti (3×224×224), with the same settings on trustscope's side and on the
 * PyTorch reference's side (bench/reference/torch_reference.py; DeepLIFT there is Captum's DeepLift).
 */
import type { Attribution } from '../src/attribution/explainer.js';
import { gradCam } from '../src/attribution/grad-cam.js';
import { integratedGradients } from '../src/attribution/integrated-gradients.js';
import { kernelShap } from '../src/attribution/kernel-shap.js';
import { smoothGrad } from '../src/attribution/noise-tunnel.js';
import { occlusion } from '../src/attribution/occlusion.js';
import { rise } from '../src/attribution/rise.js';
import { saliency } from '../src/attribution/saliency.js';
import { inputXGradient } from '../src/attribution/input-x-gradient.js';
import { gradientShap } from '../src/attribution/gradient-shap.js';
import { deepLift } from '../src/attribution/deeplift.js';
import type { OnnxModel } from '../src/models/model.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { resNet } from '../src/models/zoo/resnet.js';
import { mobileNetV2 } from '../src/models/zoo/mobilenet-v2.js';
import { tinyVit, VIT_TI_16 } from '../src/models/zoo/tiny-vit.js';
import type { Graph } from '../src/onnx/graph.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { BenchMethod, TorchRun } from './torch-reference.js';

export interface Workload {
  family: 'tiny' | 'vgg' | 'resnet' | 'mobilenet' | 'vit';
  method: BenchMethod;
  label: string;
  graph: Graph;
  /** Images explained per run. */
  batch: number;
  channels: number;
  size: number;
  classes: number;
  /** Rows per model call (perturbed images, IG steps, noisy copies): the model's internalBatchSize here, the chunk size on the PyTorch side. */
  chunk: number;
  /** Seed of the input images (fixed per workload, whatever --only selects). */
  seed: number;
  /** Whether both sides compute the same numbers (deterministic methods): checked for r ≥ 0.999. */
  comparable: boolean;
  /** Method settings passed to torch_reference.py. */
  torch: Partial<TorchRun>;
  ours(model: OnnxModel, x: Tensor, targets: number[]): Promise<Attribution>;
}

export type Family = Pick<Workload, 'family' | 'graph' | 'channels' | 'size' | 'classes'>;

/** Method settings per family, sized so each PyTorch run stays within a few seconds on 2 cores. */
export function methods(f: Family, vggBatch: number): Workload[] {
  if (f.family === 'resnet') return resNetMethods(f);
  if (f.family === 'mobilenet') return gradientMethods(f, 'MobileNetV2', 31, 'features.18_out');
  if (f.family === 'vit') return gradientMethods(f, 'ViT-Ti/16', 41);
  const tiny = f.family === 'tiny';
  const name = tiny ? 'tiny CNN' : 'VGG-style';
  const occ = tiny ? { images: 16, window: 4, stride: 1, chunk: 256 } : { images: 2, window: 32, stride: 32, chunk: 64 };
  const ig = tiny ? { images: 16, steps: 50, chunk: 400 } : { images: 1, steps: 50, chunk: 25 };
  const sg = tiny ? { images: 64, samples: 5, chunk: 320 } : { images: 4, samples: 5, chunk: 20 };
  const cam = tiny ? { images: 64, layer: 'conv2_out' } : { images: vggBatch, layer: 'conv5_2_out' };
  const ks = tiny ? { images: 8, patch: 4, samples: 200, chunk: 200 } : { images: 1, patch: 32, samples: 128, chunk: 32 };
  const ri = tiny ? { images: 4, masks: 2000, cell: 8, chunk: 500 } : { images: 1, masks: 256, cell: 8, chunk: 32 };
  const sal = tiny ? 64 : vggBatch;
  const base = { ...f, comparable: true };
  return [
    { ...base, method: 'saliency', label: `${name} saliency, ${sal} img`, batch: sal, chunk: sal, seed: tiny ? 1 : 3, torch: {}, ours: (m, x, t) => saliency.attribute(m, x, { target: t }) },
    {
      ...base,
      method: 'occlusion',
      label: `${name} occlusion w${occ.window} s${occ.stride}, ${occ.images} img`,
      batch: occ.images,
      chunk: occ.chunk,
      seed: tiny ? 2 : 4,
      torch: { window: occ.window, stride: occ.stride, baseline: 0 },
      ours: (m, x, t) => occlusion.attribute(m, x, { target: t, window: occ.window, stride: occ.stride, baseline: 0 }),
    },
    {
      ...base,
      method: 'integrated-gradients',
      label: `${name} IG ${ig.steps} steps, ${ig.images} img`,
      batch: ig.images,
      chunk: ig.chunk,
      seed: tiny ? 5 : 6,
      torch: { steps: ig.steps },
      ours: (m, x, t) => integratedGradients.attribute(m, x, { target: t, steps: ig.steps }),
    },
    {
      ...base,
      comparable: false,
      method: 'smoothgrad',
      label: `${name} SmoothGrad ${sg.samples} samples, ${sg.images} img`,
      batch: sg.images,
      chunk: sg.chunk,
      seed: tiny ? 7 : 8,
      torch: { samples: sg.samples, stdev: 0.15 },
      ours: (m, x, t) => smoothGrad.attribute(m, x, { target: t, ntSamples: sg.samples, stdevs: 0.15, seed: 1 }),
    },
    {
      ...base,
      method: 'grad-cam',
      label: `${name} Grad-CAM ${cam.layer}, ${cam.images} img`,
      batch: cam.images,
      chunk: cam.images,
      seed: tiny ? 9 : 10,
      torch: { layer: cam.layer },
      ours: (m, x, t) => gradCam.attribute(m, x, { target: t, layer: cam.layer }),
    },
    {
      ...base,
      comparable: false,
      method: 'kernel-shap',
      label: `${name} KernelSHAP patch ${ks.patch}, ${ks.samples} coalitions, ${ks.images} img`,
      batch: ks.images,
      chunk: ks.chunk,
      seed: tiny ? 11 : 12,
      torch: { patch: ks.patch, samples: ks.samples },
      ours: (m, x, t) => kernelShap.attribute(m, x, { target: t, patch: ks.patch, samples: ks.samples, seed: 1 }),
    },
    {
      ...base,
      comparable: false,
      method: 'rise',
      label: `${name} RISE ${ri.masks} masks, ${ri.images} img`,
      batch: ri.images,
      chunk: ri.chunk,
      seed: tiny ? 13 : 14,
      torch: { samples: ri.masks, cell: ri.cell },
      ours: (m, x, t) => rise.attribute(m, x, { target: t, masks: ri.masks, cell: ri.cell, probability: 0.5, seed: 1 }),
    },
    // The VGG-style net also gets the rows every real-size family has (issue 21), sized like ResNet's.
    ...(tiny ? [] : newGradientRows(f, name, 15, vggBatch)),
  ];
}

/**
 * ResNet-18 at 224² (issue 13's "real model" row): the gradient methods and occlusion, sized like the
 * VGG rows, then issue 21's SmoothGrad, input × gradient, GradientSHAP and DeepLIFT. Seeds differ from the other families' so each family has its own images.
 */
function resNetMethods(f: Family): Workload[] {
  const base = { ...f, comparable: true, torch: {} };
  const name = 'ResNet-18';
  return [
    { ...base, method: 'saliency', label: `${name} saliency, 16 img`, batch: 16, chunk: 16, seed: 21, ours: (m, x, t) => saliency.attribute(m, x, { target: t }) },
    { ...base, method: 'grad-cam', label: `${name} Grad-CAM layer4.1, 16 img`, batch: 16, chunk: 16, seed: 22, torch: { layer: 'layer4.1_out' }, ours: (m, x, t) => gradCam.attribute(m, x, { target: t, layer: 'layer4.1_out' }) },
    { ...base, method: 'integrated-gradients', label: `${name} IG 50 steps, 1 img`, batch: 1, chunk: 25, seed: 23, torch: { steps: 50 }, ours: (m, x, t) => integratedGradients.attribute(m, x, { target: t, steps: 50 }) },
    {
      ...base,
      method: 'occlusion',
      label: `${name} occlusion w32 s16, 1 img`,
      batch: 1,
      chunk: 64,
      seed: 24,
      torch: { window: 32, stride: 16, baseline: 0 },
      ours: (m, x, t) => occlusion.attribute(m, x, { target: t, window: 32, stride: 16, baseline: 0 }),
    },
    smoothGradRow(base, name, 25),
    ...newGradientRows(f, name, 26, 16),
  ];
}

/** SmoothGrad, 5 noisy copies of 4 images at σ 0.15 (the 224² families' row; the draws differ between engines, so not comparable). */
function smoothGradRow(base: Family & { torch: Partial<TorchRun> }, name: string, seed: number): Workload {
  return {
    ...base,
    comparable: false,
    method: 'smoothgrad',
    label: `${name} SmoothGrad 5 samples, 4 img`,
    batch: 4,
    chunk: 20,
    seed,
    torch: { samples: 5, stdev: 0.15 },
    ours: (m, x, t) => smoothGrad.attribute(m, x, { target: t, ntSamples: 5, stdevs: 0.15, seed: 1 }),
  };
}

/**
 * Saliency, IG (50 steps), SmoothGrad and Grad-CAM for a family that has no rows from methods()
 * (seeds seed…seed + 3), then newGradientRows (seed + 4…). Grad-CAM only with a `camLayer`: on a ViT
 * the tokens have no spatial feature map for Grad-CAM's channel weighting to make sense of.
 */
function gradientMethods(f: Family, name: string, seed: number, camLayer?: string): Workload[] {
  const base = { ...f, comparable: true, torch: {} };
  const rows: Workload[] = [
    { ...base, method: 'saliency', label: `${name} saliency, 16 img`, batch: 16, chunk: 16, seed, ours: (m, x, t) => saliency.attribute(m, x, { target: t }) },
    { ...base, method: 'integrated-gradients', label: `${name} IG 50 steps, 1 img`, batch: 1, chunk: 25, seed: seed + 1, torch: { steps: 50 }, ours: (m, x, t) => integratedGradients.attribute(m, x, { target: t, steps: 50 }) },
    smoothGradRow(base, name, seed + 2),
  ];
  if (camLayer) {
    const layer = camLayer;
    rows.push({ ...base, method: 'grad-cam', label: `${name} Grad-CAM ${layer.replace(/_out$/, '')}, 16 img`, batch: 16, chunk: 16, seed: seed + 3, torch: { layer }, ours: (m, x, t) => gradCam.attribute(m, x, { target: t, layer }) });
  }
  return [...rows, ...newGradientRows(f, name, seed + 4, 16)];
}

/**
 * DeepLIFT's baseline: a grey image. With an all-zero baseline a bias-free ReLU network (these zoo
 * models start with zero biases) is positively homogeneous, every ReLU/max-pool multiplier equals
 * the gradient, and DeepLIFT collapses to input × gradient, so the agreement check would not
 * exercise the rescale rules at all.
 */
const DEEPLIFT_BASELINE = 0.5;

/**
 * The methods issue 21 added to every real-size family: input × gradient (`batch` images, one
 * gradient pass), GradientSHAP (Captum's defaults: 5 samples, stdevs 0, one all-zero baseline; 4
 * images, 20 rows per call) and DeepLIFT (Captum's DeepLift, grey baseline; 8 images, so 16 rows of
 * input and baseline per call). GradientSHAP's α draws differ between the engines (seeded on each
 * side), so its maps are not compared; the other two are deterministic and must agree.
 */
function newGradientRows(f: Family, name: string, seed: number, batch: number): Workload[] {
  const base = { ...f, comparable: true, torch: {} };
  return [
    { ...base, method: 'input-x-gradient', label: `${name} input×gradient, ${batch} img`, batch, chunk: batch, seed, ours: (m, x, t) => inputXGradient.attribute(m, x, { target: t }) },
    {
      ...base,
      comparable: false,
      method: 'gradient-shap',
      label: `${name} GradientSHAP 5 samples, 4 img`,
      batch: 4,
      chunk: 20,
      seed: seed + 1,
      torch: { samples: 5 },
      ours: (m, x, t) => gradientShap.attribute(m, x, { target: t, ntSamples: 5, seed: 1 }),
    },
    {
      ...base,
      method: 'deeplift',
      label: `${name} DeepLIFT, 8 img`,
      batch: 8,
      chunk: 16,
      seed: seed + 2,
      torch: { baseline: DEEPLIFT_BASELINE },
      ours: (m, x, t) => deepLift.attribute(m, x, { target: t, baseline: DEEPLIFT_BASELINE }),
    },
  ];
}

export function workloads(vggBatch: number): Workload[] {
  return [
    ...methods({ family: 'tiny', graph: tinyCnn(), channels: 1, size: 32, classes: 2 }, vggBatch),
    ...methods({ family: 'vgg', graph: vggStyle(), channels: 3, size: 224, classes: 10 }, vggBatch),
    ...methods({ family: 'resnet', graph: resNet(), channels: 3, size: 224, classes: 1000 }, vggBatch),
    ...methods({ family: 'mobilenet', graph: mobileNetV2(), channels: 3, size: 224, classes: 1000 }, vggBatch),
    ...methods({ family: 'vit', graph: tinyVit(VIT_TI_16), channels: 3, size: 224, classes: 1000 }, vggBatch),
  ];
}

/** The methods of every real-size family (tiny and VGG have their own lists). */
const NEW_GRADIENT_METHODS = ['input-x-gradient', 'gradient-shap', 'deeplift'];
const GRADIENT_METHODS = ['saliency', 'integrated-gradients', 'smoothgrad', 'grad-cam', ...NEW_GRADIENT_METHODS];

export const WORKLOAD_CHOICES = [
  'tiny',
  'vgg',
  'resnet',
  'mobilenet',
  'vit',
  ...['tiny', 'vgg'].flatMap((f) => ['saliency', 'occlusion', 'integrated-gradients', 'smoothgrad', 'grad-cam', 'kernel-shap', 'rise'].map((m) => `${f}-${m}`)),
  ...NEW_GRADIENT_METHODS.map((m) => `vgg-${m}`),
  ...[...GRADIENT_METHODS, 'occlusion'].map((m) => `resnet-${m}`),
  ...GRADIENT_METHODS.map((m) => `mobilenet-${m}`),
  ...GRADIENT_METHODS.filter((m) => m !== 'grad-cam').map((m) => `vit-${m}`),
];
