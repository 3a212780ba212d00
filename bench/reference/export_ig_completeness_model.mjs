/**
 * Writes the model and inputs of test/fixtures/ig-completeness/ (see make_ig_completeness_fixture.py):
 * the zoo's tiny CNN at 16×16 (seed 5) as model.onnx, 3 seeded uniform [0, 1) images as x.npy and a
 * seeded baseline U(0, 0.2) as baseline.npy (a nonzero baseline keeps MaxPool windows away from the
 * exact ties of an all-zero input, where torch and trustscope route the gradient differently).
 *
 *   npm run build && node bench/reference/export_ig_completeness_model.mjs
 */
import { mkdir } from 'node:fs/promises';
import { encodeModel } from '../../dist/src/onnx/proto.js';
import { tinyCnn } from '../../dist/src/models/zoo/tiny-cnn.js';
import { writeNpy } from '../../dist/src/data/formats/npy.js';
import { writeFileAtomic } from '../../dist/src/io/atomic-write.js';
import { Random } from '../../dist/src/tensor/random.js';
import { tensor } from '../../dist/src/tensor/tensor.js';

const OUT = 'test/fixtures/ig-completeness';
await mkdir(OUT, { recursive: true });
await writeFileAtomic(`${OUT}/model.onnx`, encodeModel(tinyCnn({ size: 16, seed: 5 })));
const rng = new Random(17);
const n = 3 * 16 * 16;
await writeNpy(`${OUT}/x.npy`, tensor([3, 1, 16, 16], Float32Array.from({ length: n }, () => rng.next())));
await writeNpy(`${OUT}/baseline.npy`, tensor([3, 1, 16, 16], Float32Array.from({ length: n }, () => 0.2 * rng.next())));
console.log(`wrote ${OUT}/model.onnx, x.npy, baseline.npy`);
