/**
 * Runs bench/reference/torch_reference.py in a child process on the same .onnx file and inputs as
 * trustscope. PyTorch is optional: when `/usr/bin/python3.11 -c 'import torch'` fails, the
 * benchmark prints only trustscope's numbers. TRUSTSCOPE_BENCH_PYTHON picks another interpreter.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.TRUSTSCOPE_BENCH_PYTHON ?? '/usr/bin/python3.11';
export const NOT_INSTALLED = 'PyTorch reference: not installed (apt-get install python3-torch)';

/** The torch version when torch, numpy and onnx all import; undefined otherwise. */
export function torchVersion(): string | undefined {
  if (!existsSync(PYTHON)) return undefined;
  const r = spawnSync(PYTHON, ['-c', 'import numpy, onnx, torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The script, whether we run from dist/bench/ (compiled) or bench/ (sources). */
export function scriptPath(): string {
  const candidates = ['../../bench/reference/torch_reference.py', './reference/torch_reference.py'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`torch_reference.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Methods torch_reference.py implements (plain torch autograd, written the way a PyTorch user would). */
export type BenchMethod = 'saliency' | 'occlusion' | 'integrated-gradients' | 'smoothgrad' | 'grad-cam' | 'kernel-shap' | 'rise' | 'input-x-gradient' | 'gradient-shap' | 'deeplift';

export interface TorchRun {
  model: string;
  batch: number;
  size: number;
  method: BenchMethod;
  threads: number;
  repeats: number;
  warmup: number;
  input: string;
  targets: string;
  window?: number;
  stride?: number;
  chunk?: number;
  baseline?: number;
  /** IG integration points. */
  steps?: number;
  /** SmoothGrad noisy copies, KernelSHAP coalitions, RISE masks. */
  samples?: number;
  /** SmoothGrad noise σ. */
  stdev?: number;
  /** Grad-CAM layer (ONNX value name). */
  layer?: string;
  /** KernelSHAP patch side. */
  patch?: number;
  /** RISE grid cells per side. */
  cell?: number;
  /** Where to write the last run's attribution (.npy). */
  save?: string;
  /**
   * 'default': glibc malloc as it comes. 'tuned': MALLOC_MMAP_MAX_=0 and a huge
   * MALLOC_TRIM_THRESHOLD_, so freed tensors stay in the heap instead of going back to the kernel
   * (by default every activation of a big batch is a fresh mmap whose pages fault in again on
   * every run; that costs PyTorch about half its time on the VGG workload on this VM).
   */
  malloc?: 'default' | 'tuned';
}

/**
 * Where Captum's source lives when it is not installed (DeepLIFT's reference is Captum's DeepLift):
 * TRUSTSCOPE_CAPTUM_PATH, else /tmp/captum-src when that exists (this machine's unpacked Captum 0.8).
 */
export const CAPTUM_PATH = process.env.TRUSTSCOPE_CAPTUM_PATH ?? (existsSync('/tmp/captum-src/captum') ? '/tmp/captum-src' : undefined);

/** glibc malloc settings for `malloc: 'tuned'` (what jemalloc/tcmalloc preloading achieves in production setups). */
export const TUNED_MALLOC_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '1000000000000' } as const;

/**
 * Environment of a PyTorch reference process (deletion and randomisation scripts): the thread count
 * for every pool torch may start (OpenMP, MKL, the OpenBLAS behind Debian's generic BLAS), and glibc
 * malloc as it comes or tuned.
 */
export function torchEnv(threads: number, malloc: 'default' | 'tuned' = 'default'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: `${threads}`, MKL_NUM_THREADS: `${threads}`, OPENBLAS_NUM_THREADS: `${threads}` };
  if (malloc === 'tuned') Object.assign(env, TUNED_MALLOC_ENV);
  else for (const k of Object.keys(TUNED_MALLOC_ENV)) delete env[k];
  return env;
}

export interface TorchResult {
  median_ms: number;
  runs: number[];
  /** Each timed run's process CPU time in ms (all threads); absent from older scripts. */
  cpu_ms?: number[];
  threads: number;
  torch: string;
  /** integrated-gradients: |Σφ − (f(x) − f(0))| / max(|f(x) − f(0)|, 1e-3) per image, computed after the timed runs. */
  completeness?: number[];
  /** Peak resident set of the Python process (ru_maxrss), MB. */
  peak_rss_mb?: number;
}

/** The command line and environment of one torch_reference.py run. */
export function torchReferenceCommand(o: TorchRun): { python: string; args: string[]; env: NodeJS.ProcessEnv } {
  const args = [
    scriptPath(),
    ...['--model', o.model, '--batch', `${o.batch}`, '--size', `${o.size}`, '--method', o.method],
    ...['--threads', `${o.threads}`, '--repeats', `${o.repeats}`, '--warmup', `${o.warmup}`],
    ...['--input', o.input, '--targets', o.targets],
  ];
  if (o.window !== undefined) args.push('--window', `${o.window}`);
  if (o.stride !== undefined) args.push('--stride', `${o.stride}`);
  if (o.chunk !== undefined) args.push('--chunk', `${o.chunk}`);
  if (o.baseline !== undefined) args.push('--baseline', `${o.baseline}`);
  const extra = { steps: o.steps, samples: o.samples, stdev: o.stdev, layer: o.layer, patch: o.patch, cell: o.cell };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) args.push(`--${k}`, `${v}`);
  if (o.save) args.push('--save', o.save);
  // OMP_NUM_THREADS as well as torch.set_num_threads, so OpenMP never starts a bigger pool first.
  // OPENBLAS_NUM_THREADS too: Debian's torch (BLAS_INFO=generic) runs Linear/MatMul in whatever
  // libblas.so.3 resolves to, and OpenBLAS's own pthread pool ignores torch.set_num_threads.
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: `${o.threads}`, MKL_NUM_THREADS: `${o.threads}`, OPENBLAS_NUM_THREADS: `${o.threads}` };
  if (CAPTUM_PATH) env.PYTHONPATH = [CAPTUM_PATH, env.PYTHONPATH].filter(Boolean).join(':');
  if (o.malloc === 'tuned') Object.assign(env, TUNED_MALLOC_ENV);
  else for (const k of Object.keys(TUNED_MALLOC_ENV)) delete env[k];
  return { python: PYTHON, args, env };
}

export function runTorchReference(o: TorchRun): Promise<TorchResult> {
  const { args, env } = torchReferenceCommand(o);
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { env, maxBuffer: 16 << 20, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.trim().split('\n').slice(-3).join(' / ') || err.message;
        reject(new Error(`PyTorch reference failed (${o.method}, ${o.threads} threads): ${why}`));
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as TorchResult);
      } catch {
        reject(new Error(`PyTorch reference printed no JSON result: ${line.slice(0, 200)}`));
      }
    });
  });
}
