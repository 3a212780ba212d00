/**
 * Which zoo CNN `explore --demo` trains, measured: the CIFAR-style CNN (6 conv + 3 linear) vs the tiny
 * CNN on the 10-class microstructure set, with instance flow recorded on the training and test sets.
 *
 *   npm run build && nice node dist/bench/explore-flow-study.js [--arch cifar-cnn|tiny-cnn] [--images 2000] [--epochs 12] [--lr 0.003] [--width 8] [--seed 1]
 *
 * Prints per epoch the training loss and test accuracy, then per-class test accuracy, the training
 * time, and the largest flows away from the true class (test and training sets).
 */
import { parseArgs } from 'node:util';
import { generateMicrostructures, MICROSTRUCTURE_CLASSES } from '../src/data/synthetic/microstructures.js';
import { normalise } from '../src/data/normalise.js';
import { cifarCnn } from '../src/models/zoo/cifar-cnn.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { trainClassifier } from '../src/models/train.js';
import { instanceFlowRecorder } from '../src/training/instance-flow.js';
import { describeFlow, flowOfSet, flowTotalsByPair, largestFlows } from '../src/training/flow-table.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'cifar-cnn' },
    images: { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '12' },
    lr: { type: 'string', default: '0.003' },
    width: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
  },
});
const seed = Number(values.seed);
const images = Number(values.images);
const epochs = Number(values.epochs);
const names = [...MICROSTRUCTURE_CLASSES];
const z = (t: Parameters<typeof normalise>[0]) => normalise(t, { kind: 'zscore' });
const train = generateMicrostructures({ count: images, seed });
const test = generateMicrostructures({ count: Math.max(50, Math.round(images / 8)), seed: seed + 1000 });
const graph = values.arch === 'tiny-cnn'
  ? tinyCnn({ classes: 10, width: Number(values.width), hidden: 48, seed: seed + 11 })
  : cifarCnn({ classes: 10, width: Number(values.width), seed: seed + 11 });
const recorder = instanceFlowRecorder([{ name: 'train', images: z(train.images), labels: train.labels }, { name: 'test', images: z(test.images), labels: test.labels }], names);
const started = performance.now();
const result = await trainClassifier(graph, z(train.images), train.labels, { epochs, batchSize: 64, learningRate: Number(values.lr), weightDecay: 1e-3, schedule: 'cosine', seed: seed + 13, onEpochEnd: recorder.onEpochEnd });
const seconds = (performance.now() - started) / 1000;
const record = recorder.result();
const testFlow = flowOfSet(record, 'test');
for (const [e, h] of result.history.entries()) {
  const correct = testFlow.classes.reduce((s, c) => s + c.counts[e][c.classIndex], 0);
  console.log(`epoch ${e + 1}: loss ${h.loss.toFixed(3)} train acc (running) ${h.accuracy.toFixed(3)} test acc ${(correct / test.labels.length).toFixed(3)}`);
}
console.log(`${values.arch}: ${seconds.toFixed(1)} s training (with recording)`);
for (const c of testFlow.classes) console.log(`  ${c.className.padEnd(18)} ${(c.counts.at(-1)![c.classIndex] / c.size).toFixed(3)}`);
for (const set of ['test', 'train']) {
  const flow = flowOfSet(record, set);
  console.log(`largest flows (${set}):`);
  for (const f of largestFlows(flow, 6)) console.log('  ' + describeFlow(f, flow.classes.find((c) => c.classIndex === f.classIndex)!.size));
  console.log(`  pair totals: ${flowTotalsByPair(flow).slice(0, 6).map(([a, b, n]) => `${names[a]}→${names[b]} ${n}`).join(', ')}`);
}
