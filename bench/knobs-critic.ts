/**
 * The knobs demo's critic C alone: trained on the training lots' labels, its R² per attribute on the
 * validation and test tiles (per tile, and of the lot means of its per-tile readings — whether C
 * reads an attribute at all, with the few-crystals-per-tile noise averaged away), and on 30 fresh
 * lots drawn with another seed (5–6 held-out lots give R² at the mercy of their spread; the fresh
 * lots cover every attribute's whole range). Cheaper than
 * knobs-links.ts (no R), for iterating on C's architecture and training sizes:
 *   npm run build && node dist/bench/knobs-critic.js [seed] [tilesPerLot] [epochs] [width] [pooling] [stages]
 */
import { takeRows } from '../src/tensor/tensor.js';
import { generateSemLots, SEM_ATTRIBUTES } from '../src/data/synthetic/sem-particles.js';
import { DEMO_SIZES, splitLotsOf, trainProperty } from '../src/generative/knobs/knobs-scenario.js';
import { runGraphRows } from '../src/generative/knobs/run-batched.js';
import { regressionScores } from '../src/generative/knobs/regression-scores.js';

const args = process.argv.slice(2);
const [seed = 1, tilesPerLot = DEMO_SIZES.tilesPerLot, epochs = DEMO_SIZES.criticEpochs, width = 8] = args.slice(0, 4).map(Number);
const pooling = (args[4] ?? 'mean') as 'mean' | 'mean-std';
const stages = Number(args[5] ?? 3);
const start = process.hrtime.bigint();
const scenario = generateSemLots({ seed, lots: DEMO_SIZES.lots, tilesPerLot });
const { split } = splitLotsOf(scenario, DEMO_SIZES, seed);
const critic = await trainProperty('attribute-critic', takeRows(scenario.images, split.train), split.train.map((i) => [...scenario.lotAttributes[scenario.lots[i]]]), { epochs, width, pooling, stages, seed });
const wall = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`seed ${seed}, ${tilesPerLot} tiles/lot, ${epochs} epochs, width ${width}, pooling ${pooling}, ${stages} stages: ${wall.toFixed(0)} s wall, CPU ${(process.cpuUsage().user / 1e6).toFixed(0)} s`);
console.log(['C R²', ...SEM_ATTRIBUTES].join('\t'));
const k = SEM_ATTRIBUTES.length;
const fresh = generateSemLots({ seed: seed + 1000, lots: 30, tilesPerLot: 8 });
const sets = { ...split, fresh: fresh.lots.map((_, i) => i) };
for (const s of ['train', 'validation', 'test', 'fresh'] as const) {
  const tiles = sets[s];
  const data = s === 'fresh' ? fresh : scenario;
  const read = (await runGraphRows(critic, { input: takeRows(data.images, tiles) })).data;
  const truth = (j: number) => tiles.map((i) => data.lotAttributes[data.lots[i]][j]);
  console.log([`${s} tile`, ...SEM_ATTRIBUTES.map((_, j) => regressionScores(tiles.map((_, r) => read[r * k + j]), truth(j)).r2.toFixed(2))].join('\t'));
  const lots = [...new Set(tiles.map((i) => data.lots[i]))];
  const lotMean = (j: number) => lots.map((l) => { const rows = tiles.flatMap((i, r) => (data.lots[i] === l ? [read[r * k + j]] : [])); return rows.reduce((a, b) => a + b, 0) / rows.length; });
  console.log([`${s} lot`, ...SEM_ATTRIBUTES.map((_, j) => regressionScores(lotMean(j), lots.map((l) => data.lotAttributes[l][j])).r2.toFixed(2))].join('\t'));
}
