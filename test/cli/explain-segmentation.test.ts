/**
 * `trustscope explain` on a segmenter (per-pixel logits [K, H, W]): the target flags give exactly
 * the library's segmentation targets; the default is the dominant predicted class's mask; a PNG mask
 * file works; class-index flags are refused with a line naming the segmentation flags.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { OnnxModel } from '../../src/models/model.js';
import { inputXGradient } from '../../src/attribution/input-x-gradient.js';
import { segmentationTarget } from '../../src/attribution/common/segmentation-targets.js';
import { greyscalePng } from '../../src/report/png.js';
import { tensor } from '../../src/tensor/tensor.js';
import { pointwiseSegmenter, randomTensor, tempDir } from '../helpers/models.js';
import { expectUserErrors, runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-cli-seg-');
let path: (name: string) => string;
// logit1 − logit0 = 2x − 1: class 1 where x > 0.5
const graph = pointwiseSegmenter([1, 6, 6], [-1, 1], [0.5, -0.5]);
const model = new OnnxModel(graph);
const batch = randomTensor([2, 1, 6, 6], 11);
const region = tensor([6, 6], Array.from({ length: 36 }, (_, p) => (p % 6 < 3 ? 1 : 0)));

beforeAll(async () => {
  path = (await dirP).path;
  await saveOnnxGraph(path('seg.onnx'), graph);
  await writeNpy(path('batch.npy'), batch);
  await writeFile(path('region.png'), greyscalePng(tensor([1, 6, 6], region.data), [0, 1]));
});
afterAll(async () => (await dirP).cleanup());

const explain = (...args: string[]) => runCli(['explain', '--model', path('seg.onnx'), '--input', path('batch.npy'), '--method', 'input-x-gradient', ...args]);

async function expectLibrary(out: string, spec: Parameters<typeof segmentationTarget>[2]): Promise<string[]> {
  const t = await segmentationTarget(model, batch, spec);
  const lib = await inputXGradient.attribute(model, batch, { target: t.target });
  const written = await readNpy(join(out, 'attributions.npy'));
  expect(Array.from(written.data)).toEqual(Array.from(lib.values.data));
  return [...t.descriptions];
}

describe('trustscope explain on a segmenter', () => {
  it('by default explains the dominant predicted class over its predicted mask, and says so (console, run.json, outlined overlays)', async () => {
    const out = path('default');
    const r = await explain('--png', '--out', out);
    expect(r.stderr).toEqual([]);
    const said = await expectLibrary(out, { kind: 'dominant' });
    expect(r.stdout).toMatch(/most frequent predicted non-background class\) logits summed over its predicted mask \(\d+ px\)/);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { explained: string[] };
    expect(run.explained).toEqual(said);
    expect((await readFile(join(out, 'overlays', 'image-1.png'))).length).toBeGreaterThan(0);
  });

  it('--target-class with --target-region predicted|all|MASK.png and --target-pixel', async () => {
    await explain('--target-class', '1', '--out', path('pred'));
    await expectLibrary(path('pred'), { kind: 'predicted', classIndex: 1 });
    await explain('--target-class', '0', '--target-region', 'all', '--out', path('all'));
    await expectLibrary(path('all'), { kind: 'image', classIndex: 0 });
    const r = await explain('--target-class', '1', '--target-region', path('region.png'), '--out', path('png'));
    expect(r.stderr).toEqual([]);
    expect(await expectLibrary(path('png'), { kind: 'region', classIndex: 1, mask: region })).toContain('class 1 logits summed over the given region (18 px)');
    await explain('--target-class', '1', '--target-pixel', '2,4', '--out', path('pixel'));
    await expectLibrary(path('pixel'), { kind: 'pixel', classIndex: 1, y: 2, x: 4 });
  });

  it('refuses class-index targets and bad segmentation flags in one line, before writing anything', async () => {
    await expectUserErrors(
      explain,
      [
        [['--target', '1'], /--target names classes of a classifier, but this model is a segmenter .* use --target-class C with --target-region predicted\|all\|MASKFILE or --target-pixel Y,X/],
        [['--targets', '0,1'], /--targets names classes of a classifier/],
        [['--target-region', 'all'], /--target-region needs --target-class C/],
        [['--target-class', '1', '--target-region', 'all', '--target-pixel', '1,1'], /give --target-region or --target-pixel, not both/],
        [['--target-class', '1', '--target-pixel', '1'], /--target-pixel must be Y,X/],
        [['--target-class', '1', '--target-pixel', '6,0'], /pixel \(6, 0\) is outside the model's 6×6 output/],
        [['--target-class', '2'], /class 2 is not a class of this segmenter/],
        [['--target-class', '1', '--target', '1'], /give --target-class \(segmenters\) or --target/],
      ],
      path('refused'),
    );
  });
});

describe('trustscope evaluate on a segmenter', () => {
  it('judges the segmentation target: default and --target-class, said in the page and the console', async () => {
    const out = path('eval');
    const r = await runCli(['evaluate', '--model', path('seg.onnx'), '--input', path('batch.npy'), '--method', 'saliency', '--metrics', 'randomisation,complexity,faithfulness', '--target-class', '1', '--quiet', '--out', out]);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/explained: .*class 1 logits summed over its predicted mask/);
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html).toMatch(/explained: .*class 1 logits summed over its predicted mask/);
    const refused = await runCli(['evaluate', '--model', path('seg.onnx'), '--input', path('batch.npy'), '--method', 'saliency', '--target', '0', '--out', path('eval-refused')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr[0]).toMatch(/use --target-class C/);
  });
});
