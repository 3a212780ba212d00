/**
 * Attention maps for Vision Transformers, read from the attention probabilities A_l [N, heads, T, T]
 * of each block l (rows: queries, columns: keys; token 0 the CLS token, then `prefixTokens − 1`
 * other special tokens, then the patches in row-major order):
 *
 * - `attention`: the CLS token's attention to the patches in one layer (default the last), averaged
 *   over heads or for one head, as a patch map upsampled to the input size. extras.clsAttention
 *   holds every layer and head, [N, L, heads, gh, gw].
 * - `attention-rollout` (Abnar & Zuidema 2020): per layer the head-averaged Ā_l, mixed with the
 *   identity for the residual path, A'_l = 0.5·Ā_l + 0.5·I, rows renormalised to sum to 1; the
 *   rollout R = A'_l·…·A'_1 (from the first layer up to the chosen one, default the last), and the
 *   map is the CLS row of R over the patches. extras.rollout holds R, [N, T, T].
 *
 * Both are class-agnostic (they explain where the model looks, not why it chose a class): no
 * target, no gradient. The maps have one channel, [N, 1, H, W], like Grad-CAM's.
 *
 * Where the attention values come from: options.attentionValues, else every Softmax output of
 * shape [N, heads, T, T] in graph order (the attention of a timm-style torch-exported ViT and of the
 * zoo's tiny ViT), else every Softmax output of shape [N·heads, T, T] (nn.MultiheadAttention's
 * export: Softmax(MatMul(Q/√d, Kᵀ)) on rows b·heads + h, batch-major — read back as
 * [N, heads, T, T]), else layers named `…attention/probs…`. They are read with OnnxModel.activations — one
 * forward pass returns all layers and no backward graph is built, so attention maps work even on a
 * ViT whose ops lack gradient rules; any other Model falls back to layerVjp's activation.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, tensor, zeros } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Attribution, Explainer, ExplainOptions } from './explainer.js';
import { declareOptions } from './explainer.js';
import { resizeMaps, UPSAMPLE_MODES, type Upsample } from './grad-cam.js';

export interface AttentionOptions extends ExplainOptions {
  /** Attention-probability values [N, heads, T, T] in block order (default: found in the model, see the file comment). */
  attentionValues?: readonly string[];
  /** Layer index (negative counts from the end): the layer shown by `attention`, the last layer rolled out by `attention-rollout`. Default −1. */
  attentionLayer?: number;
  /** `attention` only: one head instead of the mean over heads. */
  head?: number;
  /** Special tokens before the patches (default 1, the CLS token; 2 for DeiT's CLS + distillation tokens). */
  prefixTokens?: number;
  /** Resize of the patch map to the input size (default 'nearest': each patch's value fills its pixels). */
  upsample?: Upsample;
}

const ROLLOUT_OPTIONS = declareOptions<AttentionOptions>([
  { key: 'attentionLayer', flag: '--attention-layer', kind: 'integer', default: -1, placeholder: '<i>', help: 'attention: the layer shown; attention-rollout: the last layer rolled out (index from 0, negative from the end)' },
  { key: 'attentionValues', flag: '--attention-values', kind: 'string-list', placeholder: '<names>', help: "comma-separated attention-probability values [N, heads, T, T] in block order (default: the model's Softmax outputs of that shape)" },
  { key: 'prefixTokens', flag: '--prefix-tokens', kind: 'integer', min: 1, default: 1, help: "special tokens before the patches (1: the CLS token; 2 for DeiT's CLS + distillation tokens)" },
  { key: 'upsample', flag: '--upsample', kind: 'choice', choices: UPSAMPLE_MODES, default: 'nearest', placeholder: '<mode>', help: `${UPSAMPLE_MODES.join(' | ')} resize of the one-channel map [N, 1, H, W] to the input size` },
]);

const ATTENTION_OPTIONS = declareOptions<AttentionOptions>([
  ...ROLLOUT_OPTIONS,
  { key: 'head', flag: '--head', kind: 'integer', min: 0, placeholder: '<h>', help: 'one head (default: the mean over heads)' },
]);

/** What OnnxModel adds beyond the Model contract; used when present. */
interface LayerListing {
  readonly layerInfo: readonly { readonly name: string; readonly opType: string; readonly shape?: readonly number[] }[];
  activations(x: Tensor, layers: readonly string[]): Promise<Tensor[]>;
}

function hasListing(m: Model): m is Model & LayerListing {
  const o = m as Partial<LayerListing>;
  return Array.isArray(o.layerInfo) && typeof o.activations === 'function';
}

const NO_ATTENTION =
  'has no attention values (Softmax outputs of shape [N, heads, T, T], or [N·heads, T, T] as nn.MultiheadAttention exports them); attention maps need a Vision Transformer. ' +
  "If its attention is computed another way, name the probability values with attentionValues (--attention-values); list them with 'trustscope layers'";

