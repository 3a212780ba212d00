/**
 * Grad-CAM and Grad-CAM++ against references written here: Captum's own test model and expected
 * maps, linear heads whose layer gradients are the head's weights (so the weights have closed
 * forms), loops over model.layerVjp on the tiny CNN, and torch's interpolation formulas as loops.
 */
import { describe, expect, it } from 'vitest';
import { gradCam, gradCamPlusPlus, resizeMaps } from '../../src/attribution/grad-cam.js';
import { getExplainer } from '../../src/attribution/registry.js';
import { OnnxModel } from '../../src/models/model.js';
import type { Model } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import type { Graph } from '../../src/onnx/graph.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { oneHot, tensor } from '../../src/tensor/tensor.js';
import { maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';
import { captumOneConv } from '../helpers/captum-models.js';

/**
 * x [N, C, H, W] → 'mix' (a 1×1 identity Conv, so mix_out = x is an addressable 4-D layer) →
 * head → logits. head 'flatten': Flatten + Gemm(W [K, C·H·W]), so ∂y_t/∂A = W[t] reshaped;
 * head 'gap': GlobalAveragePool + Flatten + Gemm(W [K, C]), so ∂y_t/∂A_k = W[t, k] / (H·W) everywhere.
 */
function linearHead(c: number, h: number, w: number, k: number, head: 'flatten' | 'gap', weights: Float32Array): Graph {
  const e = new GraphEditor(`linear-${head}`);
  const x = e.input('x', ['N', c, h, w]);
  const eye = new Float32Array(c * c);
  for (let i = 0; i < c; i++) eye[i * c + i] = 1;
  e.initializer('mix.weight', floatTensorValue([c, c, 1, 1], eye));
  const mix = e.op('Conv', [x, 'mix.weight'], { kernel_shape: attr.ints([1, 1]) }, 'mix');
  const pooled = head === 'gap' ? e.op('GlobalAveragePool', [mix], {}, 'gap') : mix;
  const flat = e.op('Flatten', [pooled], { axis: attr.int(1) }, 'flatten');
  const d = head === 'gap' ? c : c * h * w;
  e.initializer('fc.weight', floatTensorValue([k, d], weights));
  e.initializer('fc.bias', floatTensorValue([k], new Float32Array(k)));
  const y = e.op('Gemm', [flat, 'fc.weight', 'fc.bias'], { transB: attr.int(1) }, 'fc');
  e.output(y, ['N', k]);
  return e.build();
}

/** torch's legacy 'nearest' (src = floor(dst · in/out)) as a loop over output pixels. */
function nearestByHand(map: ArrayLike<number>, h: number, w: number, H: number, W: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const sy = Math.min(h - 1, Math.floor((y * h) / H));
      const sx = Math.min(w - 1, Math.floor((x * w) / W));
      out.push(map[sy * w + sx]);
    }
  return out;
}

/** torch's bilinear with align_corners=False: src = max(0, (dst + ½)·in/out − ½), taps clamped at the border. */
function bilinearByHand(map: ArrayLike<number>, h: number, w: number, H: number, W: number): number[] {
  const coord = (d: number, inSize: number, outSize: number) => Math.max(0, ((d + 0.5) * inSize) / outSize - 0.5);
  const at = (y: number, x: number) => map[Math.min(y, h - 1) * w + Math.min(x, w - 1)];
  const out: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const sy = coord(y, h, H);
      const sx = coord(x, w, W);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const dy = sy - y0;
      const dx = sx - x0;
      out.push((1 - dy) * (1 - dx) * at(y0, x0) + (1 - dy) * dx * at(y0, x0 + 1) + dy * (1 - dx) * at(y0 + 1, x0) + dy * dx * at(y0 + 1, x0 + 1));
    }
  return out;
}

