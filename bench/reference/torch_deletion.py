"""PyTorch reference for trustscope's deletion/insertion-curve benchmark (bench/deletion.ts).

    /usr/bin/python3.11 bench/reference/torch_deletion.py --model M.onnx --input x.npy \
        --attribution a.npy --targets t.npy --steps 20 --threads 2 --repeats 3 [--warmup 1] \
        [--chunk 32] [--mode batched|loop] [--save curves.npy]

Prints one JSON line: {"median_ms": ..., "runs": [...], "threads": ..., "torch": "<version>", "mode": ...}.

Same semantics as src/evaluate/deletion-curves.ts: pixels ranked by their channel-summed
attribution (descending, ties by index, a stable sort), count_s = floor(s·M/steps + 0.5) pixels
removed (deletion: set to 0) or inserted (insertion: into an all-zero image) at step s, score =
softmax probability of the target. `batched` is how a PyTorch user writes it efficiently: all
perturbed copies built with torch.where from a rank map, forward in chunks of `chunk` under
torch.no_grad(). `loop` is one forward per perturbed image, as Quantus's pixel flipping does.
--save writes the curves as float32 [N, 2, steps + 1] (deletion, insertion).
"""
import argparse
import json
import os
import statistics
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_to_torch import OnnxTorch  # noqa: E402
from peak_rss import peak_rss_mb  # noqa: E402
from timing import time_runs_with_cpu  # noqa: E402


def perturbed_rows(x, attribution, steps):
    """All deletion then insertion copies of every image: [N * 2 * (steps + 1), C, H, W]."""
    n, c, h, w = x.shape
    m = h * w
    scores = attribution.sum(dim=1).reshape(n, m)
    order = torch.sort(-scores, dim=1, stable=True).indices
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(m).expand(n, m))
    counts = torch.tensor([int(np.floor(s * m / steps + 0.5)) for s in range(steps + 1)])
    # removed[i, s, p]: pixel p is among the first count_s of image i.
    removed = (rank[:, None, :] < counts[None, :, None]).reshape(n, steps + 1, 1, h, w)
    xs = x[:, None]
    zero = torch.zeros((), dtype=x.dtype)
    deletion = torch.where(removed, zero, xs)
    insertion = torch.where(removed, xs, zero)
    return torch.stack([deletion, insertion], dim=1).reshape(-1, c, h, w)


def curves(model, x, attribution, targets, steps, chunk, mode):
    n = x.shape[0]
    per_image = 2 * (steps + 1)
    with torch.no_grad():
        rows = perturbed_rows(x, attribution, steps)
        row_targets = targets.repeat_interleave(per_image)
        out = torch.empty(rows.shape[0])
        size = chunk if mode == 'batched' else 1
        for s in range(0, rows.shape[0], size):
            p = torch.softmax(model(rows[s:s + size]), dim=1)
            out[s:s + size] = p.gather(1, row_targets[s:s + size, None])[:, 0]
    return out.reshape(n, 2, steps + 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--input', required=True)
    ap.add_argument('--attribution', required=True)
    ap.add_argument('--targets', required=True)
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--chunk', type=int, default=32)
    ap.add_argument('--mode', choices=['batched', 'loop'], default='batched')
    ap.add_argument('--save')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    model = OnnxTorch(args.model).eval()
    x = torch.from_numpy(np.load(args.input).astype(np.float32))
    attribution = torch.from_numpy(np.load(args.attribution).astype(np.float32))
    targets = torch.from_numpy(np.load(args.targets)).reshape(-1).long()
    run = lambda: curves(model, x, attribution, targets, args.steps, args.chunk, args.mode)  # noqa: E731
    result, runs, cpu = time_runs_with_cpu(run, args.warmup, args.repeats)
    if args.save:
        np.save(args.save, np.ascontiguousarray(result.numpy(), dtype=np.float32))
    print(json.dumps({'median_ms': statistics.median(runs), 'runs': runs, 'threads': torch.get_num_threads(), 'torch': torch.__version__, 'mode': args.mode,
                      'cpu_ms': cpu, 'peak_rss_mb': peak_rss_mb()}))


if __name__ == '__main__':
    main()
