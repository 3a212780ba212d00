/**
 * The knobs explanation of a property regressor R through an attribute-conditioned generator (E, G):
 * reconstruction, forward sensitivity per attribute (overall, per lot), counterfactual search
 * (Eq. 2), the edit matrix (entanglement, editing accuracy) by the critic C and by any other
 * instrument (the physical measurement on SEM tiles), and figure data for the report. Works on any
 * models that satisfy the contract (knob-pipeline.ts); the demo adds what only a synthetic scenario
 * can know — the true property function — as `truth`.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { takeRows, tensor } from '../../tensor/tensor.js';
import { checkKnobModels, encodeTiles, KnobForward, onlyInput, type KnobModels } from './knob-pipeline.js';
import { DEFAULT_GRID, forwardSensitivity, knownFunctionSlopes, mean, repeatRows, sweepRows } from './sensitivity.js';
import { COUNTERFACTUAL_DEFAULTS, counterfactualSearch, type CounterfactualOptions } from './counterfactual.js';
import { criticInstrument, editMatrix, type AttributeInstrument, type EditMatrix } from './entanglement.js';
import { perLotAttribution, type LotAttribution } from './per-lot.js';
import { runGraphRows } from './run-batched.js';

export interface KnobsInput {
  /** Tiles [N, C, H, W]. */
  images: Tensor;
  /** Their attributes [N, k] (lot labels, or any estimate). */
  attributes: Tensor;
  names: readonly string[];
  /** Lot (group) id per tile, for the per-lot table. */
  lots?: readonly number[];
}

export interface KnobsOptions extends Omit<CounterfactualOptions, 'onProgress'> {
  /** At most this many tiles get the counterfactual search (each searched up and down). */
  counterfactualTiles?: number;
  /** Tiles shown in the report (one per lot, lowest to highest prediction). */
  exampleTiles?: number;
  grid?: readonly number[];
  /** The true property as a function of the attributes (synthetic scenarios only). */
  truth?: (a: readonly number[]) => number;
  /** An independent instrument reading attributes off tiles (the physical measurement). */
  measurement?: AttributeInstrument;
  onProgress?: (stage: KnobsStage, fraction: number) => void;
}

export type KnobsStage = 'reconstruction' | 'sensitivity' | 'counterfactual' | 'entanglement';

export interface AttributeSensitivitySummary {
  /** Mean slope of the prediction per unit attribute (the knob's effect). */
  estimated: number;
  /** The same sweep through the true function (synthetic scenarios). */
  truth?: number;
  /** Mean prediction at each grid value. */
  curve: number[];
  /** R's slope on the true edits (tiles re-rendered with the attribute swept; synthetic scenarios). */
  rendered?: number;
  /** Fraction of tiles whose own slope has the sign of the mean. */
  consistency: number;
}

export interface KnobsExample {
  index: number;
  lot?: number;
  original: Tensor;
  reconstruction: Tensor;
  prediction: { original: number; reconstruction: number };
  /** Per attribute, the tiles synthesised along the grid. */
  sweep: Tensor[];
  counterfactual?: { up: { image: Tensor; deltas: number[]; prediction: number; target: number }; down: { image: Tensor; deltas: number[]; prediction: number; target: number } };
}

export interface KnobsResult {
  attributes: string[];
  tiles: number;
  generator: {
    /** Mean squared error per pixel of G(E(I), A) against I. */
    reconstructionError: number;
    /** Mean |R(I) − R(G(E(I), A))|: how far the reconstruction alone moves the prediction. */
    predictionShift: number;
    editingAccuracy: { byCritic?: EditingAccuracy; byMeasurement?: EditingAccuracy };
  };
  sensitivity: Record<string, AttributeSensitivitySummary>;
  grid: number[];
  counterfactual: {
    successRate: number;
    meanDeltas: { up: Record<string, number>; down: Record<string, number> };
    tiles: number;
    lambda: number;
    targetChange: number;
    tolerance: number;
    path: { up: number[]; down: number[] };
    /** Mean |final − target| / |target|. */
    meanRelativeError: number;
    /** Among tiles that reached p': the fraction whose physically measured change moves the true function the requested way. */
    measuredDirectionRate?: number;
  };
  entanglement: { byCritic?: EditMatrix; byMeasurement?: EditMatrix };
  perLot: LotAttribution[];
  examples: KnobsExample[];
}

