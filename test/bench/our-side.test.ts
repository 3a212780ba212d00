import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rowsFor } from '../../bench/our-side.js';
import { memoryRows } from '../../bench/memory-rows.js';
import { methods } from '../../bench/workloads.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { encodeModel } from '../../src/onnx/proto.js';

describe('the row worker finds its row', () => {
  it("rebuilds a family's rows around the model file run.ts wrote: same labels, same settings, same graph", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trustscope-our-side-'));
    try {
      const graph = tinyCnn();
      const model = join(dir, 'm.onnx');
      await writeFile(model, encodeModel(graph));
      const family = { family: 'tiny', channels: 1, size: 32, classes: 2 } as const;
      const rows = await rowsFor({ vggBatch: 32, family, model });
      const direct = methods({ ...family, graph }, 32);
      expect(rows.map((r) => [r.label, r.batch, r.chunk, r.seed])).toEqual(direct.map((r) => [r.label, r.batch, r.chunk, r.seed]));
      expect(encodeModel(rows[0].graph)).toEqual(encodeModel(graph));
      // Without a family: the memory rows (their model is built in the worker; it is small).
      expect((await rowsFor({ vggBatch: 32, model })).map((r) => r.label)).toEqual(memoryRows().map((r) => r.label));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
