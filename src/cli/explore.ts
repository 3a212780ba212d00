/**
 * `trustscope explore`: what has the model learned? Error analysis (confusion matrix, per-class
 * accuracy, misclassified images with saliency), TCAV for concept sets (folders or a CSV manifest,
 * concept-sets.ts), and ICE concepts per class with their fidelity; explore.json and a
 * self-contained index.html in --out.
 */
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { loadModel } from '../models/import/load-model.js';
import type { OnnxModel } from '../models/model.js';
import type { Normalisation } from '../data/normalise.js';
import { argmaxRows, oneHot, row, softmaxRows, takeRows, tensor, type Tensor } from '../tensor/tensor.js';
import { confusionMatrix, perClassAccuracy } from '../concepts/confusion.js';
import { trainCavs, tcavScores, type ConceptSet, type TcavResult } from '../concepts/tcav.js';
import { iceFidelity, iceForClass, type FidelityPoint, type IceClassResult } from '../concepts/ice.js';
import { explorePage, type ExplorePageData, type GalleryItem } from '../report/explore-page.js';
import { UsageError, parseInteger } from './errors.js';
import { globalViews, shapMaps } from './explore-global.js';
import { EXPLORE_DEMO_DEFAULTS, EXPLORE_DEMO_JSON, EXPLORE_DEMO_LAYER, EXPLORE_DEMO_MODEL_NAME, exploreDemoFlowSummary, exploreDemoSummary, prepareExploreDemo } from './explore-demo.js';
import type { OutputFolder } from './output-folder.js';
import { flowHtml, flowJson, readFlowRecord, type FlowRecord } from './explore-flow.js';
import { PREDICTIONS_JSON } from './train.js';
import { predictionsJson } from '../training/predictions-file.js';
import type { StageProgress } from './progress.js';
import { readIds, readImages } from './inputs.js';
import { readConceptSets } from './concept-sets.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';

export const EXPLORE_JSON = 'explore.json';
export const EXPLORE_HTML = 'index.html';

interface ExploreCliOptions {
  model?: string;
  input?: string;
  labels?: string;
  demo?: boolean;
  demoImages: number;
  demoEpochs: number;
  concepts?: string;
  epochs?: string;
  classNames?: string;
  layers?: string;
  iceLayer?: string;
  iceConcepts: number;
  topK: number;
  gallery: number;
  representatives: number;
  out: string;
  force?: boolean;
  seed: number;
  normalise?: Normalisation;
  progress?: boolean;
  quiet?: boolean;
  jsonProgress?: boolean;
}

/** The last 4-D ReLU output (else the last 4-D value): where convolutional concepts live. */
export function defaultConceptLayer(model: OnnxModel): string {
  const fourD = model.layerInfo.filter((l) => l.shape?.length === 4);
  const pick = fourD.filter((l) => l.opType === 'Relu').at(-1) ?? fourD.at(-1);
  if (!pick) throw new UsageError(`the model has no convolutional layer [N, C, h, w]; name one with --layers / --ice-layer (see 'trustscope layers --model ${model.graph.name}')`);
  return pick.name;
}

function splitList(value: string | undefined): string[] | undefined {
  return value?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** |∂ score_predicted / ∂ input|, summed over channels: the gallery's saliency. */
async function saliencyMaps(model: OnnxModel, x: Tensor, classes: readonly number[]): Promise<Tensor[]> {
  if (x.shape[0] === 0) return [];
  const { inputGrad } = await model.vjp(x, oneHot([...classes], model.outputSize));
  const [n, c, h, w] = inputGrad.shape;
  return Array.from({ length: n }, (_, i) => {
    const m = new Float32Array(h * w);
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) m[p] += Math.abs(inputGrad.data[((i * c + ch) * h * w) + p]);
    return tensor([h, w], m);
  });
}

/** What explore analyses: a model, its images with true labels, class names and optional concept sets. */
export interface ExploreData {
  model: OnnxModel;
  modelName: string;
  x: Tensor;
  labels: readonly number[];
  names: readonly string[];
  conceptSets?: { concepts: ConceptSet[]; randoms: Tensor[] };
  layers: string[];
  iceLayer: string;
  /** Instance flow over training epochs (--epochs, or recorded by --demo's training). */
  flow?: FlowRecord;
}

export interface ExploreSettings {
  iceConcepts: number;
  topK: number;
  gallery: number;
  /** SP-LIME's budget B: representative explanations shown. */
  representatives: number;
  seed: number;
}

/** A class's ICE concept-model ranking and the network's own (ice-concept-model.ts) as explore.json holds them. */
function conceptModelJson(c: IceClassResult): object {
  if (!c.conceptModel || !c.network) return { conceptModelProblem: c.conceptModelProblem ?? null };
  return {
    conceptModel: { purity: c.conceptModel.purity, topImages: c.conceptModel.topImages, topProbabilities: c.conceptModel.topProbabilities },
    network: { purity: c.network.purity, topImages: c.network.topImages, topProbabilities: c.network.topProbabilities },
  };
}

