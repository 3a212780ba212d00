/**
 * attGAN's adversarial term for the knob generator: a small patch discriminator D (strided 4×4
 * convolutions with LeakyReLU → a map of real/fake scores, one per overlapping patch: 16×16 for a
 * 64×64 tile, each cell seeing ~22 pixels) and its least-squares GAN loss (LSGAN, Mao et al. 2017:
 * steadier than the logistic loss for a small D and G trained from scratch):
 *   D step:  mean (D(I) − 1)² over real tiles  +  mean D(G(E(I), A'))² over G's edited tiles
 *   G step:  γ · mean (D(G(E(I), A')) − 1)²     (in train-knob-generator.ts, beside the other terms)
 * Why: without it G may satisfy the frozen critic C by drawing a texture C reads and real tiles do
 * not have (round 5: G's polydispersity knob added a vertical stripe instead of spreading crystal
 * sizes); D sees real and edited tiles side by side and penalises whatever tells them apart.
 */
import type { Graph } from '../../onnx/graph.js';
import { attr } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { buildGradientGraph, type GradientGraph } from '../../onnx/autodiff/gradient.js';
import { trainableParameters, weightsAsInputs, type WeightsAsInputs } from '../../models/train.js';

export interface DiscriminatorOptions {
  size?: number;
  channels?: number;
  /** Channels of the first convolution (doubling at the second). */
  width?: number;
  seed: number;
}

/** LeakyReLU's slope for negative inputs (DCGAN's and attGAN's 0.2: keeps D's gradient alive everywhere). */
const LEAK = 0.2;

/** D: conv 4×4/2 → LeakyReLU → conv 4×4/2 → LeakyReLU → conv 3×3 → one score per patch, [N, 1, size/4, size/4]. */
export function patchDiscriminator(options: DiscriminatorOptions): Graph {
  const { size = 64, channels = 1, width = 16, seed } = options;
  const b = new ModelBuilder('knob-discriminator', seed);
  let x = b.input('input', [channels, size, size]);
  [width, 2 * width].forEach((c, i) => {
    const conv = b.conv(x, `disc${i + 1}`, c, { kernel: 4, stride: 2, pad: 1 });
    x = b.op('LeakyRelu', `disc${i + 1}_leaky`, [conv], b.shape(conv), { alpha: attr.float(LEAK) });
  });
  return b.output(b.conv(x, 'patch_scores', 1, { kernel: 3, pad: 1 }));
}

/** D's training step: (D(x) − t)² per patch, t = 1 for real and 0 for edited tiles, and its gradient w.r.t. D's weights. */
export interface DiscriminatorObjective {
  forward: Graph;
  grads: GradientGraph;
  weights: WeightsAsInputs;
  input: string;
  /** t, D's output shape: [N, 1, h, w]. */
  target: string;
  /** (D(x) − t)², [N, 1, h, w]. */
  squared: string;
  /** [1, h, w], the score map's shape after the batch. */
  scoreShape: number[];
}

export function discriminatorObjective(discriminator: Graph): DiscriminatorObjective {
  const input = discriminator.inputs.find((i) => !discriminator.initializers.has(i.name))!.name;
  const scoreShape = (discriminator.outputs[0].shape ?? []).slice(1);
  if (scoreShape.length !== 3 || !scoreShape.every((d) => typeof d === 'number' && d > 0)) throw new Error("discriminator: its output needs a static [1, h, w] shape after the batch");
  const weights = weightsAsInputs(discriminator, trainableParameters(discriminator));
  const { editor } = weights;
  const target = editor.input('real_or_fake', ['N', ...scoreShape]);
  const error = editor.op('Sub', [discriminator.outputs[0].name, target], {}, 'discriminator_error');
  const squared = editor.op('Mul', [error, error], {}, 'discriminator_squared');
  editor.outputs.length = 0;
  editor.output(squared);
  const forward = editor.build();
  const grads = buildGradientGraph(forward, { outputs: [squared], wrt: weights.names, keep: [squared] });
  return { forward, grads, weights, input, target, squared, scoreShape: scoreShape as number[] };
}

/** The LSGAN targets of a D step on [real; edited] rows: b real rows of 1, then b edited rows of 0. */
export function realThenFakeTargets(b: number, cells: number): Float32Array {
  const t = new Float32Array(2 * b * cells);
  t.fill(1, 0, b * cells);
  return t;
}
