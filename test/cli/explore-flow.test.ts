/**
 * `explore --epochs DIR` on checkpoints trustscope did not train: four epochs of a small CNN trained
 * and exported by PyTorch (bench/reference/make_flow_checkpoint_fixture.py). explore.json's flow
 * counts must equal those of PyTorch's own per-epoch predictions.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointEpoch } from '../../src/cli/explore-flow.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const FIXTURE = join('test', 'fixtures', 'torch', 'flow');
const dirP = tempDir('trustscope-explore-flow-');
afterAll(async () => (await dirP).cleanup());

describe('checkpointEpoch', () => {
  it('reads the last number of a checkpoint name as its epoch', () => {
    expect(checkpointEpoch('epoch-3.onnx')).toBe(3);
    expect(checkpointEpoch('run2_model_epoch_012.ONNX')).toBe(12);
    expect(checkpointEpoch('final.onnx')).toBeUndefined();
  });
});

describe('explore --epochs with PyTorch checkpoints', () => {
  it('counts per class and epoch what PyTorch predicted after each epoch', async () => {
    const dir = await dirP;
    const out = dir.path('out');
    const r = await runCli(['explore', '--model', join(FIXTURE, 'checkpoints', 'epoch-4.onnx'), '--input', join(FIXTURE, 'x.npy'), '--labels', join(FIXTURE, 'labels.npy'), '--class-names', 'top-left,top-right,bottom', '--epochs', join(FIXTURE, 'checkpoints'), '--ice-concepts', '2', '--top-k', '2', '--gallery', '2', '--out', out, '--quiet']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const flow = JSON.parse(await readFile(join(out, 'explore.json'), 'utf8')).flow;
    const torch = JSON.parse(await readFile(join(FIXTURE, 'predictions.json'), 'utf8')) as { epochs: number[]; predicted: number[][] };
    expect(flow.epochs).toEqual(torch.epochs);
    // 30 images, 10 per class in label order (the fixture's layout).
    const names = ['top-left', 'top-right', 'bottom'];
    const expected = Object.fromEntries(names.map((n, k) => [n, { size: 10, counts: torch.predicted.map((p) => [0, 1, 2].map((c) => p.slice(10 * k, 10 * k + 10).filter((v) => v === c).length)) }]));
    expect(flow.sets.input.classes).toEqual(expected);
    // The fixture's predictions do move between epochs, so the summary has flows to report or none to invent.
    const moved = torch.predicted.slice(1).some((p, e) => p.some((v, i) => v !== torch.predicted[e][i]));
    expect(moved).toBe(true);
    for (const f of flow.sets.input.largestFlows) {
      const k = names.indexOf(f.class);
      const e = torch.epochs.indexOf(f.afterEpoch);
      const count = Array.from({ length: 10 }, (_, i) => 10 * k + i).filter((i) => torch.predicted[e][i] === k && torch.predicted[e + 1][i] === names.indexOf(f.to)).length;
      expect(f.count).toBe(count);
    }
  }, 60_000);
});
