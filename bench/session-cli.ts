/**
 * `trustscope explain --method saliency` on a ResNet-18 .onnx with 16 images at 224², as a user runs
 * it — one process per call — with no optimised-graph store, with an empty one (cold) and with the
 * one that call filled (warm); and Captum's Saliency on the same .onnx (onnx_to_torch), same images,
 * same predicted-class targets, PyTorch's tuned allocator (bench/reference/captum_saliency.py).
 * Every call runs under /usr/bin/time: wall, user + system CPU and peak RSS of the whole process;
 * trustscope's own "in X s" is the attribute() time (target forward + gradient, sessions included).
 * The sides run back to back, so a loaded machine slows both alike; the CPU seconds are the steadier figure.
 *
 *   npm run build && node dist/bench/session-cli.js [--repeats 2] [--captum /tmp/captum-src]
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readNpy, writeNpy } from '../src/data/formats/npy.js';
import { resNet } from '../src/models/zoo/resnet.js';
import { encodeModel } from '../src/onnx/proto.js';
import { pearson, relativeL2 } from '../src/tensor/compare.js';
import { Random } from '../src/tensor/random.js';
import { tensor } from '../src/tensor/tensor.js';
import { PYTHON, TUNED_MALLOC_ENV } from './torch-reference.js';
import { median, table } from './stats.js';

export interface SessionCliOptions {
  repeats?: number;
  /** Captum's source folder (on PYTHONPATH); default /tmp/captum-src. */
  captum?: string;
  images?: number;
}

interface Timed {
  wallS: number;
  cpuS: number;
  rssMb: number;
  stdout: string;
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../src/cli/main.js');
const CAPTUM_SCRIPT = [here('../../bench/reference/captum_saliency.py'), here('./reference/captum_saliency.py')].find(existsSync);

/** Runs a command under /usr/bin/time; its resource line goes to a file so the command's own stderr stays apart. */
function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv, dir: string): Promise<Timed> {
  const report = join(dir, `time-${Math.random().toString(36).slice(2)}.txt`);
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-o', report, '-f', '%e %U %S %M', command, ...args], { env, maxBuffer: 16 << 20, timeout: 30 * 60_000 }, async (err, stdout, stderr) => {
      if (err) return reject(new Error(`${command} failed: ${String(stderr).split('\n').filter(Boolean).slice(-1)[0] ?? err.message}`));
      const [wall, user, sys, rss] = (await readFile(report, 'utf8')).trim().split('\n').slice(-1)[0].split(/\s+/).map(Number);
      resolve({ wallS: wall, cpuS: user + sys, rssMb: rss / 1024, stdout: String(stdout) });
    });
  });
}

const seconds = (v: number) => `${v.toFixed(2)} s`;
const pair = (cpu: number, wall: number) => `${seconds(cpu)} (${seconds(wall)})`;

