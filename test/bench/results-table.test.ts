import { describe, expect, it } from 'vitest';
import { RESULT_HEADER, gflopsPerSecond, resultCells, resultNotes, resultsTable } from '../../bench/results-table.js';

describe('benchmark results table', () => {
  const row = {
    label: 'VGG-style IG 50 steps, 1 img',
    threads: 2,
    oursMs: 1500,
    torchMs: 3000,
    tunedMs: 1200,
    flops: 60e9,
    peakGflops: 80,
    oursPeakMb: 812.4,
    torchPeakMb: 1500.6,
    tunedPeakMb: 1700,
  };

  it('prints both ratios, GFLOP/s of each side on the same count, % of peak and both peak RSS', () => {
    const cells = resultCells(row);
    expect(cells).toHaveLength(RESULT_HEADER.length);
    const at = (h: (typeof RESULT_HEADER)[number]) => cells[RESULT_HEADER.indexOf(h)];
    expect(at('trustscope')).toBe('1.50 s');
    expect(cells[4]).toBe('2.00×'); // PyTorch default / ours
    expect(cells[6]).toBe('0.80×'); // PyTorch tuned / ours
    expect(at('GFLOP/run')).toBe('60.0');
    expect(at('trustscope GFLOP/s')).toBe('40.0'); // 60 GFLOP in 1.5 s
    expect(at('% of peak')).toBe('50%'); // 40 of 80
    expect(at('PyTorch no-mmap GFLOP/s')).toBe('50.0'); // 60 GFLOP in 1.2 s
    expect(at('trustscope peak RSS')).toBe('812 MB');
    expect(at('PyTorch peak RSS (default / no-mmap)')).toBe('1501 MB / 1700 MB');
    expect(gflopsPerSecond(2e9, 500)).toBe(4);
  });

  it('marks effective FLOPs (incremental occlusion) and dashes what was not measured', () => {
    const cells = resultCells({ label: 'occlusion', threads: 1, oursMs: 100, flops: 5e9, effective: true, peakGflops: 10 });
    expect(cells.slice(7, 10)).toEqual(['5.00*', '50.0*', '500%*']);
    expect(cells[3]).toBe('—');
    expect(cells[12]).toBe('—');
    expect(resultNotes([{ ...row, effective: true }]).join('\n')).toMatch(/incremental occlusion/);
    expect(resultNotes([row]).join('\n')).not.toMatch(/incremental occlusion/);
    const text = resultsTable([row]);
    expect(text.split('\n')).toHaveLength(3);
    expect(text).toMatch(/^\| workload +\| threads \|/);
  });
});
