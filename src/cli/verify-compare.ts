/**
 * How `trustscope verify` compares a folder's outputs with a re-run's: JSON field by field (numbers
 * within a tolerance, exact by default), .npy arrays element by element, HTML not at all (its footer
 * and timing lines hold wall times), anything else byte for byte. Fields that record wall time or the
 * provenance itself are not figures and are skipped.
 */
import { parseNpy } from '../data/formats/npy.js';

/** Keys whose values are clock readings, not results. */
export const TIME_KEYS: ReadonlySet<string> = new Set(['provenance', 'timings', 'seconds', 'elapsed', 'started', 'finished']);

export interface Difference {
  file: string;
  /** JSON path (`models[0].findings[2].evidence.ratio`), `[i]` for an array element, or '' for the file. */
  field: string;
  recorded: string;
  rerun: string;
}

export interface Comparison {
  differences: Difference[];
  /** Files compared (HTML excluded). */
  compared: string[];
  /** Files not compared, with why. */
  skipped: string[];
  /** Largest |recorded − rerun| over all numbers compared. */
  largestGap: number;
}

/** Equal within `tolerance` relative to the larger magnitude (absolute below 1); NaN equals NaN (JSON null too). */
export function numbersAgree(a: number, b: number, tolerance: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

class Collector {
  readonly differences: Difference[] = [];
  largestGap = 0;
  constructor(readonly tolerance: number) {}

  number(file: string, field: string, a: number, b: number): void {
    if (Number.isFinite(a) && Number.isFinite(b)) this.largestGap = Math.max(this.largestGap, Math.abs(a - b));
    if (!numbersAgree(a, b, this.tolerance)) this.differences.push({ file, field, recorded: String(a), rerun: String(b) });
  }

  json(file: string, field: string, a: unknown, b: unknown): void {
    if (typeof a === 'number' && typeof b === 'number') return this.number(file, field, a, b);
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) return void this.differences.push({ file, field, recorded: `${a.length} entries`, rerun: `${b.length} entries` });
      a.forEach((x, i) => this.json(file, `${field}[${i}]`, x, b[i]));
      return;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) {
        if (TIME_KEYS.has(k)) continue;
        this.json(file, field ? `${field}.${k}` : k, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
      }
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) this.differences.push({ file, field, recorded: show(a), rerun: show(b) });
  }

  npy(file: string, a: Uint8Array, b: Uint8Array): void {
    const x = parseNpy(a, file);
    const y = parseNpy(b, file);
    if (x.shape.join(',') !== y.shape.join(',')) return void this.differences.push({ file, field: 'shape', recorded: `[${x.shape.join(', ')}]`, rerun: `[${y.shape.join(', ')}]` });
    const before = this.differences.length;
    let first = -1;
    let count = 0;
    for (let i = 0; i < x.data.length; i++) {
      const p = Number(x.data[i]);
      const q = Number(y.data[i]);
      if (Number.isFinite(p) && Number.isFinite(q)) this.largestGap = Math.max(this.largestGap, Math.abs(p - q));
      if (!numbersAgree(p, q, this.tolerance)) {
        if (first < 0) first = i;
        count++;
      }
    }
    // One line per array: where it first differs and how many elements do.
    if (count > 0) this.differences.splice(before, 0, { file, field: `[${first}] (${count} of ${x.data.length} elements differ)`, recorded: String(x.data[first]), rerun: String(y.data[first]) });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Compares each recorded output with the re-run's file of the same name. `read(side, name)` returns
 * the bytes, or undefined when the file is missing.
 */
export async function compareOutputs(names: readonly string[], read: (side: 'recorded' | 'rerun', name: string) => Promise<Uint8Array | undefined>, tolerance = 0): Promise<Comparison> {
  const c = new Collector(tolerance);
  const compared: string[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    if (/\.html?$/i.test(name)) {
      skipped.push(`${name} (a page: its footer and timings hold wall times)`);
      continue;
    }
    const [a, b] = [await read('recorded', name), await read('rerun', name)];
    if (!a) {
      skipped.push(`${name} (missing from the folder)`);
      continue;
    }
    compared.push(name);
    if (!b) {
      c.differences.push({ file: name, field: '', recorded: 'present', rerun: 'not written' });
      continue;
    }
    if (/\.json$/i.test(name)) c.json(name, '', JSON.parse(new TextDecoder().decode(a)), JSON.parse(new TextDecoder().decode(b)));
    else if (/\.npy$/i.test(name)) c.npy(name, a, b);
    else if (!sameBytes(a, b)) c.differences.push({ file: name, field: '', recorded: `${a.length} bytes`, rerun: `${b.length} bytes, different content` });
  }
  return { differences: c.differences, compared, skipped, largestGap: c.largestGap };
}
