/**
 * TF.js graph models (tfjs-converter GraphDef JSON), written by hand here and executed by TF.js's own
 * tf.loadGraphModel for the reference: forward equals TF.js's execute and the input gradient equals
 * tf.grad through it (NHWC ↔ NCHW transposed); unsupported ops fail in one line naming the node.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTfjsModel } from '../../../src/models/import/tfjs-model.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { tempDir, uniformValues } from '../../helpers/models.js';
import { nhwcToNchw, tfjs } from './tfjs-reference.js';

const dir = tempDir();
afterAll(async () => (await dir).cleanup());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (v: number[]) => ({ list: { i: v.map(String) } });
const strs = (v: string[]) => ({ list: { s: v.map(b64) } });
const str = (s: string) => ({ s: b64(s) });
const FLOAT = { type: 'DT_FLOAT' };

interface NodeDef { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }

/** A GraphDef under construction: nodes plus the Const values that go into the weights shard. */
class GraphDefBuilder {
  readonly nodes: NodeDef[] = [];
  readonly weights: { name: string; shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }[] = [];
  private readonly rng: Random;
  constructor(seed: number) {
    this.rng = new Random(seed);
  }
  placeholder(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: FLOAT, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } } });
    return name;
  }
  random(name: string, shape: number[], low = -0.5, high = 0.5): string {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.floats(name, shape, Float32Array.from({ length: n }, () => this.rng.uniform(low, high)));
  }
  floats(name: string, shape: number[], data: Float32Array): string {
    this.nodes.push({ name, op: 'Const', attr: { dtype: FLOAT, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } });
    this.weights.push({ name, shape, dtype: 'float32', data });
    return name;
  }
  int32(name: string, shape: number[], values: number[]): string {
    this.nodes.push({ name, op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } });
    this.weights.push({ name, shape, dtype: 'int32', data: Int32Array.from(values) });
    return name;
  }
  op(name: string, op: string, input: string[], attr: Record<string, unknown> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: FLOAT, ...attr } });
    return name;
  }
  artifacts() {
    const bytes = new Uint8Array(this.weights.reduce((a, w) => a + w.data.byteLength, 0));
    let at = 0;
    for (const w of this.weights) {
      bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), at);
      at += w.data.byteLength;
    }
    const weightSpecs = this.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype }));
    return { modelTopology: { node: this.nodes, library: {}, versions: { producer: 1 } }, weightSpecs, weightData: bytes.buffer, format: 'graph-model' };
  }
}

async function save(g: GraphDefBuilder, name: string): Promise<string> {
  const folder = (await dir).path(name);
  await mkdir(folder, { recursive: true });
  const a = g.artifacts();
  await writeFile(join(folder, 'group1-shard1of1.bin'), new Uint8Array(a.weightData));
  const file = join(folder, 'model.json');
  await writeFile(file, JSON.stringify({ format: 'graph-model', generatedBy: 'test', convertedBy: 'hand', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] }));
  return file;
}

function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

async function compare(g: GraphDefBuilder, name: string, input: string, output: string, nhwc: number[]): Promise<void> {
  const tf = await tfjs();
  const reference = await tf.loadGraphModel(tf.io.fromMemory(g.artifacts() as never));
  const file = await save(g, name);
  const ours = await loadTfjsModel(file);
  try {
    const x = uniformValues(nhwc.reduce((a, b) => a * b, 1), 3, -1, 1);
    const k = ours.outputSize;
    const cot = uniformValues(nhwc[0] * k, 4, -1, 1);
    const run = (v: import('@tensorflow/tfjs').Tensor) => reference.execute({ [input]: v }, output) as import('@tensorflow/tfjs').Tensor;
    const xt = tf.tensor(x, nhwc);
    const want = (await run(xt).data()) as Float32Array;
    const grad = (await tf.grad((v: import('@tensorflow/tfjs').Tensor) => tf.sum(tf.mul(run(v), tf.tensor(cot, [nhwc[0], k]))))(xt).data()) as Float32Array;
    const { output: y, inputGrad } = await ours.vjp(tensor([nhwc[0], nhwc[3], nhwc[1], nhwc[2]], nhwcToNchw(x, nhwc)), tensor([nhwc[0], k], cot));
    const scale = Math.max(...Array.from(want, Math.abs));
    expect(Math.max(...Array.from(want, (v, i) => Math.abs(y.data[i] - v))) / scale, `${name}: forward`).toBeLessThan(1e-5);
    expect(relativeL2(inputGrad.data, nhwcToNchw(grad, nhwc)), `${name}: input gradient`).toBeLessThan(1e-4);
  } finally {
    await ours.dispose();
  }
}

