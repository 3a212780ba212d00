/**
 * This process's peak resident set (VmHWM, Linux), and a way to start it afresh: writing 5 to
 * /proc/self/clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0), so a part of a longer run
 * can report its own peak. That peak still includes whatever the process held when it was reset;
 * a process of its own (our-side.ts) is the clean measurement.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** VmHWM in MB, or NaN where /proc is unavailable. */
export function peakRssMb(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** Resets VmHWM to the current RSS; false where the kernel does not allow it. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
