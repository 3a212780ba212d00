/**
 * ICE purity on the explore demo, measured without rerunning the whole demo: trains the demo's
 * CIFAR-style CNN once (as `explore --demo` does, same seed), caches the ONNX model and the test split
 * in --cache, then runs only ICE per class on the chosen layers and prints every purity ranking.
 *
 *   npm run build && nice node dist/bench/ice-purity-study.js [--cache /tmp/ice-demo] [--layers pool2_out,relu3_2_out] [--concepts 5] [--seed 1] [--fidelity]
 *
 * Prints, per layer, per class: test accuracy and mean/leading purity by every ranking, then the mean
 * over the 6 well-learned classes vs the 4 of the ambiguous pairs (equiaxed↔elongated,
 * voids↔precipitates); --fidelity also times iceFidelity.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareExploreDemo, EXPLORE_DEMO_DEFAULTS, meanPurity, leadingPurity } from '../src/cli/explore-demo.js';
import { MICROSTRUCTURE_CLASSES } from '../src/data/synthetic/microstructures.js';
import { OnnxModel } from '../src/models/model.js';
import { decodeModel, encodeModel } from '../src/onnx/proto.js';
import { argmaxRows, tensor } from '../src/tensor/tensor.js';
import { iceFidelity, iceForClass, type IceConcept } from '../src/concepts/ice.js';

const { values } = parseArgs({
  options: {
    cache: { type: 'string', default: '/tmp/ice-demo' },
    layers: { type: 'string', default: 'pool2_out' },
    concepts: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    fidelity: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const cache = values.cache!;
const names = [...MICROSTRUCTURE_CLASSES];
const AMBIGUOUS = ['equiaxed grains', 'elongated grains', 'voids', 'precipitates'];

async function load(): Promise<{ model: OnnxModel; x: ReturnType<typeof tensor>; labels: number[] }> {
  const files = ['model.onnx', 'x.json', 'labels.json'].map((f) => join(cache, f));
  if (!files.every(existsSync)) {
    const quiet = { update: () => undefined, stop: () => undefined };
    const demo = await prepareExploreDemo({ ...EXPLORE_DEMO_DEFAULTS, seed }, quiet);
    mkdirSync(cache, { recursive: true });
    writeFileSync(files[0], encodeModel(demo.model.graph));
    writeFileSync(files[1], JSON.stringify({ shape: demo.x.shape, data: Array.from(demo.x.data) }));
    writeFileSync(files[2], JSON.stringify(demo.labels));
    await demo.model.dispose();
  }
  const x = JSON.parse(readFileSync(files[1], 'utf8')) as { shape: number[]; data: number[] };
  return { model: new OnnxModel(decodeModel(readFileSync(files[0])), { internalBatchSize: 256 }), x: tensor(x.shape, x.data), labels: JSON.parse(readFileSync(files[2], 'utf8')) as number[] };
}

const { model, x, labels } = await load();
const predictions = argmaxRows(await model.forward(x));
const rankings: [string, (c: IceConcept) => number][] = [
  ['share', (c) => c.purity],
  ['mean map', (c) => c.meanScorePurity],
  ['contribution', (c) => c.contributionPurity],
];
for (const layer of values.layers!.split(',')) {
  console.log(`\n== ${layer}`);
  const perRanking = new Map<string, Map<string, [number, number]>>();
  for (const [k, name] of names.entries()) {
    const own = labels.flatMap((y, i) => (y === k ? [i] : []));
    const acc = own.filter((i) => predictions[i] === k).length / own.length;
    const r = await iceForClass(model, x, labels, k, { layer, components: Number(values.concepts), topK: 5, seed });
    const parts = rankings.map(([rank, get]) => {
      const cs = r.concepts.map((c) => ({ purity: get(c), importance: c.importance }));
      const pair: [number, number] = [meanPurity(cs), leadingPurity(cs)];
      if (!perRanking.has(rank)) perRanking.set(rank, new Map());
      perRanking.get(rank)!.set(name, pair);
      return `${rank} ${pair[0].toFixed(2)}/${pair[1].toFixed(2)}`;
    });
    console.log(`${name.padEnd(14)} acc ${acc.toFixed(2)}  ${parts.join('  ')}  concept model ${r.conceptModel?.purity.toFixed(2) ?? '–'} (network ${r.network?.purity.toFixed(2) ?? '–'})`);
  }
  for (const [rank, byClass] of perRanking) {
    const avg = (set: string[], i: 0 | 1) => set.reduce((s, n) => s + byClass.get(n)![i], 0) / set.length;
    const learned = names.filter((n) => !AMBIGUOUS.includes(n));
    console.log(`${rank.padEnd(14)} well-learned mean ${avg(learned, 0).toFixed(3)} leading ${avg(learned, 1).toFixed(3)} | ambiguous mean ${avg(AMBIGUOUS, 0).toFixed(3)} leading ${avg(AMBIGUOUS, 1).toFixed(3)}`);
  }
  if (values.fidelity) {
    const started = performance.now();
    const f = await iceFidelity(model, x, labels, layer, [1, 2, 4, 5, 8, 16, 32], seed);
    console.log(`fidelity (${((performance.now() - started) / 1000).toFixed(1)} s): baseline ${f.baseline.toFixed(3)} ${f.points.map((p) => `c=${p.components} acc ${p.accuracy.toFixed(3)} agree ${p.agreement.toFixed(3)}`).join(', ')}`);
  }
}
await model.dispose();
