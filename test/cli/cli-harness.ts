/** Runs `main(argv)` with console and process output captured (nothing reaches the test log). */
import { existsSync } from 'node:fs';
import { expect, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  /** console.log lines and process.stdout writes (commander's help), joined. */
  stdout: string;
  /** console.error lines and process.stderr writes, one entry per line. */
  stderr: string[];
}

export async function runCli(argv: readonly string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(' ') + '\n'));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(' ') + '\n'));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const writeErr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  let code: number;
  try {
    code = await main(argv);
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    writeErr.mockRestore();
  }
  return { code, stdout: out.join(''), stderr: err.join('').split('\n').filter((l) => l.length > 0) };
}

/**
 * Runs `run(...args, '--out', out)` for each case and checks that it fails as a user error: exit
 * code 1, a single 'trustscope: ' line on stderr that matches the case's message, and no `out` file.
 */
export async function expectUserErrors(run: (...args: string[]) => Promise<CliRun>, cases: readonly (readonly [string[], RegExp])[], out: string): Promise<void> {
  for (const [args, message] of cases) {
    const r = await run(...args, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBe(1);
    expect(r.stderr[0]).toMatch(/^trustscope: /);
    expect(r.stderr[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  }
}
