"""Captum's IntegratedGradients convergence delta on a zoo model, for test/attribution/ig-completeness.test.ts.

Run from the repository root (Captum is not a project dependency: it only has to import; torch 1.13):

    npm run build && node bench/reference/export_ig_completeness_model.mjs
    PYTHONPATH=/tmp/captum-src /usr/bin/python3 bench/reference/make_ig_completeness_fixture.py

The model is the zoo's tiny CNN (16×16, seed 5) as trustscope writes it (model.onnx), run in torch by
onnx_to_torch.OnnxTorch, so both sides evaluate the same weights. For each (rule, steps, baseline)
Captum's `IntegratedGradients(model).attribute(x, baselines, target, n_steps, method,
return_convergence_delta=True)` gives per image
    delta           Σ attributions − (f(x) − f(baseline))       (Captum's convergence delta)
    attributionSum  Σ attributions
    outputChange    f(x) − f(baseline) of the target logit
    relativeError   |delta| / |outputChange|
Targets: image i explains class i mod 2. Baselines: 'random' (baseline.npy, U(0, 0.2)) and 'zero'
(Gauss–Legendre only: its nodes never reach α = 0, where the all-zero input ties whole MaxPool
windows and torch routes the gradient to the first maximum, trustscope to every tied one).
Writes captum.json and, for 50 Gauss–Legendre steps from the random baseline, captum_ig.npy.
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from onnx_to_torch import OnnxTorch  # noqa: E402
from captum.attr import IntegratedGradients  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'ig-completeness')
RULES = ['gausslegendre', 'riemann_trapezoid']
STEPS = [2, 4, 8, 16, 32, 50]


def main():
    torch.set_num_threads(1)
    model = OnnxTorch(os.path.join(OUT, 'model.onnx')).eval()
    x = torch.from_numpy(np.load(os.path.join(OUT, 'x.npy')))
    baselines = {'random': torch.from_numpy(np.load(os.path.join(OUT, 'baseline.npy'))), 'zero': torch.zeros_like(x)}
    target = torch.arange(x.shape[0]) % 2
    ig = IntegratedGradients(model)
    cases = []
    for rule in RULES:
        for name, b in baselines.items():
            if name == 'zero' and rule != 'gausslegendre':
                continue
            for steps in STEPS:
                attr, delta = ig.attribute(x, baselines=b, target=target, n_steps=steps, method=rule, return_convergence_delta=True)
                with torch.no_grad():
                    change = (model(x).gather(1, target[:, None]) - model(b).gather(1, target[:, None]))[:, 0]
                sums = attr.sum(dim=(1, 2, 3))
                cases.append({
                    'rule': rule, 'steps': steps, 'baseline': name,
                    'delta': delta.tolist(),
                    'attributionSum': sums.tolist(),
                    'outputChange': change.tolist(),
                    'relativeError': (delta.abs() / change.abs()).tolist(),
                })
                if rule == 'gausslegendre' and name == 'random' and steps == 50:
                    np.save(os.path.join(OUT, 'captum_ig.npy'), attr.detach().numpy().astype(np.float32))
    import captum
    meta = {'captum': captum.__version__, 'torch': torch.__version__, 'targets': target.tolist(), 'cases': cases}
    with open(os.path.join(OUT, 'captum.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    for c in cases:
        print(f"{c['rule']:18s} {c['baseline']:6s} {c['steps']:3d} steps: relative error {', '.join(f'{e:.2e}' for e in c['relativeError'])}")


if __name__ == '__main__':
    main()
