/**
 * Cast and the piecewise-constant ops.
 * - Cast to float32 (`x.float()` on a float32 tensor, common in exported forward passes) passes the
 *   gradient; a cast to an integer or boolean type cuts it, as in PyTorch (integer tensors carry
 *   no gradient). The rules work in float32 throughout, so a float64/float16 region has no
 *   gradient (its rules would mix types): that is refused with the fix.
 * - Floor, Ceil, Round and Sign are flat almost everywhere: their gradient is zero, PyTorch's too
 *   (derivatives.yaml: zeros_like(grad)). Returning no gradient makes everything upstream of them
 *   (through this path) receive none.
 */
import { DataType, intAttr } from '../graph.js';
import type { VjpRule } from './context.js';

const OTHER_FLOATS: ReadonlySet<number> = new Set([DataType.DOUBLE, 10 /* FLOAT16 */, 16 /* BFLOAT16 */]);

const cast: VjpRule = (ctx, [g]) => {
  if (!g || !ctx.needsGrad(0)) return [null];
  const to = intAttr(ctx.node, 'to', DataType.FLOAT);
  if (OTHER_FLOATS.has(to)) ctx.fail(`a cast to float type ${to} starts a region the float32 gradient rules cannot follow; export the model in float32 (model.float() before torch.onnx.export)`);
  return [to === DataType.FLOAT ? g : null];
};

const flat: VjpRule = (ctx) => ctx.node.inputs.map(() => null);

export const castRules: Record<string, VjpRule> = { Cast: cast, Floor: flat, Ceil: flat, Round: flat, Sign: flat };
