/**
 * A VGG-style image classifier (Simonyan & Zisserman 2014, scaled down): stages of 3×3 convolutions
 * (padding 1) with ReLU, each stage ending in a 2×2 max-pool, then global average pooling and one
 * linear layer. It is the benchmark's "big" model (3×224×224, DESIGN.md's VGG-ish row) and a
 * realistic deep ReLU network for the attribution methods.
 *
 * Layers are named by stage and position, as in torchvision's VGG: `conv1_1`, `relu1_1`, `conv1_2`,
 * …, `pool1`, …, `gap`, `flatten`, `fc`. The global average pool makes the model accept any image
 * size that survives the pools (size ≥ 2^stages), so the same architecture runs at 64×64 in tests.
 *
 * Weights start as torchvision's VGG starts them (kaiming-normal with fan_out for the convolutions,
 * N(0, 0.01) for the linear layer, zero biases), not with PyTorch's per-layer default: under the
 * default's U(±1/√fan_in) the signal shrinks through ten ReLU convolutions until the deep feature
 * maps are nearly constant over space (bias-dominated), so 2×2 max-pool windows hold near-ties that
 * float32 rounding breaks differently in every engine. A random VGG then gives saliency maps that
 * differ between two correct float32 implementations (PyTorch float32 vs float64: Pearson r ≈ 0.999);
 * with torchvision's initialisation they agree to r > 0.99999.
 */
import type { Graph, TensorValue } from '../../onnx/graph.js';
import { floatTensorValue } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { Random } from '../../tensor/random.js';

export interface VggStyleOptions {
  /** Image height and width (default 224). */
  size?: number;
  /** Input channels (default 3). */
  channels?: number;
  classes?: number;
  /** Output channels of each stage's convolutions; one stage per entry (default [16, 32, 64, 128, 128]). */
  widths?: readonly number[];
  /**
   * Convolutions per stage (one number for all stages, or one per stage). Default 2 everywhere, as
   * in VGG: a forward pass of 64 images at 224×224 then costs about 46 GMAC (≈ 1–2 s on one core).
   */
  convsPerStage?: number | readonly number[];
  /** 'torchvision' (default): VGG's own initialisation; 'pytorch': the per-layer default of the builder. */
  init?: 'torchvision' | 'pytorch';
  seed?: number;
}

export function vggStyle(options: VggStyleOptions = {}): Graph {
  const { size = 224, channels = 3, classes = 10, widths = [16, 32, 64, 128, 128], convsPerStage = 2, init = 'torchvision', seed = 0 } = options;
  if (widths.length === 0) throw new Error('vggStyle: widths needs at least one stage');
  const convs = typeof convsPerStage === 'number' ? widths.map(() => convsPerStage) : [...convsPerStage];
  if (convs.length !== widths.length) throw new Error(`vggStyle: convsPerStage has ${convs.length} entries for ${widths.length} stages`);
  if (convs.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('vggStyle: every stage needs at least one convolution');
  if (size < 2 ** widths.length) {
    throw new Error(`vggStyle: a ${size}×${size} image is too small for ${widths.length} 2×2 max-pools (needs ≥ ${2 ** widths.length})`);
  }

  const b = new ModelBuilder('vgg-style', seed);
  let x = b.input('input', [channels, size, size]);
  widths.forEach((width, s) => {
    for (let k = 1; k <= convs[s]; k++) {
      x = b.conv(x, `conv${s + 1}_${k}`, width, { kernel: 3, pad: 1 });
      x = b.relu(x, `relu${s + 1}_${k}`);
    }
    x = b.maxPool(x, `pool${s + 1}`, 2);
  });
  x = b.globalAveragePool(x, 'gap');
  x = b.flatten(x, 'flatten');
  x = b.linear(x, 'fc', classes);
  const graph = b.output(x);
  return init === 'torchvision' ? withTorchvisionInit(graph, seed) : graph;
}

/** torchvision.models.VGG._initialize_weights: kaiming_normal_(fan_out, relu) for Conv, N(0, 0.01) for Linear, zero biases. */
function withTorchvisionInit(graph: Graph, seed: number): Graph {
  const rng = new Random(seed);
  const initializers = new Map<string, TensorValue>();
  for (const [name, t] of graph.initializers) {
    const n = t.dims.reduce((a, d) => a * d, 1);
    const values = new Float32Array(n);
    if (name.endsWith('.weight')) {
      const std = t.dims.length === 4 ? Math.sqrt(2 / (t.dims[0] * t.dims[2] * t.dims[3])) : 0.01;
      for (let i = 0; i < n; i++) values[i] = rng.normal(0, std);
    }
    initializers.set(name, floatTensorValue(t.dims, values));
  }
  return { ...graph, initializers };
}