describe('TF.js graph models → ONNX', () => {
  it('fused conv / depthwise (BiasAdd + Relu6/Relu), FusedBatchNormV3, pools, bias and broadcast arithmetic, Pad, Mean, fused and transposed MatMul, Softmax', async () => {
    const g = new GraphDefBuilder(1);
    const x = g.placeholder('x', [-1, 9, 9, 3]);
    const c1 = g.op('c1', '_FusedConv2D', [x, g.random('w1', [3, 3, 3, 4]), g.random('b1', [4])], { strides: ints([1, 2, 2, 1]), padding: str('SAME'), data_format: str('NHWC'), dilations: ints([1, 1, 1, 1]), fused_ops: strs(['BiasAdd', 'Relu6']), num_args: { i: '1' }, epsilon: { f: 0 } });
    const c2 = g.op('c2', 'FusedDepthwiseConv2dNative', [c1, g.random('dw', [3, 3, 4, 2]), g.random('db', [8])], { strides: ints([1, 1, 1, 1]), padding: str('SAME'), data_format: str('NHWC'), dilations: ints([1, 1, 1, 1]), fused_ops: strs(['BiasAdd', 'Relu']), num_args: { i: '1' } });
    const bn = g.op('bn', 'FusedBatchNormV3', [c2, g.random('s', [8], 0.5, 1.5), g.random('o', [8]), g.random('m', [8]), g.random('v', [8], 0.5, 1.5)], { epsilon: { f: 0.001 }, data_format: str('NHWC'), is_training: { b: false } });
    const mp = g.op('mp', 'MaxPool', [bn], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 1, 1, 1]), padding: str('VALID'), data_format: str('NHWC') });
    const c3 = g.op('c3', 'Conv2D', [mp, g.random('w3', [1, 1, 8, 6])], { strides: ints([1, 1, 1, 1]), padding: str('VALID'), data_format: str('NHWC'), dilations: ints([1, 1, 1, 1]) });
    const biased = g.op('bias', 'BiasAdd', [c3, g.random('b3', [6])], { data_format: str('NHWC') });
    const added = g.op('add', 'AddV2', [biased, g.random('k6', [6])]);
    const mul = g.op('mul', 'Mul', [added, g.floats('half', [], Float32Array.of(0.5))]);
    const sub = g.op('sub', 'Sub', [mul, g.random('k1116', [1, 1, 1, 6])]);
    const th = g.op('tanh', 'Tanh', [sub]);
    const padded = g.op('pad', 'Pad', [th, g.int32('pads', [4, 2], [0, 0, 1, 0, 0, 1, 0, 0])], { Tpaddings: { type: 'DT_INT32' } });
    const ap = g.op('ap', 'AvgPool', [padded], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: str('VALID'), data_format: str('NHWC') });
    const mean = g.op('mean', 'Mean', [ap, g.int32('axes', [2], [1, 2])], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
    const fm = g.op('fm', '_FusedMatMul', [mean, g.random('fw', [6, 5]), g.random('fb', [5])], { transpose_a: { b: false }, transpose_b: { b: false }, fused_ops: strs(['BiasAdd', 'Relu']), num_args: { i: '1' }, epsilon: { f: 0 } });
    const mm = g.op('mm', 'MatMul', [fm, g.random('w2', [3, 5])], { transpose_a: { b: false }, transpose_b: { b: true } });
    const div = g.op('div', 'RealDiv', [mm, g.random('d3', [3], 1, 2)]);
    const sm = g.op('sm', 'Softmax', [div]);
    g.op('out', 'Identity', [sm]);
    await compare(g, 'graph-cnn', x, 'out', [2, 9, 9, 3]);
  });

  it('explicit padding, ConcatV2, Mean keep_dims + Squeeze, Transpose, Reshape to and from images, LeakyRelu, Elu, Maximum, Sigmoid', async () => {
    const g = new GraphDefBuilder(2);
    const x = g.placeholder('x', [-1, 6, 5, 2]);
    const conv = (name: string, input: string, kernel: number[], padding: Record<string, unknown>) =>
      g.op(name, 'Conv2D', [input, g.random(`${name}.w`, kernel)], { strides: ints([1, 1, 1, 1]), data_format: str('NHWC'), dilations: ints([1, 1, 1, 1]), ...padding });
    const a = g.op('a', 'Relu', [conv('ca', x, [2, 2, 2, 3], { padding: str('EXPLICIT'), explicit_paddings: ints([0, 0, 1, 0, 0, 1, 0, 0]) })]);
    const b = g.op('b', 'Elu', [conv('cb', x, [1, 1, 2, 2], { padding: str('VALID') })]);
    const cat = g.op('cat', 'ConcatV2', [a, b, g.int32('axis', [], [3])], { N: { i: '2' }, Tidx: { type: 'DT_INT32' } });
    const meanKeep = g.op('mk', 'Mean', [cat, g.int32('ax2', [1], [2])], { keep_dims: { b: true }, Tidx: { type: 'DT_INT32' } });
    const sq = g.op('sq', 'Squeeze', [meanKeep], { squeeze_dims: ints([2]) });
    const tr = g.op('tr', 'Transpose', [sq, g.int32('perm', [3], [0, 2, 1])], { Tperm: { type: 'DT_INT32' } });
    const flat = g.op('flat', 'Reshape', [tr, g.int32('s30', [2], [-1, 30])], { Tshape: { type: 'DT_INT32' } });
    const h1 = g.op('h1', 'LeakyRelu', [g.op('h1a', 'Add', [g.op('h1m', 'MatMul', [flat, g.random('m1', [30, 4])], { transpose_a: { b: false }, transpose_b: { b: false } }), g.random('h1b', [4])])], { alpha: { f: 0.1 } });
    const img = g.op('img', 'Reshape', [cat, g.int32('s4', [4], [-1, 10, 3, 5])], { Tshape: { type: 'DT_INT32' } });
    const c2 = conv('c2', img, [1, 1, 5, 2], { padding: str('SAME') });
    const flat2 = g.op('flat2', 'Reshape', [c2, g.int32('s60', [2], [-1, 60])], { Tshape: { type: 'DT_INT32' } });
    const h2 = g.op('h2', 'MatMul', [flat2, g.random('m2', [60, 4])], { transpose_a: { b: false }, transpose_b: { b: false } });
    const both = g.op('both', 'Maximum', [g.op('sum', 'AddV2', [h1, h2]), g.random('floor', [4])]);
    g.op('out', 'Sigmoid', [both]);
    await compare(g, 'graph-layout', x, 'out', [2, 6, 5, 2]);
  });

  it('an op trustscope cannot convert is one line naming the op and the node', async () => {
    const g = new GraphDefBuilder(3);
    const x = g.placeholder('x', [-1, 4, 4, 1]);
    g.op('weird', 'Cumsum', [x, g.int32('ax', [], [1])]);
    const file = await save(g, 'graph-bad');
    await expect(loadTfjsModel(file)).rejects.toThrow(`${file}: node 'weird' (Cumsum): op 'Cumsum' is not supported`);
  });
});
