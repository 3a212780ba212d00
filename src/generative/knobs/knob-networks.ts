/**
 * The four small networks of the knobs scenario, built with the zoo's builder:
 * - R, the property regressor (tile → peak stress) and C, the attribute regressor (tile → the
 *   attributes; attGAN's classifier, regressing lot-level labels instead of classifying), share one
 *   shape: conv–ReLU–maxpool stages, global pooling (crystals may sit anywhere, so the statistics
 *   matter, not the positions; C adds each channel's spatial spread, see `pooling`), a hidden layer
 *   and a linear head;
 * - E, the encoder (tile → z, an 8×8 map), three stride-2 convolutions;
 * - G, the attribute-conditioned decoder (z, A → tile): A is broadcast to every position and
 *   concatenated to the feature map at 8×8 and again at 16×16 (attGAN injects it at the decoder's
 *   first layers; optionally at 32×32 too), two 2× upsamplings to 32×32, a 3×3 conv, and a last
 *   2× to the tile — by ConvTranspose 4×4/2 and a pixel shuffle (the first rounds'; they draw a
 *   checkerboard), or by nearest Resize + 3×3 conv each (`upsampling: 'resize-conv'`, the demo's
 *   since round 5; no checkerboard, but trained G's still draw a vertical stripe texture, see the
 *   README's knobs section).
 * E and G are separate graphs (E.onnx, G.onnx) so that a user can bring their own pair; `compose`
 * wires them (and R, C) together wherever a loss or an explanation needs the chain.
 */
import type { Graph } from '../../onnx/graph.js';
import { attr } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { GraphEditor } from '../../onnx/editor.js';

/** Names of the generator's inputs and the encoder's output, the contract of user-supplied pairs. */
export const LATENT = 'z';
export const ATTRIBUTES = 'attributes';

export interface PropertyNetOptions {
  size?: number;
  outputs: number;
  width?: number;
  hidden?: number;
  /**
   * 'mean': global average pooling; 'mean-std': the spatial standard deviation of every channel
   * beside its mean. A mean over the tile says how much of a feature there is, not how much it
   * varies: the spread of crystal sizes (polydispersity) or of face brightness (facetness) is a
   * second-order statistic that an average pool hides.
   */
  pooling?: 'mean' | 'mean-std';
  /** Conv–ReLU–maxpool stages (default 3), channels doubling per stage; a 4th sees whole large crystals. */
  stages?: number;
  seed: number;
  name?: string;
}

/** R or C: conv×3 → global pool → hidden → outputs. The last conv's ReLU is `relu3_out`, Grad-CAM's layer. */
export function propertyNet(options: PropertyNetOptions): Graph {
  const { size = 64, outputs, width = 8, hidden = 32, pooling = 'mean', stages = 3, seed, name = 'property-net' } = options;
  const b = new ModelBuilder(name, seed);
  let x = b.input('input', [1, size, size]);
  Array.from({ length: stages }, (_, i) => width * 2 ** i).forEach((c, i) => {
    x = b.relu(b.conv(x, `conv${i + 1}`, c, { kernel: 3, pad: 1 }), `relu${i + 1}`);
    x = b.maxPool(x, `pool${i + 1}`, 2);
  });
  x = b.flatten(pooling === 'mean' ? b.globalAveragePool(x, 'gap') : meanAndStdPool(b, x), 'flatten');
  x = b.relu(b.linear(x, 'fc1', hidden), 'relu4');
  return b.output(b.linear(x, 'fc2', outputs));
}

/** Floor under the pooled variance: keeps √ differentiable where a channel is constant (dead ReLU). */
const STD_POOL_EPSILON = 1e-4;

/**
 * [N, C, H, W] → [N, 2C, 1, 1]: per channel its spatial mean, then √(mean(x²) − mean(x)² + ε), with
 * ops the autodiff differentiates (GlobalAveragePool, Mul, Sub, Relu, Add, Sqrt, Concat); the Relu
 * clips the float rounding that can make the variance of a flat channel slightly negative.
 */
