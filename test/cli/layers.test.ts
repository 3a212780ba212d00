/** `trustscope layers`: every addressable value with its op, shape and node. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tempDir } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-layers-');
let file: string;
beforeAll(async () => {
  file = (await dirP).path('m.onnx');
  await saveOnnxGraph(file, tinyCnn({ size: 16, seed: 1 }));
});
afterAll(async () => (await dirP).cleanup());

describe('trustscope layers', () => {
  it('prints the input/output shapes and one line per layer, relu2_out included', async () => {
    const r = await runCli(['layers', '--model', file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('input [N, 1, 16, 16] → output [N, 2]');
    expect(lines).toHaveLength(1 + 9);
    const relu2 = lines.find((l) => l.startsWith('relu2_out'));
    expect(relu2).toBeDefined();
    expect(relu2!.split(/\s+/).slice(0, 2)).toEqual(['relu2_out', 'Relu']);
    // 16×16 → pool1 → 8×8 (conv2 keeps it) with 16 channels.
    expect(relu2).toContain('[N, 16, 8, 8]');
    expect(relu2).toContain("node 'relu2'");
    expect(lines.map((l) => l.split(/\s+/)[0]).slice(1)).toEqual(['conv1_out', 'relu1_out', 'pool1_out', 'conv2_out', 'relu2_out', 'pool2_out', 'flatten_out', 'fc1_out', 'relu3_out']);
  });

  it('fails in one line for a missing model', async () => {
    const r = await runCli(['layers', '--model', `${file}.missing`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([`trustscope: cannot read ${file}.missing: no such file`]);
  });
});
