/**
 * Which link of the knobs demo fails, per attribute, without training the generator: R's mean slope
 * on truly re-rendered test tiles (what R uses) beside the true partial-dependence slope, and the
 * critic C's test R² (whether an edit signal exists for G to learn). Cheap enough to iterate on the
 * renderer and the training sizes:
 *   npm run build && nice node dist/bench/knobs-links.js [seed] [tilesPerLot] [epochs] [lots] [width]
 */
import { SEM_ATTRIBUTES, peakStressSlopes } from '../src/data/synthetic/sem-particles.js';
import { DEMO_SIZES, trainKnobsScenario } from '../src/generative/knobs/knobs-scenario.js';
import { renderedSensitivity } from '../src/generative/knobs/knobs-demo.js';

const [seed = 1, tilesPerLot = DEMO_SIZES.tilesPerLot, epochs = DEMO_SIZES.regressorEpochs, lots = DEMO_SIZES.lots, width = 8] = process.argv.slice(2).map(Number);
const start = process.hrtime.bigint();
const scenario = await trainKnobsScenario({ seed, sizes: { ...DEMO_SIZES, lots, validationLots: Math.round(lots / 6), testLots: Math.round(lots / 5), tilesPerLot, regressorEpochs: epochs, criticEpochs: epochs, generatorEpochs: 0, propertyWidth: width } });
const trained = Number(process.hrtime.bigint() - start) / 1e9;
const tiles = scenario.split.test;
const rendered = await renderedSensitivity(scenario, tiles);
const truth = peakStressSlopes(tiles.map((t) => scenario.data.lotAttributes[scenario.data.lots[t]]));
const f = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(1);
console.log(`seed ${seed}, ${lots} lots, ${tilesPerLot} tiles/lot, ${epochs} epochs, width ${width}: trained R and C in ${trained.toFixed(0)} s wall, CPU ${(process.cpuUsage().user / 1e6).toFixed(0)} s`);
console.log(`R R² train/val/test ${(['train', 'validation', 'test'] as const).map((s) => scenario.regressorScores[s].r2.toFixed(2)).join(' / ')}`);
console.log(['attribute', ...SEM_ATTRIBUTES].join('\t'));
console.log(['truth', ...truth.map(f)].join('\t'));
console.log(['R rendered', ...rendered.map(f)].join('\t'));
console.log(['C test R²', ...scenario.criticScores.test.map((s) => s.r2.toFixed(2))].join('\t'));
console.log(['C val R²', ...scenario.criticScores.validation.map((s) => s.r2.toFixed(2))].join('\t'));
