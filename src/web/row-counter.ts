/**
 * A live count of the images the model has been run on, for the workbench's progress line while a
 * method works ("explaining with occlusion · 12 000 model rows"). Methods do not know their total
 * in advance in one common way (IG: steps × images; occlusion: windows; SHAP: coalitions), but every
 * one of them goes through the Model, the only batcher — so counting its rows shows that work is
 * advancing, and how fast, without touching any method.
 */
import type { OnnxModel } from '../models/model.js';

const COUNTED = ['forward', 'vjp', 'layerVjp', 'predictedVjp', 'predictedLayerVjp'] as const;

/**
 * Wraps forward, vjp and layerVjp (and their predicted-class forms) of this model instance (not its class) to count rows; `report`
 * gets the running total at most every `everyMs` milliseconds. Returns a function giving the total,
 * whose `stop()` unwraps them again (the workbench keeps a model for the next request: model-shelf.ts).
 */
export function countModelRows(model: OnnxModel, report: (rows: number) => void, everyMs = 250): (() => number) & { stop(): void } {
  const own = COUNTED.filter((k) => Object.prototype.hasOwnProperty.call(model, k));
  const before = { forward: model.forward, vjp: model.vjp, layerVjp: model.layerVjp, predictedVjp: model.predictedVjp, predictedLayerVjp: model.predictedLayerVjp };
  let rows = 0;
  let last = -Infinity;
  const add = (n: number) => {
    rows += n;
    const now = performance.now();
    if (now - last >= everyMs) {
      last = now;
      report(rows);
    }
  };
  const forward = model.forward.bind(model);
  const vjp = model.vjp.bind(model);
  const layerVjp = model.layerVjp.bind(model);
  const predictedVjp = model.predictedVjp.bind(model);
  const predictedLayerVjp = model.predictedLayerVjp.bind(model);
  model.forward = (x) => (add(x.shape[0]), forward(x));
  model.vjp = (x, cotangent) => (add(x.shape[0]), vjp(x, cotangent));
  model.layerVjp = (x, layer, cotangent) => (add(x.shape[0]), layerVjp(x, layer, cotangent));
  model.predictedVjp = (x) => (add(x.shape[0]), predictedVjp(x));
  model.predictedLayerVjp = (x, layer) => (add(x.shape[0]), predictedLayerVjp(x, layer));
  const stop = () => {
    for (const k of COUNTED) {
      if (own.includes(k)) Object.assign(model, { [k]: before[k] });
      else delete (model as unknown as Record<string, unknown>)[k];
    }
  };
  return Object.assign(() => rows, { stop });
}
