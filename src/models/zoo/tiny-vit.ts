/**
 * A tiny Vision Transformer (Dosovitskiy et al. 2021) for small greyscale micrographs, built from
 * the same ONNX ops a `torch.onnx.export` of a timm ViT uses:
 *
 *   patch embedding   Conv(kernel = stride = patch) → Reshape → Transpose     [N, P, D]
 *   CLS token         Expand([1, 1, D] to the batch) → Concat in front         [N, T, D], T = P + 1
 *   position          Add a learned [1, T, D] embedding
 *   L blocks          x += proj(attention(LN(x)));  x += fc2(GELU(fc1(LN(x))))   (pre-norm)
 *   head              LN → Gather the CLS token → Linear                        [N, classes]
 *
 * Attention is multi-head scaled dot-product attention with one fused QKV projection split into
 * Q, K, V; the softmax over keys of block i is the node `block{i}/attention/probs` with value
 * `block{i}/attention/probs_out` of shape [N, heads, T, T] (token 0 is the CLS token, tokens
 * 1…P the patches in row-major order). GELU is exact: 0.5·x·(1 + erf(x/√2)).
 *
 * Weights are seeded: PyTorch's default for the linear layers and the patch Conv, N(0, 0.02²) for
 * the CLS token and position embedding (timm), LayerNorm scale 1 and bias 0.
 */
import type { Graph } from '../../onnx/graph.js';
import { attr } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';

export interface TinyVitOptions {
  channels?: number;
  /** Image height and width (default 32). */
  size?: number;
  /** Patch side; must divide size (default 4). */
  patch?: number;
  /** Token width D (default 32). */
  dim?: number;
  /** Transformer blocks L (default 2). */
  depth?: number;
  /** Attention heads; must divide dim (default 2). */
  heads?: number;
  /** MLP hidden width as a multiple of dim (default 2). */
  mlpRatio?: number;
  classes?: number;
  seed?: number;
}

/**
 * ViT-Ti/16 at 224² (DeiT-Ti's size: Touvron et al. 2021; width 192, 12 blocks of 3 heads, MLP 4×,
 * 196 patches + CLS, 1000 classes; 5,717,416 parameters, as timm's deit_tiny_patch16_224): the
 * benchmark's transformer. The same builder, only bigger: nothing in it is specific to small sizes.
 */
export const VIT_TI_16: Readonly<TinyVitOptions> = { channels: 3, size: 224, patch: 16, dim: 192, depth: 12, heads: 3, mlpRatio: 4, classes: 1000 };

/** The attention-probability values of a tiny ViT with `depth` blocks, in block order. */
export function tinyVitAttentionValues(depth: number): string[] {
  return Array.from({ length: depth }, (_, i) => `block${i}/attention/probs_out`);
}

export function tinyVit(options: TinyVitOptions = {}): Graph {
  const { channels = 1, size = 32, patch = 4, dim = 32, depth = 2, heads = 2, mlpRatio = 2, classes = 2, seed = 0 } = options;
  if (!Number.isInteger(patch) || patch < 1 || size % patch !== 0) throw new Error(`tinyVit: patch ${patch} must divide the image size ${size}`);
  if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0) throw new Error(`tinyVit: heads ${heads} must divide dim ${dim}`);
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`tinyVit: depth must be a positive integer (got ${depth})`);
  const grid = size / patch;
  const patches = grid * grid;
  const tokens = patches + 1;
  const b = new ModelBuilder('tiny-vit', seed);
  const e = b.editor;
  const int64 = (values: number[]) => e.constInt64(values);

  const image = b.input('input', [channels, size, size]);
  const embedded = b.conv(image, 'patch_embed', dim, { kernel: patch, stride: patch });
  const flat = b.op('Reshape', 'patch_embed/flatten', [embedded, int64([0, dim, patches])], [-1, dim, patches]);
  const patchTokens = b.op('Transpose', 'patch_embed/tokens', [flat], [-1, patches, dim], { perm: attr.ints([0, 2, 1]) });

  // The CLS token reaches the run-time batch size the way torch exports `cls.expand(N, -1, -1)`.
  const cls = b.learned('cls_token', [1, 1, dim], 0.02);
  const firstToken = b.op('Slice', 'cls_token/like', [patchTokens, int64([0]), int64([1]), int64([1])], [-1, 1, dim]);
  const clsShape = b.op('Shape', 'cls_token/shape', [firstToken], [3]);
  const clsBatch = b.op('Expand', 'cls_token/expand', [cls, clsShape], [-1, 1, dim]);
  const sequence = b.op('Concat', 'tokens', [clsBatch, patchTokens], [-1, tokens, dim], { axis: attr.int(1) });
  const position = b.learned('pos_embed', [1, tokens, dim], 0.02);
  let x = b.op('Add', 'pos_embed/add', [sequence, position], [-1, tokens, dim]);

  for (let i = 0; i < depth; i++) {
    x = b.op('Add', `block${i}/residual1`, [x, attention(b, b.layerNorm(x, `block${i}/norm1`), `block${i}/attention`, tokens, dim, heads)], [-1, tokens, dim]);
    x = b.op('Add', `block${i}/residual2`, [x, mlp(b, b.layerNorm(x, `block${i}/norm2`), `block${i}/mlp`, dim * mlpRatio, dim)], [-1, tokens, dim]);
  }
  const normed = b.layerNorm(x, 'norm');
  const clsOut = b.op('Gather', 'cls_output', [normed, e.constInt64([0], [])], [-1, dim], { axis: attr.int(1) });
  return b.output(b.linear(clsOut, 'head', classes, { centred: true }));
}

