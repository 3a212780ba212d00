/**
 * An analytic knobs pipeline (test/generative/knobs/explain-knobs.test.ts explains why): tiles are
 * 1×1×k images equal to their attributes, E = identity, G(z, A) = A, R(I) = w·I + b, C = flatten.
 */
import { GraphEditor } from '../../src/onnx/editor.js';
import { attr, floatTensorValue, type Graph } from '../../src/onnx/graph.js';
import { ATTRIBUTES, LATENT } from '../../src/generative/knobs/knob-networks.js';

export const K = 3;
export const W = [2, -1.5, 0];
export const B = 10;

function identityEncoder(): Graph {
  const e = new GraphEditor('toy-encoder');
  e.input('input', ['N', 1, 1, K]);
  e.nodes.push({ name: 'id', opType: 'Identity', domain: '', inputs: ['input'], outputs: [LATENT], attributes: {} });
  e.output(LATENT, ['N', 1, 1, K]);
  return e.build();
}

/** G(z, A) = A shaped as a tile (z enters multiplied by 0, so the graph takes it like a real decoder). */
function attributeDecoder(): Graph {
  const e = new GraphEditor('toy-decoder');
  e.input(LATENT, ['N', 1, 1, K]);
  e.input(ATTRIBUTES, ['N', K]);
  const shaped = e.op('Reshape', [ATTRIBUTES, e.constInt64([-1, 1, 1, K])], {}, 'shaped');
  const ignored = e.op('Mul', [LATENT, e.constFloat([0])], {}, 'ignored');
  const image = e.op('Add', [shaped, ignored], {}, 'image');
  e.output(image, ['N', 1, 1, K]);
  return e.build();
}

function linearRegressor(): Graph {
  const e = new GraphEditor('toy-regressor');
  e.input('input', ['N', 1, 1, K]);
  const flat = e.op('Flatten', ['input'], { axis: attr.int(1) }, 'flat');
  const w = e.initializer('w', floatTensorValue([K, 1], W));
  const b = e.initializer('b', floatTensorValue([1], [B]));
  const y = e.op('Gemm', [flat, w, b], {}, 'y');
  e.output(y, ['N', 1]);
  return e.build();
}

function flatCritic(): Graph {
  const e = new GraphEditor('toy-critic');
  e.input('input', ['N', 1, 1, K]);
  const y = e.op('Flatten', ['input'], { axis: attr.int(1) }, 'attributes_read');
  e.output(y, ['N', K]);
  return e.build();
}

export const toyKnobModels = { regressor: linearRegressor(), encoder: identityEncoder(), decoder: attributeDecoder(), critic: flatCritic() };