/** Grad-CAM and Grad-CAM++ maps [N·h·w] from the layer's activation and gradient, as plain loops. */
async function camByHand(model: Model, x: Tensor, layer: string, cot: Tensor, plusPlus: boolean): Promise<{ map: number[]; h: number; w: number }> {
  const { activation: A, grad: G } = await model.layerVjp(x, layer, cot);
  const [n, c, h, w] = A.shape;
  const P = h * w;
  const map: number[] = [];
  for (let i = 0; i < n; i++) {
    const weight: number[] = [];
    for (let k = 0; k < c; k++) {
      const base = (i * c + k) * P;
      let S = 0;
      for (let j = 0; j < P; j++) S += A.data[base + j];
      let wk = 0;
      for (let j = 0; j < P; j++) {
        const g = G.data[base + j];
        if (!plusPlus) wk += g / P;
        else if (g !== 0) wk += Math.max(g, 0) * ((g * g) / (2 * g * g + S * g * g * g));
      }
      weight.push(wk);
    }
    for (let j = 0; j < P; j++) map.push(weight.reduce((s, wk, k) => s + wk * A.data[(i * c + k) * P + j], 0));
  }
  return { map, h, w };
}

describe('grad-cam: Captum LayerGradCam test cases', () => {
  const model = new OnnxModel(captumOneConv());
  const x = tensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i));

  it('on conv1 gives [[11.25, 13.5], [20.25, 22.5]] at layer resolution', async () => {
    const a = await gradCam.attribute(model, x, { layer: 'conv1_out', target: 0, upsample: 'none' });
    expect(a.method).toBe('grad-cam');
    expect(a.values.shape).toEqual([1, 1, 2, 2]);
    expect(maxAbsDiff(a.values.data, [11.25, 13.5, 20.25, 22.5])).toBeLessThan(1e-4);
    expect(a.targets).toEqual([0]);
    // α = mean gradient per channel: (0 + 1 + 1 + 1)/4 and (0 + 0 − 1 − 1)/4.
    expect(Array.from((a.extras!.channelWeights as Tensor).data)).toEqual([0.75, -0.5]);
  });

  it('on relu1 gives [[0, 4], [28, 32.5]], and a node name addresses its output', async () => {
    const a = await gradCam.attribute(model, x, { layer: 'relu1', target: 0, upsample: 'none' });
    expect(a.extras!.layer).toBe('relu1_out');
    expect(maxAbsDiff(a.values.data, [0, 4, 28, 32.5])).toBeLessThan(1e-4);
  });

  it('upsamples to the input size with nearest by default, keeping the layer map in extras', async () => {
    const a = await gradCam.attribute(model, x, { layer: 'conv1', target: 0 });
    expect(a.values.shape).toEqual([1, 1, 4, 4]);
    expect(Array.from(a.values.data)).toEqual(nearestByHand([11.25, 13.5, 20.25, 22.5], 2, 2, 4, 4));
    expect(Array.from(a.values.data.subarray(0, 4))).toEqual([11.25, 11.25, 13.5, 13.5]);
    const layerMap = a.extras!.layerMap as Tensor;
    expect(layerMap.shape).toEqual([1, 1, 2, 2]);
    expect(maxAbsDiff(layerMap.data, [11.25, 13.5, 20.25, 22.5])).toBeLessThan(1e-4);
  });
});

