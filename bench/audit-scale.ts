/**
 * Scale of the audit (issue 20): `audit` plain, then `--workers W`, on synthetic EM tiles with the
 * zoo's tiny CNN and every input the checks can use (specimen ids, ROI masks, reference images, a
 * patch), so every classifier check runs. One job per check, so the split is bounded by the slowest
 * check: the table gives each run's wall time and peak memory, and the per-check seconds of the
 * plain run show which check bounds it.
 *
 *   npm run build && node dist/bench/audit-scale.js [--images 200] [--workers 1,2]
 *
 * Every command runs in its own process under /usr/bin/time -v (peak RSS is that command's alone).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeNpy } from '../src/data/formats/npy.js';
import { cornerMask, generateEmDefects } from '../src/data/synthetic/em-defects.js';
import { invokedDirectly } from '../src/io/invoked-directly.js';
import { saveOnnxGraph } from '../src/models/import/onnx-file.js';
import { tinyCnn } from '../src/models/zoo/tiny-cnn.js';
import { tensor } from '../src/tensor/tensor.js';
import { table } from './stats.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

function timed(args: string[]): { seconds: number; peakMb: number } {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, MAIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`trustscope ${args.join(' ')} failed: ${r.stderr.split('\n').find((l) => l.startsWith('trustscope')) ?? r.stderr.slice(0, 400)}`);
  return { seconds, peakMb: Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024 };
}

export async function runAuditScaleBench(images = 200, workers = [1, 2]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'trustscope-bench-audit-'));
  const f = (name: string) => join(dir, name);
  try {
    const data = generateEmDefects({ count: images, seed: 3 });
    const reference = generateEmDefects({ count: images, seed: 4 });
    await saveOnnxGraph(f('model.onnx'), tinyCnn({ seed: 2 }));
    await writeNpy(f('x.npy'), data.images);
    await writeNpy(f('y.npy'), tensor([images], data.labels));
    await writeNpy(f('r.npy'), reference.images);
    await writeNpy(f('ry.npy'), tensor([images], reference.labels));
    await writeNpy(f('roi.npy'), data.masks!.defect);
    await writeNpy(f('g.npy'), tensor([images], Array.from({ length: images }, (_, i) => i % 5)));
    await writeNpy(f('corner.npy'), tensor([32, 32], cornerMask(32, 6)));
    const base = ['audit', '--model', f('model.onnx'), '--input', f('x.npy'), '--labels', f('y.npy'), '--roi', f('roi.npy'), '--groups', f('g.npy'), '--reference', f('r.npy'), '--reference-labels', f('ry.npy'), '--patch-file', f('corner.npy'), '--patch-class', '1', '--no-progress', '--force'];
    const rows: string[][] = [];
    const plain = timed([...base, '--out', f('plain')]);
    rows.push(['plain', plain.seconds.toFixed(2), '1.00×', plain.peakMb.toFixed(0)]);
    for (const w of workers) {
      const r = timed([...base, '--workers', String(w), '--out', f(`w${w}`)]);
      rows.push([`--workers ${w}`, r.seconds.toFixed(2), `${(plain.seconds / r.seconds).toFixed(2)}×`, r.peakMb.toFixed(0)]);
    }
    const timings = JSON.parse(await readFile(join(f('plain'), 'audit.json'), 'utf8')).models[0].timings as Record<string, number>;
    const total = Object.values(timings).reduce((a, b) => a + b, 0);
    const slow = Object.entries(timings).sort((a, b) => b[1] - a[1]).slice(0, 6);
    return [
      `audit of ${images} tiles 1×32×32 (tiny CNN), all classifier checks:`,
      table(['run', 'wall s', 'speedup', 'peak MB'], rows),
      '',
      `plain run, seconds per check (${total.toFixed(2)} s of checks in all):`,
      table(['check', 'seconds', 'share'], slow.map(([id, s]) => [id, s.toFixed(2), `${((100 * s) / total).toFixed(0)}%`])),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (invokedDirectly(import.meta.url)) {
  const { values } = parseArgs({ options: { images: { type: 'string' }, workers: { type: 'string' } } });
  runAuditScaleBench(values.images ? Number(values.images) : undefined, values.workers ? values.workers.split(',').map(Number) : undefined).then(
    (lines) => lines.forEach((l) => console.log(l)),
    (e) => {
      console.error(`bench/audit-scale: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