function meanAndStdPool(b: ModelBuilder, x: string): string {
  const [n, c] = b.shape(x);
  const pooled = [n, c, 1, 1];
  const mean = b.globalAveragePool(x, 'gap');
  const squares = b.op('Mul', 'squares', [x, x], b.shape(x));
  const meanSquare = b.globalAveragePool(squares, 'gap_squares');
  const variance = b.op('Sub', 'variance', [meanSquare, b.op('Mul', 'mean_squared', [mean, mean], pooled)], pooled);
  const floored = b.op('Add', 'variance_floored', [b.relu(variance, 'variance_clipped'), b.editor.constFloat([STD_POOL_EPSILON], [1])], pooled);
  const std = b.op('Sqrt', 'std_pool', [floored], pooled);
  return b.op('Concat', 'mean_std_pool', [mean, std], [n, 2 * c, 1, 1], { axis: attr.int(1) });
}

/** Grad-CAM's layer in propertyNet: the last convolution's ReLU, 16×16 for a 64×64 tile. */
export const PROPERTY_NET_CAM_LAYER = 'relu3_out';

/**
 * The graph with its output mapped back from standardised units: y ↦ y·scale + shift per output
 * (a regressor trained on z-scored targets then speaks MPa, and its gradients do too).
 */
export function withOutputScale(graph: Graph, scale: readonly number[], shift: readonly number[]): Graph {
  const editor = GraphEditor.from(graph);
  const out = graph.outputs[0];
  editor.outputs.length = 0;
  const k = scale.length;
  const scaled = editor.op('Mul', [out.name, editor.constFloat([...scale], [1, k])], {}, 'unstandardise_scale');
  const shifted = editor.op('Add', [scaled, editor.constFloat([...shift], [1, k])], {}, 'unstandardise');
  editor.output(shifted, ['N', k]);
  return editor.build();
}

export interface EncoderOptions {
  size?: number;
  width?: number;
  /** Channels of z (an (size/latentStride)² map each). */
  latent?: number;
  /** The tile's side over z's (default 8; see DecoderOptions.latentStride). */
  latentStride?: LatentStride;
  seed: number;
}

/**
 * z's map is the tile's side / 8 (default) or / 4. At /8 a 64×64 tile of SEM crystals goes through
 * 16 × 8 × 8 = 1024 numbers: the reconstructions lose every pin-prick hole and flat face (R then
 * reads them as weaker, lower-stress material than the real tiles). At /4 (16 × 16 × 16) the small
 * detail can pass; the encoder has one stride-2 convolution fewer and the decoder one doubling fewer.
 */
export type LatentStride = 4 | 8;

export function knobEncoder(options: EncoderOptions): Graph {
  const { size = 64, width = 16, latent = 16, latentStride = 8, seed } = options;
  const b = new ModelBuilder('knob-encoder', seed);
  let x = b.input('input', [1, size, size]);
  [width, 2 * width, 2 * width].slice(0, Math.log2(latentStride)).forEach((c, i) => {
    x = b.relu(b.conv(x, `enc${i + 1}`, c, { kernel: 4, stride: 2, pad: 1 }), `enc${i + 1}_relu`);
  });
  const z = b.conv(x, 'latent', latent, { kernel: 3, pad: 1 });
  const g = b.output(z);
  // The latent is named by the contract, whatever the builder called the value.
  return renameValue(g, z, LATENT);
}

