/**
 * `trustscope explore --demo`: the issue-14 reference scenario end to end. Trains the zoo's
 * CIFAR-style CNN (6 conv + 3 linear, 10 classes) on the seeded EM microstructure set, recording
 * every training and test instance's prediction after each epoch (instance flow), builds TCAV
 * concept sets from the generator itself and hands the held-out test split to explore.
 *
 * Concepts: "fine stripes" = lamellae tiles (period 3–4.5 px), "bands" = twin tiles (broad
 * sharp-edged bands, period 9–14 px), "dotted" = precipitate tiles (bright blobs): textures the data
 * really contains. (One "striped" set of lamellae and twins mixed the two periods, so its CAV was
 * no single direction and it was not significant for lamellae.) The random sets are tiles drawn
 * from all ten classes, each set with its own seed (Kim et al.'s random counterexamples from the
 * data's own distribution). A concept is expected to be significant for the classes it is made of.
 */
import { AMBIGUOUS_PAIRS, generateMicrostructures, MICROSTRUCTURE_CLASSES } from '../data/synthetic/microstructures.js';
import { cifarCnn } from '../models/zoo/cifar-cnn.js';
import { instanceFlowRecorder } from '../training/instance-flow.js';
import { flowTotalsByPair } from '../training/flow-table.js';
import { flowSentences } from '../report/flow-section.js';
import { setFlows, type FlowRecord } from './explore-flow.js';
import { trainClassifier, type EpochStats } from '../models/train.js';
import { OnnxModel } from '../models/model.js';
import { normalise } from '../data/normalise.js';
import type { ConceptSet } from '../concepts/tcav.js';
import type { Tensor } from '../tensor/tensor.js';
import type { StageProgress } from './progress.js';

export interface ExploreDemoSettings {
  /** Training images (the test split is an eighth as many, at least 5 per class). */
  images: number;
  epochs: number;
  seed: number;
}

export const EXPLORE_DEMO_DEFAULTS = { images: 2000, epochs: 12 } as const;

/**
 * The layer TCAV and ICE read: the CIFAR CNN's second pooling (16 channels, 8×8, after four
 * convolutions). The third stage's ReLU (32 channels, 8×8) doubles ICE's NMF columns for concepts
 * the test split is too small to tell apart, and pool3 (4×4) is too coarse for concept maps.
 */
export const EXPLORE_DEMO_LAYER = 'pool2_out';

export const EXPLORE_DEMO_MODEL_NAME = 'the explore-demo CIFAR-style CNN';

/** Images per concept set and per random set, and the number of random sets (TCAV's t-test wants ≥ 10). */
const CONCEPT_IMAGES = 40;
const RANDOM_SETS = 10;

export interface ExploreDemo {
  model: OnnxModel;
  x: Tensor;
  labels: number[];
  names: string[];
  conceptSets: { concepts: ConceptSet[]; randoms: Tensor[] };
  history: EpochStats[];
  trainImages: number;
  /** Every training and test instance's predicted class after each epoch. */
  flow: FlowRecord;
}

/**
 * Per-image z-score, as `--normalise zscore` does: the tiles' structures are 0.1–0.4 above a 0.5 grey;
 * unscaled, the tiny CNN reached 0.52 training accuracy in 12 epochs, z-scored 0.94.
 */
const standardise = (images: Tensor): Tensor => normalise(images, { kind: 'zscore' });

const index = (name: (typeof MICROSTRUCTURE_CLASSES)[number]) => MICROSTRUCTURE_CLASSES.indexOf(name);

/** The concept and random sets, from seeds disjoint from the training and test sets'. */
export function demoConceptSets(seed: number, imagesPerSet = CONCEPT_IMAGES, randomSets = RANDOM_SETS): { concepts: ConceptSet[]; randoms: Tensor[] } {
  const set = (classes: number[], k: number) => standardise(generateMicrostructures({ count: imagesPerSet, seed: seed + 5000 + k, classes }).images);
  return {
    concepts: [
      { name: 'fine stripes', images: set([index('lamellae')], 0) },
      { name: 'bands', images: set([index('twins')], 2) },
      { name: 'dotted', images: set([index('precipitates')], 1) },
    ],
    randoms: Array.from({ length: randomSets }, (_, r) => set(MICROSTRUCTURE_CLASSES.map((_, k) => k), 100 + r)),
  };
}

