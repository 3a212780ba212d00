/**
 * Runs Captum's own Occlusion (bench/reference/captum_occlusion.py) in a child process on the same
 * .onnx file, image and targets as trustscope, with PyTorch's tuned allocator (TUNED_MALLOC_ENV).
 * Captum is optional and never a CI requirement: it is looked for on TRUSTSCOPE_CAPTUM_PATH (default
 * /tmp/captum-src, where a source checkout can be unpacked) and on the interpreter's own path; when
 * `import captum` fails the benchmark skips the Captum column.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PYTHON, TUNED_MALLOC_ENV } from './torch-reference.js';

export const CAPTUM_PATH = process.env.TRUSTSCOPE_CAPTUM_PATH ?? '/tmp/captum-src';

function pythonEnv(threads: number): NodeJS.ProcessEnv {
  const path = [CAPTUM_PATH, process.env.PYTHONPATH].filter((p) => p).join(':');
  // OMP_NUM_THREADS as well as torch.set_num_threads, so OpenMP never starts a bigger pool first.
  return { ...process.env, ...TUNED_MALLOC_ENV, PYTHONPATH: path, OMP_NUM_THREADS: `${threads}`, MKL_NUM_THREADS: `${threads}` };
}

/** Captum's version when torch, onnx and captum all import; undefined otherwise. */
export function captumVersion(): string | undefined {
  if (!existsSync(PYTHON)) return undefined;
  const r = spawnSync(PYTHON, ['-c', 'import numpy, onnx, torch, captum; print(captum.__version__)'], { encoding: 'utf8', timeout: 60_000, env: pythonEnv(1) });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function scriptPath(): string {
  const candidates = ['../../bench/reference/captum_occlusion.py', './reference/captum_occlusion.py'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`captum_occlusion.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface CaptumOcclusionRun {
  /** 'occlusion': captum.attr.Occlusion; 'ablation': FeatureAblation with window×window patches as its feature_mask (stride = window). */
  method: 'occlusion' | 'ablation';
  model: string;
  input: string;
  targets: string;
  window: number;
  stride: number;
  threads: number;
  /** Captum's perturbations_per_eval. */
  perEval: number;
  /** Time only this many placements per image and scale to all (0: run them all). */
  maxPlacements: number;
  /** Where to write the attribution (.npy; full runs only). */
  save?: string;
}

export interface CaptumOcclusionResult {
  cpu_s: number;
  wall_s: number;
  placements: number;
  evaluated: number;
  extrapolated: boolean;
  torch: string;
  captum: string;
}

export function runCaptumOcclusion(o: CaptumOcclusionRun): Promise<CaptumOcclusionResult> {
  const args = [
    scriptPath(),
    '--method', o.method,
    ...['--model', o.model, '--input', o.input, '--targets', o.targets],
    ...['--window', `${o.window}`, '--stride', `${o.stride}`, '--threads', `${o.threads}`],
    ...['--per-eval', `${o.perEval}`, '--max-placements', `${o.maxPlacements}`],
  ];
  if (o.save) args.push('--save', o.save);
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { env: pythonEnv(o.threads), maxBuffer: 16 << 20, timeout: 120 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.trim().split('\n').slice(-3).join(' / ') || err.message;
        reject(new Error(`Captum occlusion failed: ${why}`));
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as CaptumOcclusionResult);
      } catch {
        reject(new Error(`captum_occlusion.py printed no JSON result: ${line.slice(0, 200)}`));
      }
    });
  });
}
