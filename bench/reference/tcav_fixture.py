"""Captum TCAV reference for test/concepts/tcav-captum.test.ts.

Run (Captum is not a project dependency: fetch github:pytorch/captum, `git archive HEAD captum | tar -x -C /tmp/captum`):
    PYTHONPATH=/tmp/captum /usr/bin/python3 bench/reference/tcav_fixture.py
(torch 1.13, scikit-learn, scipy; Captum 0.8.0 from the source tree; versions are recorded in the JSON.)

Writes test/fixtures/concepts/captum-tcav/:
  model.onnx        a small CNN (conv-relu-pool-conv-relu-linear-relu-linear, 1x12x12 -> 3) with fixed seeded
                    weights, exported with torch.onnx.export (opset 17)
  inputs.npy        the images scored (N, 1, 12, 12)
  <concept>.npy     concept sets: 'striped' (horizontal stripes), 'blob' (one bright blob), and
                    'random-like' (drawn from the random sets' own distribution: must not be significant)
  random-<i>.npy    10 random sets (smooth noise), each from its own seed
  captum.json       per target, layer and concept: Captum's sign_count score per random run (concept
                    vs random i), the random-vs-random scores (random i vs random i+1, cyclically,
                    as trustscope pairs them), scipy's ttest_ind p-value between them, Captum's
                    magnitude; and for run 0 Captum's CAV weights so the test can reproduce the
                    directional derivatives exactly.

Captum's CAV is sklearn's SGDClassifier (hinge loss, alpha 0.01, max_iter 1000, tol 1e-3) fitted on a
random 67% of the activations; trustscope's is an L2-logistic regression fitted on all of them. The
two estimate the same separating direction, so the scores agree within the sampling error of the
CAV (over random sets and the train/test split), not exactly.
"""
import json
import os
import random
import tempfile

import numpy as np
import onnx
import scipy
import scipy.stats
import sklearn
import torch
import torch.nn as nn

import captum
from captum.concept import TCAV, Concept

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'concepts', 'captum-tcav')
SIZE = 12
SET_IMAGES = 20
RANDOM_SETS = 10
INPUTS = 30
TARGETS = [0, 2]


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.fc1 = nn.Linear(6 * 6 * 6, 16)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        # A hidden layer after relu2, so that the class gradient at relu2 varies from input to input.
        h = self.relu2(self.conv2(self.pool(self.relu1(self.conv1(x)))))
        return self.fc2(self.relu3(self.fc1(torch.flatten(h, 1))))


def smooth_noise(rng, n):
    """Random images: Gaussian noise blurred by a 3x3 box, shifted to a 0.5 grey."""
    x = rng.normal(0, 0.3, size=(n, 1, SIZE + 2, SIZE + 2))
    out = sum(x[:, :, dy:dy + SIZE, dx:dx + SIZE] for dy in range(3) for dx in range(3)) / 3
    return (0.5 + out).astype(np.float32)


def striped(rng, n):
    y = np.arange(SIZE)[:, None] + 0.5
    imgs = []
    for _ in range(n):
        phase = rng.uniform(0, 2 * np.pi)
        imgs.append(0.5 + 0.4 * np.sin(2 * np.pi * y / 4 + phase) * np.ones((1, SIZE)) + rng.normal(0, 0.1, (SIZE, SIZE)))
    return np.asarray(imgs, dtype=np.float32)[:, None]


def blob(rng, n):
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    imgs = []
    for _ in range(n):
        cx, cy = rng.uniform(3, SIZE - 3, 2)
        imgs.append(0.5 + 0.8 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 1.5 ** 2)) + rng.normal(0, 0.1, (SIZE, SIZE)))
    return np.asarray(imgs, dtype=np.float32)[:, None]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)  # SGDClassifier's shuffling draws from numpy's global state
    model = SmallCnn().eval()

    rng = np.random.default_rng(5)
    concepts = {'striped': striped(rng, SET_IMAGES), 'blob': blob(rng, SET_IMAGES), 'random-like': smooth_noise(np.random.default_rng(999), SET_IMAGES)}
    randoms = [smooth_noise(np.random.default_rng(100 + i), SET_IMAGES) for i in range(RANDOM_SETS)]
    inputs = np.concatenate([striped(rng, INPUTS // 3), blob(rng, INPUTS // 3), smooth_noise(rng, INPUTS - 2 * (INPUTS // 3))])

    onnx_path = os.path.join(OUT, 'model.onnx')
    torch.onnx.export(model, torch.from_numpy(inputs[:2]), onnx_path, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}}, opset_version=17)
    graph = onnx.load(onnx_path).graph
    relu_values = [n.output[0] for n in graph.node if n.op_type == 'Relu']
    layer_names = {'relu1': relu_values[0], 'relu2': relu_values[1]}

    np.save(os.path.join(OUT, 'inputs.npy'), inputs)
    for name, data in concepts.items():
        np.save(os.path.join(OUT, f'{name}.npy'), data)
    for i, data in enumerate(randoms):
        np.save(os.path.join(OUT, f'random-{i}.npy'), data)

    def concept(cid, name, data):
        return Concept(cid, name, [torch.from_numpy(data)])

    concept_objs = {name: concept(i, name, d) for i, (name, d) in enumerate(concepts.items())}
    random_objs = [concept(100 + i, f'random-{i}', d) for i, d in enumerate(randoms)]
    experimental = [[c, r] for c in concept_objs.values() for r in random_objs]
    null_sets = [[random_objs[i], random_objs[(i + 1) % RANDOM_SETS]] for i in range(RANDOM_SETS)]

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tcav = TCAV(model, layers=['relu1', 'relu2'], save_path=tmp)
        x = torch.from_numpy(inputs)
        for target in TARGETS:
            scores = tcav.interpret(x, experimental + null_sets, target=target)
            for layer in ['relu1', 'relu2']:
                null = []
                for pair in null_sets:
                    key = '-'.join(str(c.id) for c in pair)
                    null.append(float(scores[key][layer]['sign_count'][0]))
                for name, c in concept_objs.items():
                    runs, magnitudes = [], []
                    for r in random_objs:
                        key = f'{c.id}-{r.id}'
                        runs.append(float(scores[key][layer]['sign_count'][0]))
                        magnitudes.append(float(scores[key][layer]['magnitude'][0]))
                    cav = tcav.cavs[f'{c.id}-{random_objs[0].id}'][layer].stats
                    row = list(cav['classes']).index(c.id)
                    p = scipy.stats.ttest_ind(runs, null).pvalue
                    results.append({
                        'target': target, 'layer': layer_names[layer], 'torchLayer': layer, 'concept': name,
                        'scores': runs, 'randomScores': null, 'pValue': float(p), 'magnitudes': magnitudes,
                        'cav0': [float('%.7g' % v) for v in cav['weights'][row]],
                    })
    with open(os.path.join(OUT, 'captum.json'), 'w') as f:
        json.dump({
            'captum': captum.__version__, 'torch': torch.__version__, 'sklearn': sklearn.__version__, 'scipy': scipy.__version__,
            'classifier': 'SGDClassifier(alpha=0.01, max_iter=1000, tol=1e-3), 67% train split',
            'randomSets': RANDOM_SETS, 'results': results,
        }, f)
    for r in results:
        print(r['target'], r['torchLayer'], r['concept'], round(float(np.mean(r['scores'])), 3), round(float(np.mean(r['randomScores'])), 3), '%.2e' % r['pValue'])


if __name__ == '__main__':
    main()
