/**
 * A seeded mutation fuzzer for file parsers: from a valid seed file it derives corrupt variants (bit
 * flips, overwritten bytes with boundary values, truncations, duplicated and deleted chunks, header
 * integers set to extremes). A reader passes when every variant either reads or throws its
 * FormatError — never another error, never a hang.
 */
import { Random } from '../../src/tensor/random.js';

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff];
const INTERESTING32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0xffff];

export function mutate(seed: Uint8Array, rng: Random): Uint8Array {
  let out = seed.slice();
  const rounds = 1 + rng.int(0, 4);
  for (let r = 0; r < rounds; r++) {
    const kind = rng.int(0, 6);
    if (out.length === 0) return out;
    const at = rng.int(0, out.length);
    if (kind === 0) out[at] ^= 1 << rng.int(0, 8);
    else if (kind === 1) out[at] = INTERESTING[rng.int(0, INTERESTING.length)];
    else if (kind === 2) out = out.slice(0, rng.int(0, out.length));
    else if (kind === 3 && at + 4 <= out.length) new DataView(out.buffer, out.byteOffset).setUint32(at, INTERESTING32[rng.int(0, INTERESTING32.length)], rng.next() < 0.5);
    else if (kind === 4) {
      const len = rng.int(1, Math.min(64, out.length - at) + 1);
      const cut = new Uint8Array(out.length - len);
      cut.set(out.subarray(0, at));
      cut.set(out.subarray(at + len), at);
      out = cut;
    } else {
      const len = rng.int(1, Math.min(64, out.length - at) + 1);
      const grown = new Uint8Array(out.length + len);
      grown.set(out.subarray(0, at + len));
      grown.set(out.subarray(at), at + len);
      out = grown;
    }
  }
  return out;
}

/** Runs `read` on `count` mutants of each seed; returns the errors that are not `allowed`. */
export async function fuzz(seeds: readonly Uint8Array[], count: number, read: (bytes: Uint8Array) => unknown, allowed: (e: unknown) => boolean, seed = 1): Promise<{ inputs: number; failures: { input: Uint8Array; error: unknown }[] }> {
  const rng = new Random(seed);
  const failures: { input: Uint8Array; error: unknown }[] = [];
  let inputs = 0;
  for (let i = 0; i < count; i++) {
    const input = mutate(seeds[i % seeds.length], rng);
    inputs++;
    try {
      await read(input);
    } catch (e) {
      if (!allowed(e)) failures.push({ input, error: e });
    }
  }
  return { inputs, failures };
}
