import { it } from 'vitest';
import { demoData, trainDemoModel, DEMO_SETTINGS } from '../../src/audit/demo.js';
import { OnnxModel } from '../../src/models/model.js';
import { accuracyOn, pastePatch, predictedRate } from '../../src/trust/intervention.js';
import { ARTIFACT_INTENSITY, cornerMask } from '../../src/data/synthetic/em-defects.js';
import { takeRows } from '../../src/tensor/tensor.js';
import { counterfactualAugmentation } from '../../src/training/counterfactual-augmentation.js';

it('rrr', async () => {
  const data = demoData(1);
  const mask = cornerMask(32, DEMO_SETTINGS.generator.artifactSize);
  const t = data.shortcutTest;
  const free = t.labels.map((l, i) => (l === 0 ? i : -1)).filter((i) => i >= 0);
  const lambdas = (process.env.LAMBDAS ?? '').split(',').filter(Boolean).map(Number);
  const runs: [string, object][] = [];
  if (process.env.BASE) runs.push(['base', {}]);
  if (process.env.AUG) runs.push(['aug', { augment: counterfactualAugmentation({ mask, value: ARTIFACT_INTENSITY }) }]);
  for (const l of lambdas) runs.push([`rrr ${l}`, { inputGradientPenalty: { mask, lambda: l } }]);
  for (const [name, remedy] of runs) {
    const t0 = performance.now();
    const r = await trainDemoModel('x', data.shortcutTrain, 1, { remedy });
    const m = new OnnxModel(r.graph, { internalBatchSize: 256 });
    const acc = await accuracyOn(m, t.withoutArtifact, t.labels);
    const accArt = await accuracyOn(m, t.images, t.labels);
    const inj = await predictedRate(m, pastePatch(takeRows(t.withoutArtifact, free), { mask, value: ARTIFACT_INTENSITY }), 1);
    console.log(`${name}: artifact-free acc ${acc.toFixed(3)} shortcut-test acc ${accArt.toFixed(3)} injected→defect ${inj.toFixed(3)} loss ${r.history.at(-1)!.loss.toFixed(3)} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}, 3_000_000);
