/**
 * The plain-torch method fixtures in test/fixtures/methods/ (made by
 * bench/reference/make_method_fixtures.py): the `cnn` fixture model, its inputs x, and per-map
 * agreement measures between our attribution maps and the stored references.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readNpy } from '../../src/data/formats/npy.js';
import { OnnxModel } from '../../src/models/model.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { pearson, relativeL2 } from '../../src/tensor/compare.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { sizeOf } from '../../src/tensor/tensor.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'test', 'fixtures', 'methods');

/** The fields every manifest.json has; each test file declares the method entries it reads. */
export interface MethodManifest {
  model: string;
  targets: number[];
}

export interface MethodFixtures<M extends MethodManifest> {
  manifest: M;
  model: OnnxModel;
  x: Tensor;
}

/** Reads manifest.json, the fixture model it names and x.npy. */
export async function loadMethodFixtures<M extends MethodManifest>(): Promise<MethodFixtures<M>> {
  const manifest = JSON.parse(await readFile(join(DIR, 'manifest.json'), 'utf8')) as M;
  const model = new OnnxModel(decodeModel(await readFile(join(ROOT, manifest.model)), manifest.model));
  const x = await readNpy(join(DIR, 'x.npy'));
  return { manifest, model, x };
}

/** A fixture file of test/fixtures/methods/ as a tensor. */
export const readMethodFixture = (file: string): Promise<Tensor> => readNpy(join(DIR, file));

/** Map by map (rows of the batch): Pearson r and relative L2 of our map against the reference. */
export function perMapAgreement(actual: Tensor, expected: Tensor): { r: number; relL2: number }[] {
  expect(actual.shape).toEqual(expected.shape);
  const d = sizeOf(expected.shape.slice(1));
  return Array.from({ length: expected.shape[0] }, (_, i) => {
    const a = actual.data.subarray(i * d, (i + 1) * d);
    const e = expected.data.subarray(i * d, (i + 1) * d);
    return { r: pearson(a, e), relL2: relativeL2(a, e) };
  });
}