describe('grad-cam: linear heads', () => {
  const [C, H, W, K] = [3, 4, 5, 2];
  const P = H * W;
  const Wf = uniformValues(K * C * P, 11, -1, 1);
  const flatModel = new OnnxModel(linearHead(C, H, W, K, 'flatten', Wf));
  const x = randomTensor([2, C, H, W], 12, -1, 1);
  const targets = [1, 0];

  /** Grad-CAM on the flatten head: α_k = mean_ij W[t, k, ij], map = Σ_k α_k x_k (mix_out = x). */
  function flatReference(relu: boolean): number[] {
    const out: number[] = [];
    targets.forEach((t, i) => {
      const alpha = Array.from({ length: C }, (_, k) => Wf.subarray((t * C + k) * P, (t * C + k + 1) * P).reduce((s, v) => s + v, 0) / P);
      for (let j = 0; j < P; j++) {
        const s = alpha.reduce((acc, a, k) => acc + a * x.data[(i * C + k) * P + j], 0);
        out.push(relu ? Math.max(0, s) : s);
      }
    });
    return out;
  }

  it('keeps negative evidence by default and clips it with relu: true', async () => {
    const signed = await gradCam.attribute(flatModel, x, { layer: 'mix_out', target: targets, upsample: 'none' });
    const clipped = await gradCam.attribute(flatModel, x, { layer: 'mix_out', target: targets, upsample: 'none', relu: true });
    const expected = flatReference(false);
    expect(expected.some((v) => v < 0) && expected.some((v) => v > 0)).toBe(true);
    expect(maxAbsDiff(signed.values.data, expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(clipped.values.data, flatReference(true))).toBeLessThan(1e-5);
    expect(Math.min(...clipped.values.data)).toBe(0);
  });

  it('Grad-CAM++ on a GAP head has weights ReLU(W_tk) / (2 + W_tk · mean(A_k))', async () => {
    // ∂y_t/∂A_kij = W_tk / P everywhere, so a = 1 / (2 + S_k W_tk / P) and w_k = P · ReLU(W_tk / P) · a.
    const Wg = Float32Array.from([0.9, -0.4, 0.3, -0.7, 0.5, 1.2]);
    const gap = new OnnxModel(linearHead(C, H, W, K, 'gap', Wg));
    const xs = randomTensor([2, C, H, W], 13, 0, 2);
    const a = await gradCamPlusPlus.attribute(gap, xs, { layer: 'mix_out', target: targets, upsample: 'none' });
    expect(a.method).toBe('grad-cam-pp');
    const weights: number[] = [];
    const map: number[] = [];
    targets.forEach((t, i) => {
      const wk = Array.from({ length: C }, (_, k) => {
        let mean = 0;
        for (let j = 0; j < P; j++) mean += xs.data[(i * C + k) * P + j] / P;
        return Math.max(0, Wg[t * C + k]) / (2 + Wg[t * C + k] * mean);
      });
      weights.push(...wk);
      for (let j = 0; j < P; j++) map.push(wk.reduce((s, w, k) => s + w * xs.data[(i * C + k) * P + j], 0));
    });
    expect(weights.filter((w) => w === 0).length).toBe(2); // the negative W_tk (one per target row) drop out
    expect(maxAbsDiff((a.extras!.channelWeights as Tensor).data, weights)).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.values.data, map)).toBeLessThan(1e-5);
  });

  it('Grad-CAM++ on a flatten head weighs each position by ReLU(W) / (2 + S_k W)', async () => {
    const a = await gradCamPlusPlus.attribute(flatModel, x, { layer: 'mix_out', target: targets, upsample: 'none' });
    const ref = await camByHand(flatModel, x, 'mix_out', oneHot(targets, K), true);
    const map: number[] = [];
    targets.forEach((t, i) => {
      const wk = Array.from({ length: C }, (_, k) => {
        let S = 0;
        for (let j = 0; j < P; j++) S += x.data[(i * C + k) * P + j];
        let sum = 0;
        for (let j = 0; j < P; j++) {
          const g = Wf[(t * C + k) * P + j];
          if (g > 0) sum += g / (2 + S * g);
        }
        return sum;
      });
      for (let j = 0; j < P; j++) map.push(wk.reduce((s, w, k) => s + w * x.data[(i * C + k) * P + j], 0));
    });
    expect(maxAbsDiff(a.values.data, map)).toBeLessThan(1e-4);
    expect(maxAbsDiff(ref.map, map)).toBeLessThan(1e-4);
  });
});

describe('grad-cam: upsampling as torch.nn.functional.interpolate', () => {
  const square = tensor([1, 1, 2, 2], [1, 2, 3, 4]);

  it('matches torch on a 2×2 map (bilinear to 4×4, nearest to 3×3)', () => {
    expect(Array.from(resizeMaps(square, 4, 4, 'bilinear').data)).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
    expect(Array.from(resizeMaps(square, 3, 3, 'nearest').data)).toEqual([1, 1, 2, 1, 1, 2, 3, 3, 4]);
  });

  it('matches the formulas as loops for integer, fractional and shrinking factors', () => {
    const maps = randomTensor([2, 3, 5, 7], 21, -1, 1);
    for (const [H, W] of [[10, 14], [7, 9], [13, 8], [3, 4], [5, 7]] as const) {
      for (const mode of ['nearest', 'bilinear'] as const) {
        const out = resizeMaps(maps, H, W, mode);
        expect(out.shape).toEqual([2, 3, H, W]);
        const expected: number[] = [];
        for (let p = 0; p < 6; p++) {
          const plane = maps.data.subarray(p * 35, (p + 1) * 35);
          expected.push(...(mode === 'nearest' ? nearestByHand(plane, 5, 7, H, W) : bilinearByHand(plane, 5, 7, H, W)));
        }
        expect(maxAbsDiff(out.data, expected)).toBeLessThan(1e-6);
      }
    }
  });
});

