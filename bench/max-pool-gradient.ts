/**
 * Cost of the two exact MaxPool gradients for overlapping/padded windows (ResNet's 3×3/2 pad 1):
 * 'windows' (max-pool-windows.ts, any opset ≥ 10) and 'scatter' (ScatterElements reduction='add'
 * through MaxPool's Indices, opset ≥ 16). Times the input gradient of a whole ResNet-18 at 224²
 * and of the pool alone at ResNet's stem size, same opset-17 graph, only the rule switched.
 *
 *   /usr/bin/python3 bench/reference/export_resnet18.py /tmp/resnet18 17
 *   npm run build && node dist/bench/max-pool-gradient.js --model /tmp/resnet18-opset17.onnx [--batch 4] [--repeats 5] [--threads 2]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { attr, type Graph } from '../src/onnx/graph.js';
import { GraphEditor } from '../src/onnx/editor.js';
import { decodeModel } from '../src/onnx/proto.js';
import { buildGradientGraph } from '../src/onnx/autodiff/gradient.js';
import { maxPoolGradientForms } from '../src/onnx/autodiff/max-pool.js';
import { configureRuntime, createSession } from '../src/onnx/runtime.js';
import { relativeL2 } from '../src/tensor/compare.js';
import { Random } from '../src/tensor/random.js';
import { tensor, type Tensor } from '../src/tensor/tensor.js';
import { formatMs, median, table, timeRuns } from './stats.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, batch: { type: 'string', default: '4' }, repeats: { type: 'string', default: '5' }, threads: { type: 'string', default: '2' } } });
configureRuntime({ threads: Number(values.threads) });
const batch = Number(values.batch);
const repeats = Number(values.repeats);

function poolOnly(): Graph {
  const e = new GraphEditor('stem_pool', 17);
  const x = e.input('x', ['N', 64, 112, 112]);
  e.output(e.op('MaxPool', [e.op('Relu', [x])], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }));
  return e.build();
}

function random(shape: number[], seed: number): Tensor {
  const rng = new Random(seed);
  return tensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()));
}

async function timeGradient(graph: Graph, form: 'windows' | 'scatter', x: Tensor) {
  maxPoolGradientForms.overlapping = form;
  const g = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: [graph.inputs[0].name] });
  maxPoolGradientForms.overlapping = 'auto';
  const session = await createSession(g.graph);
  const outShape = [x.shape[0], ...(g.graph.inputs.find((i) => i.name === g.cotangents[0])!.shape!.slice(1) as number[])];
  const feeds = { [graph.inputs[0].name]: x, [g.cotangents[0]]: random(outShape, 2) };
  const { runs, last } = await timeRuns(() => session.run(feeds), 1, repeats);
  await session.release();
  return { ms: median(runs), grad: last[g.gradients[0]] };
}

const rows: string[][] = [];
const cases: [string, Graph, Tensor][] = [[`MaxPool 3×3/2 pad 1 alone, ${batch}×64×112×112`, poolOnly(), random([batch, 64, 112, 112], 1)]];
if (values.model) cases.push([`ResNet-18 input gradient, ${batch}×3×224×224`, decodeModel(readFileSync(values.model), values.model), random([batch, 3, 224, 224], 1)]);
for (const [label, graph, x] of cases) {
  const windows = await timeGradient(graph, 'windows', x);
  const scatter = await timeGradient(graph, 'scatter', x);
  rows.push([label, formatMs(windows.ms), formatMs(scatter.ms), (scatter.ms / windows.ms).toFixed(2), relativeL2(windows.grad.data, scatter.grad.data).toExponential(1)]);
}
console.log(`threads ${values.threads}, median of ${repeats} runs`);
console.log(table(['workload', 'windows (any opset)', 'scatter (opset ≥ 16)', 'scatter / windows', 'rel. L2 between them'], rows));
