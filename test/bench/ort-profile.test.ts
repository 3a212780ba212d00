/** The ORT trace summary of bench/profile-gradients.ts: warm-up left out, kernel time per run by op type and node. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summariseProfile } from '../../bench/ort-profile.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function trace(events: object[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ort-profile-'));
  dirs.push(dir);
  const path = join(dir, 'trace.json');
  await writeFile(path, JSON.stringify(events));
  return path;
}

const run = (ts: number, dur: number) => ({ cat: 'Session', name: 'model_run', ts, dur });
const kernel = (node: string, op: string, ts: number, dur: number) => ({ cat: 'Node', name: `${node}_kernel_time`, ts, dur, args: { op_name: op } });

describe('summariseProfile', () => {
  it('averages the timed runs only, by op type and by node (hand-computed trace)', async () => {
    const path = await trace([
      { cat: 'Session', name: 'session_initialization', ts: 0, dur: 50 },
      run(100, 9000), // the warm-up: its kernels must not count
      kernel('conv_a', 'Conv', 110, 8000),
      run(10_000, 3000),
      kernel('conv_a', 'Conv', 10_010, 1000),
      kernel('conv_b', 'Conv', 11_010, 600),
      kernel('mask', 'Where', 11_700, 400),
      { cat: 'Node', name: 'mask_fence_before', ts: 11_690, dur: 5, args: { op_name: 'Where' } },
      run(20_000, 5000),
      kernel('conv_a', 'Conv', 20_010, 3000),
      kernel('conv_b', 'Conv', 23_010, 1000),
      kernel('mask', 'Where', 24_100, 800),
    ]);
    const s = await summariseProfile(path, 2);
    expect(s.runMs).toBeCloseTo(4, 9); // median of 3 ms and 5 ms
    expect(s.kernelMs).toBeCloseTo((1000 + 600 + 400 + 3000 + 1000 + 800) / 1000 / 2, 9);
    expect(s.byOp).toEqual([
      { op: 'Conv', ms: 2.8, nodes: 2 },
      { op: 'Where', ms: 0.6, nodes: 1 },
    ]);
    expect(s.byNode.map((n) => [n.node, n.op, n.ms])).toEqual([
      ['conv_a', 'Conv', 2],
      ['conv_b', 'Conv', 0.8],
      ['mask', 'Where', 0.6],
    ]);
  });

  it('says how many runs the trace holds when fewer than asked', async () => {
    const path = await trace([run(0, 10)]);
    await expect(summariseProfile(path, 3)).rejects.toThrow(/holds 1 runs, expected at least 3/);
  });
});
