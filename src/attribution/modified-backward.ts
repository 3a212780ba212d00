/** The model with replaced backward rules, or a one-line error when the model cannot provide it. */
import type { Model } from '../models/model.js';
import type { BackwardRules } from '../onnx/autodiff/backward-rules.js';

export function modelWithRules(model: Model, kind: BackwardRules, method: string): Model {
  if (typeof model.withBackwardRules !== 'function') {
    throw new Error(`${method} needs a model that can replace its backward rules (an OnnxModel); this model has no withBackwardRules()`);
  }
  return model.withBackwardRules(kind);
}