/** Runs the error analysis, TCAV and ICE, writes explore.json and index.html into the folder; returns explore.json's content. */
export async function exploreAndWrite(data: ExploreData, opts: ExploreSettings, folder: OutputFolder, bar: StageProgress) {
  const { model, modelName, x, labels, names, conceptSets, layers, iceLayer } = data;
  const classes = model.outputSize;
    bar.update('predictions', 0);
    const probabilities = softmaxRows(await model.forward(x));
    const predictions = argmaxRows(probabilities);
    const confusion = confusionMatrix(labels, predictions, classes);
    const accuracyPerClass = perClassAccuracy(confusion);
    const accuracy = predictions.filter((p, i) => p === labels[i]).length / labels.length;
    const present = [...new Set(labels)].sort((a, b) => a - b);

    const wrong = predictions.flatMap((p, i) => (p !== labels[i] ? [i] : [])).slice(0, opts.gallery);
    const right = present.flatMap((k) => {
      const i = predictions.findIndex((p, j) => p === k && labels[j] === k);
      return i >= 0 ? [i] : [];
    });
    const gallery = async (ids: number[]): Promise<GalleryItem[]> => {
      const maps = await saliencyMaps(model, takeRows(x, ids), ids.map((i) => predictions[i]));
      const shap = await shapMaps(model, takeRows(x, ids), ids.map((i) => predictions[i]), opts.seed);
      return ids.map((i, t) => ({ index: i, trueClass: names[labels[i]], predicted: names[predictions[i]], confidence: probabilities.data[i * classes + predictions[i]], image: row(x, i), saliency: maps[t], shap: shap[t] }));
    };
    const misclassified = await gallery(wrong);
    const correct = await gallery(right);

    let tcav: (TcavResult & { className: string })[] | undefined;
    if (conceptSets) {
      bar.update('TCAV: concept vectors', 0.1);
      const cavs = await trainCavs(model, { layers, ...conceptSets });
      tcav = [];
      for (const [t, k] of present.entries()) {
        bar.update('TCAV: scores per class', 0.2 + (0.2 * t) / present.length);
        const own = labels.flatMap((y, i) => (y === k ? [i] : []));
        for (const r of await tcavScores(model, cavs, takeRows(x, own), k)) tcav.push({ ...r, className: names[k] });
      }
    }

    const iceClasses: IceClassResult[] = [];
    for (const [t, k] of present.entries()) {
      bar.update('ICE: concepts per class', 0.4 + (0.4 * t) / present.length);
      iceClasses.push(await iceForClass(model, x, labels, k, { layer: iceLayer, components: opts.iceConcepts, topK: opts.topK, seed: opts.seed }));
    }
    bar.update('ICE: fidelity', 0.8);
    let fidelity: { baseline: number; points: FidelityPoint[] } | undefined;
    let fidelityProblem: string | undefined;
    const channels = model.layerShape(model.resolveLayer(iceLayer))?.[1] ?? 1;
    const ranks = [...new Set([1, 2, 4, 8, 16, 32, opts.iceConcepts].filter((c) => c <= channels))].sort((a, b) => a - b);
    try {
      fidelity = await iceFidelity(model, x, labels, iceLayer, ranks, opts.seed);
    } catch (e) {
      fidelityProblem = (e as Error).message;
    }

    const global = await globalViews(model, x, labels, predictions, names, { budget: opts.representatives, seed: opts.seed }, (stage, f) => bar.update(stage, 0.85 + 0.14 * f));

    const json = {
      model: modelName,
      images: labels.length,
      accuracy,
      confusion: { classNames: names, matrix: confusion },
      perClassAccuracy: Object.fromEntries(names.map((n, k) => [n, accuracyPerClass[k]])),
      misclassified: wrong.map((i) => ({ index: i, trueClass: names[labels[i]], predicted: names[predictions[i]], confidence: probabilities.data[i * classes + predictions[i]] })),
      tcav: tcav?.map(({ concept, layer, className, score, scoreStd, magnitude, derivative, pValue, significant, captumPValue, cavAccuracy, scores, randomScores, randomConceptDerivatives }) => ({ concept, layer, class: className, score, scoreStd, magnitude, derivative, pValue, significant, captumPValue, cavAccuracy, scores, randomScores, randomConceptDerivatives })),
      ice: {
        layer: iceLayer,
        classes: Object.fromEntries(iceClasses.map((c) => [names[c.classIndex], { relativeError: c.relativeError, ...conceptModelJson(c), concepts: c.concepts.map(({ index, topImages, purity, topShares, contributionTopImages, contributionPurity, topContributions, meanScorePurity, importance }) => ({ index, topImages, purity, topShares, contributionTopImages, contributionPurity, topContributions, meanScorePurity, importance })) }])),
        fidelity: fidelity ?? null,
        ...(fidelityProblem ? { fidelityProblem } : {}),
      },
      ...global.json,
      ...(data.flow ? { flow: flowJson(data.flow) } : {}),
    };
    await folder.write(EXPLORE_JSON, JSON.stringify(json, null, 2) + '\n');
    const page: ExplorePageData = {
      modelName: modelName,
      classNames: names,
      confusion,
      perClassAccuracy: accuracyPerClass,
      accuracy,
      misclassified,
      correct,
      tcav,
      ice: {
        layer: iceLayer,
        classes: iceClasses.map((c) => ({
          className: names[c.classIndex],
          relativeError: c.relativeError,
          conceptModel: c.conceptModel && c.network ? { purity: c.conceptModel.purity, networkPurity: c.network.purity, topImages: c.conceptModel.topImages.map((i) => ({ index: i, label: names[labels[i]], image: row(x, i) })) } : undefined,
          concepts: c.concepts.map((k) => ({
            index: k.index,
            purity: k.purity,
            importance: k.importance,
            topImages: k.topImages.map((i, t) => ({ index: i, label: names[labels[i]], image: row(x, i), map: row(k.maps, t) })),
          })),
        })),
        fidelity,
        fidelityProblem,
      },
      pca: { ...global.pca, images: labels.length },
      globalAttribution: {
        method: 'GradientSHAP',
        classes: global.classes.map((c) => ({ className: names[c.classIndex], images: c.images, mean: c.mean, centralShare: c.centralShare, example: { index: c.example.index, image: row(x, c.example.index), map: c.example.map } })),
      },
      spLime: { ...global.spLime, pool: global.spLime.pool.length, picked: global.spLime.picked.map((i, k) => ({ index: i, trueClass: names[labels[i]], predicted: names[predictions[i]], image: row(x, i), map: global.spLime.maps[k] })) },
      flowHtml: data.flow ? await flowHtml(data.flow) : undefined,
    };
    await folder.write(EXPLORE_HTML, explorePage(page));
    bar.update('done', 1);
    return json;
}

