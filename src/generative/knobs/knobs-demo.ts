/**
 * `knobs --demo`: the whole reference scenario — train R, C, E and G on the seeded SEM lots
 * (knobs-scenario.ts), calibrate the physical measurement on the real training tiles, then explain R
 * on the test lots with what only a synthetic scenario can add: the true stress function (for the
 * true partial-dependence slopes and the counterfactual's direction check) and the physical
 * measurement as the independent instrument.
 */
import { takeRows, tensor } from '../../tensor/tensor.js';
import { peakStress, renderSemTile, SEM_ATTRIBUTES } from '../../data/synthetic/sem-particles.js';
import { calibrate, fitCalibration, measureSemTiles } from '../../data/synthetic/sem-particles-measure.js';
import { DEMO_SIZES, SPLITS, tileAttributes, trainKnobsScenario, type KnobsScenario, type ScenarioProgress, type ScenarioSizes } from './knobs-scenario.js';
import { explainKnobs, type KnobsOptions, type KnobsResult, type KnobsStage } from './explain-knobs.js';
import type { AttributeInstrument } from './entanglement.js';
import { runGraphRows } from './run-batched.js';
import { DEFAULT_GRID, mean, slope } from './sensitivity.js';

export interface KnobsDemoOptions extends Omit<KnobsOptions, 'truth' | 'measurement' | 'onProgress'> {
  seed: number;
  sizes?: ScenarioSizes;
  onProgress?: (stage: ScenarioProgress['stage'] | KnobsStage, fraction: number) => void;
}

export interface KnobsDemo {
  scenario: KnobsScenario;
  result: KnobsResult;
  /** Test tiles explained (indices into the scenario's data). */
  tiles: number[];
  /** Regressor scores per split with their lot counts, for the report. */
  regressor: Record<string, { r2: number; mae: number; n: number; lots: number }>;
  /** The critic's R² and MAE per split and attribute. */
  critic: Record<string, Record<string, { r2: number; mae: number; n: number }>>;
}

/** The physical measurement in attribute units, calibrated on real tiles with their lot labels. */
export function physicalInstrument(scenario: Pick<KnobsScenario, 'data' | 'split'>): AttributeInstrument {
  const train = scenario.split.train;
  const calibration = fitCalibration(measureSemTiles(takeRows(scenario.data.images, train)), train.map((i) => scenario.data.lotAttributes[scenario.data.lots[i]]));
  return (images) => calibrate(measureSemTiles(images), calibration);
}

/**
 * R's own sensitivity, without G: each test tile re-rendered by the renderer from its own scene seed
 * with one attribute swept (the true edit, which only a synthetic scenario has), R's mean slope per
 * attribute. It separates what R has learnt from what G can show: where the knob's slope and this
 * one disagree, the generator's edit is at fault; where this one disagrees with the true function,
 * R is (e.g. a slope along the decoy means R uses crystal brightness, a shortcut).
 */
export async function renderedSensitivity(scenario: KnobsScenario, tiles: readonly number[], grid: readonly number[] = DEFAULT_GRID): Promise<number[]> {
  const { data } = scenario;
  const side = data.images.shape[2];
  return Promise.all(
    SEM_ATTRIBUTES.map(async (_, j) => {
      const pixels = new Float32Array(tiles.length * grid.length * side * side);
      tiles.forEach((t, r) => {
        const a = data.lotAttributes[data.lots[t]];
        grid.forEach((v, g) => pixels.set(renderSemTile(a.map((x, m) => (m === j ? v : x)), data.tileSeeds[t], side), (r * grid.length + g) * side * side));
      });
      const p = await runGraphRows(scenario.regressor, { input: tensor([tiles.length * grid.length, 1, side, side], pixels) });
      return mean(tiles.map((_, r) => slope(grid, Array.from(p.data.subarray(r * grid.length, (r + 1) * grid.length)))));
    }),
  );
}

export const DEMO_SCENARIO_NOTE =
  'Demo scenario: 30 seeded lots of SEM-like crystal tiles with lot-level attributes only. Hidden peak stress = 60 − 28·size + 12·porosity + 16·polydispersity + 20·facetness − 8·size·facetness + 6·porosity² (+ lot noise σ 1.5 MPa); the decoy (crystal brightness) is not in it. Every "truth" below comes from that function; R, C, E and G never see it.';

export async function runKnobsDemo(options: KnobsDemoOptions): Promise<KnobsDemo> {
  const { seed, sizes = DEMO_SIZES, onProgress, ...explainOptions } = options;
  const scenario = await trainKnobsScenario({ seed, sizes, onProgress: (p) => onProgress?.(p.stage, p.fraction) });
  const tiles = scenario.split.test;
  const result = await explainKnobs(
    { regressor: scenario.regressor, encoder: scenario.encoder, decoder: scenario.decoder, critic: scenario.critic },
    { images: takeRows(scenario.data.images, tiles), attributes: tileAttributes(scenario.data, tiles), names: [...SEM_ATTRIBUTES], lots: tiles.map((i) => scenario.data.lots[i]) },
    { ...explainOptions, truth: peakStress, measurement: physicalInstrument(scenario), onProgress: (stage, f) => onProgress?.(stage, f) },
  );
  const rendered = await renderedSensitivity(scenario, tiles, result.grid);
  SEM_ATTRIBUTES.forEach((n, j) => (result.sensitivity[n].rendered = rendered[j]));
  const regressor = Object.fromEntries(SPLITS.map((s) => [s, { ...scenario.regressorScores[s], lots: scenario.splitLots[s].length }]));
  const critic = Object.fromEntries(SPLITS.map((s) => [s, Object.fromEntries(SEM_ATTRIBUTES.map((n, j) => [n, scenario.criticScores[s][j]]))]));
  return { scenario, result, tiles, regressor, critic };
}
