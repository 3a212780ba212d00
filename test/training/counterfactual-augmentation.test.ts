/** Counterfactual augmentation: what is pasted, what is erased (by brute force), how often, independent of the label. */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/tensor/random.js';
import { counterfactualAugmentation, eraseMasked, surroundingRing } from '../../src/training/counterfactual-augmentation.js';

const H = 8;
const W = 8;
/** A 2×3 artifact at rows 1–2, columns 0–2. */
const mask = Float32Array.from({ length: H * W }, (_, p) => (Math.floor(p / W) >= 1 && Math.floor(p / W) <= 2 && p % W <= 2 ? 1 : 0));

function images(n: number, c: number, seed: number) {
  const rng = new Random(seed);
  return tensor([n, c, H, W], Float32Array.from({ length: n * c * H * W }, () => rng.uniform(0, 0.5)));
}

/** The ring by definition: outside the mask, within Chebyshev distance 2 of a masked pixel. */
function ringByDefinition(): number[] {
  const masked = [...mask.keys()].filter((p) => mask[p] > 0.5);
  return [...mask.keys()].filter((p) => mask[p] <= 0.5 && masked.some((q) => Math.max(Math.abs(Math.floor(p / W) - Math.floor(q / W)), Math.abs((p % W) - (q % W))) <= 2));
}

describe('counterfactual augmentation', () => {
  it('the surrounding ring is the pixels within 2 px of the mask, clipped at the border', () => {
    const ring = surroundingRing(mask, H, W, 2);
    expect(ring).toEqual(ringByDefinition());
    // Rows 0..4, columns 0..4, minus the 6 masked pixels.
    expect(ring.length).toBe(5 * 5 - 6);
  });

  it('erasing fills the mask with the median of the ring, per image and channel, and touches nothing else', () => {
    const x = images(3, 2, 1);
    const out = eraseMasked(x, mask);
    const ring = ringByDefinition();
    for (let i = 0; i < 3 * 2; i++) {
      const plane = x.data.subarray(i * H * W, (i + 1) * H * W);
      const sorted = ring.map((p) => plane[p]).sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      for (let p = 0; p < H * W; p++) expect(out.data[i * H * W + p]).toBe(mask[p] > 0.5 ? median : plane[p]);
    }
  });

  it('pastes the artifact into about the chosen share of every class and erases it from the rest', () => {
    const n = 2000;
    const x = images(n, 1, 2);
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const augment = counterfactualAugmentation({ mask, value: 1 }, { pasteShare: 0.3 });
    const out = augment(x, labels, new Random(5));
    const erased = eraseMasked(x, mask);
    const pasted = [0, 0];
    for (let i = 0; i < n; i++) {
      const plane = out.data.subarray(i * H * W, (i + 1) * H * W);
      const isPasted = [...mask.keys()].filter((p) => mask[p] > 0.5).every((p) => plane[p] === 1);
      if (isPasted) pasted[labels[i]]++;
      const expected = isPasted ? Float32Array.from(x.data.subarray(i * H * W, (i + 1) * H * W), (v, p) => (mask[p] > 0.5 ? 1 : v)) : erased.data.subarray(i * H * W, (i + 1) * H * W);
      expect(Array.from(plane)).toEqual(Array.from(expected));
    }
    // Binomial(1000, 0.3) per class: σ ≈ 14.5; 5σ bounds.
    for (const k of pasted) expect(Math.abs(k - 300)).toBeLessThan(73);
  });

  it('is seeded: the same stream gives the same batch, another stream another', () => {
    const x = images(50, 1, 3);
    const augment = counterfactualAugmentation({ mask, value: 1 });
    const labels = new Array(50).fill(0);
    expect(Array.from(augment(x, labels, new Random(7)).data)).toEqual(Array.from(augment(x, labels, new Random(7)).data));
    expect(Array.from(augment(x, labels, new Random(8)).data)).not.toEqual(Array.from(augment(x, labels, new Random(7)).data));
  });

  it('bad input: one line naming the problem and the fix', () => {
    expect(() => counterfactualAugmentation({ mask: new Float32Array(64), value: 1 })).toThrow(/marks no pixel; mark the artifact with 1s/);
    expect(() => counterfactualAugmentation({ mask, value: 1 }, { pasteShare: 1.5 })).toThrow(/paste share must lie in \[0, 1\]/);
    const augment = counterfactualAugmentation({ mask: new Float32Array(16).fill(1), value: 1 });
    expect(() => augment(images(2, 1, 1), [0, 1], new Random(1))).toThrow(/mask has 16 pixels but the images are \[2, 1, 8, 8\]; give an \[H, W\] mask/);
  });
});
