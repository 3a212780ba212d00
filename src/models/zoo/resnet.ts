/**
 * A ResNet-18 (He et al. 2016) as `torch.onnx.export` writes torchvision's resnet18 in eval mode:
 * the exporter folds every BatchNorm into the convolution before it, so the graph is Conv (with
 * bias) · ReLU, the 3×3/2 max-pool with padding 1 after the 7×7/2 stem, residual Add, global
 * average pooling, Flatten and one linear layer. It is the benchmark's model for the "real
 * architectures" rows (issue 13: ResNet-18 at 224²) and exercises the padded, overlapping MaxPool.
 *
 * Layers are named as torchvision names its modules: `conv1`, `layer1.0.conv1`, `layer2.0.downsample`,
 * `fc` (each value is the layer name + `_out`); a block's output after its final ReLU is `layer<k>.<j>_out`
 * (Grad-CAM reads `layer4.1_out`).
 *
 * Weights: kaiming-normal with fan_out for convolutions (torchvision's ResNet init; the folded BN
 * starts as the identity, so biases are 0) and PyTorch's default for the linear layer. Without the
 * BN's rescaling the residual sums grow by about √2 per block: the logits are large but finite.
 */
import type { Graph, TensorValue } from '../../onnx/graph.js';
import { attr, floatTensorValue } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { Random } from '../../tensor/random.js';

export interface ResNetOptions {
  /** Image height and width (default 224). */
  size?: number;
  /** Input channels (default 3). */
  channels?: number;
  /** Outputs of the final linear layer (default 1000, as ImageNet). */
  classes?: number;
  /** Channels of the four stages (default ResNet-18's [64, 128, 256, 512]). */
  widths?: readonly number[];
  /** Basic blocks per stage (default ResNet-18's 2). */
  blocks?: number;
  seed?: number;
}

export function resNet(options: ResNetOptions = {}): Graph {
  const { size = 224, channels = 3, classes = 1000, widths = [64, 128, 256, 512], blocks = 2, seed = 0 } = options;
  if (widths.length === 0 || !Number.isInteger(blocks) || blocks < 1) throw new Error('resNet: needs at least one stage of at least one block');
  if (size < 2 ** (widths.length + 1)) throw new Error(`resNet: a ${size}×${size} image is too small for ${widths.length} stages after the stem (needs ≥ ${2 ** (widths.length + 1)})`);

  const b = new ModelBuilder('resnet', seed);
  let x = b.input('input', [channels, size, size]);
  x = b.relu(b.conv(x, 'conv1', widths[0], { kernel: 7, stride: 2, pad: 3 }), 'relu');
  x = paddedMaxPool(b, x, 'maxpool');
  let width = widths[0];
  widths.forEach((w, s) => {
    for (let j = 0; j < blocks; j++) {
      const stride = s > 0 && j === 0 ? 2 : 1;
      const name = `layer${s + 1}.${j}`;
      let y = b.relu(b.conv(x, `${name}.conv1`, w, { kernel: 3, stride, pad: 1 }), `${name}.relu1`);
      y = b.conv(y, `${name}.conv2`, w, { kernel: 3, pad: 1 });
      const shortcut = stride !== 1 || w !== width ? b.conv(x, `${name}.downsample`, w, { kernel: 1, stride }) : x;
      x = b.relu(b.op('Add', `${name}.add`, [y, shortcut], b.shape(y)), name);
      width = w;
    }
  });
  x = b.flatten(b.globalAveragePool(x, 'avgpool'), 'flatten');
  x = b.linear(x, 'fc', classes);
  return withTorchvisionInit(b.output(x), seed);
}

/** torchvision's stem pool: 3×3, stride 2, padding 1 (overlapping and padded windows). */
function paddedMaxPool(b: ModelBuilder, x: string, name: string): string {
  const [n, c, h, w] = b.shape(x);
  const out = (d: number) => Math.floor((d + 2 - 3) / 2) + 1;
  return b.op('MaxPool', name, [x], [n, c, out(h), out(w)], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) });
}

/** kaiming_normal_(fan_out, relu) for convolutions with zero bias (the folded identity BN); the linear layer keeps PyTorch's default. */
function withTorchvisionInit(graph: Graph, seed: number): Graph {
  const rng = new Random(seed + 1);
  const initializers = new Map<string, TensorValue>();
  for (const [name, t] of graph.initializers) {
    if (name.startsWith('fc.')) {
      initializers.set(name, t);
      continue;
    }
    const n = t.dims.reduce((a, d) => a * d, 1);
    const values = new Float32Array(n);
    if (t.dims.length === 4) {
      const std = Math.sqrt(2 / (t.dims[0] * t.dims[2] * t.dims[3]));
      for (let i = 0; i < n; i++) values[i] = rng.normal(0, std);
    }
    initializers.set(name, floatTensorValue(t.dims, values));
  }
  return { ...graph, initializers };
}
