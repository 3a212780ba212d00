/**
 * Does each knob move only its own attribute? For every tile and every attribute j, G synthesises
 * the tile twice — attribute j at `low` and at `high`, the others at the tile's values — and two
 * independent instruments read all attributes off both syntheses: the critic C, and (on SEM tiles)
 * the physical measurement calibrated to attribute units. Row j of the sensitivity matrix is the
 * mean measured change of every attribute per unit of requested change in j: the identity for a
 * perfect generator. Its diagonal is the editing accuracy (1 = the edit shows in full; the fraction
 * of tiles where the change has the requested sign is reported beside it); a knob is flagged as
 * entangled when an off-diagonal entry exceeds half its diagonal, and as ineffective when its
 * diagonal is below 0.25.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { concatRows } from '../../tensor/tensor.js';
import type { Graph } from '../../onnx/graph.js';
import type { KnobForward } from './knob-pipeline.js';
import { onlyInput } from './knob-pipeline.js';
import { runGraphRows } from './run-batched.js';
import { sweepRows } from './sensitivity.js';

/** Reads attributes (in attribute units) off tiles [N, C, H, W]: rows of k values, NaN where unreadable. */
export type AttributeInstrument = (images: Tensor) => Promise<number[][]> | number[][];

export interface EditMatrix {
  /** matrix[j][i]: mean change of attribute i per unit of requested change in attribute j. */
  matrix: number[][];
  /** Per edited attribute, the fraction of tiles whose measured change has the requested sign. */
  signAgreement: number[];
  /** Per edited attribute: an off-diagonal entry above half the diagonal. */
  entangled: boolean[];
  /** Per edited attribute: the diagonal is below 0.25 (the edit barely shows). */
  ineffective: boolean[];
}

export interface EntanglementOptions {
  low?: number;
  high?: number;
}

export const ENTANGLED_RATIO = 0.5;
export const INEFFECTIVE_DIAGONAL = 0.25;

/** The critic as an instrument. */
export function criticInstrument(critic: Graph): AttributeInstrument {
  return async (images) => {
    const out = await runGraphRows(critic, { [onlyInput(critic, 'critic')]: images });
    const [n, k] = out.shape;
    return Array.from({ length: n }, (_, i) => Array.from(out.data.subarray(i * k, (i + 1) * k)));
  };
}

/** Tiles synthesised with attribute j at `low` then `high` for every tile: [low rows…, high rows…] per j. */
export async function editPairs(forward: KnobForward, z: Tensor, attributes: Tensor, j: number, low: number, high: number): Promise<{ low: Tensor; high: Tensor }> {
  const lo = await forward.run(z, sweepRows(attributes, j, [low]));
  const hi = await forward.run(z, sweepRows(attributes, j, [high]));
  return { low: lo.image, high: hi.image };
}

export async function editMatrix(forward: KnobForward, z: Tensor, attributes: Tensor, instrument: AttributeInstrument, options: EntanglementOptions = {}): Promise<EditMatrix> {
  const { low = 0.15, high = 0.85 } = options;
  const [n, k] = attributes.shape;
  const matrix: number[][] = [];
  const signAgreement: number[] = [];
  for (let j = 0; j < k; j++) {
    const pair = await editPairs(forward, z, attributes, j, low, high);
    const read = await instrument(concatRows([pair.low, pair.high]));
    const row: number[] = [];
    for (let i = 0; i < k; i++) {
      const changes = Array.from({ length: n }, (_, t) => (read[n + t][i] - read[t][i]) / (high - low)).filter(Number.isFinite);
      row.push(changes.length ? changes.reduce((a, b) => a + b, 0) / changes.length : NaN);
      if (i === j) signAgreement.push(changes.length ? changes.filter((c) => c > 0).length / changes.length : NaN);
    }
    matrix.push(row);
  }
  const entangled = matrix.map((row, j) => row.some((v, i) => i !== j && Math.abs(v) > ENTANGLED_RATIO * Math.abs(row[j])));
  const ineffective = matrix.map((row, j) => !(row[j] >= INEFFECTIVE_DIAGONAL));
  return { matrix, signAgreement, entangled, ineffective };
}