export function findAttentionValues(model: Model): string[] {
  if (hasListing(model)) {
    const square = (rank: number) => model.layerInfo.filter((l) => l.opType === 'Softmax' && l.shape?.length === rank && l.shape[rank - 2] === l.shape[rank - 1] && l.shape[rank - 1] > 1).map((l) => l.name);
    const found = square(4);
    if (found.length > 0) return found;
    // nn.MultiheadAttention folds the heads into the batch: [N·heads, T, T] (see readAttention).
    const fused = square(3);
    if (fused.length > 0) return fused;
  }
  const named = model.layers.filter((l) => /attention\/probs/.test(l));
  if (named.length === 0) throw new Error(`the model ${NO_ATTENTION}`);
  return named;
}

async function readAttention(model: Model, inputs: Tensor, values: readonly string[]): Promise<Tensor[]> {
  let out: Tensor[] = [];
  if (hasListing(model)) out = await model.activations(inputs, values);
  else {
    const none = zeros([inputs.shape[0], model.outputSize]);
    for (const v of values) out.push((await model.layerVjp(inputs, v, none)).activation);
  }
  return out.map((a, l) => unfoldHeads(a, inputs.shape[0], values[l]));
}

/**
 * [N·heads, T, T] → [N, heads, T, T]. torch's MultiheadAttention reshapes Q to [T, N·heads, d]
 * (view(T, N·heads, d)), so row r is image ⌊r / heads⌋, head r mod heads: the data order already is
 * [N, heads, T, T].
 */
function unfoldHeads(a: Tensor, n: number, name: string): Tensor {
  if (a.shape.length !== 3) return a;
  const [rows, t, t2] = a.shape;
  if (rows % n !== 0 || t !== t2) throw new Error(`attention value '${name}' has shape ${shapeToString(a.shape)}; a fused attention value must be [N·heads, T, T] with N = ${n}`);
  return tensor([n, rows / n, t, t2], a.data);
}

interface AttentionStack {
  /** One [N, heads, T, T] tensor per layer. */
  layers: Tensor[];
  names: string[];
  n: number;
  heads: number;
  tokens: number;
  grid: [number, number];
  prefix: number;
}

/** Patch grid (gh, gw) with gh·gw = patches and gh : gw = H : W (square patches). */
function patchGrid(patches: number, height: number, width: number): [number, number] {
  const gh = Math.round(Math.sqrt((patches * height) / width));
  const gw = gh > 0 ? patches / gh : 0;
  if (gh < 1 || !Number.isInteger(gw) || Math.abs(height / gh - width / gw) > 1e-9) {
    throw new Error(`cannot lay ${patches} patch tokens on a grid matching a ${height}×${width} input with square patches; check prefixTokens (the CLS and other special tokens before the patches)`);
  }
  return [gh, gw];
}

async function attentionStack(model: Model, inputs: Tensor, options: AttentionOptions, method: string): Promise<AttentionStack> {
  if (inputs.shape.length !== 4) throw new Error(`${method} maps patches onto image inputs [N, C, H, W]; got inputs ${shapeToString(inputs.shape)}`);
  const prefix = options.prefixTokens ?? 1;
  if (!Number.isInteger(prefix) || prefix < 1) throw new Error(`${method}: prefixTokens must be an integer ≥ 1 (the CLS token is token 0); got ${prefix}`);
  const names = options.attentionValues && options.attentionValues.length > 0 ? [...options.attentionValues] : findAttentionValues(model);
  const layers = await readAttention(model, inputs, names);
  const [n, heads, tokens] = layers[0].shape;
  layers.forEach((a, l) => {
    const s = a.shape;
    if (s.length !== 4 || s[0] !== inputs.shape[0] || s[2] !== s[3] || s[1] !== heads || s[2] !== tokens) {
      throw new Error(`${method}: '${names[l]}' has shape ${shapeToString(s)}; every attention value must be [N, heads, T, T] with the same heads and T (${NO_ATTENTION.slice(4)})`);
    }
  });
  if (tokens <= prefix) throw new Error(`${method}: ${tokens} tokens leave no patches after ${prefix} prefix token(s)`);
  const grid = patchGrid(tokens - prefix, inputs.shape[2], inputs.shape[3]);
  return { layers, names, n, heads, tokens, grid, prefix };
}

function layerIndex(requested: number | undefined, count: number, method: string): number {
  const raw = requested ?? -1;
  const l = raw < 0 ? raw + count : raw;
  if (!Number.isInteger(raw) || l < 0 || l >= count) throw new Error(`${method}: attentionLayer ${raw} is out of range; the model has ${count} attention layer(s) (0..${count - 1}, or −1 for the last)`);
  return l;
}

function finish(method: string, inputs: Tensor, patchMap: Tensor, upsample: Upsample, extras: Record<string, unknown>): Attribution {
  const values = upsample === 'none' ? patchMap : resizeMaps(patchMap, inputs.shape[2], inputs.shape[3], upsample);
  return { method, values, extras: { ...extras, patchMap, upsample } };
}

function checkUpsample(method: string, upsample: Upsample): void {
  if (!UPSAMPLE_MODES.includes(upsample)) throw new Error(`${method}: upsample must be one of ${UPSAMPLE_MODES.join(', ')} (got '${String(upsample)}')`);
}

