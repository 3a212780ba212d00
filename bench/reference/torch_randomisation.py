"""PyTorch reference for trustscope's cascading-randomisation benchmark (bench/randomisation.ts).

    /usr/bin/python3.11 bench/reference/torch_randomisation.py --model M.onnx --input x.npy \
        --targets t.npy --threads 2 --repeats 5 [--warmup 1] [--seed 101]

Prints one JSON line: {"median_ms": ..., "runs": [...], "steps": ..., "threads": ..., "torch": "<version>"}.

The plain loop a PyTorch user writes for Adebayo et al.'s cascading model-parameter randomisation
(what Quantus's MPRT does with its default top-down order): copy the trained model once, then for
each parameter layer from the output down, re-draw that layer's weight and bias in place with
PyTorch's default initialiser for Conv/Linear (U(±1/√fan_in), i.e. kaiming_uniform_(a=√5) and the
matching bias bound; the same scheme as trustscope's zoo initialiser), keeping the layers re-drawn
before, and compute the saliency map (|d logit_target / d input|, Captum's Saliency) of every image
at every step. The model is the .onnx file run with torch ops (onnx_to_torch.py), so both sides
time the same network. Only the loop is timed (copy, re-draws and saliency maps), not the map
comparisons: those are trustscope-side metrics with no PyTorch counterpart in this loop.
"""
import argparse
import copy
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_to_torch import OnnxTorch  # noqa: E402
from peak_rss import peak_rss_mb  # noqa: E402


def parameter_layers_top_down(path):
    """[(weight name, bias name or None, fan_in)] of the Conv/Gemm nodes, output layer first."""
    graph = onnx.load(path).graph
    shapes = {t.name: list(t.dims) for t in graph.initializer}
    layers = []
    for node in graph.node:
        if node.op_type not in ('Conv', 'Gemm') or node.input[1] not in shapes:
            continue
        w = shapes[node.input[1]]
        trans_b = next((a.i for a in node.attribute if a.name == 'transB'), 0)
        if node.op_type == 'Conv':
            fan_in = int(np.prod(w[1:]))
        else:
            fan_in = w[1] if trans_b else w[0]
        bias = node.input[2] if len(node.input) > 2 and node.input[2] in shapes else None
        layers.append((node.input[1], bias, fan_in))
    return list(reversed(layers))


def saliency(model, x, targets):
    x = x.clone().requires_grad_(True)
    out = model(x)
    out.gather(1, targets[:, None]).sum().backward()
    return x.grad.abs()


def cascade(trained, layers, x, targets, seed):
    """Saliency maps [steps, N, C, H, W] of the cumulatively re-drawn model."""
    torch.manual_seed(seed)
    model = copy.deepcopy(trained)
    maps = []
    for weight, bias, fan_in in layers:
        bound = 1 / math.sqrt(fan_in)
        with torch.no_grad():
            model._const(weight).uniform_(-bound, bound)
            if bias is not None:
                model._const(bias).uniform_(-bound, bound)
        maps.append(saliency(model, x, targets))
    return torch.stack(maps)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--input', required=True)
    ap.add_argument('--targets', required=True)
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--seed', type=int, default=101)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    trained = OnnxTorch(args.model).eval()
    layers = parameter_layers_top_down(args.model)
    x = torch.from_numpy(np.load(args.input).astype(np.float32))
    targets = torch.from_numpy(np.load(args.targets)).reshape(-1).long()
    run = lambda: cascade(trained, layers, x, targets, args.seed)  # noqa: E731
    for _ in range(args.warmup):
        run()
    runs = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        maps = run()
        runs.append((time.perf_counter() - t0) * 1000)
    # A re-drawn model must change the maps (guards against re-drawing a copy that forward never reads).
    if torch.equal(maps[0], saliency(trained, x, targets)):
        raise SystemExit('torch_randomisation: re-drawing the top layer left the saliency unchanged')
    print(json.dumps({'median_ms': statistics.median(runs), 'runs': runs, 'steps': len(layers), 'threads': torch.get_num_threads(), 'torch': torch.__version__,
                      'peak_rss_mb': peak_rss_mb()}))


if __name__ == '__main__':
    main()
