/**
 * trustscope's side of one benchmark row, in a process of its own so that its peak resident set
 * (VmHWM) is that row's alone: run.ts starts it once per row and thread count (our-side.ts).
 *
 *   node dist/bench/row-worker.js --label '<row label>' --model m.onnx \
 *       --family '{"family":"vgg","channels":3,"size":224,"classes":10}' --vgg-batch 32 \
 *       --threads 2 --repeats 5 --warmup 1 --input x.npy --targets t.npy [--save attribution.npy]
 *
 * Prints one JSON line (RowWorkerResult). The row is found by its label among its family's rows
 * (built around the model file run.ts wrote), or among memoryRows() without --family. The model is
 * warmed up and timed exactly as run.ts did in-process; each timed run's process CPU time (ORT's
 * threads included) is recorded beside its wall time; the FLOPs of one run are counted from the
 * graphs the run called (flop-meter.ts).
 */
import { parseArgs } from 'node:util';
import { readNpy, writeNpy } from '../src/data/formats/npy.js';
import { OnnxModel } from '../src/models/model.js';
import { configureRuntime } from '../src/onnx/runtime.js';
import { FlopMeter } from './flop-meter.js';
import { warmUp } from './stats.js';
import { peakRssMb as processPeakRssMb } from './peak-rss.js';
import { rowsFor, type OurSideRun, type RowWorkerResult } from './our-side.js';

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      label: { type: 'string' },
      family: { type: 'string' },
      model: { type: 'string' },
      'vgg-batch': { type: 'string', default: '32' },
      threads: { type: 'string', default: '1' },
      repeats: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      input: { type: 'string' },
      targets: { type: 'string' },
      save: { type: 'string' },
    },
  });
  if (!o.label || !o.model || !o.input || !o.targets) throw new Error('row-worker needs --label, --model, --input and --targets (it is started by bench/run.ts)');
  const family = o.family ? (JSON.parse(o.family) as OurSideRun['family']) : undefined;
  const rows = (await rowsFor({ vggBatch: Number(o['vgg-batch']), family, model: o.model })).filter((r) => r.label === o.label);
  if (rows.length !== 1) throw new Error(`row-worker: ${rows.length} rows are labelled '${o.label}' (need exactly one)`);
  const [row] = rows;
  const repeats = Number(o.repeats);
  const warmup = Number(o.warmup);
  configureRuntime({ threads: Number(o.threads) });
  const x = await readNpy(o.input);
  const targets = Array.from((await readNpy(o.targets)).data, (v) => Math.round(v));

  const meter = new FlopMeter();
  const own = new OnnxModel(row.graph, { internalBatchSize: row.chunk });
  const model = meter.wrap(own);
  const run = () => row.ours(model, x, targets);
  let last = await warmUp(run, warmup);
  const runs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    meter.reset();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    last = await run();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  const peakRssMb = processPeakRssMb();
  if (o.save && last) await writeNpy(o.save, last.values);
  const flops = meter.flops();
  await own.dispose();
  const completeness = (last?.extras?.completeness as { relativeGap?: number[] } | undefined)?.relativeGap;
  const result: RowWorkerResult = { runs, cpuMs, peakRssMb, flops: flops.total, effective: flops.effective, uncounted: flops.uncounted, completeness };
  console.log(JSON.stringify(result));
}

main().catch((e: unknown) => {
  console.error(`row-worker: ${(e as Error).message}`);
  process.exitCode = 1;
});
