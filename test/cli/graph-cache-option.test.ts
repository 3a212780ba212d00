/**
 * The CLI's optimised-graph store: on when TRUSTSCOPE_CACHE_DIR is set (here a temporary folder),
 * reused by the next call with the same results, off by default and with --no-cache or TRUSTSCOPE_NO_CACHE.
 */
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { optimizedGraphStore, useOptimizedGraphStore } from '../../src/onnx/runtime.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
const saved = { dir: process.env.TRUSTSCOPE_CACHE_DIR, off: process.env.TRUSTSCOPE_NO_CACHE, max: process.env.TRUSTSCOPE_CACHE_MAX_MB, on: process.env.TRUSTSCOPE_CACHE };
const restore = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));

beforeAll(async () => {
  tmp = await tempDir('trustscope-graph-cache-');
  // 4 MB of weights in fc1 (1024 × 1024): above the store's 1 MB threshold, still a fast model.
  await saveOnnxGraph(tmp.path('cnn.onnx'), tinyCnn({ seed: 3, hidden: 1024 }));
  await writeNpy(tmp.path('x.npy'), randomTensor([3, 1, 32, 32], 5));
});
afterEach(() => {
  restore('TRUSTSCOPE_CACHE_DIR', saved.dir);
  restore('TRUSTSCOPE_NO_CACHE', saved.off);
  restore('TRUSTSCOPE_CACHE_MAX_MB', saved.max);
  restore('TRUSTSCOPE_CACHE', saved.on);
  useOptimizedGraphStore(undefined);
});
afterAll(() => tmp.cleanup());

async function explain(out: string, ...extra: string[]) {
  const r = await runCli(['explain', '--model', tmp.path('cnn.onnx'), '--input', tmp.path('x.npy'), '--method', 'saliency', '--quiet', '--out', tmp.path(out), ...extra]);
  await optimizedGraphStore()?.settled();
  return { ...r, attributions: r.code === 0 ? await readFile(tmp.path(`${out}/attributions.npy`)) : undefined, store: optimizedGraphStore() };
}

const stored = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.ortgraph'));

describe('optimised-graph store in the CLI', () => {
  it('stores the gradient graph on the first call (the default target needs no forward graph), reuses it on the next, with identical maps', async () => {
    process.env.TRUSTSCOPE_CACHE_DIR = tmp.path('cache');
    delete process.env.TRUSTSCOPE_NO_CACHE;
    const first = await explain('first');
    expect(first.code).toBe(0);
    expect(first.store!.stats).toMatchObject({ hits: 0, written: 1, errors: 0 });
    expect(await stored(tmp.path('cache/optimized-graphs'))).toHaveLength(1);
    const second = await explain('second');
    expect(second.store!.stats).toMatchObject({ hits: 1, written: 0 });
    expect(second.attributions!.equals(first.attributions!)).toBe(true);
    // And the same map as with no store at all.
    const none = await explain('none', '--no-cache');
    expect(none.store).toBeUndefined();
    expect(none.attributions!.equals(first.attributions!)).toBe(true);
  });

  it('is off by default: no TRUSTSCOPE_CACHE_DIR nor TRUSTSCOPE_CACHE, no store', async () => {
    delete process.env.TRUSTSCOPE_CACHE_DIR;
    delete process.env.TRUSTSCOPE_CACHE;
    delete process.env.TRUSTSCOPE_NO_CACHE;
    const r = await explain('default');
    expect(r.code).toBe(0);
    expect(r.store).toBeUndefined();
  });

  it('--no-cache and TRUSTSCOPE_NO_CACHE=1 write nothing', async () => {
    process.env.TRUSTSCOPE_CACHE_DIR = tmp.path('cache-off');
    delete process.env.TRUSTSCOPE_NO_CACHE;
    expect((await explain('flag', '--no-cache')).code).toBe(0);
    // The flag is passed on to --workers threads and child processes through the environment.
    expect(process.env.TRUSTSCOPE_NO_CACHE).toBe('1');
    expect((await explain('env')).code).toBe(0);
    expect(await stored(tmp.path('cache-off/optimized-graphs'))).toEqual([]);
  });

  it('a bad TRUSTSCOPE_CACHE_MAX_MB is one line naming the variable', async () => {
    delete process.env.TRUSTSCOPE_NO_CACHE;
    process.env.TRUSTSCOPE_CACHE_DIR = tmp.path('cache-bad');
    process.env.TRUSTSCOPE_CACHE_MAX_MB = 'lots';
    const r = await explain('bad');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/TRUSTSCOPE_CACHE_MAX_MB must be a number of megabytes/);
  });
});
