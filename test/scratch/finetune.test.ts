import { it } from 'vitest';
import { demoData, trainDemoModel, DEMO_SETTINGS } from '../../src/audit/demo.js';
import { OnnxModel } from '../../src/models/model.js';
import { trainClassifier } from '../../src/models/train.js';
import { accuracyOn, pastePatch, predictedRate } from '../../src/trust/intervention.js';
import { ARTIFACT_INTENSITY, cornerMask } from '../../src/data/synthetic/em-defects.js';
import { takeRows } from '../../src/tensor/tensor.js';
import { counterfactualAugmentation } from '../../src/training/counterfactual-augmentation.js';

it('finetune', async () => {
  const data = demoData(1);
  const mask = cornerMask(32, DEMO_SETTINGS.generator.artifactSize);
  const t = data.shortcutTest;
  const free = t.labels.map((l, i) => (l === 0 ? i : -1)).filter((i) => i >= 0);
  const base = await trainDemoModel('x', data.shortcutTrain, 1, {});
  for (const [name, remedy] of [['aug', { augment: counterfactualAugmentation({ mask, value: ARTIFACT_INTENSITY }) }], ['rrr', { inputGradientPenalty: { mask, lambda: 10 } }]] as const) {
    const r = await trainClassifier(base.graph, data.shortcutTrain.images, data.shortcutTrain.labels, { epochs: 4, batchSize: 64, learningRate: 1e-3, weightDecay: 0.02, schedule: 'cosine', seed: 5, ...remedy });
    const m = new OnnxModel(r.graph, { internalBatchSize: 256 });
    const acc = await accuracyOn(m, t.withoutArtifact, t.labels);
    const inj = await predictedRate(m, pastePatch(takeRows(t.withoutArtifact, free), { mask, value: ARTIFACT_INTENSITY }), 1);
    console.log(`finetune ${name}: artifact-free acc ${acc.toFixed(3)} injected ${inj.toFixed(3)}`);
  }
}, 3_000_000);