/** --demo: train on the reference scenario, then explore its test split (training is the first half of the bar). */
async function runDemo(opts: ExploreCliOptions, folder: OutputFolder): Promise<void> {
  const bar = progressFor(opts);
  try {
    const demo = await prepareExploreDemo({ images: opts.demoImages, epochs: opts.demoEpochs, seed: opts.seed }, bar);
    try {
      // --layers / --ice-layer still choose (e.g. --ice-layer relu3_out: ICE on the 48 hidden units).
      const layers = splitList(opts.layers) ?? [EXPLORE_DEMO_LAYER];
      const iceLayer = opts.iceLayer ?? EXPLORE_DEMO_LAYER;
      for (const l of [...layers, iceLayer]) demo.model.resolveLayer(l);
      const second: StageProgress = { update: (stage, f) => bar.update(stage, 0.5 + 0.5 * f), stop: () => undefined };
      const json = await exploreAndWrite({ ...demo, modelName: EXPLORE_DEMO_MODEL_NAME, layers, iceLayer }, opts, folder, second);
      await folder.write(EXPLORE_DEMO_JSON, JSON.stringify({ trainImages: demo.trainImages, testImages: demo.labels.length, history: demo.history }, null, 2) + '\n');
      // The flow record as `trustscope train` writes it, so `explore --epochs` can read it again.
      await folder.write(PREDICTIONS_JSON, predictionsJson(demo.flow.record));
      console.log(exploreDemoSummary(json));
      console.log(exploreDemoFlowSummary(demo.flow));
      console.log(`→ ${join(opts.out, EXPLORE_HTML)}`);
    } finally {
      await demo.model.dispose();
    }
  } finally {
    bar.stop();
  }
}

