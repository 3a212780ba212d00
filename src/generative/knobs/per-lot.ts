/**
 * Per-lot attribution: which attribute drives each lot's prediction away from the average lot. The
 * forward sensitivity gives the lot's slope along each knob (mean over its tiles); times how far
 * the lot's attribute sits from the mean over lots, that is the knob's first-order share of the
 * lot's deviation (gradient × (input − baseline), with the average lot as the baseline). The driver
 * is the attribute with the largest share in magnitude. With known true slopes (the demo) the same
 * shares are computed from them, and the drivers compared.
 */
export interface LotAttribution {
  lot: number;
  tiles: number;
  /** The lot's attributes (mean over its tiles). */
  attributes: number[];
  /** Per attribute: slope × (attribute − mean over lots). */
  contributions: number[];
  driver: number;
  /** From the true slopes, where known. */
  trueContributions?: number[];
  trueDriver?: number;
}

function argmaxAbs(v: readonly number[]): number {
  let best = 0;
  v.forEach((x, i) => {
    if (Math.abs(x) > Math.abs(v[best])) best = i;
  });
  return best;
}

/**
 * `slopes[j][t]`: tile t's slope along attribute j; `attributes[t]`: tile t's attributes;
 * `lots[t]`: its lot; `trueSlopes` like `slopes`, optional.
 */
export function perLotAttribution(slopes: readonly (readonly number[])[], attributes: readonly (readonly number[])[], lots: readonly number[], trueSlopes?: readonly (readonly number[])[]): LotAttribution[] {
  const k = slopes.length;
  const ids = [...new Set(lots)].sort((a, b) => a - b);
  const tilesOf = new Map(ids.map((l) => [l, lots.flatMap((x, t) => (x === l ? [t] : []))]));
  const avg = (rows: readonly number[]) => rows.reduce((a, b) => a + b, 0) / rows.length;
  const lotAttributes = new Map(ids.map((l) => [l, Array.from({ length: k }, (_, j) => avg(tilesOf.get(l)!.map((t) => attributes[t][j])))]));
  const centre = Array.from({ length: k }, (_, j) => avg(ids.map((l) => lotAttributes.get(l)![j])));
  return ids.map((lot) => {
    const tiles = tilesOf.get(lot)!;
    const a = lotAttributes.get(lot)!;
    const share = (s: readonly (readonly number[])[]) => Array.from({ length: k }, (_, j) => avg(tiles.map((t) => s[j][t])) * (a[j] - centre[j]));
    const contributions = share(slopes);
    const out: LotAttribution = { lot, tiles: tiles.length, attributes: a, contributions, driver: argmaxAbs(contributions) };
    if (trueSlopes) {
      out.trueContributions = share(trueSlopes);
      out.trueDriver = argmaxAbs(out.trueContributions);
    }
    return out;
  });
}
