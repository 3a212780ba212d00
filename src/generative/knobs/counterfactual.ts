/**
 * Counterfactual attribute search (Liu et al., "Actionable Attribution Maps", Eq. 2): for each tile
 * I with encoding z and attributes A, find A' minimising
 *   λ · (R(G(z, A')) − p')²  +  mean_pixels (I − G(z, A'))²
 * by Adam (cosine-annealed step, so that it settles) on A' with the exact gradient from the composed graph (knob-pipeline.ts), A' kept inside
 * the attribute range the generator was trained on. p' is the target: the prediction on the
 * reconstruction G(z, A) moved by ±`targetChange` (alternating up and down over the tiles), because
 * the reconstruction already shifts R a little (the paper's caveat) and the question is what must
 * change from here. λ is per squared unit of the prediction.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/tensor.js';
import { createSession } from '../../onnx/runtime.js';
import { Adam, learningRateScale } from '../../models/train.js';
import { ATTRIBUTES, LATENT } from './knob-networks.js';
import { counterfactualGraph, type KnobModels } from './knob-pipeline.js';
import { runRows } from './run-batched.js';

export const COUNTERFACTUAL_DEFAULTS = { lambda: 0.01, targetChange: 0.2, tolerance: 0.05, iterations: 80, learningRate: 0.05 } as const;

export interface CounterfactualOptions {
  /** λ of Eq. 2 (default 0.01 per squared unit of the prediction). */
  lambda?: number;
  /** Relative change of the target from the reconstruction's prediction (default 0.2). */
  targetChange?: number;
  /** Success: |R(G(z, A')) − p'| ≤ tolerance·|p'| (default 0.05). */
  tolerance?: number;
  iterations?: number;
  learningRate?: number;
  /** Range of every attribute (default [0, 1]). */
  range?: readonly [number, number];
  onProgress?: (fraction: number) => void;
}

export interface CounterfactualResult {
  /** Start and found attributes, [N, k]. */
  start: Tensor;
  found: Tensor;
  /** Prediction on the reconstruction G(z, A), the target p', and the final prediction R(G(z, A')). */
  initial: number[];
  target: number[];
  final: number[];
  /** +1 where the target is above the start, −1 below. */
  direction: number[];
  reached: boolean[];
  successRate: number;
  /** Mean A' − A per attribute, over tiles pushed up and over tiles pushed down. */
  meanDeltas: { up: number[]; down: number[] };
  /** The mean prediction of the up and down tiles per iteration (the stress path). */
  path: { up: number[]; down: number[] };
}

/** The options that are set (an explicit `undefined` from a CLI flag must not erase a default). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function counterfactualSearch(models: KnobModels, images: Tensor, z: Tensor, start: Tensor, options: CounterfactualOptions = {}): Promise<CounterfactualResult> {
  const { lambda, targetChange, tolerance, iterations, learningRate } = { ...COUNTERFACTUAL_DEFAULTS, ...definedOnly(options) };
  const { range = [0, 1], onProgress } = options;
  const [n, k] = start.shape;
  const cf = counterfactualGraph(models);
  const session = await createSession(cf.graph);
  const pixels = images.shape.slice(1).reduce((a, b) => a * b, 1);
  const found = Float32Array.from(start.data);
  const evaluate = async (targets: Float32Array) =>
    runRows(
      session,
      {
        [LATENT]: z,
        [ATTRIBUTES]: tensor([n, k], found),
        [cf.reference]: images,
        [cf.target]: tensor([n, 1], targets),
        [cf.cotangents[0]]: tensor([n, 1], new Float32Array(n).fill(lambda)),
        [cf.cotangents[1]]: tensor(images.shape, new Float32Array(n * pixels).fill(1 / pixels)),
      },
      [cf.prediction, cf.attributeGradient],
    );
  try {
    const first = await evaluate(new Float32Array(n));
    const initial = Array.from(first[cf.prediction].data);
    const direction = initial.map((_, i) => (i % 2 === 0 ? 1 : -1));
    const target = initial.map((p, i) => p * (1 + direction[i] * targetChange * Math.sign(p || 1)));
    const targets = Float32Array.from(target);
    const adam = new Adam([found], learningRate, 0);
    const path = { up: [] as number[], down: [] as number[] };
    const record = (pred: Float32Array) => {
      const mean = (d: number) => {
        const rows = direction.flatMap((v, i) => (v === d ? [pred[i]] : []));
        return rows.reduce((a, b) => a + b, 0) / Math.max(1, rows.length);
      };
      path.up.push(mean(1));
      path.down.push(mean(-1));
    };
    record(first[cf.prediction].data);
    let last = first;
    for (let t = 0; t < iterations; t++) {
      last = await evaluate(targets);
      if (t > 0) record(last[cf.prediction].data);
      adam.step([last[cf.attributeGradient].data], learningRateScale('cosine', t / iterations));
      for (let i = 0; i < found.length; i++) found[i] = Math.min(range[1], Math.max(range[0], found[i]));
      onProgress?.((t + 1) / iterations);
    }
    last = await evaluate(targets);
    record(last[cf.prediction].data);
    const final = Array.from(last[cf.prediction].data);
    const reached = final.map((p, i) => Math.abs(p - target[i]) <= tolerance * Math.abs(target[i]));
    const deltas = (d: number) =>
      Array.from({ length: k }, (_, j) => {
        const rows = direction.flatMap((v, i) => (v === d ? [found[i * k + j] - start.data[i * k + j]] : []));
        return rows.reduce((a, b) => a + b, 0) / Math.max(1, rows.length);
      });
    return {
      start,
      found: tensor([n, k], found),
      initial,
      target,
      final,
      direction,
      reached,
      successRate: reached.filter(Boolean).length / Math.max(1, n),
      meanDeltas: { up: deltas(1), down: deltas(-1) },
      path,
    };
  } finally {
    await session.release();
  }
}

