/**
 * One workbench evaluation: is the explanation real? The method's maps on the dropped images are
 * scored by the metrics of the evaluate registry (randomisation, faithfulness, robustness, …; the
 * ones needing a region mask when masks are given), exactly as `trustscope evaluate` does, and drawn
 * by its own page (report/evaluation-page.ts).
 */
import { getExplainer } from '../attribution/registry.js';
import type { Explainer } from '../attribution/explainer.js';
import { evaluateExplanations, evaluationJson, METRIC_NAMES, type EvaluateOptions, type MetricName } from '../evaluate/evaluate.js';
import { getMetric } from '../evaluate/registry.js';
import { unmetNeed } from '../evaluate/metric.js';
import { renderEvaluationPage } from '../report/evaluation-page.js';
import { parseNormalisation, describeNormalisation } from '../data/normalise.js';
import type { NamedBytes } from './dropped-files.js';
import { readImageBatch } from './image-batch.js';
import { droppedModels } from './model-shelf.js';
import { parseMethodOptions } from './explain-session.js';
import { readRoi } from './audit-session.js';
import { withWorkbenchFooter, workbenchProvenance, type WorkbenchEnvironment, type WorkbenchProvenance } from './browser-provenance.js';

/** Images whose randomised maps the page shows (the CLI's --examples default). */
const EXAMPLES = 3;

export interface EvaluateRequest {
  readonly model: NamedBytes;
  readonly images: readonly NamedBytes[];
  readonly method: string;
  readonly options?: Readonly<Record<string, string>>;
  /** Metric names; default: the registry's default set, less those whose inputs are missing. */
  readonly metrics?: readonly string[];
  /** Region masks (the localisation metrics need them). */
  readonly roi?: NamedBytes;
  readonly normalise?: string;
  readonly target?: number;
  readonly seed?: number;
}

export interface EvaluateOutcome {
  readonly json: { tool: string; seed: number; provenance: WorkbenchProvenance; [key: string]: unknown };
  readonly reportHtml: string;
}

/** The metrics a form offers, with what they need (the page greys out mask metrics without masks). */
export function metricChoices(): { name: MetricName; description: string; byDefault: boolean; needsMask: boolean }[] {
  return METRIC_NAMES.map((name) => {
    const m = getMetric(name);
    return { name, description: m.description, byDefault: m.runByDefault === true, needsMask: m.needs.includes('mask') };
  });
}

/** The metrics that can judge this method's maps (completeness: only methods with a baseline). */
export function metricsFor(explainer: Explainer): MetricName[] {
  return METRIC_NAMES.filter((name) => getMetric(name).supports?.(explainer) ?? true);
}

export async function evaluateDropped(request: EvaluateRequest, env: WorkbenchEnvironment, onProgress: (stage: string, fraction?: number) => void = () => undefined): Promise<EvaluateOutcome> {
  const started = new Date();
  const seed = request.seed ?? 0;
  const explainer = getExplainer(request.method);
  const explain = parseMethodOptions(explainer, request.options);
  const chosen = request.metrics?.length ? [...new Set(request.metrics.map((m) => getMetric(m).name))] : undefined;
  const normalisation = request.normalise && request.normalise !== 'none' ? parseNormalisation(request.normalise) : undefined;
  onProgress('loading the model');
  // The last model stays loaded between requests, sessions and all (model-shelf.ts).
  const lease = await droppedModels.lease(request.model, request.images[0], { internalBatchSize: 32 });
  const model = lease.model;
  try {
    onProgress('reading the images');
    const { batch, calibration } = await readImageBatch(request.images, model.inputShape, normalisation);
    const [n, , h, w] = batch.shape;
    const mask = request.roi ? await readRoi(request.roi, n, h, w) : undefined;
    if (request.target !== undefined && !(Number.isInteger(request.target) && request.target >= 0 && request.target < model.outputSize)) {
      throw new Error(`target ${request.target} is not an output of the model (0..${model.outputSize - 1})`);
    }
    // Named metrics must have what they need; the default set leaves such a metric out (as the CLI does).
    const metrics = (chosen ?? METRIC_NAMES.filter((m) => getMetric(m).runByDefault)).filter((name) => {
      const why = unmetNeed(getMetric(name), { inputs: batch, mask });
      if (why && chosen) throw new Error(why.replace('(CLI: --roi ROI.npy)', '(add region masks)'));
      return why === undefined;
    });
    const metricOptions = (metrics.includes('randomisation') ? { randomisation: { keepMaps: EXAMPLES } } : {}) as EvaluateOptions['metricOptions'];
    const result = await evaluateExplanations(model, explainer, batch, {
      metrics,
      ...(mask ? { mask } : {}),
      ...(request.target !== undefined ? { target: request.target } : {}),
      seed,
      explain,
      metricOptions,
      onProgress: (stage, fraction) => onProgress(stage, fraction),
    });
    onProgress('drawing the report');
    const page = await renderEvaluationPage({ result, inputs: batch, modelName: request.model.name, examples: EXAMPLES, ...(calibration ? { calibration } : {}) });
    const options = { method: explainer.name, ...explain, metrics: metrics.join(','), normalise: normalisation ? describeNormalisation(normalisation) : 'none' };
    const provenance = await workbenchProvenance('workbench evaluate', request.model, [...request.images, ...(request.roi ? [request.roi] : [])], options, seed, env, started);
    return { json: { tool: 'trustscope workbench evaluate', seed, ...(evaluationJson(result) as Record<string, unknown>), provenance }, reportHtml: withWorkbenchFooter(page, provenance) };
  } finally {
    await lease.release();
  }
}
