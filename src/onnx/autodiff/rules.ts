/** The VJP registry: op type → rule. One file per op family; adding an op is one line here. */
import type { VjpRule } from './context.js';
import { convRules } from './conv.js';
import { flattenRules } from './flatten.js';
import { gemmRules } from './gemm.js';
import { maxPoolRules } from './max-pool.js';
import { reluRules } from './relu.js';

export const vjpRules: ReadonlyMap<string, VjpRule> = new Map(
  Object.entries({
    ...convRules,
    ...reluRules,
    ...maxPoolRules,
    ...gemmRules,
    ...flattenRules,
  }),
);