describe('grad-cam: tiny CNN', () => {
  const model = new OnnxModel(tinyCnn({ size: 32, seed: 5 }));
  const x = randomTensor([3, 1, 32, 32], 6);
  const targets = [1, 0, 1];

  it('equals Σ_k mean(∂y/∂A_k)·A_k computed from model.layerVjp, upsampled 16×16 → 32×32', async () => {
    const ref = await camByHand(model, x, 'relu2_out', oneHot(targets, 2), false);
    expect([ref.h, ref.w]).toEqual([16, 16]);
    for (const upsample of ['none', 'nearest', 'bilinear'] as const) {
      const a = await gradCam.attribute(model, x, { layer: 'relu2_out', target: targets, upsample });
      expect(maxAbsDiff((a.extras!.layerMap as Tensor).data, ref.map)).toBeLessThan(1e-5);
      const side = upsample === 'none' ? 16 : 32;
      expect(a.values.shape).toEqual([3, 1, side, side]);
      const expected: number[] = [];
      for (let i = 0; i < 3; i++) {
        const plane = ref.map.slice(i * 256, (i + 1) * 256);
        expected.push(...(upsample === 'none' ? plane : upsample === 'nearest' ? nearestByHand(plane, 16, 16, 32, 32) : bilinearByHand(plane, 16, 16, 32, 32)));
      }
      expect(maxAbsDiff(a.values.data, expected)).toBeLessThan(1e-5);
    }
  });

  it('Grad-CAM++ equals the g²/(2g² + S·g³) form computed from model.layerVjp', async () => {
    const ref = await camByHand(model, x, 'conv2_out', oneHot(targets, 2), true);
    const a = await gradCamPlusPlus.attribute(model, x, { layer: 'conv2', target: targets, upsample: 'none' });
    const scale = Math.max(...ref.map.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    expect(maxAbsDiff(a.values.data, ref.map) / scale).toBeLessThan(1e-5);
  });

  it('explains the predicted class by default and is registered under its names', async () => {
    const a = await gradCam.attribute(model, x, { layer: 'relu2_out' });
    const logits = await model.forward(x);
    expect(a.targets).toEqual([0, 1, 2].map((i) => (logits.data[2 * i + 1] > logits.data[2 * i] ? 1 : 0)));
    expect(getExplainer('grad-cam')).toBe(gradCam);
    expect(getExplainer('grad-cam-pp')).toBe(gradCamPlusPlus);
  });

  it('returns empty maps for an empty batch', async () => {
    const a = await gradCam.attribute(model, tensor([0, 1, 32, 32]), { layer: 'relu2_out' });
    expect(a.values.shape).toEqual([0, 1, 32, 32]);
    expect((a.extras!.layerMap as Tensor).shape).toEqual([0, 1, 16, 16]);
  });

  it('explains clearly what is wrong with the layer', async () => {
    await expect(gradCam.attribute(model, x, {})).rejects.toThrow(/grad-cam needs options\.layer.*trustscope layers/);
    await expect(gradCamPlusPlus.attribute(model, x, { layer: 'nope' })).rejects.toThrow(/unknown layer 'nope'.*trustscope layers/);
    await expect(gradCam.attribute(model, x, { layer: 'fc1_out' })).rejects.toThrow(/needs a 4-D layer \[N, C, h, w\]; 'fc1_out' has shape \[N, 32\]/);
    await expect(gradCam.attribute(model, x, { layer: 'relu2_out', upsample: 'cubic' as never })).rejects.toThrow(/upsample must be one of none, nearest, bilinear/);
  });
});