export const attention: Explainer<AttentionOptions> = {
  name: 'attention',
  description: "CLS-token attention to the patches in --attention-layer (default the last), mean over heads or --head, one channel [N, 1, H, W], nearest upsampling; class-agnostic",
  options: ATTENTION_OPTIONS,
  output: 'map',
  needs: { attention: true },
  usesTarget: false,
  usesSeed: false,
  async attribute(model, inputs, options = {}) {
    const method = 'attention';
    const upsample = options.upsample ?? 'nearest';
    checkUpsample(method, upsample);
    const s = await attentionStack(model, inputs, options, method);
    const layer = layerIndex(options.attentionLayer, s.layers.length, method);
    const { head } = options;
    if (head !== undefined && (!Number.isInteger(head) || head < 0 || head >= s.heads)) {
      throw new Error(`${method}: head ${head} is out of range; the attention has ${s.heads} heads (0..${s.heads - 1}); leave it out for the mean over heads`);
    }
    const [gh, gw] = s.grid;
    const patches = gh * gw;
    const L = s.layers.length;
    const cls = new Float32Array(s.n * L * s.heads * patches);
    const map = new Float32Array(s.n * patches);
    for (let i = 0; i < s.n; i++)
      for (let l = 0; l < L; l++)
        for (let h = 0; h < s.heads; h++) {
          // Row 0 (the CLS query) of head h, keys after the prefix tokens.
          const row = ((i * s.heads + h) * s.tokens + 0) * s.tokens + s.prefix;
          for (let p = 0; p < patches; p++) {
            const v = s.layers[l].data[row + p];
            cls[((i * L + l) * s.heads + h) * patches + p] = v;
            if (l === layer && (head === undefined || head === h)) map[i * patches + p] += head === undefined ? v / s.heads : v;
          }
        }
    return finish(method, inputs, tensor([s.n, 1, gh, gw], map), upsample, {
      clsAttention: tensor([s.n, L, s.heads, gh, gw], cls),
      attentionValues: s.names,
      layer,
      head: head ?? 'mean',
    });
  },
};

/** R = A'_upTo·…·A'_0 for one image, A'_l = rownormalise(0.5·mean_h(A_l) + 0.5·I); returns R [T, T] row-major. */
export function rolloutMatrix(layers: readonly Tensor[], image: number, upTo: number): Float64Array {
  const [, heads, t] = layers[0].shape;
  let rollout = new Float64Array(t * t);
  for (let i = 0; i < t; i++) rollout[i * t + i] = 1;
  const mixed = new Float64Array(t * t);
  for (let l = 0; l <= upTo; l++) {
    const a = layers[l].data;
    for (let q = 0; q < t; q++) {
      let sum = 0;
      for (let k = 0; k < t; k++) {
        let mean = 0;
        for (let h = 0; h < heads; h++) mean += a[((image * heads + h) * t + q) * t + k];
        const v = 0.5 * (mean / heads) + (q === k ? 0.5 : 0);
        mixed[q * t + k] = v;
        sum += v;
      }
      for (let k = 0; k < t; k++) mixed[q * t + k] /= sum;
    }
    // Later layers act on the result of earlier ones: R ← A'_l · R.
    const next = new Float64Array(t * t);
    for (let q = 0; q < t; q++)
      for (let m = 0; m < t; m++) {
        const w = mixed[q * t + m];
        if (w === 0) continue;
        for (let k = 0; k < t; k++) next[q * t + k] += w * rollout[m * t + k];
      }
    rollout = next;
  }
  return rollout;
}

export const attentionRollout: Explainer<AttentionOptions> = {
  name: 'attention-rollout',
  description: 'attention rollout (Abnar & Zuidema 2020): product of 0.5·mean-head attention + 0.5·I over layers up to --attention-layer (default all), CLS row over the patches, [N, 1, H, W], nearest upsampling; class-agnostic',
  options: ROLLOUT_OPTIONS,
  output: 'map',
  needs: { attention: true },
  usesTarget: false,
  usesSeed: false,
  async attribute(model, inputs, options = {}) {
    const method = 'attention-rollout';
    const upsample = options.upsample ?? 'nearest';
    checkUpsample(method, upsample);
    if (options.head !== undefined) throw new Error(`${method} averages the heads of every layer (as Abnar & Zuidema do); drop head, or use --method attention for one head`);
    const s = await attentionStack(model, inputs, options, method);
    const upTo = layerIndex(options.attentionLayer, s.layers.length, method);
    const [gh, gw] = s.grid;
    const patches = gh * gw;
    const t = s.tokens;
    const full = new Float32Array(s.n * t * t);
    const map = new Float32Array(s.n * patches);
    for (let i = 0; i < s.n; i++) {
      const r = rolloutMatrix(s.layers, i, upTo);
      full.set(r, i * t * t);
      for (let p = 0; p < patches; p++) map[i * patches + p] = r[s.prefix + p];
    }
    return finish(method, inputs, tensor([s.n, 1, gh, gw], map), upsample, {
      rollout: tensor([s.n, t, t], full),
      attentionValues: s.names,
      layer: upTo,
    });
  },
};
