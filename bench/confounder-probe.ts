/**
 * The confounder probe on the demo's features, old against new, on the same machine state:
 *
 *   npm run build && node dist/bench/confounder-probe.js REPORT_DIR [--seed 1]
 *
 * REPORT_DIR holds clean-model.onnx and shortcut-model.onnx from `trustscope audit --demo --out
 * REPORT_DIR` (same seed). The test split is regenerated from the seed; the features are the
 * penultimate layer projected to 64 dimensions exactly as the check does. For each model it times
 * and scores (a) the previous probe — 5-fold softmax regression fitted by 100 Nesterov steps per fold
 * and shuffle (fitSoftmaxProbe) — and (b) the closed-form nearest-class-mean probe the check uses now,
 * each with 20 within-class shuffles as the null.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { demoData } from '../src/audit/demo.js';
import { loadOnnxModel } from '../src/models/import/onnx-file.js';
import { Random } from '../src/tensor/random.js';
import { tensor } from '../src/tensor/tensor.js';
import { layerFeatures } from '../src/trust/ood.js';
import { projectRows, sparseProjection } from '../src/trust/random-projection.js';
import { balancedAccuracy, confounderProbe, fitSoftmaxProbe, predictProbe } from '../src/trust/confounder-probe.js';
import { kFold } from '../src/trust/folds.js';
import { PROBE_MAX_DIMENSIONS } from '../src/audit/confounder-probe-check.js';

/** The previous probe, as confounder-probe.ts ran it before the closed form. */
function softmaxProbe(x: Float64Array, d: number, groups: readonly number[], labels: readonly number[], seed: number): { observed: number; null95: number } {
  const ids = [...new Set(groups)].sort((a, b) => a - b);
  const y = groups.map((g) => ids.indexOf(g));
  const random = new Random(seed);
  const folds = kFold(y.length, 5, random.fork('folds').seed());
  const rows = (r: readonly number[]) => {
    const out = new Float64Array(r.length * d);
    r.forEach((i, k) => out.set(x.subarray(i * d, (i + 1) * d), k * d));
    return out;
  };
  const cv = (yy: readonly number[]) => {
    const predicted = new Array<number>(yy.length);
    for (const f of folds) {
      const p = fitSoftmaxProbe(rows(f.train), f.train.length, d, f.train.map((i) => yy[i]), ids.length);
      predictProbe(p, rows(f.test), f.test.length).forEach((c, k) => (predicted[f.test[k]] = c));
    }
    return balancedAccuracy(yy, predicted);
  };
  const shuffled = (r: Random) => {
    const out = [...y];
    for (const c of new Set(labels)) {
      const idx = y.map((_, i) => i).filter((i) => labels[i] === c);
      const order = r.permutation(idx.length);
      idx.forEach((i, k) => (out[i] = y[idx[order[k]]]));
    }
    return out;
  };
  const observed = cv(y);
  const nul = Array.from({ length: 20 }, (_, i) => cv(shuffled(random.fork(`shuffle ${i}`)))).sort((a, b) => a - b);
  const pos = 0.95 * (nul.length - 1);
  const lo = Math.floor(pos);
  return { observed, null95: nul[lo] + (nul[lo + 1] - nul[lo]) * (pos - lo) };
}

async function main() {
  const { values, positionals } = parseArgs({ options: { seed: { type: 'string', default: '1' } }, allowPositionals: true });
  const folder = positionals[0];
  if (!folder) throw new Error('usage: node dist/bench/confounder-probe.js REPORT_DIR [--seed 1]');
  const seed = Number(values.seed);
  const data = demoData(seed);
  for (const kind of ['clean', 'shortcut'] as const) {
    const test = kind === 'clean' ? data.cleanTest : data.shortcutTest;
    const model = await loadOnnxModel(join(folder, `${kind}-model.onnx`), { internalBatchSize: 256 });
    const f = await layerFeatures(model, test.images);
    await model.dispose();
    const [n, d] = f.shape;
    const p = sparseProjection(d, PROBE_MAX_DIMENSIONS, Random.forKey(seed, 'confounder-probe').fork('projection').seed());
    const x = tensor([n, PROBE_MAX_DIMENSIONS], projectRows(p, f.data, n));
    const groups = test.groups!;
    // The check's own seed for the specimen grouping: the same folds and shuffles as in audit.json.
    const probeSeed = Random.forKey(seed, 'confounder-probe').fork('probe specimen').seed();
    // Wall and CPU seconds: on a shared machine the CPU time (single-threaded JS) is what a quiet machine's wall time would be.
    const timed = <T>(run: () => T): [T, string] => {
      const wall = performance.now();
      const cpu = process.cpuUsage();
      const out = run();
      const used = process.cpuUsage(cpu);
      return [out, `${((performance.now() - wall) / 1000).toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU`];
    };
    const [now, newSeconds] = timed(() => confounderProbe(x, groups, { seed: probeSeed, strata: test.labels }));
    const [old, oldSeconds] = timed(() => softmaxProbe(Float64Array.from(x.data), PROBE_MAX_DIMENSIONS, groups, test.labels, probeSeed));
    console.log(
      `${kind}: ${n} images, ${new Set(groups).size} groups, chance ${(1 / new Set(groups).size).toFixed(3)}\n` +
        `  softmax probe (before): balanced accuracy ${old.observed.toFixed(3)}, null 95th ${old.null95.toFixed(3)}, ${oldSeconds}\n` +
        `  nearest-class-mean probe (now): balanced accuracy ${now.balancedAccuracy.toFixed(3)}, null 95th ${now.null95.toFixed(3)}, ${newSeconds}`,
    );
  }
}

await main();
