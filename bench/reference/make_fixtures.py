"""PyTorch reference fixtures for trustscope's ONNX autodiff.

How to run (from the repository root; needs torch 1.13, numpy and onnx — Debian's python3-torch):

    /usr/bin/python3.11 bench/reference/make_fixtures.py            # writes test/fixtures/
    /usr/bin/python3.11 bench/reference/make_fixtures.py OUT_DIR    # writes OUT_DIR/torch, OUT_DIR/npy

What it writes:

  test/fixtures/torch/<name>/   for name in cnn, mixed, vggish-small
    model.onnx          torch.onnx.export, opset 17, input 'input', output 'output', dynamic batch 'N'
    x.npy               a batch of 3 random inputs (float32)
    cotangent.npy       random cotangent [3, K] (float32)
    output.npy          torch forward of x
    input_grad.npy      d sum(output * cotangent) / d x  (torch autograd)
    grad_<init>.npy     d sum(output * cotangent) / d <ONNX initializer>, one per trainable parameter
    weights_map.json    {"<torch parameter name>": "<ONNX initializer name>"}; the initializer is
                        found by matching tensor values in the exported file, so renames done by
                        the exporter's constant folding do not matter
    export.json         export settings and the graph's op list (what the engine has to support)

  test/fixtures/npy/            small arrays written by numpy in several dtypes / header versions,
                                with <name>.json giving the expected shape, dtype and values

Notes:
  * Everything is seeded (torch.manual_seed / numpy RandomState per model), so re-running
    reproduces the same numbers (byte-identical .npy files; the .onnx files are identical for the
    same torch version).
  * `mixed` has a BatchNorm in eval mode. A plain (training=EVAL) export fuses it into the
    preceding Conv (new initializers 'onnx::Conv_28/29', BN parameters gone) — and so does
    do_constant_folding=False, because the fusion is the exporter's eval peephole pass, not constant
    folding. So `mixed` is exported with training=TrainingMode.PRESERVE (the model is already in
    eval mode; constant folding stays on): the graph keeps BatchNormalization(training_mode=0)
    whose scale/bias are bn.weight/bn.bias and whose mean/var are the running statistics.
    The script fails if any parameter cannot be matched to exactly one initializer (which is why
    torch's UserWarning about constant folding in PRESERVE mode is harmless here).
  * torch 1.13 exports AvgPool2d (count_include_pad=True, the default) as Pad(pads all 0) followed
    by AveragePool, even with padding=0.
  * `vggish-small` flattens with x.view(x.size(0), -1), the common VGG idiom, so its export holds
    the Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain; cnn and mixed use nn.Flatten.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BATCH = 3


class Cnn(nn.Module):
    """Conv(1→8)-ReLU-MaxPool2-Conv(8→16)-ReLU-MaxPool2-Flatten-Linear(1024→32)-ReLU-Linear(32→2) on 1×32×32."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 8 * 8, 32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, x):
        return self.head(self.features(x))