/** Multi-head self-attention on [N, T, D]: softmax(Q Kᵀ / √d_head) V per head, then the output projection. */
function attention(b: ModelBuilder, x: string, name: string, tokens: number, dim: number, heads: number): string {
  const e = b.editor;
  const headDim = dim / heads;
  const qkv = b.dense(x, `${name}/qkv`, 3 * dim);
  const [q, k, v] = e.node('Split', [qkv, e.constInt64([dim, dim, dim])], { axis: attr.int(2) }, 3, `${name}/split`);
  // [N, T, D] → [N, T, heads, d_head] → per-head layouts.
  const perHead = (value: string, part: string, perm: number[], shape: number[]) => {
    const split = b.op('Reshape', `${name}/${part}_heads`, [value, e.constInt64([0, tokens, heads, headDim])], [-1, tokens, heads, headDim]);
    return b.op('Transpose', `${name}/${part}_layout`, [split], shape, { perm: attr.ints(perm) });
  };
  const query = perHead(q, 'q', [0, 2, 1, 3], [-1, heads, tokens, headDim]);
  const keyT = perHead(k, 'k', [0, 2, 3, 1], [-1, heads, headDim, tokens]);
  const value = perHead(v, 'v', [0, 2, 1, 3], [-1, heads, tokens, headDim]);
  const scores = b.op('MatMul', `${name}/scores`, [query, keyT], [-1, heads, tokens, tokens]);
  const scaled = b.op('Mul', `${name}/scaled`, [scores, e.constFloat([1 / Math.sqrt(headDim)])], [-1, heads, tokens, tokens]);
  const probs = b.op('Softmax', `${name}/probs`, [scaled], [-1, heads, tokens, tokens], { axis: attr.int(-1) });
  const context = b.op('MatMul', `${name}/context`, [probs, value], [-1, heads, tokens, headDim]);
  const merged = b.op('Transpose', `${name}/context_layout`, [context], [-1, tokens, heads, headDim], { perm: attr.ints([0, 2, 1, 3]) });
  const joined = b.op('Reshape', `${name}/merge_heads`, [merged, e.constInt64([0, tokens, dim])], [-1, tokens, dim]);
  return b.dense(joined, `${name}/proj`, dim);
}

/** fc1 → exact GELU → fc2. */
function mlp(b: ModelBuilder, x: string, name: string, hidden: number, dim: number): string {
  const e = b.editor;
  const h = b.dense(x, `${name}/fc1`, hidden);
  const shape = b.shape(h);
  const erf = b.op('Erf', `${name}/gelu/erf`, [b.op('Div', `${name}/gelu/scale`, [h, e.constFloat([Math.SQRT2])], shape)], shape);
  const gate = b.op('Add', `${name}/gelu/one_plus`, [erf, e.constFloat([1])], shape);
  const gelu = b.op('Mul', `${name}/gelu`, [b.op('Mul', `${name}/gelu/half`, [h, e.constFloat([0.5])], shape), gate], shape);
  return b.dense(gelu, `${name}/fc2`, dim);
}
