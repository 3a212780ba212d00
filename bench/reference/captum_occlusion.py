"""Captum's own Occlusion on the same .onnx model, images and targets as trustscope's incremental
occlusion benchmark (bench/occlusion-incremental.ts).

    PYTHONPATH=/path/to/captum /usr/bin/python3.11 bench/reference/captum_occlusion.py \
        --model M.onnx --input x.npy --targets t.npy --window 16 --stride 8 \
        [--per-eval 64] [--threads 2] [--max-placements N] [--save attribution.npy]

Runs `captum.attr.Occlusion(model).attribute(x, sliding_window_shapes=(C, window, window),
strides=(C, stride, stride), baselines=0, target=t, perturbations_per_eval=per_eval)`: exactly what a
Captum user writes, with a sensible batch (Captum's default perturbations_per_eval is 1, which would
be far slower). The model is the ONNX file evaluated with torch.nn.functional ops (onnx_to_torch.py).
Run it with the tuned allocator (MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1000000000000) for the
reference the benchmark quotes.

--max-placements N stops Captum after it has evaluated N occluded copies per image (its forward
function raises once enough rows went through) and reports the time scaled to all placements:
`extrapolated` is then true and the attribution is not saved. Captum's work per placement is
uniform (one forward row plus the same mask arithmetic), so the time is the unoccluded forward and
the first batch (one-time costs: oneDNN primitive creation, allocator growth) as measured, plus the
rate of the later batches times the remaining placements. N must span at least two batches.

--method ablation runs Captum's FeatureAblation instead, with a feature_mask of window×window
patches tiled from the top-left corner (all channels together): the same numbers as Occlusion with
stride = window, by Captum's other class.

Prints one JSON line: {"cpu_s", "wall_s", "placements", "evaluated", "extrapolated", "torch", "captum"}.
cpu_s is process CPU time (all threads) of the attribute() call alone, model loading excluded.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_to_torch import OnnxTorch  # noqa: E402


class _Enough(Exception):
    """Raised inside the forward function once --max-placements copies have been evaluated."""


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', required=True)
    p.add_argument('--input', required=True, help='float32 .npy [N, C, H, W]')
    p.add_argument('--targets', required=True, help='.npy of class indices, one per image')
    p.add_argument('--method', choices=['occlusion', 'ablation'], default='occlusion')
    p.add_argument('--window', type=int, default=16, help='occlusion window, or the side of the ablation patches')
    p.add_argument('--stride', type=int, default=8)
    p.add_argument('--per-eval', type=int, default=64, help="Captum's perturbations_per_eval")
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--max-placements', type=int, default=0, help='time only this many placements per image and extrapolate (0: all)')
    p.add_argument('--save', help='write the attribution as float32 .npy (full runs only)')
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    from captum import __version__ as captum_version
    from captum.attr import FeatureAblation, Occlusion

    model = OnnxTorch(a.model).eval()
    x = torch.from_numpy(np.load(a.input).astype(np.float32))
    targets = torch.from_numpy(np.load(a.targets).astype(np.int64)).reshape(-1)
    n, c, h, w = x.shape
    if a.method == 'ablation':
        a.stride = a.window
    placements = (math.ceil((h - a.window) / a.stride) + 1) * (math.ceil((w - a.window) / a.stride) + 1)
    limit = a.max_placements if 0 < a.max_placements < placements else 0
    if limit and limit <= a.per_eval:
        raise SystemExit(f'--max-placements {limit} must span at least two batches of --per-eval {a.per_eval}')
    evaluated = {'rows': -n}  # the first call is Captum's unoccluded forward of the n images
    warm = {}  # clocks and rows when the first occluded batch is done

    def forward(batch):
        evaluated['rows'] += batch.shape[0]
        out = model(batch)
        if evaluated['rows'] > 0 and not warm:
            warm.update(cpu=time.process_time(), wall=time.perf_counter(), rows=evaluated['rows'])
        if limit and evaluated['rows'] >= limit * n:
            raise _Enough()
        return out

    if a.method == 'ablation':
        grid_w = math.ceil(w / a.window)
        rows = torch.arange(h)[:, None] // a.window
        cols = torch.arange(w)[None, :] // a.window
        mask = (rows * grid_w + cols).reshape(1, 1, h, w)
        explainer = FeatureAblation(forward)
        kwargs = dict(baselines=0.0, target=targets, feature_mask=mask, perturbations_per_eval=a.per_eval)
    else:
        explainer = Occlusion(forward)
        kwargs = dict(sliding_window_shapes=(c, a.window, a.window), strides=(c, a.stride, a.stride),
                      baselines=0.0, target=targets, perturbations_per_eval=a.per_eval)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    attribution = None
    try:
        attribution = explainer.attribute(x, **kwargs)
    except _Enough:
        pass
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    done = evaluated['rows'] / n
    if limit:
        # One-time costs (the unoccluded forward and the first batch) once; the warm rate for the rest.
        first = warm['rows'] / n
        scale = (placements - first) / (done - first)
        first_cpu, first_wall = warm['cpu'] - cpu0, warm['wall'] - wall0
        cpu = first_cpu + (cpu - first_cpu) * scale
        wall = first_wall + (wall - first_wall) * scale
    if attribution is not None and a.save:
        np.save(a.save, attribution.detach().numpy().astype(np.float32))
    print(json.dumps({
        'cpu_s': cpu, 'wall_s': wall, 'placements': placements, 'evaluated': done,
        'extrapolated': bool(limit), 'method': a.method, 'threads': a.threads, 'per_eval': a.per_eval,
        'torch': torch.__version__, 'captum': captum_version,
    }))


if __name__ == '__main__':
    main()
