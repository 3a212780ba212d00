/**
 * README's op-coverage table, generated from the rule registry (`node dist/src/onnx/autodiff/coverage-table.js`
 * prints it; test/onnx/autodiff/coverage-table.test.ts fails when README and the registry drift
 * apart). One row per op with a gradient rule: the file holding the rule and what to know about it.
 */
import { invokedDirectly } from '../../io/invoked-directly.js';
import { ruleFamilies, type RuleFamily } from './rules.js';

/** What a user needs to know about an op's rule beyond "it is differentiated". Keys must be registered ops. */
export const OP_NOTES: Readonly<Record<string, string>> = {
  Conv: 'groups, strides, pads, dilations, auto_pad; gradients w.r.t. input, weights and bias',
  ConvTranspose: 'groups, strides, pads, output_padding, dilations',
  Relu: 'gradient 0 at 0, as PyTorch; fused into a following MaxPool when nothing else reads it',
  MaxPool: 'the first maximum of each window (row-major) takes the gradient, as PyTorch; overlapping or padded windows: strided Slices placed by output phase below opset 16, ScatterElements(add) from 16; no gradient through Indices',
  GlobalMaxPool: 'first maximum of each plane',
  AveragePool: 'count_include_pad 0 and 1, ceil_mode',
  Clip: 'ReLU6; min/max as attributes or inputs; passes strictly inside the bounds',
  PRelu: 'slope gradient too',
  Reshape: 'target folded from Shape/Gather/Concat chains',
  Dropout: 'inference (identity)',
  Constant: 'no gradient',
  BatchNormalization: 'inference mode (running statistics)',
  Pad: 'constant, reflect and edge modes (Conv2d padding_mode reflect/replicate); pads constant or folded from the exporter\'s Slice/Transpose chain',
  DepthToSpace: 'DCR and CRD (nn.PixelShuffle)',
  LayerNormalization: 'opset 17; earlier opsets export ReduceMean/Sub/Pow/Sqrt/Div, each with its rule',
  ReduceMax: 'ties split evenly',
  ReduceMin: 'ties split evenly',
  Max: 'variadic, broadcasting; ties split evenly',
  Min: 'variadic, broadcasting; ties split evenly',
  GroupNormalization: 'opset 18/21; below 18 torch exports Reshape + InstanceNormalization',
  Resize: 'nearest, linear and cubic (torch bicubic), every coordinate transformation but tf_crop_and_resize, no antialias; scales/sizes constant or folded (F.interpolate(size=…) chains)',
  MatMul: 'batched, broadcasting, 1-D operands',
  Einsum: 'any equation without a repeated index in one operand (no diagonals); ellipsis, implicit output',
  Add: 'broadcasting',
  Sub: 'broadcasting',
  Mul: 'broadcasting',
  Div: 'broadcasting',
  Where: 'gradient to the two branches',
  Cast: 'to float32 passes the gradient, to integer/bool cuts it; float64/float16 regions are refused',
  Floor: 'zero gradient, as PyTorch',
  Ceil: 'zero gradient, as PyTorch',
  Sign: 'zero gradient, as PyTorch',
  ReduceL2: 'F.normalize; 0 where the norm is 0',
};

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function opCoverageTable(families: readonly RuleFamily[] = ruleFamilies): string {
  const rows = families.flatMap((f) => Object.keys(f.rules).map((op) => [op, f.file] as const)).sort(([a], [b]) => a.localeCompare(b));
  const lines = ['| op | rule (src/onnx/autodiff/) | notes |', '|---|---|---|'];
  for (const [op, file] of rows) lines.push(`| ${op} | \`${file}\` | ${escape(OP_NOTES[op] ?? '')} |`);
  return lines.join('\n');
}


if (invokedDirectly(import.meta.url)) console.log(opCoverageTable());
