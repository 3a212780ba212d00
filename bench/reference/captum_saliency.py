"""Captum's Saliency on an .onnx model (through onnx_to_torch, the same weights trustscope runs), timed
phase by phase so that set-up and steady state can be compared with `trustscope explain --method
saliency` (bench/session-cost.ts --cli):

    PYTHONPATH=/tmp/captum-src MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1000000000000 \
      /usr/bin/python3 bench/reference/captum_saliency.py --model resnet18.onnx --input x16.npy --threads 2 --repeats 3 [--save a.npy]

Phases (each as process CPU seconds, all threads, and wall seconds): importing torch and captum,
loading the model, the forward pass that finds each image's predicted class (what trustscope does
when no --target is given), Captum's first attribute() call and the median of the following ones.
Prints one JSON object. A benchmark tool, never a test requirement.
"""
import argparse
import json
import os
import sys
import time

t_start = (time.process_time(), time.perf_counter())
import numpy as np  # noqa: E402
import torch  # noqa: E402
from captum.attr import Saliency  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_to_torch import OnnxTorch  # noqa: E402


def phase(since):
    return {'cpu_s': time.process_time() - since[0], 'wall_s': time.perf_counter() - since[1]}


def now():
    return (time.process_time(), time.perf_counter())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--input', required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--save')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = {'torch': torch.__version__, 'threads': args.threads, 'import': phase(t_start)}

    t = now()
    model = OnnxTorch(args.model).eval()
    x = torch.from_numpy(np.load(args.input).astype(np.float32))
    out['load'] = phase(t)

    t = now()
    with torch.no_grad():
        targets = model(x).argmax(dim=1)
    out['predict'] = phase(t)

    saliency = Saliency(model)
    runs = []
    for _ in range(max(1, args.repeats)):
        t = now()
        attribution = saliency.attribute(x, target=targets, abs=True)
        runs.append(phase(t))
    out['first'] = runs[0]
    rest = runs[1:] or runs
    out['steady'] = {k: float(np.median([r[k] for r in rest])) for k in ('cpu_s', 'wall_s')}
    out['total'] = phase(t_start)
    if args.save:
        np.save(args.save, attribution.detach().numpy())
    print(json.dumps(out))


if __name__ == '__main__':
    main()
