/**
 * Fluent builder for the model zoo: layers as ONNX nodes with seeded PyTorch-style initial weights.
 * Each layer's node is named after the layer (`conv1`, `fc1`…) and its output value is
 * `<layer>_out`, so layers can be addressed by name for Grad-CAM and randomisation.
 */
import { Random } from '../tensor/random.js';
import { attr, floatTensorValue, type Graph } from './graph.js';
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

  output(value: string): Graph {
    const shape = this.shape(value).map((d) => (d < 0 ? 'N' : d));
    this.editor.output(value, shape);
    return this.editor.build();
  }
}
