"""Captum's own IntegratedGradients on the benchmark's memory row (bench/memory-rows.ts), for a
one-off check beside torch_reference.py's IG: same .onnx model (onnx_to_torch.py), same image and
target, 50 Gauss-Legendre steps, internal_batch_size = the rows per call trustscope uses.

    PYTHONPATH=/path/to/captum /usr/bin/python3.11 bench/reference/captum_ig_memory.py \
        --model small-conv-1024.onnx --input x.npy --target 0 --steps 50 --chunk 2 --threads 2 [--save a.npy]

Prints one JSON line: wall and process CPU seconds of one attribute() call, Captum's convergence
delta, and the process's peak resident set (ru_maxrss, MB). Captum is not a dependency of trustscope
or of its benchmark: this script is run by hand where Captum is installed.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from captum.attr import IntegratedGradients

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_to_torch import OnnxTorch  # noqa: E402
from peak_rss import peak_rss_mb  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--input', required=True)
    ap.add_argument('--target', type=int, default=0)
    ap.add_argument('--steps', type=int, default=50)
    ap.add_argument('--chunk', type=int, required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--save')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = OnnxTorch(args.model).eval()
    x = torch.from_numpy(np.load(args.input).astype(np.float32))
    ig = IntegratedGradients(model)
    c0, t0 = time.process_time(), time.perf_counter()
    attribution, delta = ig.attribute(x, target=args.target, n_steps=args.steps, internal_batch_size=args.chunk, return_convergence_delta=True)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if args.save:
        np.save(args.save, attribution.detach().numpy().astype(np.float32))
    print(json.dumps({'wall_s': wall, 'cpu_s': cpu, 'delta': float(delta.abs().max()), 'peak_rss_mb': peak_rss_mb(), 'captum': __import__('captum').__version__}))


if __name__ == '__main__':
    main()
