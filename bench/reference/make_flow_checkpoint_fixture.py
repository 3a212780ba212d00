"""PyTorch per-epoch checkpoints for `explore --epochs DIR` (instance flow from a training run
trustscope did not do).

How to run (from the repository root; needs torch 1.13, numpy and onnx):

    /usr/bin/python3 bench/reference/make_flow_checkpoint_fixture.py     # writes test/fixtures/torch/flow/

What it writes (test/fixtures/torch/flow/):
    checkpoints/epoch-1.onnx … epoch-4.onnx   a small CNN (conv 4 → ReLU → max-pool 2 → flatten →
                        linear 3) after each epoch of plain SGD, torch.onnx.export opset 13, input
                        'input' [N, 1, 16, 16] with a dynamic batch, output 'logits'
    x.npy               the 30 images the predictions are taken on (float32 [30, 1, 16, 16])
    labels.npy          their true classes (int64 [30]), 10 per class
    predictions.json    {"epochs": [1, 2, 3, 4], "predicted": [[…30 classes…] per epoch]}: PyTorch's
                        argmax after each epoch, the reference explore's flow counts are checked against

The three classes are a bright square in one of three places, with noise strong enough that the
classes are not all learned in the first epoch (so predictions move between epochs). Seeded:
re-running gives the same numbers.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join('test', 'fixtures', 'torch', 'flow')
os.makedirs(os.path.join(OUT, 'checkpoints'), exist_ok=True)

rng = np.random.RandomState(7)
torch.manual_seed(7)


def images(n_per_class):
    xs, ys = [], []
    corners = [(2, 2), (2, 10), (10, 6)]
    for k, (r, c) in enumerate(corners):
        for _ in range(n_per_class):
            x = rng.normal(0, 1.0, (1, 16, 16)).astype(np.float32)
            x[0, r:r + 4, c:c + 4] += 1.0
            xs.append(x)
            ys.append(k)
    return np.stack(xs), np.array(ys, dtype=np.int64)


train_x, train_y = images(40)
test_x, test_y = images(10)

model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 8 * 8, 3))
optimiser = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
tx, ty = torch.from_numpy(train_x), torch.from_numpy(train_y)
predicted = []
for epoch in range(1, 5):
    order = torch.randperm(len(ty))
    model.train()
    for s in range(0, len(ty), 20):
        idx = order[s:s + 20]
        optimiser.zero_grad()
        loss_fn(model(tx[idx]), ty[idx]).backward()
        optimiser.step()
    model.eval()
    with torch.no_grad():
        predicted.append(model(torch.from_numpy(test_x)).argmax(1).tolist())
    torch.onnx.export(model, torch.from_numpy(test_x[:1]), os.path.join(OUT, 'checkpoints', f'epoch-{epoch}.onnx'),
                      input_names=['input'], output_names=['logits'], dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, opset_version=13)

np.save(os.path.join(OUT, 'x.npy'), test_x)
np.save(os.path.join(OUT, 'labels.npy'), test_y)
with open(os.path.join(OUT, 'predictions.json'), 'w') as f:
    json.dump({'epochs': [1, 2, 3, 4], 'predicted': predicted}, f)
    f.write('\n')
print('accuracy per epoch', [float(np.mean(np.array(p) == test_y)) for p in predicted])
changes = sum(int(np.sum(np.array(a) != np.array(b))) for a, b in zip(predicted, predicted[1:]))
print('prediction changes between epochs', changes)
