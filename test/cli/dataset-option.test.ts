/**
 * `--dataset NAME` on the commands that read images: a file holding several image datasets (a
 * Velox EMD with a HAADF and a DF4 image) is refused with its datasets listed until one is named;
 * the named one is what the model sees; inspect lists them; a one-array file refuses the flag.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { readEmd } from '../../src/data/formats/emd.js';
import { AmbiguousDatasetError, readArrayFile } from '../../src/data/formats/registry.js';
import { readImages } from '../../src/cli/inputs.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { reshape } from '../../src/tensor/tensor.js';
import { linearModel, tempDir, uniformValues } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const EMD = fileURLToPath(new URL('../fixtures/formats/emd/velox-2datasets.emd', import.meta.url));
const HAADF = '/Data/Image/a1b2c3d4e5f60718293a4b5c6d7e8f90/Data';
const DF4 = '/Data/Image/0f1e2d3c4b5a69788796a5b4c3d2e1f0/Data';
const dirP = tempDir('trustscope-dataset-');
let path: (name: string) => string;

beforeAll(async () => {
  path = (await dirP).path;
  copyFileSync(EMD, path('v.emd'));
  await saveOnnxGraph(path('linear.onnx'), linearModel([1, 3, 4], uniformValues(2 * 12, 9), [0.2, -0.3]));
});
afterAll(async () => (await dirP).cleanup());

describe('the registry: several datasets', () => {
  it('refuses to guess when asked, listing the image datasets; a named one (path or detector) is read', async () => {
    const err = await readArrayFile(path('v.emd'), { refuseSeveralDatasets: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousDatasetError);
    expect((err as Error).message).toBe(`${path('v.emd')} holds 2 image datasets: ${DF4} (DF4) [1, 5, 2] float32, ${HAADF} (HAADF) [1, 3, 4] uint16`);
    const byDetector = await readArrayFile(path('v.emd'), { dataset: 'HAADF', refuseSeveralDatasets: true });
    const byPath = await readArrayFile(path('v.emd'), { dataset: HAADF });
    expect(byDetector.values).toEqual(byPath.values);
    expect(byDetector.values.shape).toEqual([1, 3, 4]);
    // the library's default (no refusal asked) is unchanged: the first image
    expect((await readArrayFile(path('v.emd'))).metadata.dataset).toBe(DF4);
  });

  it('a dataset named for a one-array file is an error naming the formats that hold several', async () => {
    await writeNpy(path('x.npy'), reshape((await readEmd(readFileSync(EMD), 'v.emd', { dataset: HAADF })).values, [1, 3, 4]));
    await expect(readArrayFile(path('x.npy'), { dataset: 'HAADF' })).rejects.toThrow(/x\.npy: a dataset \('HAADF'\) was named, but a npy file holds one array; only emd \(\.emd, \.h5, \.hdf5\) files hold several/);
  });

  it('readImages passes the dataset through to every file of a folder', async () => {
    const r = await readImages(path('v.emd'), [1, 3, 4], { kind: 'none' }, { dataset: 'HAADF' });
    expect(r.batch.shape).toEqual([1, 1, 3, 4]);
    await expect(readImages(path('v.emd'), [1, 3, 4], { kind: 'none' })).rejects.toThrow(/holds 2 image datasets: .*; choose one with --dataset NAME$/);
  });
});

describe('--dataset on the command line', () => {
  it('explain: refused without it (one line listing both datasets), and with it the same maps as the dataset saved as .npy', async () => {
    const base = ['explain', '--model', path('linear.onnx'), '--method', 'saliency', '--normalise', 'none'];
    const refused = await runCli([...base, '--input', path('v.emd'), '--out', path('e0')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toHaveLength(1);
    expect(refused.stderr[0]).toMatch(/^trustscope: .*v\.emd holds 2 image datasets: .*\(DF4\).*\(HAADF\).*; choose one with --dataset NAME$/);
    const emd = await runCli([...base, '--input', path('v.emd'), '--dataset', 'HAADF', '--out', path('e1')]);
    expect(emd.stderr).toEqual([]);
    expect(emd.code).toBe(0);
    const npy = await runCli([...base, '--input', path('x.npy'), '--out', path('e2')]);
    expect(npy.code).toBe(0);
    const [a, b] = [await readNpy(join(path('e1'), 'attributions.npy')), await readNpy(join(path('e2'), 'attributions.npy'))];
    expect(a.data.length).toBe(12);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(JSON.parse(readFileSync(join(path('e1'), 'run.json'), 'utf8')).arguments).toContain('--dataset');
  });

  it('inspect lists the datasets and shows the named one; convert writes the named one', async () => {
    const r = await runCli(['inspect', path('v.emd')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('datasets (choose with --dataset NAME; * = shown above):');
    expect(r.stdout).toContain(`    * ${DF4} (DF4) [1, 5, 2] float32`);
    expect(r.stdout).toContain(`    - ${HAADF} (HAADF) [1, 3, 4] uint16`);
    const h = await runCli(['inspect', '--dataset', 'HAADF', '--json', path('v.emd'), path('x.npy')]);
    const [emd, npy] = h.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(emd).toMatchObject({ dtype: 'uint16', shape: [1, 3, 4], dataset: HAADF });
    expect(emd.datasets.map((d: { label: string }) => d.label)).toEqual(['DF4', 'HAADF']);
    expect(npy.datasets).toBeUndefined();
    const c = await runCli(['convert', '--input', path('v.emd'), '--dataset', 'HAADF', '--out', path('c')]);
    expect(c.code).toBe(0);
    expect(JSON.parse(readFileSync(join(path('c'), 'axes.json'), 'utf8'))).toMatchObject({ dtype: 'uint16', shape: [1, 3, 4] });
    const refused = await runCli(['convert', '--input', path('v.emd'), '--out', path('c2')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr[0]).toMatch(/choose one with --dataset NAME$/);
  });
});
