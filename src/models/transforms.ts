/** Graph rewrites that change what a model outputs without touching its weights. */
import type { Graph } from '../onnx/graph.js';
import { attr } from '../onnx/graph.js';
import { GraphEditor } from '../onnx/editor.js';

/**
 * The same model answering with class probabilities instead of logits: occlusion then measures
 * the drop in *confidence*, as the lecture's notebook does.
 */
export function withSoftmax(graph: Graph): Graph {
  const editor = GraphEditor.from(graph);
  const [out] = editor.outputs.splice(0, editor.outputs.length);
  const probs = editor.op('Softmax', [out.name], { axis: attr.int(1) }, 'probabilities');
  editor.output(probs, out.shape, out.dataType);
  return editor.build();
}
