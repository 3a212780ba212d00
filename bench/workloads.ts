/**
 * What the benchmark times: each method on the tiny CNN (1×32×32) and the VGG-style net (3×224×224),
 * with the same settings on trustscope's side and on the PyTorch reference's side.
 */
import type { Attribution } from '../src/attribution/explainer.js';
import { gradCam } from '../src/attribution/grad-cam.js';
import { integratedGradients } from '../src/attribution/integrated-gradients.js';
import { kernelShap } from '../src/attribution/kernel-shap.js';
import { smoothGrad } from '../src/attribution/noise-tunnel.js';
import { occlusion } from '../src/attribution/occlusion.js';
import { rise } from '../src/attribution/rise.js';
import { saliency } from '../src/attribution/saliency.js';
import type { OnnxModel } from '../src/models/model.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { resNet } from '../src/models/zoo/resnet.js';
import type { Graph } from '../src/onnx/graph.js';
import type { Tensor } from '../src/tensor/tensor.js';
import type { BenchMethod, TorchRun } from './torch-reference.js';

export interface Workload {
  family: 'tiny' | 'vgg' | 'resnet';
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
  ];
}

/**
 * ResNet-18 at 224² (issue 13's "real model" row): the gradient methods and occlusion, sized like the
 * VGG rows. Seeds differ from the other families' so each family has its own images.
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
  ];
}

export function workloads(vggBatch: number): Workload[] {
  return [
    ...methods({ family: 'tiny', graph: tinyCnn(), channels: 1, size: 32, classes: 2 }, vggBatch),
    ...methods({ family: 'vgg', graph: vggStyle(), channels: 3, size: 224, classes: 10 }, vggBatch),
    ...methods({ family: 'resnet', graph: resNet(), channels: 3, size: 224, classes: 1000 }, vggBatch),
  ];
}

export const WORKLOAD_CHOICES = [
  'tiny',
  'vgg',
  'resnet',
  ...['tiny', 'vgg'].flatMap((f) => ['saliency', 'occlusion', 'integrated-gradients', 'smoothgrad', 'grad-cam', 'kernel-shap', 'rise'].map((m) => `${f}-${m}`)),
  ...['saliency', 'grad-cam', 'integrated-gradients', 'occlusion'].map((m) => `resnet-${m}`),
];
