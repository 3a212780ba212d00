import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import type { Graph } from '../../src/onnx/graph.js';
import { OptimizedGraphStore, optimizedGraphStoreFromEnv } from '../../src/onnx/optimized-graph-store.js';
import { createSession, useOptimizedGraphStore, type RuntimeOptions } from '../../src/onnx/runtime.js';
import { Random } from '../../src/tensor/random.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trustscope-store-test-'));
});
afterEach(async () => {
  useOptimizedGraphStore(undefined);
  await rm(dir, { recursive: true, force: true });
});

function images(n: number, seed = 3): Tensor {
  const rng = new Random(seed);
  return tensor([n, 1, 32, 32], Float32Array.from({ length: n * 32 * 32 }, () => rng.next()));
}

const OPTIONS: RuntimeOptions = { threads: 1 };

/** The graph's logits for fixed images, from a fresh session (and whether that session came from the store). */
async function logits(graph: Graph, options: RuntimeOptions = OPTIONS) {
  const session = await createSession(graph, options);
  try {
    const out = await session.run({ input: images(4) });
    return { values: out[graph.outputs[0].name].data, outcome: session.optimizedGraph };
  } finally {
    await session.release();
  }
}

/** A store that keeps even the tiny CNN (its default skips graphs under 1 MB of constants). */
function storeHere(options: { maxBytes?: number } = {}) {
  const store = new OptimizedGraphStore(dir, { minModelBytes: 0, ...options });
  useOptimizedGraphStore(store);
  return store;
}

async function entries(): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.ortgraph'));
}

describe('optimised-graph store', () => {
  it('misses, writes one checked file, then hits with outputs identical to a session without the store', async () => {
    const graph = tinyCnn({ seed: 1 });
    const plain = await logits(graph);
    expect(plain.outcome).toBe('off');
    const store = storeHere();
    const first = await logits(graph);
    await store.settled();
    expect(first.outcome).toBe('miss');
    expect(await entries()).toHaveLength(1);
    const second = await logits(graph);
    expect(second.outcome).toBe('hit');
    expect(store.stats).toMatchObject({ hits: 1, misses: 1, written: 1, corrupt: 0, errors: 0 });
    // Bit for bit: the stored graph is the one ORT optimised, run by the same kernels.
    expect(Array.from(first.values)).toEqual(Array.from(plain.values));
    expect(Array.from(second.values)).toEqual(Array.from(plain.values));
    // Nothing but the entry is left behind (no scratch or temporary files).
    expect(await readdir(dir)).toHaveLength(1);
  });

  it('keys by graph, level and threads: another weight, level or thread count is another entry', async () => {
    const store = storeHere();
    await logits(tinyCnn({ seed: 1 }));
    await logits(tinyCnn({ seed: 2 }));
    await logits(tinyCnn({ seed: 1 }), { threads: 2 });
    await logits(tinyCnn({ seed: 1 }), { threads: 1, optimizationLevel: 'extended' });
    await store.settled();
    expect(await entries()).toHaveLength(4);
    expect(store.stats.hits).toBe(0);
  });

  it('a truncated file fails its check, is deleted and rebuilt; the results do not change', async () => {
    const graph = tinyCnn({ seed: 1 });
    const plain = await logits(graph);
    const store = storeHere();
    await logits(graph);
    await store.settled();
    const [name] = await entries();
    const bytes = await readFile(join(dir, name));
    await writeFile(join(dir, name), bytes.subarray(0, bytes.length >> 1));
    const again = await logits(graph);
    await store.settled();
    expect(again.outcome).toBe('miss');
    expect(store.stats.corrupt).toBe(1);
    expect(Array.from(again.values)).toEqual(Array.from(plain.values));
    // Rewritten whole: the next call hits.
    expect((await stat(join(dir, name))).size).toBe(bytes.length);
    expect((await logits(graph)).outcome).toBe('hit');
  });

  it('a flipped byte fails the CRC; a file that passes its check but that ORT refuses is dropped too', async () => {
    const graph = tinyCnn({ seed: 1 });
    const store = storeHere();
    await logits(graph);
    await store.settled();
    const [name] = await entries();
    const path = join(dir, name);
    const good = await readFile(path);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] ^= 0xff;
    await writeFile(path, flipped);
    expect((await logits(graph)).outcome).toBe('miss');
    expect(store.stats.corrupt).toBe(1);
    await store.settled();
    // A well-formed entry around bytes that are not a model (another program's file, a format change).
    const header = good.subarray(0, 8);
    const payload = Buffer.from('not an onnx model at all');
    const lengthAndCrc = Buffer.alloc(12);
    lengthAndCrc.writeDoubleLE(payload.length, 0);
    lengthAndCrc.writeUInt32LE(crc32(payload), 8);
    await writeFile(path, Buffer.concat([header, lengthAndCrc, payload]));
    const refused = await logits(graph);
    expect(refused.outcome).toBe('miss');
    expect(store.stats.corrupt).toBe(2);
    await store.settled();
    // Rewritten from a fresh optimisation: loads again, with the same results.
    const rebuilt = await logits(graph);
    expect(rebuilt.outcome).toBe('hit');
    expect(Array.from(rebuilt.values)).toEqual(Array.from(refused.values));
  });

  it('stays off when disabled: no store, level disabled, or a graph below the size threshold', async () => {
    const graph = tinyCnn({ seed: 1 });
    expect((await logits(graph)).outcome).toBe('off');
    storeHere();
    expect((await logits(graph, { threads: 1, optimizationLevel: 'disabled' })).outcome).toBe('off');
    useOptimizedGraphStore(new OptimizedGraphStore(dir));
    // The tiny CNN holds ~0.1 MB of weights, under the default 1 MB.
    expect((await logits(graph)).outcome).toBe('off');
    expect(await readdir(dir)).toHaveLength(0);
  });

  it('an unwritable folder costs only the time: the session is built as usual', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const store = new OptimizedGraphStore(join(file, 'below'), { minModelBytes: 0 });
    useOptimizedGraphStore(store);
    const out = await logits(tinyCnn({ seed: 1 }));
    await store.settled();
    expect(out.outcome).toBe('miss');
    expect(store.stats.errors).toBeGreaterThan(0);
  });

  it('bounds its size by dropping the least recently used entries first', async () => {
    const store = storeHere();
    const graphs = [1, 2, 3].map((seed) => tinyCnn({ seed }));
    // The file of each graph: the entry that appears when it is first run.
    const byGraph: string[] = [];
    for (const [i, g] of graphs.entries()) {
      const before = new Set(await entries());
      await logits(g);
      await store.settled();
      const added = (await entries()).filter((f) => !before.has(f));
      expect(added).toHaveLength(1);
      byGraph.push(join(dir, added[0]));
      // Ages made explicit (mtime is what "recently used" means): graph 0 oldest.
      const t = new Date(Date.now() - (10 - i) * 60_000);
      await utimes(byGraph[i], t, t);
    }
    // A hit makes graph 0 the most recently used.
    expect((await logits(graphs[0])).outcome).toBe('hit');
    const size = (await stat(byGraph[0])).size;
    await new OptimizedGraphStore(dir, { minModelBytes: 0, maxBytes: 2 * size + 10 }).prune();
    // Graph 1 was least recently used: gone; graph 0 (just hit) and graph 2 stay.
    await expect(stat(byGraph[1])).rejects.toThrow();
    expect((await stat(byGraph[0])).isFile()).toBe(true);
    expect((await stat(byGraph[2])).isFile()).toBe(true);
  });

  it("a model's vjp and forward are identical with and without the store (miss and hit)", async () => {
    const graph = tinyCnn({ seed: 4, classes: 3 });
    const x = images(5, 9);
    const cotangent = tensor([5, 3], Float32Array.from({ length: 15 }, (_, i) => (i % 3 === i % 2 ? 1 : 0)));
    const run = async () => {
      const model = new OnnxModel(graph);
      try {
        const v = await model.vjp(x, cotangent);
        return [Array.from(await model.forward(x).then((y) => y.data)), Array.from(v.output.data), Array.from(v.inputGrad.data)];
      } finally {
        await model.dispose();
      }
    };
    const plain = await run();
    const store = storeHere();
    const missed = await run();
    await store.settled();
    const hit = await run();
    expect(store.stats.hits).toBe(2);
    expect(missed).toEqual(plain);
    expect(hit).toEqual(plain);
  });
});

