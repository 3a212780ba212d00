/**
 * The CIFAR-10 assignment's CNN (issue 14): six 3×3 convolutions in three stages of two, each stage
 * ending in a 2×2 max-pool, then three linear layers — the classic "6 conv + 3 linear" course
 * network, scaled to single-channel 32×32 or 64×64 micrographs and a 2-core budget.
 *
 * Layers are named like VGG's (`conv1_1`, `relu1_1`, `conv1_2`, …, `pool3`, `flatten`, `fc1`,
 * `relu_fc1`, `fc2`, `relu_fc2`, `fc3`), so `relu3_2_out` (the last convolutional features) is the
 * natural layer for TCAV and ICE. The flatten keeps position, as the assignment's network does.
 * Weights start as He et al. (2015) start a ReLU network (kaiming-normal, fan_in: N(0, 2/fan_in)),
 * biases at zero; the classifier head is then centred over classes (builder.linear's `centred`). Not
 * PyTorch's per-layer default U(±1/√fan_in): its variance is a sixth of He's, so over nine layers
 * the logits start ~10⁻³ of the input's scale and Adam stayed at chance (loss 2.303, accuracy 0.10)
 * for 12 epochs on the microstructure set (bench/explore-flow-study.ts, seed 1).
 */
import type { Graph, TensorValue } from '../../onnx/graph.js';
import { floatTensorValue } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { Random } from '../../tensor/random.js';

export interface CifarCnnOptions {
  /** Input channels (default 1). */
  channels?: number;
  /** Image height and width, a multiple of 8 (default 32; 64 works the same way). */
  size?: number;
  classes?: number;
  /** Channels of the first stage; the second has twice, the third four times as many (default 8). */
  width?: number;
  /** Widths of the two hidden linear layers (default [128, 64]). */
  hidden?: readonly [number, number];
  seed?: number;
}

export function cifarCnn(options: CifarCnnOptions = {}): Graph {
  const { channels = 1, size = 32, classes = 10, width = 8, hidden = [128, 64], seed = 0 } = options;
  if (!Number.isInteger(size) || size < 8 || size % 8 !== 0) throw new Error(`cifarCnn: size must be a multiple of 8 (three 2×2 pools); got ${size}`);
  const b = new ModelBuilder('cifar-cnn', seed);
  let x = b.input('input', [channels, size, size]);
  [width, 2 * width, 4 * width].forEach((w, s) => {
    for (let k = 1; k <= 2; k++) {
      x = b.conv(x, `conv${s + 1}_${k}`, w, { kernel: 3, pad: 1 });
      x = b.relu(x, `relu${s + 1}_${k}`);
    }
    x = b.maxPool(x, `pool${s + 1}`, 2);
  });
  x = b.flatten(x, 'flatten');
  x = b.relu(b.linear(x, 'fc1', hidden[0]), 'relu_fc1');
  x = b.relu(b.linear(x, 'fc2', hidden[1]), 'relu_fc2');
  x = b.linear(x, 'fc3', classes, { centred: true });
  return withHeInitialisation(b.output(x), seed);
}

/** Kaiming-normal (fan_in, ReLU gain √2) weights and zero biases; the head's weights centred over classes as the builder's were. */
function withHeInitialisation(graph: Graph, seed: number): Graph {
  const rng = Random.forKey(seed, 'he-initialisation');
  const initializers = new Map<string, TensorValue>();
  for (const [name, t] of graph.initializers) {
    const values = new Float32Array(t.dims.reduce((a, d) => a * d, 1));
    if (name.endsWith('.weight')) {
      const fanIn = t.dims.slice(1).reduce((a, d) => a * d, 1);
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < values.length; i++) values[i] = rng.normal(0, std);
      if (name === 'fc3.weight') centreColumns(values, t.dims[0], t.dims[1]);
    }
    initializers.set(name, floatTensorValue(t.dims, values));
  }
  return { ...graph, initializers };
}

/** Subtracts each column's mean over the rows (the classes): that component of the head never trains. */
function centreColumns(w: Float32Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += w[i * cols + j] / rows;
    for (let i = 0; i < rows; i++) w[i * cols + j] -= mean;
  }
}
