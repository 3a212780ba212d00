import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abandonOpenFolders, openFolderPaths, prepareOutputFolder } from '../../src/cli/output-folder.js';

const root = mkdtempSync(join(tmpdir(), 'ts-out-'));

describe('output folder and run.json', () => {
  it('writes files atomically and a manifest with the input hashes and outputs', async () => {
    const input = join(root, 'in.bin');
    writeFileSync(input, 'abc');
    const f = await prepareOutputFolder(join(root, 'a', 'b'), 'explain', { argv: ['--x', '1'] });
    await f.write('one.json', '{}');
    f.input(input);
    const m = await f.finish({ seed: 1 });
    expect(m.outputs).toEqual(['one.json']);
    // sha256("abc"), an independent known value
    expect(m.inputs[0]).toEqual({ path: input, bytes: 3, sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });
    const onDisk = JSON.parse(readFileSync(join(root, 'a', 'b', 'run.json'), 'utf8'));
    expect(onDisk.command).toBe('explain');
    expect(onDisk.seed).toBe(1);
  });

  it("removes the previous run's files that this run did not write", async () => {
    const dir = join(root, 'again');
    const first = await prepareOutputFolder(dir, 'audit');
    await first.write('old.html', 'x');
    await first.write('keep.json', 'x');
    await first.finish();
    const second = await prepareOutputFolder(dir, 'audit');
    await second.write('keep.json', 'y');
    await second.finish();
    expect(existsSync(join(dir, 'old.html'))).toBe(false);
    expect(readFileSync(join(dir, 'keep.json'), 'utf8')).toBe('y');
  });

  it("refuses another command's folder unless forced, also for folders from before run.json", async () => {
    const dir = join(root, 'foreign');
    const a = await prepareOutputFolder(dir, 'audit');
    await a.finish();
    await expect(prepareOutputFolder(dir, 'demo')).rejects.toThrow(/holds results of 'trustscope audit'; choose another folder, or add --force/);
    await prepareOutputFolder(dir, 'demo', { force: true });
    const legacy = join(root, 'legacy');
    mkdirSync(legacy);
    writeFileSync(join(legacy, 'audit.json'), '{}');
    await expect(prepareOutputFolder(legacy, 'demo')).rejects.toThrow(/audit.json/);
  });

  it('fails before any compute on an unwritable folder and leaves nothing behind when abandoned', async () => {
    writeFileSync(join(root, 'file'), 'x');
    await expect(prepareOutputFolder(join(root, 'file', 'sub'), 'audit')).rejects.toThrow(/cannot write to --out .*a parent of it is a file/);
    if (existsSync('/proc/self')) await expect(prepareOutputFolder('/proc/trustscope-x', 'audit')).rejects.toThrow(/cannot write to --out/);
    const dir = join(root, 'n1', 'n2');
    const f = await prepareOutputFolder(dir, 'audit');
    await f.abandon();
    expect(existsSync(join(root, 'n1'))).toBe(false);
  });

  it('Ctrl-C: abandonOpenFolders removes what the run wrote (sub-folders too), names the folders, and refuses later writes', async () => {
    const dir = join(root, 'ctrl-c', 'out');
    const f = await prepareOutputFolder(dir, 'explain');
    await f.write('overlays/image-0.png', 'x');
    expect(openFolderPaths()).toContain(dir);
    expect(await abandonOpenFolders()).toContain(dir);
    expect(openFolderPaths()).not.toContain(dir);
    expect(existsSync(join(root, 'ctrl-c'))).toBe(false);
    await expect(f.write('attributions.npy', 'late')).rejects.toThrow(/abandoned/);
    expect(() => f.record('late.onnx')).toThrow(/abandoned/);
    await expect(f.finish()).rejects.toThrow(/abandoned/);
    expect(existsSync(dir)).toBe(false);
  });
});
