/**
 * `trustscope demo` checks its output folder before it trains: a folder holding an audit is refused
 * at once (no minutes of training, nothing written), as is an unwritable one. The demo itself is slow
 * and is run by the audit/demo tests, not here.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-demo-cli-');
let path: (name: string) => string;
beforeAll(async () => {
  path = (await dirP).path;
});
afterAll(async () => (await dirP).cleanup());

describe('trustscope demo: the folder check runs before the training', () => {
  it("refuses a folder holding an audit's results in well under a second, without training or writing", async () => {
    for (const [name, file, content] of [
      ['audit-report', 'run.json', JSON.stringify({ tool: 'trustscope', command: 'audit', outputs: ['audit.json', 'index.html'] })],
      ['legacy-report', 'audit.json', '{}'],
    ] as const) {
      const out = path(name);
      await mkdir(out);
      await writeFile(`${out}/${file}`, content);
      await writeFile(`${out}/index.html`, 'the audit page');
      const started = performance.now();
      const r = await runCli(['demo', '--out', out, '--no-progress']);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(/^trustscope: --out .* holds results of 'trustscope audit'.*; choose another folder, or add --force to write 'demo' results beside them$/);
      expect((await readdir(out)).sort()).toEqual([file, 'index.html'].sort());
    }
  });

  it('refuses an unwritable --out before training', async () => {
    await writeFile(path('plain-file'), 'x');
    const r = await runCli(['demo', '--out', `${path('plain-file')}/sub`, '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([`trustscope: cannot write to --out ${path('plain-file')}/sub: a parent of it is a file, not a directory`]);
  });

  it('--help names the folder, --force and the seed (default 1)', async () => {
    const r = await runCli(['demo', '--help']);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const text of ['--out <dir>', 'output folder', '--force', '--seed <n>', '(default: 1)']) expect(help).toContain(text);
  });
});
