/**
 * The benchmark's main table: per row and thread count, trustscope against PyTorch as installed and
 * PyTorch with the tuned allocator (both ratios), the FLOPs of one run, the GFLOP/s each side
 * achieves on them and trustscope's share of this machine's measured peak, and each side's peak
 * resident set (each measured in a process of its own).
 */
import { formatMs, table } from './stats.js';

export interface ResultRow {
  label: string;
  threads: number;
  oursMs: number;
  /** trustscope's process CPU ms per run (median). */
  oursCpuMs?: number;
  oursPeakMb?: number;
  /** FLOPs of one run (flop-meter.ts); `effective` when incremental occlusion skipped part of them. */
  flops?: number;
  effective?: boolean;
  /** PyTorch with glibc malloc as it comes. */
  torchMs?: number;
  torchPeakMb?: number;
  /** PyTorch with MALLOC_MMAP_MAX_=0 (see torch-reference.ts). */
  tunedMs?: number;
  tunedPeakMb?: number;
  /** This machine's measured fp32 peak at this thread count, GFLOP/s (machine-peak.ts). */
  peakGflops?: number;
}

export const RESULT_HEADER = [
  'workload',
  'threads',
  'trustscope',
  'PyTorch',
  'ratio',
  'PyTorch, no-mmap malloc',
  'ratio',
  'GFLOP/run',
  'trustscope GFLOP/s',
  '% of peak',
  'PyTorch no-mmap GFLOP/s',
  'trustscope peak RSS',
  'PyTorch peak RSS (default / no-mmap)',
] as const;

const dash = '—';
const ms = (v?: number) => (v !== undefined ? formatMs(v) : dash);
const ratio = (theirs: number | undefined, ours: number) => (theirs !== undefined ? `${(theirs / ours).toFixed(2)}×` : dash);
const mb = (v?: number) => (v !== undefined && Number.isFinite(v) ? `${Math.round(v)} MB` : dash);

/** GFLOP/s of `flops` done in `ms` milliseconds. */
export function gflopsPerSecond(flops: number, ms: number): number {
  return flops / (ms / 1000) / 1e9;
}

function sig3(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** One line of cells per row, in RESULT_HEADER's order. */
export function resultCells(r: ResultRow): string[] {
  const mark = r.effective ? '*' : '';
  const flops = r.flops !== undefined && r.flops > 0 ? r.flops : undefined;
  const ours = flops !== undefined ? gflopsPerSecond(flops, r.oursMs) : undefined;
  const tuned = flops !== undefined && r.tunedMs !== undefined ? gflopsPerSecond(flops, r.tunedMs) : undefined;
  const ofPeak = ours !== undefined && r.peakGflops ? `${((100 * ours) / r.peakGflops).toFixed(0)}%${mark}` : dash;
  const torchRss = r.torchPeakMb !== undefined || r.tunedPeakMb !== undefined ? `${mb(r.torchPeakMb)} / ${mb(r.tunedPeakMb)}` : dash;
  return [
    r.label,
    `${r.threads}`,
    formatMs(r.oursMs),
    ms(r.torchMs),
    ratio(r.torchMs, r.oursMs),
    ms(r.tunedMs),
    ratio(r.tunedMs, r.oursMs),
    flops !== undefined ? `${sig3(flops / 1e9)}${mark}` : dash,
    ours !== undefined ? `${sig3(ours)}${mark}` : dash,
    ofPeak,
    tuned !== undefined ? sig3(tuned) : dash,
    mb(r.oursPeakMb),
    torchRss,
  ];
}

export function resultsTable(rows: readonly ResultRow[]): string {
  return table(RESULT_HEADER, rows.map(resultCells));
}

/** The notes printed under the table. */
export function resultNotes(rows: readonly ResultRow[]): string[] {
  const notes = [
    'ratio = PyTorch ms / trustscope ms (> 1: trustscope is faster). "no-mmap malloc": PyTorch run with',
    'MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1e12, so big tensors are reused instead of page-faulted in on every run.',
    'GFLOP/run: FLOPs of the graphs one run calls (src/onnx/flops.ts: 2 per multiply-add, forward and generated backward',
    'graphs, times the rows run); both sides are divided into the same count. % of peak: trustscope GFLOP/s over the',
    "machine's measured peak at that thread count. Peak RSS: each side's own process (VmHWM / ru_maxrss), interpreter included.",
  ];
  if (rows.some((r) => r.effective)) {
    notes.push('* incremental occlusion: the FLOPs are those of the full forward passes it replaces (it computes far fewer),');
    notes.push('  so its GFLOP/s and % of peak measure work saved, and can exceed 100%.');
  }
  return notes;
}
