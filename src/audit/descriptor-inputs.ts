/**
 * What the descriptor checks explain the model with: the user's own per-image table
 * (`--descriptors table.csv`, rows = the audited images) or the built-in EM descriptors of the probe
 * images (the audited images unless a probe set is given), with the model's predictions on the same
 * rows; and the descriptors that must not drive the predictions (`--nuisance a,b`, default
 * corner_brightness). Shared by the descriptor check and the correlated-descriptors check so that
 * both explain the same rows.
 */
import { argmaxRows, tensor, type Tensor } from '../tensor/tensor.js';
import { extractDescriptors } from '../tabular/descriptors.js';
import type { AuditContext } from './check.js';

/** The built-in nuisance list: descriptors that carry no physics of the sample. */
export const DEFAULT_NUISANCE: readonly string[] = ['corner_brightness'];

export interface DescriptorInputs {
  readonly table: Tensor;
  readonly names: readonly string[];
  /** The model's class per row of `table`. */
  readonly predictions: readonly number[];
  /** "the built-in EM descriptors of 1000 probe images" / "the descriptor table t.csv". */
  readonly source: string;
  readonly nuisance: readonly string[];
}

/** The table, names, predictions and nuisance list, or the reason the descriptor checks cannot run. */
export async function descriptorInputs(context: AuditContext): Promise<DescriptorInputs | { notRun: string }> {
  const given = context.descriptorTable;
  let out: Omit<DescriptorInputs, 'nuisance'>;
  if (given) {
    const n = context.predicted.length;
    const rows = given.values.length / given.names.length;
    if (rows !== n) return { notRun: `the descriptor table ${given.source} has ${rows} rows but ${n} images are audited; give one row per image, in the same order.` };
    out = { table: tensor([n, given.names.length], Float32Array.from(given.values)), names: given.names, predictions: context.predicted, source: `the descriptor table ${given.source}` };
  } else {
    const probe = context.probe ?? context.data.images;
    if (probe.shape.length !== 4 || probe.shape[1] !== 1) return { notRun: 'the built-in EM descriptors are defined for single-channel images [N, 1, H, W]; give your own per-image table with --descriptors table.csv.' };
    let extracted: ReturnType<typeof extractDescriptors>;
    try {
      extracted = extractDescriptors(probe);
    } catch (e) {
      // Images the built-in descriptors cannot measure (too small): the other checks still run.
      return { notRun: `${(e as Error).message.replace(/^descriptors: /, 'the built-in EM descriptors: ')}; or give your own per-image table with --descriptors table.csv.` };
    }
    // Without a separate probe set the audited images are the probe: their predictions are already known.
    const predictions = context.probe ? argmaxRows(await context.model.forward(probe)) : context.predicted;
    out = { table: extracted.table, names: extracted.names, predictions, source: `the built-in EM descriptors of ${probe.shape[0]} ${context.probe ? 'probe' : 'audited'} images` };
  }
  const nuisance = context.nuisance ?? DEFAULT_NUISANCE.filter((name) => out.names.includes(name));
  const unknown = nuisance.filter((name) => !out.names.includes(name));
  if (unknown.length) return { notRun: `--nuisance names ${unknown.join(', ')}, which ${out.source} does not hold (its descriptors: ${out.names.join(', ')}).` };
  if (new Set(out.predictions).size < 2) return { notRun: 'the model predicts a single class on these rows; a surrogate needs at least two.' };
  return { ...out, nuisance };
}
