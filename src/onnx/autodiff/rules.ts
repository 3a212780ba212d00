/** The VJP registry: op type → rule. One file per op family; adding an op is one line here. */
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
import { spaceToDepthRules } from './space-to-depth.js';

export const vjpRules: ReadonlyMap<string, VjpRule> = new Map(
  Object.entries({
    ...convRules,
    ...reluRules,
    ...maxPoolRules,
    ...gemmRules,
    ...flattenRules,
    ...activationRules,
    ...averagePoolRules,
    ...matmulRules,
    ...elementwiseRules,
    ...shapeOpRules,
    ...batchNormRules,
    ...softmaxRules,
    ...padRules,
    ...layerNormRules,
    ...mathRules,
    ...reduceRules,
    ...indexingRules,
    ...broadcastOpRules,
    ...convTransposeRules,
    ...resizeRules,
    ...selectionRules,
    ...instanceNormRules,
    ...spaceToDepthRules,
  }),
);