export interface DecoderOptions {
  size?: number;
  width?: number;
  latent?: number;
  attributes: number;
  /**
   * Inject A a third time at half the tile's scale (32×32 for 64×64), before the last convolution:
   * fine detail — flat faces meeting at sharp lines, the outline of each small crystal — is drawn
   * there, and A injected only at 8×8 and 16×16 must survive two upsamplings to reach it. Default
   * false: tried on the demo (seed 1, together with a 4-stage critic) it made C's reading of the
   * edits stronger but not the physical measurement's, and the knob slope along facetness went the
   * wrong way (−8.1 MPa; +8.2 without both).
   */
  injectAtHalfScale?: boolean;
  /**
   * How G doubles the resolution. 'transpose' (the first rounds): ConvTranspose 4×4/2 twice, the
   * last 2× by a pixel shuffle — a 4×4 kernel at stride 2 covers the output unevenly and the four
   * sub-pixel kernels of a shuffle are independent, so both draw a 2-pixel checkerboard until
   * training balances them, which it did not (G's tiles showed a blocky grid). 'resize-conv':
   * each 2× is a nearest-neighbour Resize followed by a 3×3 convolution (every output pixel sees
   * the same kernel, so no grid can arise), the last one at full resolution straight to one channel
   * (as many multiply-adds as the shuffle's conv to 4 channels at half resolution). Nearest
   * upsampling still lets even and odd output pixels see different mixes of their sources, so
   * trained G's tiles show a milder vertical stripe (grid index 1.49 / 0.72, bench/knobs-generator-bias.ts);
   * 'resize-linear' is the same with a bilinear Resize (half-pixel centres), whose every output
   * pixel mixes its sources by the same rule up to mirror symmetry.
   */
  upsampling?: 'transpose' | 'resize-conv' | 'resize-linear';
  /**
   * The tile's side over z's (default 8, the first rounds'). At 4 the first stage runs at z's own
   * scale (a 3×3 convolution instead of a doubling), A still injected before it and at 16×16.
   */
  latentStride?: LatentStride;
  seed: number;
}

export function knobDecoder(options: DecoderOptions): Graph {
  const { size = 64, width = 16, latent = 16, attributes: k, injectAtHalfScale = false, upsampling = 'transpose', latentStride = 8, seed } = options;
  const b = new ModelBuilder('knob-decoder', seed);
  const s = size / latentStride;
  const z = b.input(LATENT, [latent, s, s]);
  const a = b.input(ATTRIBUTES, [k]);
  const column = b.op('Reshape', 'attributes_column', [a, b.editor.constInt64([0, k, 1, 1])], [-1, k, 1, 1]);
  // A broadcast over the map and appended as k more channels.
  const inject = (x: string, name: string): string => {
    const [, c, h, w] = b.shape(x);
    const tiled = b.op('Expand', `${name}_tiled`, [column, b.editor.constInt64([1, k, h, w])], [-1, k, h, w]);
    return b.op('Concat', name, [x, tiled], [-1, c + k, h, w], { axis: attr.int(1) });
  };
  const resizeConv = upsampling !== 'transpose';
  const double = (x: string, name: string, channels: number): string =>
    resizeConv
      ? b.conv(b.upsample(x, `${name}_up`, 2, upsampling === 'resize-linear' ? 'linear' : 'nearest'), name, channels, { kernel: 3, pad: 1 })
      : b.convTranspose(x, name, channels, { kernel: 4, stride: 2, pad: 1 });
  let x = inject(z, latentStride === 8 ? 'join8' : 'join_latent');
  x = b.relu(latentStride === 8 ? double(x, 'dec1', 2 * width) : b.conv(x, 'dec1', 2 * width, { kernel: 3, pad: 1 }), 'dec1_relu');
  x = inject(x, 'join16');
  x = b.relu(double(x, 'dec2', width), 'dec2_relu');
  if (injectAtHalfScale) x = inject(x, 'join32');
  x = b.relu(b.conv(x, 'dec3', width, { kernel: 3, pad: 1 }), 'dec3_relu');
  if (resizeConv) {
    x = double(x, 'dec_out', 1);
  } else {
    x = b.conv(x, 'dec_out', 4, { kernel: 3, pad: 1 });
    const [n, , h, w] = b.shape(x);
    x = b.op('DepthToSpace', 'pixel_shuffle', [x], [n, 1, 2 * h, 2 * w], { blocksize: attr.int(2), mode: attr.string('CRD') });
  }
  x = b.sigmoid(x, 'image');
  return b.output(x);
}

function renameValue(graph: Graph, from: string, to: string): Graph {
  const r = (v: string) => (v === from ? to : v);
  return {
    ...graph,
    nodes: graph.nodes.map((n) => ({ ...n, inputs: n.inputs.map(r), outputs: n.outputs.map(r) })),
    outputs: graph.outputs.map((o) => ({ ...o, name: r(o.name) })),
  };
}
