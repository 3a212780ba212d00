/** Timing and agreement statistics for the benchmark. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds taken by `f` (process.hrtime, monotonic, nanosecond resolution). */
export async function timeMs(f: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Warm-up: at least `runs` untimed calls, and more until WARMUP_MIN_MS has passed (at most
 * WARMUP_MAX_RUNS). One call was not enough for millisecond rows in a fresh process (row-worker.ts):
 * V8's tiering and ORT's arena were still settling, and a tiny-CNN row's three timed runs spread
 * 79–174 ms. bench/reference/timing.py warms PyTorch up by the same rule.
 */
export const WARMUP_MIN_MS = 500;
export const WARMUP_MAX_RUNS = 20;
export async function warmUp<T>(f: () => Promise<T>, runs: number): Promise<T | undefined> {
  let last: T | undefined;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < Math.max(runs, WARMUP_MAX_RUNS); i++) {
    if (i >= runs && (i >= WARMUP_MAX_RUNS || Number(process.hrtime.bigint() - t0) / 1e6 >= WARMUP_MIN_MS)) break;
    last = await f();
  }
  return last;
}

/** Warms `f` up (warmUp), then runs it `repeats` times timed; returns the timings and the last result. */
export async function timeRuns<T>(f: () => Promise<T>, warmup: number, repeats: number): Promise<{ runs: number[]; last: T }> {
  let last = await warmUp(f, warmup);
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    last = await f();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { runs, last: last as T };
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A plain-text table with a Markdown-compatible layout (pipes), columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A result with the process CPU time (user + system, every thread: ORT's included) and wall time it took. */
export interface Measured<T> {
  cpuMs: number;
  wallMs: number;
  value: T;
}

/** Runs `f` once and measures it: CPU time is what a loaded machine cannot inflate, wall time what a user waits. */
export async function measured<T>(f: () => T | Promise<T>): Promise<Measured<T>> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, value };
}