class Mixed(nn.Module):
    """Strided conv, eval BatchNorm, LeakyReLU, grouped conv, Tanh, AvgPool, dilated conv, Sigmoid, GAP, Linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.act1 = nn.LeakyReLU(0.1)
        self.conv2 = nn.Conv2d(8, 8, 3, groups=4, padding=1)
        self.act2 = nn.Tanh()
        self.pool = nn.AvgPool2d(2)
        self.conv3 = nn.Conv2d(8, 16, 3, dilation=2, padding=2)
        self.act3 = nn.Sigmoid()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.act1(self.bn(self.conv1(x)))
        x = self.pool(self.act2(self.conv2(x)))
        x = self.gap(self.act3(self.conv3(x)))
        return self.fc(self.flatten(x))


class VggishSmall(nn.Module):
    """Three blocks of (3×3 conv + ReLU) ×2 + MaxPool2 on 3×32×32, then view(N, -1) and Linear(512→10)."""

    def __init__(self):
        super().__init__()
        layers = []
        c_in = 3
        for c_out in (8, 16, 32):
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.Conv2d(c_out, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))


def make_mixed():
    m = Mixed()
    with torch.no_grad():
        # Non-trivial affine parameters and running statistics, so that BN is not the identity.
        m.bn.weight.copy_(1.0 + 0.3 * torch.randn(8))
        m.bn.bias.copy_(0.2 * torch.randn(8))
        m.bn.running_mean.copy_(0.3 * torch.randn(8))
        m.bn.running_var.copy_(0.5 + torch.rand(8))
    return m


# name, seed, constructor, input shape (without batch), export overrides
MODELS = [
    ('cnn', 1, Cnn, (1, 32, 32), {}),
    ('mixed', 2, make_mixed, (3, 20, 20), {'training': torch.onnx.TrainingMode.PRESERVE}),
    ('vggish-small', 3, VggishSmall, (3, 32, 32), {}),
]


def save_npy(path, array):
    # Fixed dtype and C order so the bytes depend only on the values.
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def match_initializers(model, onnx_model):
    """torch parameter name -> ONNX initializer name, by exact tensor values (names may be rewritten)."""
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in onnx_model.graph.initializer}
    mapping = {}
    for name, p in model.named_parameters():
        value = p.detach().numpy()
        hits = [k for k, v in inits.items() if v.shape == value.shape and v.dtype == value.dtype and np.array_equal(v, value)]
        if name in hits:
            hits = [name]
        if len(hits) != 1:
            raise SystemExit(f'{name}: {len(hits)} ONNX initializers match its values ({hits}); was it folded? adjust the export settings')
        if hits[0] in mapping.values():
            raise SystemExit(f'{name}: initializer {hits[0]} already matched another parameter')
        mapping[name] = hits[0]
    return mapping


def safe_file_name(init_name):
    # Initializer names such as 'onnx::Conv_12' are legal ONNX but awkward as file names.
    return 'grad_' + ''.join(c if c.isalnum() or c in '._-' else '_' for c in init_name) + '.npy'


def build(out_root, name, seed, make, shape, overrides):
    torch.manual_seed(seed)
    model = make()
    model.eval()
    rng = np.random.RandomState(seed)
    x = torch.from_numpy(rng.randn(BATCH, *shape).astype(np.float32))

    d = os.path.join(out_root, 'torch', name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))

    settings = {'opset_version': 17, 'do_constant_folding': True}
    settings.update(overrides)
    onnx_path = os.path.join(d, 'model.onnx')
    torch.onnx.export(
        model, x, onnx_path,
        input_names=['input'], output_names=['output'],
        dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}},
        **settings,
    )
    onnx_model = onnx.load(onnx_path)
    onnx.checker.check_model(onnx_model)
    mapping = match_initializers(model, onnx_model)

    xg = x.clone().requires_grad_(True)
    model.zero_grad()
    out = model(xg)
    cot = torch.from_numpy(rng.randn(*out.shape).astype(np.float32))
    (out * cot).sum().backward()

    save_npy(os.path.join(d, 'x.npy'), x.numpy())
    save_npy(os.path.join(d, 'cotangent.npy'), cot.numpy())
    save_npy(os.path.join(d, 'output.npy'), out.detach().numpy())
    save_npy(os.path.join(d, 'input_grad.npy'), xg.grad.numpy())
    files = {}
    for pname, p in model.named_parameters():
        fname = safe_file_name(mapping[pname])
        if fname in files.values():
            raise SystemExit(f'{name}: two initializers map to the file name {fname}')
        files[pname] = fname
        save_npy(os.path.join(d, fname), p.grad.numpy())
    with open(os.path.join(d, 'weights_map.json'), 'w') as f:
        json.dump(mapping, f, indent=2, sort_keys=True)
        f.write('\n')

    ops = [n.op_type for n in onnx_model.graph.node]
    info = {
        'torch': torch.__version__,
        'settings': {k: (str(v) if not isinstance(v, (bool, int)) else v) for k, v in settings.items()},
        'ops': ops,
        'initializers': sorted(t.name for t in onnx_model.graph.initializer),
    }
    with open(os.path.join(d, 'export.json'), 'w') as f:
        json.dump(info, f, indent=2)
        f.write('\n')
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print(f'{name}: {size / 1024:.1f} kB; ops: {" ".join(ops)}')
    return size


def build_npy_fixtures(out_root):
    """Small arrays in each dtype parseNpy supports, plus the refusals (Fortran order, big-endian)."""
    d = os.path.join(out_root, 'npy')
    os.makedirs(d, exist_ok=True)
    rng = np.random.RandomState(7)
    base = np.arange(-6, 6).reshape(3, 4)
    cases = {
        'f4': rng.randn(2, 3, 4).astype('<f4'),
        'f8': rng.randn(5).astype('<f8'),
        'i8': (base * 1000003).astype('<i8'),
        'i4': (base * 7).astype('<i4'),
        'i2': (base * -300).astype('<i2'),
        'u2': (np.arange(12).reshape(2, 6) * 5000).astype('<u2'),
        'u1': (np.arange(24).reshape(2, 3, 4) * 10).astype('u1'),
        'b1': np.array([[True, False, True], [False, False, True]]),
        'scalar': np.array(3.5, dtype='<f8'),
        'empty': np.zeros((0, 3), dtype='<f4'),
    }
    for name, a in cases.items():
        np.save(os.path.join(d, f'{name}.npy'), a)
        with open(os.path.join(d, f'{name}.json'), 'w') as f:
            json.dump({'shape': list(a.shape), 'dtype': a.dtype.str, 'values': a.astype(np.float64).ravel().tolist()}, f)
            f.write('\n')
    # Version 2.0 and 3.0 headers (numpy picks them only when needed; force them here).
    from numpy.lib import format as npformat
    a = cases['f4']
    for version in ((2, 0), (3, 0)):
        with open(os.path.join(d, f'f4-v{version[0]}.npy'), 'wb') as f:
            npformat.write_array(f, a, version=version)
    # Refused layouts.
    np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(rng.randn(3, 4).astype('<f4')))
    np.save(os.path.join(d, 'big-endian.npy'), rng.randn(4).astype('>f4'))
    print(f'npy: {len(cases) * 2 + 4} files')


def main():
    out_root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'test', 'fixtures')
    torch.set_num_threads(1)
    total = 0
    for name, seed, make, shape, overrides in MODELS:
        total += build(out_root, name, seed, make, shape, overrides)
    build_npy_fixtures(out_root)
    print(f'torch fixtures: {total / 1024:.1f} kB in all')


if __name__ == '__main__':
    main()