describe('optimizedGraphStoreFromEnv', () => {
  it('is off unless asked for; TRUSTSCOPE_CACHE_DIR, else XDG_CACHE_HOME/trustscope, else ~/.cache/trustscope; TRUSTSCOPE_NO_CACHE wins', () => {
    expect(optimizedGraphStoreFromEnv({})).toBeUndefined();
    expect(optimizedGraphStoreFromEnv({ TRUSTSCOPE_CACHE: '0' })).toBeUndefined();
    expect(optimizedGraphStoreFromEnv({ TRUSTSCOPE_CACHE_DIR: '/x/cache' })!.dir).toBe('/x/cache/optimized-graphs');
    expect(optimizedGraphStoreFromEnv({ TRUSTSCOPE_CACHE: '1', XDG_CACHE_HOME: '/y' })!.dir).toBe('/y/trustscope/optimized-graphs');
    expect(optimizedGraphStoreFromEnv({ TRUSTSCOPE_CACHE: '1' })!.dir).toMatch(/\.cache\/trustscope\/optimized-graphs$/);
    expect(optimizedGraphStoreFromEnv({ TRUSTSCOPE_NO_CACHE: '1', TRUSTSCOPE_CACHE_DIR: '/x' })).toBeUndefined();
    expect(optimizedGraphStoreFromEnv({ TRUSTSCOPE_NO_CACHE: '0', TRUSTSCOPE_CACHE_DIR: '/x' })!.dir).toBe('/x/optimized-graphs');
    expect(() => optimizedGraphStoreFromEnv({ TRUSTSCOPE_CACHE: '1', TRUSTSCOPE_CACHE_MAX_MB: 'lots' })).toThrow(/TRUSTSCOPE_CACHE_MAX_MB must be a number/);
  });
});
