/** `trustscope explain --method attention | attention-rollout` on an exported tiny ViT. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyVit } from '../../src/models/zoo/tiny-vit.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { attention, attentionRollout } from '../../src/attribution/attention.js';
import { randomTensor, tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-cli-attention-');
let path: (name: string) => string;
const vitGraph = tinyVit({ size: 8, patch: 2, dim: 8, depth: 2, heads: 2, seed: 3 });
const batch = randomTensor([2, 1, 8, 8], 5);

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('vit.onnx'), vitGraph);
  await saveOnnxGraph(path('cnn.onnx'), tinyCnn({ size: 8, seed: 1 }));
  await writeNpy(path('batch.npy'), batch);
});
afterAll(async () => (await dirP).cleanup());

const explain = (...args: string[]) => runCli(['explain', ...args]);

describe('trustscope explain: attention maps', () => {
  it('--method attention with --attention-layer and --head writes the library result', async () => {
    const run = await explain('--model', path('vit.onnx'), '--input', path('batch.npy'), '--method', 'attention', '--attention-layer', '0', '--head', '1', '--out', path('att'));
    expect(run.code, run.stderr.join('\n')).toBe(0);
    const written = await readNpy(join(path('att'), 'attributions.npy'));
    const expected = await attention.attribute(new OnnxModel(vitGraph), batch, { attentionLayer: 0, head: 1 });
    expect(written.shape).toEqual([2, 1, 8, 8]);
    expect(Array.from(written.data)).toEqual(Array.from(expected.values.data));
  });

  it('--method attention-rollout writes the library result (all layers by default)', async () => {
    const run = await explain('--model', path('vit.onnx'), '--input', path('batch.npy'), '--method', 'attention-rollout', '--upsample', 'none', '--out', path('roll'));
    expect(run.code, run.stderr.join('\n')).toBe(0);
    const written = await readNpy(join(path('roll'), 'attributions.npy'));
    const expected = await attentionRollout.attribute(new OnnxModel(vitGraph), batch, { upsample: 'none' });
    expect(written.shape).toEqual([2, 1, 4, 4]);
    expect(Array.from(written.data)).toEqual(Array.from(expected.values.data));
  });

  it('a model without attention is one error line naming the fix', async () => {
    const run = await explain('--model', path('cnn.onnx'), '--input', path('batch.npy'), '--method', 'attention', '--out', path('none'));
    expect(run.code).toBe(1);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(/has no attention values.*--attention-values/);
  });

  it('--help lists the attention options', async () => {
    const run = await runCli(['explain', '--help']);
    expect(run.stdout).toMatch(/--attention-layer <i>/);
    expect(run.stdout).toMatch(/--head <h>/);
    expect(run.stdout).toMatch(/attention-rollout: attention rollout \(Abnar & Zuidema 2020\)/);
  });
});
