/**
 * Peak memory of Integrated Gradients on one big single-channel image (issue 3: 1024×1024, 50 steps,
 * small conv net, must stay below ~2 GB resident). Runs in its own process so that VmHWM is the
 * peak of this workload alone.
 *
 *   npm run build && node dist/bench/memory-ig.js [--size 1024] [--steps 50] [--budget-mb 512] [--batch 64]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { integratedGradients } from '../src/attribution/integrated-gradients.js';
import { OnnxModel } from '../src/models/model.js';
import { smallConvNet } from '../src/models/zoo/small-conv-net.js';
import { tensor } from '../src/tensor/tensor.js';
import { Random } from '../src/tensor/random.js';

function status(field: string): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) / 1024;
}

const { values } = parseArgs({ options: { size: { type: 'string', default: '1024' }, steps: { type: 'string', default: '50' }, 'budget-mb': { type: 'string', default: '512' }, batch: { type: 'string', default: '64' } } });
const size = Number(values.size);
const steps = Number(values.steps);
const model = new OnnxModel(smallConvNet(size), { internalBatchSize: Number(values.batch), memoryBudget: Number(values['budget-mb']) * 2 ** 20 });
const rng = new Random(5);
const x = tensor([1, 1, size, size], Float32Array.from({ length: size * size }, () => rng.next()));
const before = status('VmRSS');
const started = performance.now();
const a = await integratedGradients.attribute(model, x, { target: 0, steps });
const seconds = (performance.now() - started) / 1000;
console.log(
  `IG ${steps} steps on 1×1×${size}×${size}: ${model.rowsPerCall('backward')} rows per ORT call, ${seconds.toFixed(1)} s, ` +
    `RSS before ${before.toFixed(0)} MB, peak (VmHWM) ${status('VmHWM').toFixed(0)} MB, |convergence delta| ${Math.abs((a.extras!.convergenceDelta as number[])[0]).toExponential(2)}`,
);
await model.dispose();
