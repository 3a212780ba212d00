/** `trustscope remedy`: help, and the one-line errors before any training starts. */
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';

describe('trustscope remedy', () => {
  it('--help documents --demo and the declared options with their defaults', async () => {
    const r = await runCli(['remedy', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--demo', '--remedies', '--lambda', '--paste-share', '--skip', '--out', '--seed', '--quiet']) expect(r.stdout).toContain(flag);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toMatch(/remedies to run, in order \(default counterfactual-augmentation,right-for-the-right-reasons\)/);
    expect(text).toMatch(/the rest have it erased\) \(default 0\.5\)/);
  });

  it('without --demo: says what works today', async () => {
    const r = await runCli(['remedy', '--out', 'never-written']);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual(['trustscope: remedy runs on the demo only so far: give --demo (your own model, training data and artifact mask are not wired yet)']);
  });

  it('bad values are refused in one line before any training', async () => {
    const cases: [string[], RegExp][] = [
      [['--lambda', '-1'], /--lambda must be .*≥ 0/],
      [['--paste-share', '2'], /--paste-share must be .*≤ 1/],
      [['--skip', 'shortcut'], /--skip shortcut: the remedy is judged by the shortcut and intervention checks; keep them/],
      [['--skip', 'nope'], /--skip takes a comma-separated list of .* \(got 'nope'\)/],
      [['--remedies', 'nope'], /there is no remedy 'nope'; remedies: counterfactual-augmentation, right-for-the-right-reasons/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['remedy', '--demo', '--out', 'never-written', '--quiet', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toHaveLength(1);
      expect(r.stderr[0]).toMatch(message);
    }
  });
});
