/**
 * ConvTranspose: gradients w.r.t. input, weights and bias.
 *
 * Y = ConvTranspose(X, W) is, by definition, the adjoint of the Conv Z = Conv(Y', W) with the same
 * weights, strides, pads, dilations and groups: ⟨Conv(A, W), X⟩ = ⟨A, ConvTranspose(X, W)⟩. So
 *  - dL/dX = Conv(g, W): a plain convolution of the output gradient (output_padding only appends
 *    rows that no input element reaches, and the Conv's floor division drops them again);
 *  - dL/dW is the weight gradient of that Conv, with the ConvTranspose's output gradient g as the
 *    Conv's input and X as the Conv's output gradient — conv.ts's weight-gradient forms apply as is.
 */
import { attr, intAttr, intsAttr, stringAttr } from '../graph.js';
import type { VjpRule } from './context.js';
import type { ConvGeometry } from './conv.js';
import { convWeightGradient } from './conv.js';

const convTranspose: VjpRule = (ctx, [g]) => {
  if (!g) return [];
  const node = ctx.node;
  const [x, w] = node.inputs;
  const xShape = ctx.shape(x);
  const wShape = ctx.shape(w);
  const yShape = ctx.shape(node.outputs[0]);
  if (xShape.slice(2).some((d) => d < 0) || yShape.slice(2).some((d) => d < 0)) ctx.fail('spatial sizes must be static');
  // auto_pad and output_shape derive the pads from a target size, and runtimes have disagreed on
  // where an odd padding goes; explicit pads are unambiguous (torch.onnx.export writes those).
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' || intsAttr(node, 'output_shape')) {
    ctx.fail(`auto_pad='${autoPad}' / output_shape is not supported; give explicit pads and output_padding instead`);
  }
  const kernel = [...(intsAttr(node, 'kernel_shape') ?? wShape.slice(2))];
  const r = kernel.length;
  const geo: ConvGeometry = {
    kernel,
    strides: [...(intsAttr(node, 'strides') ?? kernel.map(() => 1))],
    dilations: [...(intsAttr(node, 'dilations') ?? kernel.map(() => 1))],
    pads: [...(intsAttr(node, 'pads') ?? new Array<number>(2 * r).fill(0))],
    group: intAttr(node, 'group', 1),
  };
  const gx = ctx.needsGrad(0)
    ? ctx.op('Conv', [g, w], {
        kernel_shape: attr.ints(geo.kernel),
        strides: attr.ints(geo.strides),
        dilations: attr.ints(geo.dilations),
        pads: attr.ints(geo.pads),
        group: attr.int(geo.group),
      })
    : null;
  const gw = ctx.needsGrad(1) ? convWeightGradient(ctx, x, g, yShape, wShape, geo) : null;
  const gb = ctx.needsGrad(2) ? ctx.reduceSum(g, [0, ...kernel.map((_, i) => i + 2)], false) : null;
  return [gx, gw, gb];
};

export const convTransposeRules: Record<string, VjpRule> = { ConvTranspose: convTranspose };