export async function prepareExploreDemo(settings: ExploreDemoSettings, bar: StageProgress): Promise<ExploreDemo> {
  const { images, epochs, seed } = settings;
  const train = generateMicrostructures({ count: images, seed });
  const test = generateMicrostructures({ count: Math.max(5 * MICROSTRUCTURE_CLASSES.length, Math.round(images / 8)), seed: seed + 1000 });
  const graph = cifarCnn({ classes: MICROSTRUCTURE_CLASSES.length, width: 8, seed: seed + 11 });
  const trainX = standardise(train.images);
  const testX = standardise(test.images);
  const recorder = instanceFlowRecorder([{ name: 'train', images: trainX, labels: train.labels }, { name: 'test', images: testX, labels: test.labels }], MICROSTRUCTURE_CLASSES);
  const trained = await trainClassifier(graph, trainX, train.labels, {
    epochs,
    batchSize: 64,
    learningRate: 3e-3,
    weightDecay: 1e-3,
    schedule: 'cosine',
    seed: seed + 13,
    onProgress: (p) => bar.update(`training the demo CNN (epoch ${p.epoch + 1}/${epochs})`, 0.5 * p.fraction),
    onEpochEnd: recorder.onEpochEnd,
  });
  return {
    model: new OnnxModel(trained.graph, { internalBatchSize: 256 }),
    x: testX,
    labels: [...test.labels],
    names: [...MICROSTRUCTURE_CLASSES],
    // Reduced runs (tests, quick looks) get smaller concept sets: TCAV fits N(N−1) + N·concepts CAVs.
    conceptSets: demoConceptSets(seed, Math.min(CONCEPT_IMAGES, Math.max(10, Math.round(images / 50)))),
    history: trained.history,
    trainImages: images,
    flow: { record: recorder.result(), source: 'recorded while training the demo CNN' },
  };
}

/** The demo's training record (sizes and per-epoch loss/accuracy), beside explore.json. */
export const EXPLORE_DEMO_JSON = 'explore-demo.json';

/** The parts of explore.json the summary reads. */
export interface ExploreSummaryInput {
  accuracy: number;
  confusion: { classNames: readonly string[]; matrix: number[][] };
  perClassAccuracy: Record<string, number | null>;
  tcav?: { concept: string; layer: string; class: string; score: number; derivative: number; pValue: number; significant: boolean }[];
  ice: { classes: Record<string, { concepts: { purity: number; meanScorePurity: number; contributionPurity?: number; importance: number }[]; conceptModel?: { purity: number }; network?: { purity: number } }> };
  pca?: { explainedVarianceRatio: readonly number[] };
  spLime?: { picked: { index: number; trueClass: string; predicted: string }[]; coverage: readonly number[] };
}

/** Mean ICE purity of a class's concepts. */
export function meanPurity(concepts: readonly { purity: number }[]): number {
  return concepts.reduce((s, c) => s + c.purity, 0) / Math.max(1, concepts.length);
}

/** Purity of a class's most important concept (largest class-score gradient along it): what the class is recognised by. */
export function leadingPurity(concepts: readonly { purity: number; importance: number }[]): number {
  if (concepts.length === 0) return NaN;
  return concepts.reduce((best, c) => (c.importance > best.importance ? c : best)).purity;
}

/** Mean ICE concept-model purity of the classes in the generator's ambiguous pairs vs the others (the issue's "dominated by one class for the well-learned classes, mixed for the ambiguous ones"). */
export function conceptModelSeparation(json: Pick<ExploreSummaryInput, 'confusion' | 'ice'>): { clear: number; ambiguous: number; clearCount: number; ambiguousCount: number } | undefined {
  const names = json.confusion.classNames;
  const inPair = new Set(AMBIGUOUS_PAIRS.flat().map((k) => MICROSTRUCTURE_CLASSES[k]));
  const purity = (name: string) => json.ice.classes[name]?.conceptModel?.purity;
  const clear = names.filter((n) => !inPair.has(n as (typeof MICROSTRUCTURE_CLASSES)[number])).map(purity).filter((p): p is number => p !== undefined);
  const ambiguous = names.filter((n) => inPair.has(n as (typeof MICROSTRUCTURE_CLASSES)[number])).map(purity).filter((p): p is number => p !== undefined);
  if (clear.length === 0 || ambiguous.length === 0) return undefined;
  const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
  return { clear: mean(clear), ambiguous: mean(ambiguous), clearCount: clear.length, ambiguousCount: ambiguous.length };
}

