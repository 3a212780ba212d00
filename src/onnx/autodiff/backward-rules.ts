/**
 * Named sets of replaced backward rules: what turns the gradient graph into guided backprop's or
 * DeepLIFT's. 'gradient' is the ordinary VJP. Each set lists only the op types it changes.
 */
import type { VjpRule } from './context.js';
import { deepLiftRules } from './deeplift-rules.js';
import { guidedBackpropRules } from './guided-relu.js';

export const BACKWARD_RULES = ['gradient', 'guided-backprop', 'deeplift'] as const;
export type BackwardRules = (typeof BACKWARD_RULES)[number];

export function ruleOverrides(kind: BackwardRules): ReadonlyMap<string, VjpRule> | undefined {
  switch (kind) {
    case 'gradient':
      return undefined;
    case 'guided-backprop':
      return new Map(Object.entries(guidedBackpropRules));
    case 'deeplift':
      return new Map(Object.entries(deepLiftRules));
    default:
      throw new Error(`unknown backward rules '${String(kind)}'; use one of ${BACKWARD_RULES.join(', ')}`);
  }
}

/**
 * Rows that belong together in one ONNX Runtime call: DeepLIFT's rules read input/baseline pairs
 * (rows 2i and 2i + 1), so batches must be split at even row counts.
 */
export function rowsPerGroup(kind: BackwardRules): number {
  return kind === 'deeplift' ? 2 : 1;
}
