/**
 * One workbench explanation, from dropped bytes to what the page shows and downloads: the model and
 * images are read as the CLI reads them, the method comes from the attribution registry with its
 * declared options (parsed and checked by the same declarations as `trustscope explain`'s flags),
 * and the maps are drawn by the report's own figure code (report/audit-figures.ts), so a map in the
 * browser looks exactly like one in the HTML report.
 *
 * Node-free: runs in the workbench's Web Worker on onnxruntime-web, and in Node (the tests) on
 * onnxruntime-node — which is how the browser test compares the two engines' numbers.
 */
import { getExplainer, explainers } from '../attribution/registry.js';
import type { Explainer } from '../attribution/explainer.js';
import { OptionError, parseOptionValue, defaultsOf, type OptionSpec } from '../options/option-spec.js';
import { parseNormalisation, describeNormalisation, type Normalisation } from '../data/normalise.js';
import { argmaxRows, softmaxRows, type Tensor } from '../tensor/tensor.js';
import type { OverlaysFigure } from '../audit/figure-data.js';
import { figureHtml } from '../report/audit-figures.js';
import { escapeHtml, formatNumber, htmlPage, paragraph, section, table } from '../report/html.js';
import { AUDIT_CSS } from '../report/audit-page.js';
import type { NamedBytes } from './dropped-files.js';
import { readImageBatch } from './image-batch.js';
import { encodeNpy } from '../data/formats/npy.js';
import { droppedModels } from './model-shelf.js';
import { countModelRows } from './row-counter.js';
import { withWorkbenchFooter, workbenchProvenance, type WorkbenchEnvironment, type WorkbenchProvenance } from './browser-provenance.js';

export interface ExplainRequest {
  readonly model: NamedBytes;
  readonly images: readonly NamedBytes[];
  readonly method: string;
  /** Option values as typed in the form, by option key; unset keys take the declared default. */
  readonly options?: Readonly<Record<string, string>>;
  /** 'none' | 'minmax' | 'zscore' | 'percentile:LO,HI' | 'scale:X' (as --normalise); default none. */
  readonly normalise?: string;
  /** Class (or output) to explain for every image; default: each image's predicted class. */
  readonly target?: number;
  readonly seed?: number;
  /** Rows per ONNX Runtime call (the model splits every batch a method builds). */
  readonly batchSize?: number;
}

export interface ExplainedImage {
  label: string;
  predicted: number;
  confidence: number;
  /** The class (or output) whose attribution is shown. */
  target: number;
}

export interface ExplainJson {
  method: string;
  options: Record<string, unknown>;
  normalise: string;
  images: ExplainedImage[];
  /** The maps, row-major, with their shape ([N, C, H, W], or [N, 1, H, W] for map methods). */
  attributions: { shape: number[]; values: number[] };
  /** Method extras that are plain numbers (IG's convergence delta…). */
  extras: Record<string, unknown>;
  provenance: WorkbenchProvenance;
}

export interface ExplainOutcome {
  readonly json: ExplainJson;
  /** The maps as float32 .npy, the file `trustscope explain` writes (attributions.npy). */
  readonly npy: Uint8Array;
  /** The figure and the predictions table, for the page. */
  readonly html: string;
  /** A self-contained report page (the same figure, its CSS, the provenance footer). */
  readonly reportHtml: string;
}

/** The options a form can offer for a method: every declared one except file-valued ones. */
export function formOptions(explainer: Explainer): readonly OptionSpec[] {
  return explainer.options.filter((o) => o.kind !== 'array-file');
}

/**
 * The method's options from the form's text, parsed and checked by its declarations. A boolean is
 * its command-line switch: 'true' means the switch is on (the flag given).
 */
export function parseMethodOptions(explainer: Explainer, typed: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const specs = formOptions(explainer);
  const unknown = Object.keys(typed).find((k) => !specs.some((s) => s.key === k));
  if (unknown !== undefined) throw new Error(`${explainer.name} has no option '${unknown}'; it takes ${specs.map((s) => s.key).join(', ') || 'none'}`);
  const values = defaultsOf(specs);
  for (const spec of specs) {
    const raw = typed[spec.key];
    if (raw === undefined || (raw.trim() === '' && spec.kind !== 'string')) continue;
    try {
      // A switch turns its default around, as its flag does on the command line (--signed: abs false).
      values[spec.key] = spec.kind === 'boolean' ? (raw === 'true' ? !spec.default : Boolean(spec.default)) : parseOptionValue({ ...spec, flag: spec.key }, raw);
    } catch (e) {
      throw new Error(e instanceof OptionError ? e.message : String(e));
    }
  }
  if (explainer.needs.layer && (values.layer === undefined || values.layer === '')) throw new Error(`${explainer.name} needs a layer (a conv or ReLU output): choose one`);
  return values;
}