export function registerExplore(program: Command): void {
  const command = program
    .command('explore')
    .description('what has the model learned: PCA of the data, confusion and per-class accuracy, misclassified images with saliency and SHAP, per-class average SHAP maps, SP-LIME representatives, TCAV for concept sets, ICE concepts per class')
    .option('--model <file.onnx>', 'ONNX image classifier (or TF.js model.json); required unless --demo')
    .option('--input <X>', 'images: a file (.npy, .tif, .png, …) or a folder of them; required unless --demo')
    .option('--labels <Y.npy>', 'true class per image [N]; required unless --demo')
    .option('--demo', 'train the CIFAR-style CNN (6 conv + 3 linear) on the seeded 10-class EM microstructure set, recording instance flow, and explore it (concepts "fine stripes", "bands" and "dotted" from the generator)')
    .option('--demo-images <n>', 'with --demo: training images (test split: an eighth as many, ≥ 50)', parseInteger('--demo-images', 40), EXPLORE_DEMO_DEFAULTS.images)
    .option('--demo-epochs <n>', 'with --demo: training epochs', parseInteger('--demo-epochs', 1), EXPLORE_DEMO_DEFAULTS.epochs)
    .option('--epochs <dir|file>', 'instance flow over training: a predictions-per-epoch file (.json or .csv: instance,epoch,predicted[,label][,set]; what `trustscope train` writes) or a folder of per-epoch .onnx checkpoints (epoch-1.onnx, …) run on --input')
    .option('--concepts <dir|file.csv>', 'TCAV concept sets: a folder with one sub-folder of images per concept and random*/ sub-folders (≥ 3, 10 or more recommended), or a CSV with columns file,concept (concepts named random* are the random sets)')
    .option('--class-names <a,b,…>', 'class names in output order (default 0, 1, …)')
    .option('--layers <a,b,…>', 'TCAV layers (default: the last convolutional ReLU)')
    .option('--ice-layer <name>', 'layer ICE factorises (default: the last convolutional ReLU)')
    .option('--ice-concepts <n>', 'ICE concepts per class', parseInteger('--ice-concepts', 1), 5)
    .option('--top-k <n>', 'top images shown per ICE concept', parseInteger('--top-k', 1), 5)
    .option('--gallery <n>', 'misclassified images shown', parseInteger('--gallery', 0), 12)
    .option('--representatives <B>', 'SP-LIME budget: representative explanations chosen by the submodular pick', parseInteger('--representatives', 1), 6);
  addNormaliseOption(command);
  addRunOptions(command, { out: 'trustscope-explore', what: `${EXPLORE_JSON} and ${EXPLORE_HTML}` });
  addProgressOptions(command);
  command
    .addHelpText('after', '\nExample:\n  trustscope explore --model cnn.onnx --input test/ --labels y.npy --concepts concepts/ --class-names grains,voids,cracks --out explore')
    .action(async (opts: ExploreCliOptions) => {
      if (opts.demo) {
        for (const flag of ['model', 'input', 'labels', 'concepts', 'classNames', 'epochs'] as const) {
          if (opts[flag] !== undefined) throw new UsageError(`--demo brings its own model, images, labels and concepts; drop --${flag.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
        }
        await runInFolder('explore', opts, (folder) => runDemo(opts, folder));
        return;
      }
      const missing = (['model', 'input', 'labels'] as const).filter((f) => opts[f] === undefined);
      if (missing.length > 0) throw new UsageError(`explore needs ${missing.map((f) => '--' + f).join(', ')} (or --demo for the built-in reference scenario)`);
      const paths = { model: opts.model!, input: opts.input!, labels: opts.labels! };
      await runInFolder('explore', opts, async (folder) => {
        const model = await loadModel(paths.model);
        try {
          folder.input(paths.model);
          if (model.inputShape.length !== 3) throw new UsageError(`explore needs an image model with input [N, C, H, W]; ${paths.model} takes [N, ${model.inputShape.join(', ')}]`);
          const classes = model.outputSize;
          const { batch: x } = await readImages(paths.input, model.inputShape, opts.normalise);
          folder.input(paths.input);
          const labels = await readIds(paths.labels, x.shape[0], 'labels', classes);
          folder.input(paths.labels);
          const names = splitList(opts.classNames) ?? Array.from({ length: classes }, (_, k) => String(k));
          if (names.length !== classes) throw new UsageError(`--class-names lists ${names.length} names but the model has ${classes} classes`);
          const conceptSets = opts.concepts ? await readConceptSets(opts.concepts, model.inputShape, opts.normalise) : undefined;
          for (const f of conceptSets?.files ?? []) folder.input(f);
          const layers = splitList(opts.layers) ?? [defaultConceptLayer(model)];
          const iceLayer = opts.iceLayer ?? defaultConceptLayer(model);
          for (const l of [...layers, iceLayer]) model.resolveLayer(l);

          const bar = progressFor(opts);
          try {
            const flow = opts.epochs ? await readFlowRecord(opts.epochs, { x, labels, names, inputShape: model.inputShape }, bar) : undefined;
            if (opts.epochs) folder.input(opts.epochs);
            const json = await exploreAndWrite({ model, modelName: basename(paths.model), x, labels, names, conceptSets, layers, iceLayer, flow }, opts, folder, bar);
            console.log(`accuracy ${json.accuracy.toFixed(3)} on ${json.images} images; ${json.misclassified.length} misclassified shown → ${join(opts.out, EXPLORE_HTML)}`);
          } finally {
            bar.stop();
          }
        } finally {
          await model.dispose();
        }
      });
    });
}
