/**
 * A worker keeps its model — ONNX Runtime sessions and gradient graphs included — for every later job
 * on the same model, whatever method the job asks for (issue 21: the session cost is paid once per
 * worker, not per job); another model replaces it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runExplainJob, type ExplainJob } from '../../src/cli/worker-job.js';
import { sha256File } from '../../src/cli/provenance.js';
import { writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { saliency } from '../../src/attribution/saliency.js';
import { randomTensor, tempDir } from '../helpers/models.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir('trustscope-worker-job-');
  await saveOnnxGraph(tmp.path('a.onnx'), tinyCnn({ seed: 1 }));
  await saveOnnxGraph(tmp.path('b.onnx'), tinyCnn({ seed: 2 }));
  await writeNpy(tmp.path('x.npy'), randomTensor([2, 1, 32, 32], 4));
});
afterAll(() => tmp.cleanup());

async function job(model: string, method: string, options: Record<string, unknown> = {}): Promise<ExplainJob> {
  const ref = async (p: string) => ({ path: p, sha256: (await sha256File(p)).sha256 });
  return {
    spec: { model: await ref(tmp.path(model)), method, options, optionFiles: [], seed: 1, batchSize: 16 },
    files: [await ref(tmp.path('x.npy'))],
    items: [{ id: 0, file: 0, row: 0, target: 1 }, { id: 1, file: 0, row: 1, target: 0 }],
  };
}

describe('worker jobs reuse the model', () => {
  it('keeps the model across methods on the same file, replaces it for another file; results as computed directly', async () => {
    const dispose = vi.spyOn(OnnxModel.prototype, 'dispose');
    const first = await runExplainJob(await job('a.onnx', 'saliency'));
    await runExplainJob(await job('a.onnx', 'input-x-gradient'));
    const again = await runExplainJob(await job('a.onnx', 'saliency'));
    expect(dispose).not.toHaveBeenCalled();
    expect(Array.from(again.values)).toEqual(Array.from(first.values));
    // Direct: the same saliency maps from a fresh model.
    const direct = new OnnxModel(tinyCnn({ seed: 1 }));
    const x = randomTensor([2, 1, 32, 32], 4);
    const expected = await saliency.attribute(direct, x, { target: [1, 0] });
    expect(Array.from(first.values)).toEqual(Array.from(expected.values.data));
    await direct.dispose();
    dispose.mockClear();
    await runExplainJob(await job('b.onnx', 'saliency'));
    expect(dispose).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });
});
