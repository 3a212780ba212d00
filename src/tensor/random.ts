/**
 * Seeded pseudo-random numbers. Every random thing in trustscope draws from one of these so that
 * the same seed gives the same numbers on every machine (Math.random is never used).
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    // splitmix32 expands one seed into the four words of sfc32's state.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** sfc32: small, fast, passes PractRand; good enough for simulation and sampling. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low));
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Adds N(0, std²) noise to out[start..end) (SmoothGrad's millions of draws). Marsaglia's polar
   * method: no sin/cos, about twice as fast as normal()'s Box–Muller in V8; a different sequence
   * from normal(), equally seeded.
   */
  addNormal(out: Float32Array, start: number, end: number, std: number): void {
    this.normalAround(out, start, end, std, out, start, end - start);
  }

  /**
   * out[j] = centre[centreStart + (j − start) mod period] + N(0, std²) for j in [start, end): the
   * noisy copies of one input written in one pass, without copying the input first. The draws are
   * addNormal's over the same range (addNormal is this with out as its own centre), so
   * copy-then-addNormal gives the same numbers.
   *
   * sfc32 runs inline on local copies of the state: the same numbers as two uint32() calls per try,
   * but calling uint32() writes four object fields per draw, and because sfc32's words exceed V8's
   * small integers each write boxes a number. That made the generator, not the logarithm, the cost:
   * 3M draws took 118 ms of CPU through uint32() and 67 ms inline (bench/smoothgrad-breakdown.ts).
   */
  normalAround(out: Float32Array, start: number, end: number, std: number, centre: Float32Array, centreStart: number, period: number): void {
    if (end <= start) return;
    if (!(Number.isInteger(period) && period >= 1 && centreStart >= 0 && centreStart + period <= centre.length)) {
      throw new Error(`normalAround: centre [${centreStart}, ${centreStart + period}) is not a range of the ${centre.length} values given`);
    }
    const scale = 2 / 4294967296;
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    let k = centreStart;
    const wrap = centreStart + period;
    for (let j = start; j < end; ) {
      // Two sfc32 steps, exactly as uint32().
      let t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      const u = t * scale - 1;
      t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      const v = t * scale - 1;
      const s2 = u * u + v * v;
      if (s2 >= 1 || s2 === 0) continue;
      const f = std * Math.sqrt((-2 * Math.log(s2)) / s2);
      out[j++] = centre[k] + u * f;
      if (++k === wrap) k = centreStart;
      if (j < end) {
        out[j++] = centre[k] + v * f;
        if (++k === wrap) k = centreStart;
      }
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** Poisson draw (Knuth for small means, normal approximation for large ones). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 60) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /**
   * A new independent stream for a sub-task. With a key (a check id, a metric name) the stream
   * depends only on this generator's current state and the key, and drawing it does not advance this
   * generator: adding or reordering sub-tasks never changes another sub-task's numbers. Without a key
   * it takes the next draw (the classic split).
   */
  fork(key?: string): Random {
    if (key === undefined) return new Random(this.uint32());
    // FNV-1a over the key's UTF-16 units, mixed with the state words.
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    const mixed = (Math.imul(this.a ^ h, 0x85ebca6b) + Math.imul(this.b, 0xc2b2ae35) + (this.c ^ Math.imul(this.d, 0x27d4eb2f))) >>> 0;
    return new Random(mixed ^ h);
  }

  /** A stream for a named sub-task of a seeded run: `Random.forKey(seed, 'ood')`. */
  static forKey(seed: number, key: string): Random {
    return new Random(seed).fork(key);
  }

  /** An integer seed drawn from this stream, for APIs that take a seed number. */
  seed(): number {
    return this.uint32();
  }
}
