/**
 * One workbench audit: dropped model, images and labels (and optionally region-of-interest masks) →
 * the audit's findings, drawn by the report's own page (report/audit-page.ts), and audit.json's
 * view of them with the run's provenance. The same checks as `trustscope audit`, in the same order,
 * with the same seed streams; checks whose inputs the workbench does not take (reference set,
 * groups, a suspected patch) report NOT RUN and say what they need, as on the command line.
 */
import { auditJson, auditModel, performanceLine } from '../audit/audit.js';
import { renderAuditPage } from '../report/audit-page.js';
import { parseNormalisation, describeNormalisation } from '../data/normalise.js';
import { reshape, shapeToString, tensor, type Tensor } from '../tensor/tensor.js';
import type { Dataset } from '../data/dataset.js';
import { readDroppedArray, type NamedBytes } from './dropped-files.js';
import { readImageBatch } from './image-batch.js';
import { droppedModels } from './model-shelf.js';
import { withWorkbenchFooter, workbenchProvenance, type WorkbenchEnvironment, type WorkbenchProvenance } from './browser-provenance.js';

export interface AuditRequest {
  readonly model: NamedBytes;
  readonly images: readonly NamedBytes[];
  /** One class id per image, in the images' order. */
  readonly labels: NamedBytes;
  /** Region-of-interest masks [N, H, W] (or one [H, W] for every image): 1 inside. */
  readonly roi?: NamedBytes;
  readonly normalise?: string;
  readonly seed?: number;
}

export interface AuditOutcome {
  readonly json: ReturnType<typeof auditJson> & { tool: string; seed: number; provenance: WorkbenchProvenance };
  readonly reportHtml: string;
}

async function readLabels(file: NamedBytes, n: number, classes: number): Promise<number[]> {
  const values = (await readDroppedArray(file)).values.data;
  if (values.length !== n) throw new Error(`${file.name} holds ${values.length} labels but there are ${n} images; give one class id per image, in the images' order`);
  const labels = Array.from(values);
  const bad = labels.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes);
  if (bad >= 0) throw new Error(`${file.name}: label ${labels[bad]} at index ${bad} is not a class id of the model (integers 0..${classes - 1})`);
  return labels;
}

/** Region masks from a dropped file: one (H, W) for every image, or (N, H, W) / (N, 1, H, W) one per image. */
export async function readRoi(file: NamedBytes, n: number, h: number, w: number): Promise<Tensor> {
  const m = (await readDroppedArray(file)).values;
  const s = m.shape;
  if (s.length === 2 && s[0] === h && s[1] === w) return tensor([n, h, w], Float32Array.from({ length: n * h * w }, (_, i) => m.data[i % (h * w)]));
  if (s.length === 3 && s[0] === n && s[1] === h && s[2] === w) return m;
  if (s.length === 4 && s[0] === n && s[1] === 1 && s[2] === h && s[3] === w) return reshape(m, [n, h, w]);
  throw new Error(`${file.name} has shape ${shapeToString(s)}; region masks are (${h}, ${w}) for every image or (${n}, ${h}, ${w}) one per image`);
}

export async function auditDropped(request: AuditRequest, env: WorkbenchEnvironment, onProgress: (stage: string, fraction?: number) => void = () => undefined): Promise<AuditOutcome> {
  const started = new Date();
  const seed = request.seed ?? 0;
  const normalisation = request.normalise && request.normalise !== 'none' ? parseNormalisation(request.normalise) : undefined;
  onProgress('loading the model');
  // The last model stays loaded between requests, sessions and all (model-shelf.ts).
  const lease = await droppedModels.lease(request.model, request.images[0], { internalBatchSize: 32 });
  const model = lease.model;
  try {
    onProgress('reading the images');
    const { batch, calibration } = await readImageBatch(request.images, model.inputShape, normalisation);
    const [n, , h, w] = batch.shape;
    const labels = await readLabels(request.labels, n, model.outputSize);
    const data: Dataset = { images: batch, labels, ...(request.roi ? { masks: { roi: await readRoi(request.roi, n, h, w) } } : {}) };
    const audit = await auditModel({ name: request.model.name, model, data }, { seed, onProgress: (stage, fraction) => onProgress(stage, fraction) });
    onProgress('drawing the report');
    const page = await renderAuditPage({
      title: `trustscope audit — ${request.model.name}`,
      subtitle: `${audit.images} images from ${request.images.length === 1 ? request.images[0].name : `${request.images.length} files`} · computed in the browser workbench`,
      models: [{ name: audit.name, description: `${audit.images} images audited · ${performanceLine(audit)}`, findings: audit.findings, ...(calibration ? { calibration } : {}) }],
    });
    const inputs = [...request.images, request.labels, ...(request.roi ? [request.roi] : [])];
    const options = { normalise: normalisation ? describeNormalisation(normalisation) : 'none' };
    const provenance = await workbenchProvenance('workbench audit', request.model, inputs, options, seed, env, started);
    return { json: { tool: 'trustscope workbench audit', seed, ...auditJson(audit), provenance }, reportHtml: withWorkbenchFooter(page, provenance) };
  } finally {
    await lease.release();
  }
}
