/** Method names → explainers. A new method is one file and one line here. */
import type { Explainer } from './explainer.js';
import { occlusion } from './occlusion.js';
import { saliency } from './saliency.js';

export const explainers: ReadonlyMap<string, Explainer> = new Map<string, Explainer>([
  [saliency.name, saliency as Explainer],
  [occlusion.name, occlusion as Explainer],
]);

export function getExplainer(name: string): Explainer {
  const e = explainers.get(name);
  if (!e) throw new Error(`unknown method '${name}'; available: ${[...explainers.keys()].join(', ')}`);
  return e;
}
