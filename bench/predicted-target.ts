/**
 * The default target (the predicted class) with and without its own forward pass (issue 21 B):
 * saliency on a ResNet-18-style net at 224² as `trustscope explain` runs it — a fresh model, so
 * both sessions are built as in one CLI call — the old way (resolveTarget's forward pass, then
 * vjp with the one-hot) against the new (targetVjp: the class chosen inside the gradient graph),
 * interleaved pair by pair in process CPU and wall; maps and classes are checked identical.
 *
 *   npm run build && nice -n 10 node dist/bench/predicted-target.js [--pairs 3] [--images 16] [--threads 2] [--model vgg|resnet]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { resolveTarget } from '../src/attribution/common/target.js';
import { targetVjp } from '../src/attribution/common/target-gradient.js';
import { OnnxModel } from '../src/models/model.js';
import { resNet } from '../src/models/zoo/resnet.js';
import { vggStyle } from '../src/models/zoo/vgg-style.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { Random } from '../src/tensor/random.js';
import { tensor, type Tensor } from '../src/tensor/tensor.js';
import { formatMs, median, table } from './stats.js';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '3' }, images: { type: 'string', default: '16' }, threads: { type: 'string', default: '2' }, model: { type: 'string', default: 'resnet' } } });
const pairs = Number(values.pairs);
const n = Number(values.images);
configureRuntime({ threads: Number(values.threads) });
const graph = values.model === 'vgg' ? vggStyle() : resNet({ size: 224, seed: 0 });
const rng = new Random(7);
const x = tensor([n, 3, 224, 224], Float32Array.from({ length: n * 3 * 224 * 224 }, () => rng.next()));

interface Side {
  label: string;
  call: (model: OnnxModel, x: Tensor) => Promise<{ grad: Tensor; classes?: number[] }>;
  cpu: number[];
  wall: number[];
  last?: { grad: Tensor; classes?: number[] };
}

const sides: Side[] = [
  {
    label: 'forward pass for the class, then vjp (before)',
    call: async (m, v) => {
      const { cotangent, classes } = await resolveTarget(m, v, undefined);
      return { grad: (await m.vjp(v, cotangent)).inputGrad, classes };
    },
    cpu: [],
    wall: [],
  },
  {
    label: 'class chosen in the gradient graph (now)',
    call: async (m, v) => {
      const r = await targetVjp(m, v, undefined);
      return { grad: r.inputGrad, classes: r.classes };
    },
    cpu: [],
    wall: [],
  },
];

console.log(`${values.model} 224², ${n} images, ${values.threads} thread(s), ${pairs} interleaved pairs (fresh model per call: sessions built each time); load ${loadavg()[0].toFixed(1)}`);
for (let p = 0; p < pairs; p++) {
  for (const s of sides) {
    const model = new OnnxModel(graph, { internalBatchSize: n });
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    s.last = await s.call(model, x);
    s.wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const u = process.cpuUsage(c0);
    s.cpu.push((u.user + u.system) / 1000);
    await model.dispose();
  }
}
const [before, now] = sides;
const same = before.last!.grad.data.every((v, i) => v === now.last!.grad.data[i]) && JSON.stringify(before.last!.classes) === JSON.stringify(now.last!.classes);
console.log(
  table(
    ['path', 'CPU (median)', 'CPU (all)', 'wall (median)'],
    sides.map((s) => [s.label, formatMs(median(s.cpu)), s.cpu.map(formatMs).join(' / '), formatMs(median(s.wall))]),
  ),
);
console.log(`CPU saved per call: ${formatMs(median(before.cpu) - median(now.cpu))} (${((100 * (median(before.cpu) - median(now.cpu))) / median(before.cpu)).toFixed(0)}%); maps and classes ${same ? 'identical' : 'DIFFER'}; load at end ${loadavg()[0].toFixed(1)}`);
