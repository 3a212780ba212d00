/**
 * nsfwjs ships its pretrained TF.js models as UMD-wrapped JS modules (model.min.js carries the
 * model.json object, group1-shardKofN.min.js each carry one weight shard as base64), not as the
 * standard TF.js on-disk layout. This writes them out as model.json + binary shards beside it, so
 * tests and fixture scripts load them through the path API exactly as a user's model would be.
 * (Plain .mjs so that the fixture script runs with `node` and the tests import the same code.)
 */
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** Writes nsfwjs's `name` model (mobilenet_v2, mobilenet_v2_mid, inception_v3) into `dir`; returns the model.json path. */
export async function extractNsfwjsModel(name, dir) {
  // The package's exports map hides dist/models; absolute paths bypass it.
  const entry = require.resolve('nsfwjs');
  const root = entry.slice(0, entry.lastIndexOf('/nsfwjs/') + '/nsfwjs'.length);
  const base = join(root, 'dist', 'models', name);
  const json = require(`${base}/model.min.js`);
  await mkdir(dir, { recursive: true });
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      const base64 = require(`${base}/${path}.min.js`);
      await writeFile(join(dir, path), Buffer.from(base64, 'base64'));
    }
  }
  const file = join(dir, 'model.json');
  await writeFile(file, JSON.stringify(json));
  return file;
}

/**
 * Seeded test images for the nsfwjs fixtures: `count` images of `height`×`width`×3 values in [0, 1)
 * in TF's NHWC order, from mulberry32 (a 32-bit generator simple enough to restate anywhere), so a
 * test regenerates the exact inputs the fixture script fed to TF.js instead of committing them.
 */
export function seededImagesNhwc(seed, count, height, width) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Float32Array.from({ length: count * height * width * 3 }, next);
}
