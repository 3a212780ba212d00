/** SpaceToDepth and DepthToSpace (DCR and CRD) against finite differences. */
import { describe, it } from 'vitest';
import { attr } from '../../../src/onnx/graph.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

describe('SpaceToDepth / DepthToSpace', () => {
  it('SpaceToDepth, block 2: gradient w.r.t. the input', async () => {
    const g = opGraph('SpaceToDepth', [{ name: 'x', shape: ['N', 3, 4, 6] }], { blocksize: attr.int(2) });
    await expectGradientsMatch(g, { label: 'SpaceToDepth b2' });
  });
  it('SpaceToDepth, block 3', async () => {
    const g = opGraph('SpaceToDepth', [{ name: 'x', shape: [2, 2, 6, 3] }], { blocksize: attr.int(3) });
    await expectGradientsMatch(g, { label: 'SpaceToDepth b3' });
  });
  for (const mode of ['DCR', 'CRD']) {
    it(`DepthToSpace ${mode}, block 2`, async () => {
      const g = opGraph('DepthToSpace', [{ name: 'x', shape: ['N', 8, 3, 2] }], { blocksize: attr.int(2), mode: attr.string(mode) });
      await expectGradientsMatch(g, { label: `DepthToSpace ${mode}` });
    });
  }
});
