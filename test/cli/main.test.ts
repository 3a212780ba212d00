/**
 * The `trustscope` entry point: help and version exit 0 through main's return value, for every
 * command; the invocation reaches run.json; Ctrl-C abandons the output folder with one line and 130.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { openFolderPaths } from '../../src/cli/output-folder.js';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

describe('main', () => {
  const COMMANDS = ['audit', 'demo', 'explain', 'evaluate', 'layers', 'inspect', 'convert', 'hallucination', 'importance', 'shapley', 'remedy', 'explore', 'train', 'knobs', 'structure-property', 'workbench', 'worker', 'verify'];
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
    expect(r.stderr.join('\n')).toMatch(/required option '--method <name>' not specified/);
    expect(r.stderr.join('\n')).not.toMatch(/process\.exit/);
    const w = await runCli(['explain', '--model', 'm', '--input', 'x', '--method', 'occlusion', '--out', 'o', '--window', '2.5']);
    expect(w.code).toBe(1);
    expect(w.stderr).toEqual(["trustscope: --window must be an integer ≥ 1 (got '2.5')"]);
  });
});

describe('main: run.json arguments and Ctrl-C', () => {
  const dirP = tempDir('trustscope-main-');
  let path: (name: string) => string;
  beforeAll(async () => {
    path = (await dirP).path;
    await saveOnnxGraph(path('cnn.onnx'), tinyCnn({ size: 16, seed: 1 }));
    await writeNpy(path('x.npy'), randomTensor([2, 1, 16, 16], 3));
  });
  afterAll(async () => (await dirP).cleanup());

  it('records the arguments it was called with in run.json', async () => {
    const argv = ['explain', '--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'saliency', '--out', path('args')];
    expect((await runCli(argv)).code).toBe(0);
    expect(JSON.parse(await readFile(join(path('args'), 'run.json'), 'utf8')).arguments).toEqual(argv);
  });

  it('SIGINT during a command: the folder is abandoned, one line, exit code 130, and no listener is left behind', async () => {
    const before = { int: process.listeners('SIGINT'), term: process.listeners('SIGTERM') };
    const out = path('interrupted');
    const running = runCli(['explain', '--model', path('cnn.onnx'), '--input', path('x.npy'), '--method', 'rise', '--rise-masks', '2000', '--out', out]);
    // Interrupt once the output folder is being written: main's own listener, not vitest's.
    await vi.waitFor(() => expect(openFolderPaths()).toContain(out), { timeout: 20_000, interval: 1 });
    const added = process.listeners('SIGINT').filter((l) => !before.int.includes(l));
    expect(added).toHaveLength(1);
    (added[0] as (signal: NodeJS.Signals) => void)('SIGINT');
    const r = await running;
    expect(r.code).toBe(130);
    expect(r.stderr).toEqual([`trustscope: interrupted; nothing was written to ${out}`]);
    expect(existsSync(out)).toBe(false);
    expect(process.listeners('SIGINT')).toEqual(before.int);
    expect(process.listeners('SIGTERM')).toEqual(before.term);
  });

  it('leaves no signal listener after many in-process calls', async () => {
    const count = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    for (let i = 0; i < 5; i++) await runCli(['layers', '--model', path('cnn.onnx')]);
    await runCli(['explain', '--model', path('missing.onnx'), '--input', path('x.npy'), '--method', 'saliency', '--out', path('never')]);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(count);
  });
});