function jsonSafe(extras: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extras ?? {})) {
    if (typeof v === 'number' || typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'number'))) out[k] = v;
  }
  return out;
}

/** Names of the methods, for the page's menu (the registry's order). */
export function methodNames(): string[] {
  return [...explainers.keys()];
}

export async function explainDropped(request: ExplainRequest, env: WorkbenchEnvironment, onStage: (stage: string) => void = () => undefined): Promise<ExplainOutcome> {
  const started = new Date();
  const explainer = getExplainer(request.method);
  const options = parseMethodOptions(explainer, request.options);
  const normalisation: Normalisation | undefined = request.normalise && request.normalise !== 'none' ? parseNormalisation(request.normalise) : undefined;
  const seed = request.seed ?? 0;
  onStage('loading the model');
  // The last model stays loaded between requests, sessions and all (model-shelf.ts).
  const lease = await droppedModels.lease(request.model, request.images[0], { internalBatchSize: request.batchSize ?? 16 });
  const model = lease.model;
  try {
    onStage('reading the images');
    const { batch, labels, calibration } = await readImageBatch(request.images, model.inputShape, normalisation);
    const n = batch.shape[0];
    if (request.target !== undefined && !(Number.isInteger(request.target) && request.target >= 0 && request.target < model.outputSize)) {
      throw new Error(`target ${request.target} is not an output of the model (0..${model.outputSize - 1})`);
    }
    onStage('predicting');
    const logits = await model.forward(batch);
    const probabilities = softmaxRows(logits);
    const predicted = argmaxRows(logits);
    const k = model.outputSize;
    const target = request.target !== undefined ? Array.from({ length: n }, () => request.target!) : predicted;
    onStage(`explaining with ${explainer.name}`);
    const rows = countModelRows(model, (r) => onStage(`explaining with ${explainer.name} · ${r.toLocaleString('en')} model rows`));
    const result = await explainer.attribute(model, batch, { ...options, seed, target }).finally(() => rows.stop());
    onStage(`explained with ${explainer.name} · ${rows().toLocaleString('en')} model rows`);
    onStage('drawing');
    const images: ExplainedImage[] = labels.map((label, i) => ({ label, predicted: predicted[i], confidence: probabilities.data[i * k + predicted[i]], target: target[i] }));
    const figure: OverlaysFigure = {
      kind: 'overlays',
      caption: `${explainer.name} for ${n} image(s): each image, then its map over it (${explainer.description})`,
      images: batch,
      maps: result.values,
      // No true labels here, so the prediction goes in the label (the report's details line would say "true …").
      labels: images.map((im) => `${im.label} · predicted ${im.predicted} (p = ${im.confidence.toFixed(2)}) · explained class ${im.target}`),
      values: { unit: `${explainer.name} of the class-${target.every((t) => t === target[0]) ? target[0] : 'k'} logit` },
    };
    const predictions = table(
      ['image', 'predicted class', 'confidence', 'explained class'],
      images.map((im) => [im.label, im.predicted, formatNumber(im.confidence, 3), im.target]),
      { caption: 'Confidence is the softmax of the model\'s outputs for the predicted class.' },
    );
    const body = `${await figureHtml(figure, calibration)}\n${predictions}`;
    const normaliseText = normalisation ? describeNormalisation(normalisation) : 'none';
    const provenance = await workbenchProvenance('workbench explain', request.model, request.images, { method: explainer.name, ...options, normalise: normaliseText }, seed, env, started);
    const json: ExplainJson = {
      method: explainer.name,
      options,
      normalise: normaliseText,
      images,
      attributions: { shape: [...result.values.shape], values: Array.from(result.values.data) },
      extras: jsonSafe(result.extras),
      provenance,
    };
    const page = htmlPage({
      title: `trustscope workbench: ${explainer.name} on ${request.model.name}`,
      body: [
        `<h1>${escapeHtml(explainer.name)} on ${escapeHtml(request.model.name)}</h1>`,
        paragraph(`${n} image(s), computed in the browser (nothing left the machine). Normalisation: ${normaliseText}; seed ${seed}.`, 'lead'),
        section('Maps', body),
      ].join('\n'),
      css: AUDIT_CSS,
    });
    return { json, npy: encodeNpy(result.values), html: body, reportHtml: withWorkbenchFooter(page, provenance) };
  } finally {
    await lease.release();
  }
}

/** The attribution values of an outcome as a tensor (tests compare engines with it). */
export function attributionTensor(json: ExplainJson): Tensor {
  return { shape: json.attributions.shape, data: Float32Array.from(json.attributions.values) };
}
