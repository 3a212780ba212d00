/**
 * Candidate ICE purity definitions on the cached explore-demo model (ice-purity-study.ts makes the
 * cache), each printed as per-class purity and the mean over the 6 well-learned vs the 4 ambiguous
 * classes: (cone) the class's concepts jointly, images ranked by the share of their activation the
 * class's concept model reconstructs; (tail) the same reconstruction run through the network, ranked
 * by the class's centred logit / probability (the probability ranking became ice-concept-model.ts),
 * with single-concept reconstructions and the network's own ranking beside it; (centred)
 * per-concept contribution to the raw and the centred logit z_k − mean z, with importance-weighted
 * purity; (lift) NMF of the class's activations above the dataset's per-channel mean; (shared) Zhang
 * et al.'s reference setting, one NMF basis over all classes, each class's concepts ranked by
 * importance (class-score gradient along the concept). README (explore --demo) has the figures.
 *
 *   npm run build && nice node dist/bench/ice-purity-candidates.js [--cache /tmp/ice-demo] [--layer pool2_out] [--concepts 5] [--shared 10]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MICROSTRUCTURE_CLASSES } from '../src/data/synthetic/microstructures.js';
import { OnnxModel } from '../src/models/model.js';
import { decodeModel } from '../src/onnx/proto.js';
import { oneHot, tensor } from '../src/tensor/tensor.js';
import { nmf, nmfTransform } from '../src/concepts/nmf.js';
import { modelTail } from '../src/concepts/model-tail.js';

const { values } = parseArgs({ options: { cache: { type: 'string', default: '/tmp/ice-demo' }, layer: { type: 'string', default: 'pool2_out' }, concepts: { type: 'string', default: '5' }, shared: { type: 'string', default: '10' }, seed: { type: 'string', default: '1' } } });
const cache = values.cache!;
const layer = values.layer!;
const seed = Number(values.seed);
const names = [...MICROSTRUCTURE_CLASSES];
const AMBIGUOUS = new Set(['equiaxed grains', 'elongated grains', 'voids', 'precipitates']);
const xj = JSON.parse(readFileSync(join(cache, 'x.json'), 'utf8')) as { shape: number[]; data: number[] };
const x = tensor(xj.shape, xj.data);
const labels = JSON.parse(readFileSync(join(cache, 'labels.json'), 'utf8')) as number[];
const model = new OnnxModel(decodeModel(readFileSync(join(cache, 'model.onnx'))), { internalBatchSize: 256 });
const [a] = await model.activations(x, [layer]);
const [n, c, h, w] = a.shape;
const plane = h * w;
const rowsOf = (ids: number[], shift: Float64Array | null) => {
  const out = new Float64Array(ids.length * plane * c);
  ids.forEach((i, r) => { for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[(r * plane + p) * c + ch] = Math.max(0, a.data[(i * c + ch) * plane + p] - (shift ? shift[ch] : 0)); });
  return out;
};
const all = labels.map((_, i) => i);
const mu = new Float64Array(c);
for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) mu[ch] += Math.max(0, a.data[(i * c + ch) * plane + p]) / (n * plane);
const imageScores = (s: Float64Array, k: number, j: number) => all.map((i) => { let t = 0; for (let p = 0; p < plane; p++) t += s[(i * plane + p) * k + j]; return t / plane; });
const purityOfTop = (scores: number[], cls: number, top = 5) => all.slice().sort((p, q) => scores[q] - scores[p] || p - q).slice(0, top).filter((i) => labels[i] === cls).length / top;
const report = (title: string, perClass: [number, number][]) => {
  console.log(`\n-- ${title} (${layer})`);
  perClass.forEach(([m, l], k) => console.log(`${names[k].padEnd(18)} mean ${m.toFixed(2)} leading ${l.toFixed(2)}`));
  const avg = (amb: boolean, i: 0 | 1) => { const ks = names.map((_, k) => k).filter((k) => AMBIGUOUS.has(names[k]) === amb); return ks.reduce((s, k) => s + perClass[k][i], 0) / ks.length; };
  console.log(`well-learned mean ${avg(false, 0).toFixed(3)} leading ${avg(false, 1).toFixed(3)} | ambiguous mean ${avg(true, 0).toFixed(3)} leading ${avg(true, 1).toFixed(3)}`);
};
const gradsFor = async (cls: number) => (await model.layerVjp(x, layer, oneHot(labels.map(() => cls), model.outputSize))).grad;
const importanceOf = (g: Float32Array, ids: number[], dir: Float64Array) => { let t = 0; for (const i of ids) for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) t += g[(i * c + ch) * plane + p] * dir[ch]; return t / ids.length; };
const k = Number(values.concepts);

// (cone) the class's concepts jointly: images ranked by how much of their activation the class's concept model reconstructs.
{
  const plainAll = rowsOf(all, null);
  const res: [number, number][] = [];
  const tailRes: [number, number][] = [];
  const tail = modelTail(model, layer);
  for (const [cls] of names.entries()) {
    const own = all.filter((i) => labels[i] === cls);
    const fit = nmf(rowsOf(own, null), own.length * plane, c, { components: k, seed });
    const s = nmfTransform(plainAll, n * plane, fit.h, k, c);
    const explained = all.map((i) => { let e = 0; let t = 0; for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) { const v = plainAll[(i * plane + p) * c + ch]; let r = v; for (let j = 0; j < k; j++) r -= s[(i * plane + p) * k + j] * fit.h[j * c + ch]; e += r * r; t += v * v; } return t > 0 ? 1 - Math.sqrt(e / t) : 0; });
    res.push([purityOfTop(explained, cls, 5), purityOfTop(explained, cls, own.length)]);
    // The network run from the layer on each image's reconstruction by the class's concepts: its centred logit of the class.
    const recon = new Float32Array(n * c * plane);
    for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) { let r = 0; for (let j = 0; j < k; j++) r += s[(i * plane + p) * k + j] * fit.h[j * c + ch]; recon[(i * c + ch) * plane + p] = r; }
    const z = await tail.forward(tensor([n, c, h, w], recon));
    const K = model.outputSize;
    const centred = all.map((i) => { let m = 0; for (let q = 0; q < K; q++) m += z.data[i * K + q] / K; return z.data[i * K + cls] - m; });
    const prob = all.map((i) => { let mx = -Infinity; for (let q = 0; q < K; q++) mx = Math.max(mx, z.data[i * K + q]); let t = 0; for (let q = 0; q < K; q++) t += Math.exp(z.data[i * K + q] - mx); return Math.exp(z.data[i * K + cls] - mx) / t; });
    tailRes.push([purityOfTop(centred, cls, 5), purityOfTop(prob, cls, 5)]);
    const probOf = (zz: Float32Array) => all.map((i) => { let mx = -Infinity; for (let q = 0; q < K; q++) mx = Math.max(mx, zz[i * K + q]); let t = 0; for (let q = 0; q < K; q++) t += Math.exp(zz[i * K + q] - mx); return Math.exp(zz[i * K + cls] - mx) / t; });
    const per: string[] = [];
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const rj = new Float32Array(n * c * plane);
      for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) { const sp = s[(i * plane + p) * k + j]; for (let ch = 0; ch < c; ch++) rj[(i * c + ch) * plane + p] = sp * fit.h[j * c + ch]; }
      const pj = probOf((await tail.forward(tensor([n, c, h, w], rj))).data as Float32Array);
      const pur = purityOfTop(pj, cls, 5);
      sum += pur;
      per.push(pur.toFixed(1));
    }
    const orig = probOf((await model.forward(x)).data as Float32Array);
    console.log(`  ${names[cls]}: single-concept reconstructions ${per.join(' ')} (mean ${(sum / k).toFixed(2)}); network's own top-5 purity ${purityOfTop(orig, cls, 5).toFixed(1)}`);
  }
  report('tail on the class reconstruction (mean = top-5 by centred logit, leading = top-5 by probability)', tailRes);
  report('cone: share of the activation the class concept model reconstructs (mean = top-5 purity, leading = top-|class|)', res);
}
// (centred) per-class NMF, images ranked by the concept's contribution to the centred logit z_k − mean z.
const centredGrads = async (cls: number) => (await model.layerVjp(x, layer, tensor([n, model.outputSize], Array.from({ length: n * model.outputSize }, (_, t) => (t % model.outputSize === cls ? 1 : 0) - 1 / model.outputSize)))).grad.data as Float32Array;
for (const centred of [false, true]) {
  const plainAll = rowsOf(all, null);
  const res: [number, number][] = [];
  for (const [cls] of names.entries()) {
    const own = all.filter((i) => labels[i] === cls);
    const fit = nmf(rowsOf(own, null), own.length * plane, c, { components: k, seed });
    const s = nmfTransform(plainAll, n * plane, fit.h, k, c);
    const g = centred ? await centredGrads(cls) : ((await gradsFor(cls)).data as Float32Array);
    const ps = Array.from({ length: k }, (_, j) => {
      const contrib = all.map((i) => { let t = 0; for (let p = 0; p < plane; p++) { const sp = s[(i * plane + p) * k + j]; if (sp === 0) continue; let d = 0; for (let ch = 0; ch < c; ch++) d += fit.h[j * c + ch] * g[(i * c + ch) * plane + p]; t += sp * d; } return t; });
      return { purity: purityOfTop(contrib, cls), importance: importanceOf(g, own, fit.h.subarray(j * c, (j + 1) * c)) };
    });
    const pos = ps.filter((p) => p.importance > 0);
    const wsum = pos.reduce((t, p) => t + p.importance, 0);
    res.push([ps.reduce((t, p) => t + p.purity, 0) / k, ps.reduce((b, p) => (p.importance > b.importance ? p : b)).purity]);
    console.log(`  ${names[cls]}: importance-weighted (positive) ${(pos.reduce((t, p) => t + p.importance * p.purity, 0) / (wsum || 1)).toFixed(2)}; per concept ${ps.map((p) => `${p.purity.toFixed(1)}@${p.importance.toFixed(2)}`).join(' ')}`);
  }
  report(centred ? 'contribution to the centred logit' : 'contribution to the raw logit', res);
}

// (lift) per-class NMF above the dataset mean.
const liftAll = rowsOf(all, mu);
const lift: [number, number][] = [];
for (const [cls] of names.entries()) {
  const own = all.filter((i) => labels[i] === cls);
  const fit = nmf(rowsOf(own, mu), own.length * plane, c, { components: k, seed });
  const s = nmfTransform(liftAll, n * plane, fit.h, k, c);
  const g = (await gradsFor(cls)).data as Float32Array;
  const ps = Array.from({ length: k }, (_, j) => ({ purity: purityOfTop(imageScores(s, k, j), cls), importance: importanceOf(g, own, fit.h.subarray(j * c, (j + 1) * c)) }));
  lift.push([ps.reduce((t, p) => t + p.purity, 0) / k, ps.reduce((b, p) => (p.importance > b.importance ? p : b)).purity]);
}
report('lift: NMF above the per-channel dataset mean, ranked by mean map', lift);

// (shared) one basis over all images, concepts per class by importance.
const m = Number(values.shared);
const plain = rowsOf(all, null);
const fit = nmf(plain, n * plane, c, { components: m, seed });
const sAll = nmfTransform(plain, n * plane, fit.h, m, c);
const shared: [number, number][] = [];
for (const [cls] of names.entries()) {
  const own = all.filter((i) => labels[i] === cls);
  const g = (await gradsFor(cls)).data as Float32Array;
  const ps = Array.from({ length: m }, (_, j) => ({ purity: purityOfTop(imageScores(sAll, m, j), cls), importance: importanceOf(g, own, fit.h.subarray(j * c, (j + 1) * c)) })).sort((p, q) => q.importance - p.importance);
  const topk = ps.slice(0, Math.min(k, m));
  shared.push([topk.reduce((t, p) => t + p.purity, 0) / topk.length, ps[0].purity]);
}
report(`shared basis (${m} concepts), the class's ${k} most important`, shared);
await model.dispose();
