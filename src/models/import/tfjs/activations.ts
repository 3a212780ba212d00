/**
 * Keras / TF.js activations (by their serialised names) as ONNX ops that have gradient rules in
 * onnx/autodiff. Definitions are TF.js's (tfjs-layers activations.ts): hard_sigmoid is
 * clip(0.2·x + 0.5, 0, 1), selu uses TF's constants, gelu is the exact erf form.
 */
import { attr } from '../../../onnx/graph.js';
import type { TfValue, TfWriter } from './layout.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Clip(x, low, high) with opset-11+ bound inputs ('' = unbounded). */
export function clip(writer: TfWriter, x: string, low: number | undefined, high: number | undefined, hint: string): string {
  const bound = (v: number | undefined) => (v === undefined ? '' : writer.editor.constFloat([v]));
  const inputs = [x, bound(low), bound(high)];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  return writer.op('Clip', inputs, {}, hint);
}

/** Softmax over a TF axis (default the last). */
export function softmax(writer: TfWriter, x: TfValue, axis: number, hint: string): TfValue {
  return { ...x, name: writer.op('Softmax', [x.name], { axis: attr.int(writer.storedAxis(x, axis, hint)) }, hint) };
}

/**
 * Applies a named activation; 'linear' (or none) returns x unchanged. `hint` names the final node,
 * so the layer's output value carries the layer's name.
 */
export function activation(writer: TfWriter, x: TfValue, name: string | undefined, hint: string, where: string): TfValue {
  const k = (name ?? 'linear').toLowerCase();
  const unary = (op: string, attributes = {}) => ({ ...x, name: writer.op(op, [x.name], attributes, hint) });
  switch (k) {
    case 'linear':
      return x;
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return { ...x, name: clip(writer, x.name, 0, 6, hint) };
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'elu':
      return unary('Elu', { alpha: attr.float(1) });
    case 'selu': {
      const e = writer.op('Elu', [x.name], { alpha: attr.float(SELU_ALPHA) }, `${hint}_elu`);
      return { ...x, name: writer.op('Mul', [e, writer.editor.constFloat([SELU_SCALE])], {}, hint) };
    }
    case 'softplus':
      return unary('Softplus');
    case 'softsign': {
      const d = writer.op('Add', [writer.op('Abs', [x.name], {}, `${hint}_abs`), writer.editor.constFloat([1])], {}, `${hint}_den`);
      return { ...x, name: writer.op('Div', [x.name, d], {}, hint) };
    }
    case 'hard_sigmoid':
    case 'hardsigmoid':
      return unary('HardSigmoid', { alpha: attr.float(0.2), beta: attr.float(0.5) });
    case 'swish':
    case 'silu':
      return { ...x, name: writer.op('Mul', [x.name, writer.op('Sigmoid', [x.name], {}, `${hint}_sigmoid`)], {}, hint) };
    case 'gelu': {
      const scaled = writer.op('Mul', [x.name, writer.editor.constFloat([Math.SQRT1_2])], {}, `${hint}_scaled`);
      const erf1 = writer.op('Add', [writer.op('Erf', [scaled], {}, `${hint}_erf`), writer.editor.constFloat([1])], {}, `${hint}_erf1`);
      const half = writer.op('Mul', [x.name, writer.editor.constFloat([0.5])], {}, `${hint}_half`);
      return { ...x, name: writer.op('Mul', [half, erf1], {}, hint) };
    }
    case 'softmax':
      return softmax(writer, x, -1, hint);
    default:
      throw new Error(`${where}: activation '${name}' is not supported (supported: linear, relu, relu6, sigmoid, tanh, elu, selu, softplus, softsign, hard_sigmoid, swish, gelu, softmax)`);
  }
}