/** The largest off-diagonal confusions: [true, predicted, count], largest first. */
export function largestConfusions(matrix: readonly (readonly number[])[], n = 4): [number, number, number][] {
  const cells = matrix.flatMap((row, t) => row.flatMap((c, p) => (t !== p && c > 0 ? [[t, p, c] as [number, number, number]] : [])));
  return cells.sort((a, b) => b[2] - a[2] || a[0] - b[0] || a[1] - b[1]).slice(0, n);
}

/** Per-class accuracy, ICE purity (share ranking; mean-map ranking in brackets), the largest confusions, the significant TCAV concepts, PCA and SP-LIME, as lines of text. */
export function exploreDemoSummary(json: ExploreSummaryInput): string {
  const names = json.confusion.classNames;
  const lines = [`accuracy ${json.accuracy.toFixed(3)}`, `${'class'.padEnd(18)}accuracy  ICE concept-model purity (network's own)  per-concept purity: mean, leading concept [by mean map] {by contribution to the class score}`];
  for (const name of names) {
    const concepts = json.ice.classes[name]?.concepts ?? [];
    const old = concepts.map((c) => ({ purity: c.meanScorePurity, importance: c.importance }));
    const byContribution = concepts.map((c) => ({ purity: c.contributionPurity ?? NaN, importance: c.importance }));
    const joint = json.ice.classes[name];
    const model = joint?.conceptModel ? `${joint.conceptModel.purity.toFixed(2)} (${joint.network?.purity.toFixed(2) ?? '–'})` : '–';
    lines.push(`${name.padEnd(18)}${(json.perClassAccuracy[name]?.toFixed(3) ?? '–').padEnd(10)}${model.padEnd(35)}${meanPurity(concepts).toFixed(2).padEnd(6)}${leadingPurity(concepts).toFixed(2).padEnd(6)}[${meanPurity(old).toFixed(2)}, ${leadingPurity(old).toFixed(2)}] {${meanPurity(byContribution).toFixed(2)}, ${leadingPurity(byContribution).toFixed(2)}}`);
  }
  const separation = conceptModelSeparation(json);
  if (separation) lines.push(`ICE concept-model purity: ${separation.clear.toFixed(2)} mean over the ${separation.clearCount} classes outside the ambiguous pairs, ${separation.ambiguous.toFixed(2)} over the ${separation.ambiguousCount} in them`);
  lines.push('largest confusions: ' + largestConfusions(json.confusion.matrix).map(([t, p, c]) => `${names[t]} → ${names[p]} (${c})`).join(', '));
  const significant = (json.tcav ?? []).filter((r) => r.significant).map((r) => `${r.concept} ${r.derivative > 0 ? 'raises' : 'lowers'} ${r.class} (score ${r.score.toFixed(2)}, p ${r.pValue.toExponential(1)})`);
  lines.push(`TCAV significant: ${significant.length > 0 ? significant.join('; ') : 'none'}`);
  if (json.pca) lines.push(`PCA: the first components explain ${json.pca.explainedVarianceRatio.slice(0, 4).map((r) => (100 * r).toFixed(1) + '%').join(', ')} of the pixel variance`);
  if (json.spLime) lines.push(`SP-LIME picks: ${json.spLime.picked.map((p) => `#${p.index} ${p.trueClass}${p.predicted !== p.trueClass ? ' → ' + p.predicted : ''}`).join(', ')} (coverage ${(100 * (json.spLime.coverage.at(-1) ?? 0)).toFixed(0)}%)`);
  return lines.join('\n');
}

/** The largest flows of each recorded set and the pairs that traded most instances over all epochs, as lines of text. */
export function exploreDemoFlowSummary(flow: FlowRecord): string {
  const names = flow.record.classNames;
  return setFlows(flow.record)
    .map((f) => {
      const pairs = flowTotalsByPair(f).slice(0, 4).map(([a, b, n]) => `${names[a]} → ${names[b]} (${n})`);
      return [`largest flows (${f.set} set):`, ...flowSentences(f).map((line) => '  ' + line), `  moves away from the true class over all epochs: ${pairs.join(', ')}`].join('\n');
    })
    .join('\n');
}
