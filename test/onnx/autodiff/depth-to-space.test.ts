/** DepthToSpace (DCR, CRD — nn.PixelShuffle's export) and SpaceToDepth against finite differences. */
import { describe, it } from 'vitest';
import { attr } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

describe('DepthToSpace / SpaceToDepth', () => {
  for (const mode of ['DCR', 'CRD']) {
    for (const b of [2, 3]) {
      it(`DepthToSpace ${mode}, blocksize ${b}`, async () => {
        const g = opGraph('DepthToSpace', [{ name: 'x', shape: [2, 2 * b * b, 3, 2] }], { blocksize: attr.int(b), mode: attr.string(mode) }, 13);
        await expectGradientsMatch(g, { label: `DepthToSpace ${mode} ${b}` });
      });
    }
  }

  it('SpaceToDepth, blocksize 2', async () => {
    await expectGradientsMatch(opGraph('SpaceToDepth', [{ name: 'x', shape: [2, 3, 4, 6] }], { blocksize: attr.int(2) }, 13), { label: 'SpaceToDepth' });
  });

  it('a pixel-shuffle upsampler with a dynamic batch: Conv → DepthToSpace(CRD)', async () => {
    const e = new GraphEditor('pixel_shuffle', 11);
    const x = e.input('x', ['N', 1, 4, 5]);
    const w = e.input('w', [8, 1, 3, 3]);
    e.output(e.op('DepthToSpace', [e.op('Conv', [x, w], { pads: attr.ints([1, 1, 1, 1]) })], { blocksize: attr.int(2), mode: attr.string('CRD') }));
    await expectGradientsMatch(e.build(), { label: 'Conv → PixelShuffle', batch: 3 });
  });
});