export async function runSessionCliBench(options: SessionCliOptions = {}): Promise<string[]> {
  const { repeats = 2, captum = '/tmp/captum-src', images = 16 } = options;
  const dir = await mkdtemp(join(tmpdir(), 'trustscope-session-cli-'));
  const rows: string[][] = [];
  const notes: string[] = [];
  try {
    const model = join(dir, 'resnet18.onnx');
    await writeFile(model, encodeModel(resNet({ size: 224, seed: 0 })));
    const rng = new Random(7);
    const input = join(dir, 'x.npy');
    await writeNpy(input, tensor([images, 3, 224, 224], Float32Array.from({ length: images * 3 * 224 * 224 }, () => rng.next())));
    const cache = join(dir, 'cache');
    const env = (store: boolean): NodeJS.ProcessEnv => {
      const e: NodeJS.ProcessEnv = { ...process.env, TRUSTSCOPE_CACHE_DIR: cache };
      if (store) delete e.TRUSTSCOPE_NO_CACHE;
      else e.TRUSTSCOPE_NO_CACHE = '1';
      return e;
    };
    const ours = async (label: string, store: boolean, clear: boolean) => {
      const runs: (Timed & { attributeS: number })[] = [];
      for (let i = 0; i < repeats; i++) {
        if (clear) await rm(cache, { recursive: true, force: true });
        const t = await timed(process.execPath, [CLI, 'explain', '--model', model, '--input', input, '--method', 'saliency', '--quiet', '--force', '--out', join(dir, 'ours')], env(store), dir);
        const attributeS = Number(/ in ([\d.]+) s/.exec(t.stdout)?.[1] ?? NaN);
        runs.push({ ...t, attributeS });
      }
      const m = (k: 'wallS' | 'cpuS' | 'rssMb' | 'attributeS') => median(runs.map((r) => r[k]));
      rows.push([label, pair(m('cpuS'), m('wallS')), seconds(m('attributeS')), '—', '—', `${m('rssMb').toFixed(0)} MB`]);
    };
    await ours('trustscope, no store (--no-cache)', false, false);
    await ours('trustscope, empty store (first call)', true, true);
    await ours('trustscope, warm store (later calls)', true, false);

    if (CAPTUM_SCRIPT && existsSync(captum) && existsSync(PYTHON)) {
      const runs: (Timed & { phases: Record<string, { cpu_s: number; wall_s: number }> })[] = [];
      const saved = join(dir, 'captum.npy');
      for (let i = 0; i < repeats; i++) {
        const e = { ...process.env, ...TUNED_MALLOC_ENV, PYTHONPATH: captum };
        const t = await timed(PYTHON, [CAPTUM_SCRIPT, '--model', model, '--input', input, '--threads', '2', '--repeats', '3', '--save', saved], e, dir);
        runs.push({ ...t, phases: JSON.parse(t.stdout.trim().split('\n').slice(-1)[0]) });
      }
      const m = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
      const setup = (r: (typeof runs)[number]) => r.phases.import.cpu_s + r.phases.load.cpu_s;
      rows.push([
        'Captum Saliency (tuned malloc), whole process',
        pair(m((r) => r.cpuS), m((r) => r.wallS)),
        seconds(m((r) => r.phases.predict.wall_s + r.phases.first.wall_s)),
        pair(m((r) => r.phases.first.cpu_s), m((r) => r.phases.first.wall_s)),
        pair(m((r) => r.phases.steady.cpu_s), m((r) => r.phases.steady.wall_s)),
        `${m((r) => r.rssMb).toFixed(0)} MB`,
      ]);
      notes.push(`  Captum phases (median CPU s): import ${m((r) => r.phases.import.cpu_s).toFixed(2)}, load ${m((r) => r.phases.load.cpu_s).toFixed(2)}, predict (forward for the targets) ${m((r) => r.phases.predict.cpu_s).toFixed(2)}; set-up (import + load) ${m(setup).toFixed(2)}`);
      const a = await readNpy(join(dir, 'ours', 'attributions.npy'));
      const b = await readNpy(saved);
      notes.push(`  agreement of the maps: Pearson r = ${pearson(a.data, b.data).toFixed(6)}, relative L2 = ${relativeL2(a.data, b.data).toExponential(2)}`);
    } else notes.push(`  Captum: skipped (needs ${PYTHON} with torch and Captum's source at ${captum})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [
    `explain --method saliency, ResNet-18 224², ${images} images, predicted-class targets, one process per call, median of ${repeats}; CPU = user + system of the whole process (wall)`,
    table(['call', 'process CPU (wall)', 'attribute wall', 'Captum first attribute CPU (wall)', 'Captum steady attribute CPU (wall)', 'peak RSS'], rows),
    ...notes,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { repeats: { type: 'string' }, captum: { type: 'string' }, images: { type: 'string' } } });
  const lines = await runSessionCliBench({
    repeats: values.repeats ? Number(values.repeats) : undefined,
    captum: values.captum,
    images: values.images ? Number(values.images) : undefined,
  });
  for (const line of lines) console.log(line);
}
