/**
 * Fluent builder for the model zoo: layers as ONNX nodes with seeded PyTorch-style initial weights.
 * Each layer's node is named after the layer (`conv1`, `fc1`…) and its output value is
 * `<layer>_out`, so layers can be addressed by name for Grad-CAM and randomisation.
 */
import { Random } from '../tensor/random.js';
import { attr, floatTensorValue, type Attribute, type Graph } from './graph.js';
import { GraphEditor } from './editor.js';

export interface ConvOptions {
  kernel: number;
  stride?: number;
  pad?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/**
 * PyTorch's default initialiser for Conv and Linear (kaiming_uniform with a = √5, which reduces to
 * U(−1/√fan_in, 1/√fan_in), and the same bound for the bias). The randomisation sanity check
 * re-draws layers with this same scheme.
 */
export function defaultInitialValues(shape: readonly number[], fanIn: number, rng: Random): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

/** Subtracts, column by column, the mean over the rows of a [rows, cols] matrix. */
function centreOverRows(data: Float32Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += data[i * cols + j] / rows;
    for (let i = 0; i < rows; i++) data[i * cols + j] -= mean;
  }
}

export class ModelBuilder {
  readonly editor: GraphEditor;
  private readonly rng: Random;
  private readonly shapes = new Map<string, number[]>();

  constructor(name: string, seed: number) {
    this.editor = new GraphEditor(name);
    this.rng = new Random(seed);
  }

  /** The model input with a dynamic batch dimension 'N'. */
  input(name: string, chw: readonly number[]): string {
    this.editor.input(name, ['N', ...chw]);
    this.shapes.set(name, [-1, ...chw]);
    return name;
  }

  shape(value: string): number[] {
    const s = this.shapes.get(value);
    if (!s) throw new Error(`builder: no shape recorded for '${value}'`);
    return s;
  }

  private layer(opType: string, name: string, inputs: string[], attributes: Parameters<GraphEditor['op']>[2], shape: number[]): string {
    const out = this.editor.node(opType, inputs, attributes, 1, name)[0];
    this.shapes.set(out, shape);
    return out;
  }

  private weight(name: string, shape: number[], fanIn: number): string {
    return this.editor.initializer(name, floatTensorValue(shape, defaultInitialValues(shape, fanIn, this.rng)));
  }

