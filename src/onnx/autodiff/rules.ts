/**
 * The VJP registry: op type → rule. One file per op family; adding an op is one line here. The
 * family list also names each rule's file, for README's op-coverage table (coverage-table.ts).
 */
import type { VjpRule } from './context.js';
import { activationRules } from './activations.js';
import { averagePoolRules } from './average-pool.js';
import { batchNormRules } from './batch-norm.js';
import { convRules } from './conv.js';
import { convTransposeRules } from './conv-transpose.js';
import { elementwiseRules } from './elementwise.js';
import { flattenRules } from './flatten.js';
import { gemmRules } from './gemm.js';
import { matmulRules } from './matmul.js';
import { maxPoolRules } from './max-pool.js';
import { padRules } from './pad.js';
import { reluRules } from './relu.js';
import { resizeRules } from './resize.js';
import { shapeOpRules } from './shape-ops.js';
import { softmaxRules } from './softmax.js';
import { layerNormRules } from './layer-norm.js';
import { mathRules } from './math.js';
import { reduceRules } from './reduce.js';
import { indexingRules } from './indexing.js';
import { broadcastOpRules } from './broadcast-ops.js';
import { selectionRules } from './selection.js';
import { instanceNormRules } from './instance-norm.js';
import { einsumRules } from './einsum.js';
import { depthToSpaceRules } from './depth-to-space.js';
import { castRules } from './cast.js';

export interface RuleFamily {
  /** The file under src/onnx/autodiff/ that holds the rules. */
  readonly file: string;
  readonly rules: Readonly<Record<string, VjpRule>>;
}

export const ruleFamilies: readonly RuleFamily[] = [
  { file: 'conv.ts', rules: convRules },
  { file: 'relu.ts', rules: reluRules },
  { file: 'max-pool.ts', rules: maxPoolRules },
  { file: 'gemm.ts', rules: gemmRules },
  { file: 'flatten.ts', rules: flattenRules },
  { file: 'activations.ts', rules: activationRules },
  { file: 'average-pool.ts', rules: averagePoolRules },
  { file: 'matmul.ts', rules: matmulRules },
  { file: 'elementwise.ts', rules: elementwiseRules },
  { file: 'shape-ops.ts', rules: shapeOpRules },
  { file: 'batch-norm.ts', rules: batchNormRules },
  { file: 'softmax.ts', rules: softmaxRules },
  { file: 'pad.ts', rules: padRules },
  { file: 'layer-norm.ts', rules: layerNormRules },
  { file: 'math.ts', rules: mathRules },
  { file: 'reduce.ts', rules: reduceRules },
  { file: 'indexing.ts', rules: indexingRules },
  { file: 'broadcast-ops.ts', rules: broadcastOpRules },
  { file: 'conv-transpose.ts', rules: convTransposeRules },
  { file: 'resize.ts', rules: resizeRules },
  { file: 'selection.ts', rules: selectionRules },
  { file: 'instance-norm.ts', rules: instanceNormRules },
  { file: 'einsum.ts', rules: einsumRules },
  { file: 'depth-to-space.ts', rules: depthToSpaceRules },
  { file: 'cast.ts', rules: castRules },
];

export const vjpRules: ReadonlyMap<string, VjpRule> = new Map(ruleFamilies.flatMap((f) => Object.entries(f.rules)));
