/**
 * Every model family users export (test/fixtures/families/, written by
 * bench/reference/make_family_fixtures.py with torch.onnx.export at opsets 11, 13, 14 and 17) loads
 * and differentiates: the forward output equals torch's within float32 rounding and the input
 * gradient matches torch autograd (Pearson r ≥ 0.999 and relative L2 ≤ 1e-3), as do integrated
 * gradients (Captum's defaults) and the last feature map's gradient (Grad-CAM's) where the fixture
 * has them. Classifiers and the
 * regressor go through OnnxModel (the path every method takes); the dense [N, 2, H, W] outputs of
 * the U-Net and the segmentation head are differentiated at the onnx layer (buildGradientGraph +
 * an ORT session). Exports with dynamic H/W axes are specialised to the data's size first
 * (loadOnnxModel's inputShape option, withInputShape).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { readNpy } from '../../src/data/formats/npy.js';
import { OnnxModel } from '../../src/models/model.js';
import { loadOnnxModel } from '../../src/models/import/onnx-file.js';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { withInputShape } from '../../src/onnx/input-shape.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { createSession } from '../../src/onnx/runtime.js';
import { pearson, relativeL2 } from '../../src/tensor/compare.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const ROOT = fileURLToPath(new URL('../fixtures/families/', import.meta.url));
const FIXTURES = readdirSync(ROOT).sort();

/** float32 rounding through a few dozen layers (the torch fixtures measure ~1e-7). */
const FORWARD_TOLERANCE = 1e-5;
const GRADIENT = { r: 0.999, relativeL2: 1e-3 };

interface Meta {
  family: string;
  opset: number;
  input_shape: number[];
  output_shape: number[];
  dense: boolean;
  dynamic_spatial: boolean;
  /** Captum IntegratedGradients settings of ig.npy (classifiers and the regressor). */
  ig: { target: number[]; steps: number; method: 'gausslegendre'; baseline: 0 } | null;
}

async function arrays(dir: string) {
  return {
    x: await readNpy(join(dir, 'x.npy')),
    output: await readNpy(join(dir, 'output.npy')),
    cotangent: await readNpy(join(dir, 'cotangent.npy')),
    inputGrad: await readNpy(join(dir, 'input_grad.npy')),
  };
}

function expectClose(label: string, actual: Tensor, expected: Tensor, tolerance: number): number {
  expect(actual.shape, label).toEqual(expected.shape);
  const err = relativeL2(actual.data, expected.data);
  worst.forward = Math.max(worst.forward, err);
  expect(err, label).toBeLessThanOrEqual(tolerance);
  return err;
}

/** Worst errors seen, printed with TRUSTSCOPE_PRINT_ERRORS=1 for the record. */
const worst = { forward: 0, gradient: 0, ig: 0, r: 1 };

function expectGradient(actual: Tensor, expected: Tensor, kind: 'gradient' | 'ig' = 'gradient'): void {
  expect(actual.shape).toEqual(expected.shape);
  const r = pearson(actual.data, expected.data);
  const err = relativeL2(actual.data, expected.data);
  worst.r = Math.min(worst.r, r);
  worst[kind] = Math.max(worst[kind], err);
  expect(r).toBeGreaterThanOrEqual(GRADIENT.r);
  expect(err).toBeLessThanOrEqual(GRADIENT.relativeL2);
}

afterAll(() => {
  if (process.env.TRUSTSCOPE_PRINT_ERRORS) console.log(`families: worst forward ${worst.forward.toExponential(1)}, input gradient ${worst.gradient.toExponential(1)}, IG ${worst.ig.toExponential(1)}, lowest r ${worst.r.toFixed(7)}`);
});

describe.each(FIXTURES)('family fixture %s', (name) => {
  const dir = join(ROOT, name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;

  if (meta.dense) {
    it('dense output: forward and input gradient (buildGradientGraph) match torch', async () => {
      const f = await arrays(dir);
      const file = decodeModel(readFileSync(join(dir, 'model.onnx')), `${name}/model.onnx`);
      const graph = meta.dynamic_spatial ? withInputShape(file, f.x.shape.slice(1)) : file;
      const g = buildGradientGraph(graph, { outputs: ['output'], wrt: ['input'] });
      const session = await createSession(g.graph);
      const out = await session.run({ input: f.x, [g.cotangents[0]]: f.cotangent });
      expectClose('forward', out.output, f.output, FORWARD_TOLERANCE);
      expectGradient(out[g.gradients[0]], f.inputGrad);
    });
    return;
  }

  it('forward and input gradient (OnnxModel.vjp) match torch', async () => {
    const f = await arrays(dir);
    const path = join(dir, 'model.onnx');
    const model = meta.dynamic_spatial
      ? await loadOnnxModel(path, { inputShape: f.x.shape.slice(1) })
      : new OnnxModel(decodeModel(readFileSync(path), `${name}/model.onnx`));
    expectClose('forward', await model.forward(f.x), f.output, FORWARD_TOLERANCE);
    const { output, inputGrad } = await model.vjp(f.x, f.cotangent);
    expectClose('vjp output', output, f.output, FORWARD_TOLERANCE);
    expectGradient(inputGrad, f.inputGrad);
    if (existsSync(join(dir, 'feature.npy'))) {
      // Grad-CAM's path: the gradient w.r.t. the feature map that feeds the global pooling.
      const pool = (model as OnnxModel).graph.nodes.find((n) => n.opType === 'GlobalAveragePool');
      expect(pool, 'a GlobalAveragePool reads the last feature map').toBeDefined();
      const { activation, grad } = await model.layerVjp(f.x, pool!.inputs[0], f.cotangent);
      expectClose('feature map', activation, await readNpy(join(dir, 'feature.npy')), FORWARD_TOLERANCE);
      expectGradient(grad, await readNpy(join(dir, 'feature_grad.npy')));
    }
    if (meta.ig) {
      // Integrated gradients with Captum's defaults (torch autograd at each Gauss–Legendre node in make_family_fixtures.py).
      const ig = await integratedGradients.attribute(model, f.x, { target: meta.ig.target, steps: meta.ig.steps, rule: meta.ig.method });
      expectGradient(ig.values, await readNpy(join(dir, 'ig.npy')), 'ig');
    }
  });
});
