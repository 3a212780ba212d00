/** `trustscope structure-property` on a user's paired arrays: the JSON fields, the page, the models; bad input is one line. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/data/formats/npy.js';
import { plasmonicClusters } from '../../src/data/synthetic/plasmonic-clusters.js';
import { tensor } from '../../src/tensor/tensor.js';
import { expectUserErrors, runCli } from './cli-harness.js';

describe('trustscope structure-property', () => {
  let dir = '';
  const f = (name: string) => join(dir, name);
  const n = 60;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trustscope-structprop-'));
    const c = plasmonicClusters({ count: n, seed: 2, size: 16, bins: 16, particleCounts: [1, 2], radiusRange: [1.5, 2.5], gapRange: [0.5, 1.5], heldOut: { radius: [1.9, 2.1], gap: [0.5, 1.5] } });
    await writeNpy(f('images.npy'), tensor([n, 16, 16], c.images.data));
    await writeNpy(f('spectra.npy'), c.spectra);
    await writeNpy(f('wavelengths.npy'), tensor([16], c.wavelengths));
    await writeNpy(f('held.npy'), tensor([n], c.heldOut.map((h, i) => (h || i % 5 === 0 ? 1 : 0))));
    await writeNpy(f('labels.npy'), tensor([n], c.geometry.map((g) => g.particles)));
    await writeNpy(f('bright.npy'), tensor([n, 16, 16], c.images.data.map((v) => 100 * v)));
    await writeNpy(f('short.npy'), tensor([n - 1, 16], new Float32Array((n - 1) * 16)));
    await writeNpy(f('odd.npy'), tensor([n, 10, 10], new Float32Array(n * 100)));
    await writeFile(f('pairs.json'), JSON.stringify({ images: 'images.npy', spectra: 'spectra.npy', heldOut: 'held.npy', wavelengths: 'wavelengths.npy' }));
    await writeFile(f('pairs-bad.json'), JSON.stringify({ images: 'images.npy', spectrum: 'spectra.npy' }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains, scores and reports on paired user arrays', async () => {
    const out = f('run');
    const r = await runCli(['structure-property', '--images', f('images.npy'), '--spectra', f('spectra.npy'), '--wavelengths', f('wavelengths.npy'), '--held-out', f('held.npy'), '--labels', f('labels.npy'), '--epochs', '1', '--latent', '2', '--spec2im-latents', '2', '--quiet', '--out', out]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/im2spec +held-out MSE/);
    const json = JSON.parse(await readFile(join(out, 'structure-property.json'), 'utf8'));
    for (const k of ['heldOutMse', 'meanBaselineMse', 'nnBaselineMse']) {
      expect(Number.isFinite(json.im2spec[k])).toBe(true);
      expect(Number.isFinite(json.spec2im['2'][k])).toBe(true);
    }
    expect(json.dualVae.latentProbeAccuracy).toBeGreaterThanOrEqual(0);
    expect(json.dualVae.pixelProbeAccuracy).toBeLessThanOrEqual(1);
    expect(json.errorVsDistance.space).toBe('latent');
    expect(json.provenance.seed).toBe(1);
    const html = await readFile(join(out, 'index.html'), 'utf8');
    for (const id of ['scores', 'predictions', 'latent', 'traversals', 'attribution', 'distance']) expect(html).toContain(`id="${id}"`);
    expect(html).not.toMatch(/src="(?!data:)/);
    for (const m of ['im2spec', 'spec2im-latent2', 'dual-vae']) expect(existsSync(join(out, `${m}.onnx`))).toBe(true);

    // The same data as a manifest and the same models given back as the user's: same split, same scores, nothing retrained.
    const again = f('given');
    const g = await runCli(['structure-property', '--pairs', f('pairs.json'), '--im2spec-model', join(out, 'im2spec.onnx'), '--spec2im-model', join(out, 'spec2im-latent2.onnx'), '--epochs', '1', '--latent', '2', '--quiet', '--out', again]);
    expect(g.stderr).toEqual([]);
    const given = JSON.parse(await readFile(join(again, 'structure-property.json'), 'utf8'));
    expect(given.im2spec.source).toBe('given');
    expect(given.im2spec.heldOutMse).toBeCloseTo(json.im2spec.heldOutMse, 6);
    expect(given.im2spec.nnBaselineMse).toBe(json.im2spec.nnBaselineMse);
    expect(given.spec2im.given.heldOutMse).toBeCloseTo(json.spec2im['2'].heldOutMse, 6);
    expect(existsSync(join(again, 'im2spec.onnx'))).toBe(false);
    await expectUserErrors((...a) => runCli(['structure-property', '--images', f('images.npy'), '--spectra', f('spectra.npy'), ...a]), [[['--im2spec-model', join(out, 'spec2im-latent2.onnx')], /the im2spec model takes \[N, 16\] but the data give \[N, 1, 16, 16\]/]], f('mismatch'));
  });

  it('refuses bad input in one line, writing nothing', async () => {
    const base = ['structure-property', '--epochs', '1'];
    await expectUserErrors((...a) => runCli([...base, ...a]), [
      [[], /give --demo, or your paired data/],
      [['--demo', '--images', f('images.npy')], /--demo or --images\/--spectra, not both/],
      [['--images', f('images.npy'), '--spectra', f('short.npy')], /give one spectrum per image: \(60, B\)/],
      [['--images', f('odd.npy'), '--spectra', f('spectra.npy')], /multiple of 4/],
      [['--images', f('bright.npy'), '--spectra', f('spectra.npy')], /--normalise minmax/],
      [['--images', f('images.npy'), '--spectra', f('spectra.npy'), '--held-out', f('labels.npy'), '--spec2im-latents', 'x'], /--spec2im-latents takes positive integers/],
      [['--pairs', f('pairs-bad.json')], /unknown key 'spectrum'; the keys are images, spectra/],
      [['--pairs', f('pairs.json'), '--images', f('images.npy')], /--pairs alone/],
    ], f('refused'));
  });
});
