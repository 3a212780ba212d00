/**
 * A live count of the images the model has been run on, for the workbench's progress line while a
 * method works ("explaining with occlusion · 12 000 model rows"). Methods do not know their total
 * in advance in one common way (IG: steps × images; occlusion: windows; SHAP: coalitions), but every
 * one of them goes through the Model, the only batcher — so counting its rows shows that work is
 * advancing, and how fast, without touching any method.
 */
import type { OnnxModel } from '../models/model.js';

/**
 * Wraps forward, vjp and layerVjp of this model instance (not its class) to count rows; `report`
 * gets the running total at most every `everyMs` milliseconds. Returns a function giving the total.
 */
export function countModelRows(model: OnnxModel, report: (rows: number) => void, everyMs = 250): () => number {
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
  model.forward = (x) => (add(x.shape[0]), forward(x));
  model.vjp = (x, cotangent) => (add(x.shape[0]), vjp(x, cotangent));
  model.layerVjp = (x, layer, cotangent) => (add(x.shape[0]), layerVjp(x, layer, cotangent));
  return () => rows;
}
