/**
 * Does R read the generator's images the way it reads real ones? For tiles truly re-rendered with
 * one attribute at 0.15 and at 0.85 (the renderer's own edit), R's slope per unit of attribute on
 * the rendered tiles, on them box-blurred (is it only G's blur?), and on their E → G reconstructions
 * at their true attributes (G asked to reproduce a real edit). Where the last differs from the first,
 * a knob slope R(G(E(I), A)) measures G's rendering, not R. Then G's 2-pixel grid (the checkerboard
 * of ConvTranspose 4×4/2 and pixel shuffles): the mean squared difference of horizontally and
 * vertically adjacent pixels within an even-aligned 2-pixel cell over that across cells — 1 for
 * images whose statistics do not care where the grid falls (rendered tiles), away from 1 for a
 * grid artefact — on the rendered tiles and on their reconstructions; with PNG, the first 8 of
 * each (rendered above, reconstructed below, ×3). Runs on a `knobs --demo` output folder:
 *   npm run build && node dist/bench/knobs-generator-bias.js DIR [seed] [PNG]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { encodePng } from '../src/report/png.js';
import { join } from 'node:path';
import { decodeModel } from '../src/onnx/proto.js';
import { tensor, type Tensor } from '../src/tensor/tensor.js';
import { generateSemLots, renderSemTile, SEM_ATTRIBUTES } from '../src/data/synthetic/sem-particles.js';
import { DEMO_SIZES } from '../src/generative/knobs/knobs-scenario.js';
import { runGraphRows } from '../src/generative/knobs/run-batched.js';
import { encodeTiles, KnobForward } from '../src/generative/knobs/knob-pipeline.js';

const [dir, seedArg = '1', pngPath] = process.argv.slice(2);
if (!dir) throw new Error('usage: knobs-generator-bias.js DIR [seed] (DIR: a knobs --demo output folder)');
const seed = Number(seedArg);
const model = async (name: string) => decodeModel(await readFile(join(dir, name)), name);
const models = { regressor: await model('regressor.onnx'), encoder: await model('encoder.onnx'), decoder: await model('generator.onnx') };
const data = generateSemLots({ seed, lots: DEMO_SIZES.lots, tilesPerLot: DEMO_SIZES.tilesPerLot });
const side = data.images.shape[2];
const picked = Array.from({ length: 40 }, (_, i) => Math.floor((i * data.lots.length) / 40));
const k = SEM_ATTRIBUTES.length;
const [low, high] = [0.15, 0.85];

function boxBlur(img: Float32Array): Float32Array {
  const out = new Float32Array(img.length);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const [yy, xx] = [y + dy, x + dx];
        if (yy >= 0 && xx >= 0 && yy < side && xx < side) [s, n] = [s + img[yy * side + xx], n + 1];
      }
      out[y * side + x] = s / n;
    }
  }
  return out;
}
const stack = (imgs: Float32Array[]): Tensor => tensor([imgs.length, 1, side, side], Float32Array.from(imgs.flatMap((i) => Array.from(i))));
const meanSlope = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + b[i] - v, 0) / a.length / (high - low);

const forward = await KnobForward.create(models);
console.log('attribute\tR on rendered\tblurred\tthrough E, G (true A)');
for (let j = 0; j < k; j++) {
  const at = (v: number) => picked.map((t) => data.lotAttributes[data.lots[t]].map((x, m) => (m === j ? v : x)));
  const [aLow, aHigh] = [at(low), at(high)];
  const lo = aLow.map((a, r) => renderSemTile(a, data.tileSeeds[picked[r]], side));
  const hi = aHigh.map((a, r) => renderSemTile(a, data.tileSeeds[picked[r]], side));
  const r = async (imgs: Float32Array[]) => (await runGraphRows(models.regressor, { input: stack(imgs) })).data;
  const viaG = async (imgs: Float32Array[], a: number[][]) => (await forward.run(await encodeTiles(models.encoder, stack(imgs)), tensor([imgs.length, k], a.flat()))).prediction.data;
  const f = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(1);
  console.log([SEM_ATTRIBUTES[j], f(meanSlope(await r(lo), await r(hi))), f(meanSlope(await r(lo.map(boxBlur)), await r(hi.map(boxBlur)))), f(meanSlope(await viaG(lo, aLow), await viaG(hi, aHigh)))].join('\t'));
}

/** Within-cell over across-cell mean squared neighbour difference, per axis ([horizontal, vertical]). */
function gridIndex(imgs: ArrayLike<number>[]): [number, number] {
  const sums = [0, 0, 0, 0]; // within-h, across-h, within-v, across-v
  for (const img of imgs) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x + 1 < side; x++) {
        const [h, v] = [(img[y * side + x + 1] - img[y * side + x]) ** 2, (img[(x + 1) * side + y] - img[x * side + y]) ** 2];
        sums[x % 2] += h;
        sums[2 + (x % 2)] += v;
      }
    }
  }
  return [sums[0] / sums[1], sums[2] / sums[3]];
}
const rendered = picked.map((t) => renderSemTile(data.lotAttributes[data.lots[t]], data.tileSeeds[t], side));
const truth = tensor([picked.length, k], picked.flatMap((t) => data.lotAttributes[data.lots[t]]));
const reconstructed = (await forward.run(await encodeTiles(models.encoder, stack(rendered)), truth)).image.data;
const recon = picked.map((_, r) => reconstructed.subarray(r * side * side, (r + 1) * side * side));
const g = (v: [number, number]) => v.map((x) => x.toFixed(2)).join(' / ');
console.log(`grid index (within / across 2-pixel cells, horizontal / vertical): rendered ${g(gridIndex(rendered))}, reconstructed ${g(gridIndex(recon))}`);
if (pngPath) {
  const [cols, scale] = [8, 3];
  const [w, h] = [cols * side * scale, 2 * side * scale];
  const rgba = new Uint8Array(w * h * 4).fill(255);
  [rendered, recon].forEach((row, r) => row.slice(0, cols).forEach((img, c) => {
    for (let y = 0; y < side * scale; y++) for (let x = 0; x < side * scale; x++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, img[Math.floor(y / scale) * side + Math.floor(x / scale)])));
      rgba.set([v, v, v], ((r * side * scale + y) * w + c * side * scale + x) * 4);
    }
  }));
  await writeFile(pngPath, encodePng(rgba, w, h));
}
await forward.release();
