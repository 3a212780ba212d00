/** The `trustscope` entry point: help and version exit 0 through main's return value, for every command. */
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from './cli-harness.js';

describe('main', () => {
  const COMMANDS = ['audit', 'demo', 'explain', 'evaluate', 'layers', 'hallucination', 'importance', 'shapley'];
  it('wires every command', () => {
    expect(buildProgram().commands.map((c) => c.name())).toEqual(COMMANDS);
  });

  it('--help of the program exits 0 and lists the commands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: trustscope');
    for (const c of COMMANDS) expect(r.stdout).toContain(c);
  });

  for (const command of COMMANDS) {
    it(`${command} --help exits 0 (returned by main, not process.exit)`, async () => {
      const r = await runCli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: trustscope ${command}`);
      expect(r.stderr).toEqual([]);
    });
  }

  it('explain --help documents every method with its defaults', async () => {
    const r = await runCli(['explain', '--help']);
    expect(r.stdout).toMatch(/saliency: input-gradient saliency/);
    expect(r.stdout).toMatch(/occlusion: .*window 4, stride 1, baseline 0/);
  });

  it('--version exits 0 and prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
  });

  it('an unknown command or a missing required option exits 1 without throwing', async () => {
    expect((await runCli(['explian'])).code).toBe(1);
    const r = await runCli(['explain', '--model', 'm.onnx']);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/required option '--input <file.npy>' not specified/);
    expect(r.stderr.join('\n')).not.toMatch(/process\.exit/);
    const w = await runCli(['explain', '--model', 'm', '--input', 'x', '--method', 'occlusion', '--out', 'o', '--window', '2.5']);
    expect(w.code).toBe(1);
    expect(w.stderr).toEqual(["trustscope: --window must be an integer ≥ 1 (got '2.5')"]);
  });
});
