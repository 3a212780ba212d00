import { it } from 'vitest';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { weightsAsInputs } from '../../src/models/train.js';
import { attr } from '../../src/onnx/graph.js';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { OnnxModel } from '../../src/models/model.js';

it('explore', () => {
  const g = tinyCnn({ seed: 1 });
  const model = new OnnxModel(g);
  const w = weightsAsInputs(g);
  const lp = w.editor.op('LogSoftmax', [model.outputName], { axis: attr.int(1) }, 'lsm');
  const first = buildGradientGraph(w.editor.build(), { outputs: [lp], wrt: [model.inputName], keep: [lp] });
  console.log('first-order ops', [...new Set(first.graph.nodes.map((n) => n.opType))].join(' '));
  const e = GraphEditor.from(first.graph);
  const dx = first.gradients[0];
  const sq = e.op('Mul', [dx, dx]);
  const s = e.op('ReduceSum', [sq], { keepdims: attr.int(0) });
  try {
    const second = buildGradientGraph(e.build(), { outputs: [s], wrt: w.names, keep: [lp, s] });
    console.log('second ok', second.graph.nodes.length);
  } catch (err) { console.log('ERR', (err as Error).message); }
});