  conv(x: string, name: string, outChannels: number, o: ConvOptions): string {
    const [n, c, h, w] = this.shape(x);
    const { kernel: k, stride = 1, pad = 0, dilation = 1, groups = 1, bias = true } = o;
    const fanIn = (c / groups) * k * k;
    const inputs = [x, this.weight(`${name}.weight`, [outChannels, c / groups, k, k], fanIn)];
    if (bias) inputs.push(this.weight(`${name}.bias`, [outChannels], fanIn));
    const span = dilation * (k - 1) + 1;
    const oh = Math.floor((h + 2 * pad - span) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - span) / stride) + 1;
    return this.layer(
      'Conv',
      name,
      inputs,
      {
        kernel_shape: attr.ints([k, k]),
        strides: attr.ints([stride, stride]),
        pads: attr.ints([pad, pad, pad, pad]),
        dilations: attr.ints([dilation, dilation]),
        group: attr.int(groups),
      },
      [n, outChannels, oh, ow],
    );
  }

  relu(x: string, name: string): string {
    return this.layer('Relu', name, [x], {}, this.shape(x));
  }

  sigmoid(x: string, name: string): string {
    return this.layer('Sigmoid', name, [x], {}, this.shape(x));
  }

  /**
   * Transposed convolution (a decoder's learnt upsampler), weights [C_in, C_out, k, k] like
   * torch.nn.ConvTranspose2d and its initialiser (fan_in = C_out·k²).
   */
  convTranspose(x: string, name: string, outChannels: number, o: { kernel: number; stride?: number; pad?: number; outputPadding?: number }): string {
    const [n, c, h, w] = this.shape(x);
    const { kernel: k, stride = 1, pad = 0, outputPadding = 0 } = o;
    const fanIn = outChannels * k * k;
    const inputs = [x, this.weight(`${name}.weight`, [c, outChannels, k, k], fanIn), this.weight(`${name}.bias`, [outChannels], fanIn)];
    const size = (d: number) => stride * (d - 1) + outputPadding + k - 2 * pad;
    const attributes = { kernel_shape: attr.ints([k, k]), strides: attr.ints([stride, stride]), pads: attr.ints([pad, pad, pad, pad]), output_padding: attr.ints([outputPadding, outputPadding]) };
    return this.layer('ConvTranspose', name, inputs, attributes, [n, outChannels, size(h), size(w)]);
  }

  /** Spatial upsampling by an integer factor (Resize, nearest or bilinear with half-pixel centres). */
  upsample(x: string, name: string, factor: number, mode: 'nearest' | 'linear' = 'nearest'): string {
    const [n, c, h, w] = this.shape(x);
    const scales = this.editor.initializer(`${name}.scales`, floatTensorValue([4], [1, 1, factor, factor]));
    const attributes = { mode: attr.string(mode), coordinate_transformation_mode: attr.string(mode === 'nearest' ? 'asymmetric' : 'half_pixel'), nearest_mode: attr.string('floor') };
    return this.layer('Resize', name, [x, '', scales], attributes, [n, c, h * factor, w * factor]);
  }

  maxPool(x: string, name: string, kernel: number, stride = kernel): string {
    const [n, c, h, w] = this.shape(x);
    const oh = Math.floor((h - kernel) / stride) + 1;
    const ow = Math.floor((w - kernel) / stride) + 1;
    return this.layer('MaxPool', name, [x], { kernel_shape: attr.ints([kernel, kernel]), strides: attr.ints([stride, stride]) }, [n, c, oh, ow]);
  }

  globalAveragePool(x: string, name: string): string {
    const [n, c] = this.shape(x);
    return this.layer('GlobalAveragePool', name, [x], {}, [n, c, 1, 1]);
  }

  flatten(x: string, name: string): string {
    const [n, ...rest] = this.shape(x);
    return this.layer('Flatten', name, [x], { axis: attr.int(1) }, [n, rest.reduce((a, b) => a * b, 1)]);
  }

  /**
   * Fully connected layer as Gemm(x, Wᵀ) + b, with W stored [out, in] like torch.nn.Linear.
   * `centred` subtracts the mean over outputs from the initial weights and bias: for a softmax
   * classifier head that component never trains (cross-entropy's gradient sums to zero over
   * classes) and only adds a class-independent term to every logit, which muddies logit saliency.
   */
  linear(x: string, name: string, outFeatures: number, options: { centred?: boolean } = {}): string {
    const [n, inFeatures] = this.shape(x);
    const w = this.weight(`${name}.weight`, [outFeatures, inFeatures], inFeatures);
    const b = this.weight(`${name}.bias`, [outFeatures], inFeatures);
    if (options.centred) {
      centreOverRows(this.editor.initializers.get(w)!.data as Float32Array, outFeatures, inFeatures);
      centreOverRows(this.editor.initializers.get(b)!.data as Float32Array, outFeatures, 1);
    }
    return this.layer('Gemm', name, [x, w, b], { transB: attr.int(1) }, [n, outFeatures]);
  }

  /** Any other op as a named layer whose output shape the caller states (a transformer's plumbing). */
  op(opType: string, name: string, inputs: string[], shape: number[], attributes: Record<string, Attribute> = {}): string {
    return this.layer(opType, name, inputs, attributes, shape);
  }

  /** A learned tensor drawn from N(0, std²), as timm draws a ViT's CLS token and position embedding (std 0.02). */
  learned(name: string, shape: number[], std: number): string {
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => this.rng.normal(0, std));
    return this.editor.initializer(name, floatTensorValue(shape, values));
  }

  /** LayerNormalization over the last axis with torch.nn.LayerNorm's initial scale 1 and bias 0. */
  layerNorm(x: string, name: string, epsilon = 1e-5): string {
    const shape = this.shape(x);
    const d = shape[shape.length - 1];
    const scale = this.editor.initializer(`${name}.weight`, floatTensorValue([d], new Float32Array(d).fill(1)));
    const bias = this.editor.initializer(`${name}.bias`, floatTensorValue([d], new Float32Array(d)));
    return this.layer('LayerNormalization', name, [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(epsilon) }, shape);
  }

  /**
   * torch.nn.Linear on the last axis of a [N, …, in] tensor as torch exports it: MatMul with W stored
   * [in, out], then Add of the bias (node `<name>`, value `<name>_out`); PyTorch's initialiser.
   */
  dense(x: string, name: string, outFeatures: number): string {
    const shape = this.shape(x);
    const inFeatures = shape[shape.length - 1];
    const outShape = [...shape.slice(0, -1), outFeatures];
    const w = this.weight(`${name}.weight`, [inFeatures, outFeatures], inFeatures);
    const b = this.weight(`${name}.bias`, [outFeatures], inFeatures);
    const product = this.layer('MatMul', `${name}/MatMul`, [x, w], {}, outShape);
    return this.layer('Add', name, [product, b], {}, outShape);
  }

  output(value: string): Graph {
    const shape = this.shape(value).map((d) => (d < 0 ? 'N' : d));
    this.editor.output(value, shape);
    return this.editor.build();
  }
}