export interface EditingAccuracy {
  /** Per attribute: the edit matrix's diagonal (1 = the requested change shows in full). */
  gain: Record<string, number>;
  /** Per attribute: fraction of tiles whose measured change has the requested sign. */
  signAgreement: Record<string, number>;
}

function byName(names: readonly string[], values: readonly number[]): Record<string, number> {
  return Object.fromEntries(names.map((n, j) => [n, values[j]]));
}

function accuracyOf(m: EditMatrix, names: readonly string[]): EditingAccuracy {
  return { gain: byName(names, m.matrix.map((r, j) => r[j])), signAgreement: byName(names, m.signAgreement) };
}

/** Evenly spread tile indices: up to `count`, taking tiles round-robin over lots. */
export function spreadTiles(n: number, count: number, lots?: readonly number[]): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  if (!lots) return Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
  const byLot = new Map<number, number[]>();
  lots.forEach((l, i) => byLot.set(l, [...(byLot.get(l) ?? []), i]));
  const queues = [...byLot.values()];
  const out: number[] = [];
  for (let r = 0; out.length < count; r++) for (const q of queues) if (r < q.length && out.length < count) out.push(q[r]);
  return out.sort((a, b) => a - b);
}

export async function explainKnobs(models: KnobModels, input: KnobsInput, options: KnobsOptions = {}): Promise<KnobsResult> {
  const { names, images, attributes, lots } = input;
  const k = names.length;
  if (attributes.shape[1] !== k) throw new Error(`${attributes.shape[1]} attribute values per tile but ${k} names; give one name per attribute`);
  if (attributes.shape[0] !== images.shape[0]) throw new Error(`${images.shape[0]} tiles but ${attributes.shape[0]} attribute rows; give one row per tile`);
  checkKnobModels(models, k);
  const n = images.shape[0];
  const grid = [...(options.grid ?? DEFAULT_GRID)];
  const progress = options.onProgress ?? (() => {});
  const forward = await KnobForward.create(models);
  try {
    progress('reconstruction', 0);
    const z = await encodeTiles(models.encoder, images);
    const recon = await forward.run(z, attributes);
    const direct = await runGraphRows(models.regressor, { [onlyInput(models.regressor, 'regressor')]: images });
    let sq = 0;
    for (let i = 0; i < images.data.length; i++) sq += (recon.image.data[i] - images.data[i]) ** 2;
    const predictionShift = mean(Array.from(direct.data, (p, i) => Math.abs(p - recon.prediction.data[i])));
    progress('reconstruction', 1);

    const sens = await forwardSensitivity(forward, z, attributes, { grid, onProgress: (f) => progress('sensitivity', f) });
    const trueSlopes = options.truth ? knownFunctionSlopes(options.truth, attributes, grid) : undefined;
    const sensitivity: Record<string, AttributeSensitivitySummary> = {};
    names.forEach((name, j) => {
      const s = sens.attributes[j];
      const estimated = mean(s.slopes);
      sensitivity[name] = { estimated, ...(trueSlopes ? { truth: mean(trueSlopes[j]) } : {}), curve: s.curve, consistency: s.slopes.filter((v) => Math.sign(v) === Math.sign(estimated)).length / n };
    });
    const rows = Array.from({ length: n }, (_, i) => Array.from(attributes.data.subarray(i * k, (i + 1) * k)));
    const perLot = perLotAttribution(sens.attributes.map((s) => s.slopes), rows, lots ?? new Array(n).fill(0), trueSlopes);

    // Counterfactuals: each chosen tile searched twice, towards a higher and a lower target.
    const chosen = spreadTiles(n, options.counterfactualTiles ?? 40, lots);
    const twice = chosen.flatMap((i) => [i, i]);
    const cf = await counterfactualSearch(models, takeRows(images, twice), takeRows(z, twice), takeRows(attributes, twice), { ...options, onProgress: (f) => progress('counterfactual', f) });
    let measuredDirectionRate: number | undefined;
    const cfImages = await forward.run(takeRows(z, twice), cf.found);
    if (options.measurement && options.truth) {
      const before = await options.measurement(takeRows(recon.image, twice));
      const after = await options.measurement(cfImages.image);
      const clamp = (r: number[]) => r.map((v) => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0.5)));
      const reachedRows = cf.reached.flatMap((ok, r) => (ok ? [r] : []));
      const agree = reachedRows.filter((r) => Math.sign(options.truth!(clamp(after[r])) - options.truth!(clamp(before[r]))) === cf.direction[r]);
      measuredDirectionRate = reachedRows.length ? agree.length / reachedRows.length : NaN;
    }

    progress('entanglement', 0);
    const edits = spreadTiles(n, options.counterfactualTiles ?? 40, lots);
    const zEdit = takeRows(z, edits);
    const aEdit = takeRows(attributes, edits);
    const byCritic = models.critic ? await editMatrix(forward, zEdit, aEdit, criticInstrument(models.critic)) : undefined;
    const byMeasurement = options.measurement ? await editMatrix(forward, zEdit, aEdit, options.measurement) : undefined;
    progress('entanglement', 1);

    // Examples: one tile per lot among the counterfactual tiles, ordered by prediction (low → high).
    const exampleCount = options.exampleTiles ?? 3;
    const firstOfLot = new Map<number, number>();
    chosen.forEach((i, c) => {
      const l = lots?.[i] ?? c;
      if (!firstOfLot.has(l)) firstOfLot.set(l, c);
    });
    const candidates = [...firstOfLot.values()].sort((a, b) => direct.data[chosen[a]] - direct.data[chosen[b]]);
    const picks = exampleCount >= candidates.length ? candidates : Array.from({ length: exampleCount }, (_, e) => candidates[Math.round((e * (candidates.length - 1)) / Math.max(1, exampleCount - 1))]);
    const examples: KnobsExample[] = [];
    const [c, h, w] = images.shape.slice(1);
    const tile = (t: Tensor, r: number) => tensor([c, h, w], t.data.slice(r * c * h * w, (r + 1) * c * h * w));
    for (const p of picks) {
      const i = chosen[p];
      const sweep: Tensor[] = [];
      for (let j = 0; j < k; j++) sweep.push((await forward.run(repeatRows(takeRows(z, [i]), grid.length), sweepRows(takeRows(attributes, [i]), j, grid))).image);
      const side = (r: number) => ({ image: tile(cfImages.image, r), deltas: Array.from({ length: k }, (_, j) => cf.found.data[r * k + j] - cf.start.data[r * k + j]), prediction: cf.final[r], target: cf.target[r] });
      examples.push({
        index: i,
        lot: lots?.[i],
        original: tile(images, i),
        reconstruction: tile(recon.image, i),
        prediction: { original: direct.data[i], reconstruction: recon.prediction.data[i] },
        sweep,
        counterfactual: { up: side(2 * p), down: side(2 * p + 1) },
      });
    }

    return {
      attributes: [...names],
      tiles: n,
      generator: {
        reconstructionError: sq / images.data.length,
        predictionShift,
        editingAccuracy: { ...(byCritic ? { byCritic: accuracyOf(byCritic, names) } : {}), ...(byMeasurement ? { byMeasurement: accuracyOf(byMeasurement, names) } : {}) },
      },
      sensitivity,
      grid,
      counterfactual: {
        successRate: cf.successRate,
        meanDeltas: { up: byName(names, cf.meanDeltas.up), down: byName(names, cf.meanDeltas.down) },
        tiles: chosen.length,
        lambda: options.lambda ?? COUNTERFACTUAL_DEFAULTS.lambda,
        targetChange: options.targetChange ?? COUNTERFACTUAL_DEFAULTS.targetChange,
        tolerance: options.tolerance ?? COUNTERFACTUAL_DEFAULTS.tolerance,
        path: cf.path,
        meanRelativeError: mean(cf.final.map((f, r) => Math.abs(f - cf.target[r]) / Math.abs(cf.target[r]))),
        ...(measuredDirectionRate !== undefined ? { measuredDirectionRate } : {}),
      },
      entanglement: { ...(byCritic ? { byCritic } : {}), ...(byMeasurement ? { byMeasurement } : {}) },
      perLot,
      examples,
    };
  } finally {
    await forward.release();
  }
}
