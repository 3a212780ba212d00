/**
 * Einsum equations ('bhid,bhjd->bhij', '...ij,...jk', …) with the ellipsis expanded into letters
 * of their own, so that shape inference and the Einsum gradient work on plain index lists. Implicit
 * output (no '->') is the ONNX/numpy rule: every letter used exactly once, in alphabetical order,
 * after the ellipsis dimensions.
 */
export interface EinsumEquation {
  /** Index letters of each operand, ellipsis expanded (one letter per dimension). */
  readonly operands: readonly string[][];
  readonly output: readonly string[];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function parseEinsum(equation: string, ranks: readonly number[]): EinsumEquation {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->');
  const terms = lhs.split(',');
  if (terms.length !== ranks.length) throw new Error(`Einsum equation '${equation}' has ${terms.length} operands but the node has ${ranks.length} inputs`);
  for (const t of [...terms, rhs ?? '']) {
    if (!/^[A-Za-z]*(\.\.\.)?[A-Za-z]*$/.test(t)) throw new Error(`Einsum equation '${equation}': term '${t}' is not letters with at most one '...'`);
  }
  const used = new Set(eq.replace(/[^A-Za-z]/g, ''));
  const fresh = [...LETTERS].filter((l) => !used.has(l));
  // The ellipsis spans the most dimensions any operand gives it; operands with fewer take the last ones (broadcasting).
  const ellipsisRanks = terms.map((t, k) => (t.includes('...') ? ranks[k] - t.replace('...', '').length : 0));
  const ellipsisRank = Math.max(0, ...ellipsisRanks);
  if (ellipsisRank > fresh.length) throw new Error(`Einsum equation '${equation}': too many ellipsis dimensions`);
  const ellipsis = fresh.slice(0, ellipsisRank);
  const expand = (t: string, rank: number): string[] => {
    if (!t.includes('...')) return [...t];
    const [before, after] = t.split('...');
    return [...before, ...ellipsis.slice(ellipsisRank - rank), ...after];
  };
  const operands = terms.map((t, k) => {
    if (ellipsisRanks[k] < 0) throw new Error(`Einsum equation '${equation}': operand ${k} has rank ${ranks[k]}, fewer than its ${t.replace('...', '').length} letters`);
    const letters = expand(t, ellipsisRanks[k]);
    if (letters.length !== ranks[k]) throw new Error(`Einsum equation '${equation}': operand ${k} term '${t}' does not match its rank ${ranks[k]}`);
    return letters;
  });
  let output: string[];
  if (rhs !== undefined) {
    output = expand(rhs, ellipsisRank);
  } else {
    const count = new Map<string, number>();
    for (const t of terms) for (const l of t.replace('...', '')) count.set(l, (count.get(l) ?? 0) + 1);
    output = [...ellipsis, ...[...count].filter(([, n]) => n === 1).map(([l]) => l).sort()];
  }
  return { operands, output };
}

/** Size of each letter (−1 where only known at run time); size-1 ellipsis dimensions broadcast. */
export function einsumSizes(eq: EinsumEquation, shapes: readonly (readonly number[])[]): Map<string, number> {
  const sizes = new Map<string, number>();
  eq.operands.forEach((letters, k) => {
    letters.forEach((l, i) => {
      const d = shapes[k][i];
      const known = sizes.get(l);
      if (known === undefined || known === 1 || (known === -1 && d > 1)) sizes.set(l, d);
    });
  });
  return sizes;
}
