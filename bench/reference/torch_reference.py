"""PyTorch timings for trustscope's benchmark (bench/run.ts), on the same .onnx file and inputs.

    /usr/bin/python3.11 bench/reference/torch_reference.py --model M.onnx --batch 64 --size 32 \
        --method saliency --threads 1 --repeats 5 [--warmup 1] [--input x.npy] [--targets t.npy] \
        [--window 4 --stride 1 --chunk 256 --baseline 0] [--save attribution.npy]

Prints one JSON line: {"median_ms": ..., "runs": [...], "threads": ..., "torch": "<version>"}.

The model is the ONNX file evaluated with torch.nn.functional ops (onnx_to_torch.py), weights as
buffers. The methods are written the way a PyTorch user would write them efficiently:

  saliency   Captum's Saliency: input.requires_grad_(), forward, select each row's target logit,
             backward of their sum, |input.grad|. One pass over the whole batch.
  occlusion  Captum's Occlusion semantics (window slid with a stride, last placement clipped at the
             border, replaced by `baseline`, output drop credited to the window and averaged over the
             placements covering each pixel), computed in batches of `chunk` perturbed images under
             torch.no_grad(): masks precomputed once, perturbed batches built with torch.where, and the
             per-pixel sums done by conv_transpose2d of the drop map with a ones kernel.

Inputs: --input (float32 .npy [N, C, H, W]) or seeded uniform noise; targets: --targets (.npy of
class indices) or row % classes. --save writes the last run's attribution as float32 .npy.
Needs torch, numpy and onnx (Debian: apt-get install python3-torch python3-onnx). Not a dependency
of trustscope: the benchmark skips the PyTorch column when torch is missing.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_to_torch import OnnxTorch  # noqa: E402


def saliency(model, x, targets):
    x = x.clone().requires_grad_(True)
    out = model(x)
    out.gather(1, targets[:, None]).sum().backward()
    return x.grad.abs()


def window_starts(size, window, stride):
    """Captum's placement count ceil((size - window) / stride) + 1; the last one may be clipped."""
    return [i * stride for i in range(math.ceil((size - window) / stride) + 1)]


def occlusion_masks(h, w, window, stride):
    ys, xs = window_starts(h, window, stride), window_starts(w, window, stride)
    masks = torch.zeros(len(ys) * len(xs), 1, h, w, dtype=torch.bool)
    for i, y in enumerate(ys):
        for j, x0 in enumerate(xs):
            masks[i * len(xs) + j, 0, y:y + window, x0:x0 + window] = True
    return masks, len(ys), len(xs)


def occlusion(model, x, targets, window, stride, baseline, chunk, masks, ny, nx):
    n, c, h, w = x.shape
    p = ny * nx
    with torch.no_grad():
        base = model(x).gather(1, targets[:, None])[:, 0]
        drops = torch.empty(n * p)
        fill = torch.tensor(baseline, dtype=x.dtype)
        # Jobs are (image, placement) pairs, batched across images exactly as trustscope does.
        for s in range(0, n * p, chunk):
            jobs = torch.arange(s, min(n * p, s + chunk))
            img, place = jobs // p, jobs % p
            batch = torch.where(masks[place], fill, x[img])
            out = model(batch).gather(1, targets[img][:, None])[:, 0]
            drops[s:s + len(jobs)] = base[img] - out
        ones = torch.ones(1, 1, window, window)
        total = F.conv_transpose2d(drops.reshape(n, 1, ny, nx), ones, stride=stride)[:, :, :h, :w]
        counts = F.conv_transpose2d(torch.ones(1, 1, ny, nx), ones, stride=stride)[:, :, :h, :w]
        return (total / counts).expand(n, c, h, w).contiguous()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--batch', type=int, required=True)
    ap.add_argument('--size', type=int, required=True)
    ap.add_argument('--method', choices=['saliency', 'occlusion'], required=True)
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--input')
    ap.add_argument('--targets')
    ap.add_argument('--window', type=int, default=4)
    ap.add_argument('--stride', type=int, default=1)
    ap.add_argument('--chunk', type=int, default=256)
    ap.add_argument('--baseline', type=float, default=0.0)
    ap.add_argument('--save')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    model = OnnxTorch(args.model).eval()
    channels = model.input_shape[1]
    if args.input:
        x = torch.from_numpy(np.load(args.input).astype(np.float32))
        if list(x.shape) != [args.batch, channels, args.size, args.size]:
            raise SystemExit(f'{args.input} has shape {list(x.shape)}; expected {[args.batch, channels, args.size, args.size]}')
    else:
        x = torch.from_numpy(np.random.RandomState(0).rand(args.batch, channels, args.size, args.size).astype(np.float32))
    with torch.no_grad():
        classes = model(x[:1]).shape[1]
    if args.targets:
        targets = torch.from_numpy(np.load(args.targets)).reshape(-1).long()
    else:
        targets = torch.arange(args.batch) % classes

    if args.method == 'saliency':
        run = lambda: saliency(model, x, targets)  # noqa: E731
    else:
        masks, ny, nx = occlusion_masks(args.size, args.size, args.window, args.stride)
        run = lambda: occlusion(model, x, targets, args.window, args.stride, args.baseline, args.chunk, masks, ny, nx)  # noqa: E731

    for _ in range(args.warmup):
        run()
    runs = []
    result = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        result = run()
        runs.append((time.perf_counter() - t0) * 1000)
    if args.save:
        np.save(args.save, np.ascontiguousarray(result.detach().numpy(), dtype=np.float32))
    print(json.dumps({'median_ms': statistics.median(runs), 'runs': runs, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
