/**
 * A MobileNetV2 (Sandler et al. 2018) as `torch.onnx.export` writes torchvision's mobilenet_v2 in
 * eval mode: every BatchNorm folded into the convolution before it (Conv with bias), ReLU6 as
 * Clip(0, 6), Dropout dropped. The graph is
 *
 *   features.0        3×3/2 Conv → Clip                                        32 channels
 *   features.1…17     inverted residual blocks: 1×1 expand Conv → Clip (absent when t = 1),
 *                     3×3 depthwise Conv (group = channels, stride s) → Clip, 1×1 linear project Conv,
 *                     and Add of the block input when the stride is 1 and the width is unchanged
 *   features.18       1×1 Conv → Clip                                          1280 channels
 *   avgpool, flatten, classifier.1 (Gemm)
 *
 * with the paper's table (t expansion, c width, n repeats, s first stride):
 *   (1, 16, 1, 1) (6, 24, 2, 2) (6, 32, 3, 2) (6, 64, 4, 2) (6, 96, 3, 1) (6, 160, 3, 2) (6, 320, 1, 1).
 * `widthMultiplier` scales every width (rounded to a multiple of 8 as torchvision's _make_divisible;
 * the last conv keeps 1280 unless the multiplier exceeds 1), and `stages` keeps only the first rows,
 * so a small instance runs in unit tests.
 *
 * Names follow torchvision's modules: `features.<k>.conv.0.0` (expand), `features.<k>.conv.1.0`
 * (depthwise), `features.<k>.conv.2` (project), `features.<k>` (the block's output value
 * `features.<k>_out`), `features.18` (the last Clip, [N, 1280, 7, 7] at 224², Grad-CAM's layer).
 *
 * Weights start as torchvision's MobileNetV2 starts them: kaiming-normal with fan_out for the
 * convolutions (fan_out of a depthwise conv is 9 per output channel), zero biases (the folded BN is
 * the identity), N(0, 0.01) for the classifier with zero bias.
 */
import type { Graph, TensorValue } from '../../onnx/graph.js';
import { DataType, floatTensorValue, intAttr } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { Random } from '../../tensor/random.js';

export interface MobileNetV2Options {
  /** Image height and width (default 224). */
  size?: number;
  /** Input channels (default 3). */
  channels?: number;
  /** Outputs of the classifier (default 1000, as ImageNet). */
  classes?: number;
  /** Scales every width (default 1, torchvision's width_mult). */
  widthMultiplier?: number;
  /** How many rows of the inverted-residual table to keep (default all 7). */
  stages?: number;
  seed?: number;
}

/** The paper's table: expansion t, output width c, repeats n, first stride s. */
export const MOBILENET_V2_TABLE: readonly (readonly [t: number, c: number, n: number, s: number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** torchvision's _make_divisible(v, 8): nearest multiple of 8, never more than 10% below v. */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

export function mobileNetV2(options: MobileNetV2Options = {}): Graph {
  const { size = 224, channels = 3, classes = 1000, widthMultiplier = 1, stages = MOBILENET_V2_TABLE.length, seed = 0 } = options;
  if (!Number.isInteger(stages) || stages < 1 || stages > MOBILENET_V2_TABLE.length) throw new Error(`mobileNetV2: stages must be 1…${MOBILENET_V2_TABLE.length} (got ${stages})`);
  if (!(widthMultiplier > 0)) throw new Error(`mobileNetV2: widthMultiplier must be positive (got ${widthMultiplier})`);
  const table = MOBILENET_V2_TABLE.slice(0, stages);
  const downsampling = 2 ** (1 + table.filter(([, , , s]) => s === 2).length);
  if (size < downsampling) throw new Error(`mobileNetV2: a ${size}×${size} image is too small for ${stages} stages (needs ≥ ${downsampling})`);

  const b = new ModelBuilder('mobilenet-v2', seed);
  const e = b.editor;
  const lower = e.constFloat([0]);
  const upper = e.constFloat([6]);
  const relu6 = (x: string, name: string) => b.op('Clip', name, [x, lower, upper], b.shape(x));

  let width = makeDivisible(32 * widthMultiplier);
  let x = relu6(b.conv(b.input('input', [channels, size, size]), 'features.0.0', width, { kernel: 3, stride: 2, pad: 1 }), 'features.0');
  let k = 1;
  for (const [t, c, n, s] of table) {
    const out = makeDivisible(c * widthMultiplier);
    for (let j = 0; j < n; j++, k++) {
      const stride = j === 0 ? s : 1;
      const name = `features.${k}`;
      const hidden = Math.round(width * t);
      let y = x;
      if (t !== 1) y = relu6(b.conv(y, `${name}.conv.0.0`, hidden, { kernel: 1 }), `${name}.conv.0.2`);
      const dw = t !== 1 ? `${name}.conv.1` : `${name}.conv.0`;
      y = relu6(b.conv(y, `${dw}.0`, hidden, { kernel: 3, stride, pad: 1, groups: hidden }), `${dw}.2`);
      const project = t !== 1 ? `${name}.conv.2` : `${name}.conv.1`;
      y = b.conv(y, project, out, { kernel: 1 });
      // The residual exactly where torchvision's InvertedResidual has one (use_res_connect).
      x = stride === 1 && width === out ? b.op('Add', name, [x, y], b.shape(y)) : b.op('Identity', name, [y], b.shape(y));
      width = out;
    }
  }
  const last = makeDivisible(1280 * Math.max(1, widthMultiplier));
  x = relu6(b.conv(x, `features.${k}.0`, last, { kernel: 1 }), `features.${k}`);
  x = b.flatten(b.globalAveragePool(x, 'avgpool'), 'flatten');
  x = b.linear(x, 'classifier.1', classes);
  return withTorchvisionInit(b.output(x), seed);
}

/** kaiming_normal_(fan_out) for convolutions, zero biases, N(0, 0.01) for the classifier: torchvision's MobileNetV2 init. */
function withTorchvisionInit(graph: Graph, seed: number): Graph {
  const rng = new Random(seed + 1);
  const initializers = new Map<string, TensorValue>();
  for (const [name, t] of graph.initializers) {
    if (t.dataType !== DataType.FLOAT || !(name.endsWith('.weight') || name.endsWith('.bias'))) {
      initializers.set(name, t);
      continue;
    }
    const n = t.dims.reduce((a, d) => a * d, 1);
    const values = new Float32Array(n);
    if (name.endsWith('.weight')) {
      // Conv weights [out, in/groups, k, k]: fan_out = out·k²/groups = (out/groups)·k²; for a depthwise conv that is k².
      const std = t.dims.length === 4 ? Math.sqrt(2 / (fanOutPerGroup(graph, name, t.dims) * t.dims[2] * t.dims[3])) : 0.01;
      for (let i = 0; i < n; i++) values[i] = rng.normal(0, std);
    }
    initializers.set(name, floatTensorValue(t.dims, values));
  }
  return { ...graph, initializers };
}

/** Output channels per group of the Conv that reads this weight (torch's fan_out divides by groups). */
function fanOutPerGroup(graph: Graph, weight: string, dims: readonly number[]): number {
  const conv = graph.nodes.find((node) => node.opType === 'Conv' && node.inputs[1] === weight);
  return dims[0] / (conv ? intAttr(conv, 'group', 1) : 1);
}
