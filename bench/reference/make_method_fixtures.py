"""PyTorch reference attributions for trustscope's explainers (saliency, IG, SmoothGrad, Grad-CAM, occlusion).

How to run (from the repository root; needs torch 1.13, numpy and onnx — Debian's python3-torch):

    /usr/bin/python3.11 bench/reference/make_method_fixtures.py            # writes test/fixtures/methods/
    /usr/bin/python3.11 bench/reference/make_method_fixtures.py OUT_DIR    # writes OUT_DIR/

The model is the `cnn` fixture of make_fixtures.py (test/fixtures/torch/cnn/model.onnx): the same
torch module is rebuilt and its weights are loaded from the ONNX initializers (weights_map.json), so
torch and trustscope run exactly the same network. Everything below is plain torch autograd written
here, following Captum's definitions (Captum itself is not needed):

  x.npy                  4 seeded inputs [4, 1, 32, 32] (numpy RandomState(11), standard normal)
  saliency.npy           |d out[target] / d x|                                        (Captum Saliency)
  ig_gausslegendre.npy   IG, zero baseline, 50 Gauss–Legendre nodes: alphas 0.5·(z + 1), weights 0.5·w
                         from numpy.polynomial.legendre.leggauss                         (Captum's default)
  ig_trapezoid_zero.npy  IG, zero baseline, riemann_trapezoid 20 steps: alphas linspace(0, 1, 20), weights
                         1/20 with the first and last halved (Captum's weights, summing to 19/20).
                         trustscope differs here by design of its MaxPool rule: at alpha = 0 the input is
                         all zero, conv outputs are constant and whole MaxPool windows tie; torch gives a
                         tied window's gradient to its first element, trustscope to every tied element
  ig_baseline.npy        a seeded random baseline (RandomState(13), normal(0, 0.2)), away from such ties
  ig_trapezoid.npy       IG, riemann_trapezoid 20 steps as above, from ig_baseline.npy
  noise.npy              SmoothGrad noise [samples, 4, 1, 32, 32]: RandomState(12) normal(0, stdevs)
  smoothgrad.npy         mean_s |grad(x + noise[s])|, the target fixed per input
  gradcam_<key>_layer.npy  Grad-CAM (Captum's LayerGradCam, layer output): alpha_k = spatial mean of
                         d out[target]/d A_k, map = sum_k alpha_k A_k, no ReLU, [4, 1, 16, 16], for
                         key relu2 = the second conv's ReLU output (features.4) and conv2 = the second
                         conv's output (features.3); ONNX value names in manifest.json. (relu2 feeds a
                         MaxPool whose all-zero windows tie: the same tie-rule difference as above.)
  gradcam_<key>.npy      the layer map upsampled to 32×32 by F.interpolate(mode='nearest')
  occlusion.npy          Occlusion on the logit of the target, window 4, stride 2, baseline 0: each
                         placement's drop f(x) − f(x_occluded) credited to its window, averaged per pixel
                         over the ceil((32 − 4)/2) + 1 = 15 placements per axis (last one clipped);
                         computed in float64 (the model cast with .double()), since the drops are
                         differences of close logits and torch's own float32 result is ~1e-5 off
  guided_backprop.npy    guided backprop (Captum GuidedBackprop): every nn.ReLU replaced by a
                         torch.autograd.Function whose backward is relu(grad · 1[x > 0])
  deeplift.npy           DeepLIFT rescale rule (Captum DeepLift) from ig_baseline.npy: the model runs on
                         cat([x, b]); every ReLU and MaxPool2d is a torch.autograd.Function whose backward
                         is Captum's rule (ReLU: grad · Δy/Δx, or its gradient where |Δx| < 1e-10; MaxPool:
                         max_unpool2d of grad · (max(y_x, y_b) − y_b, y_x − max(y_x, y_b)) with each half's
                         own indices, both halves added, divided by Δx); attribution (x − b) · grad_x
  deeplift_zero.npy      the same from a zero baseline (all MaxPool windows of the baseline half tie:
                         checks the first-maximum rule)
  manifest.json          targets, options, layer names and the model path

All arrays are float32; the accumulations (IG sums, SmoothGrad means, occlusion averages) are done in
float64 before the cast.
"""
import copy
import json
import math
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import Cnn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL_DIR = os.path.join(ROOT, 'test', 'fixtures', 'torch', 'cnn')
TARGETS = [0, 1, 1, 0]
IG_GL_STEPS = 50
IG_TRAPEZOID_STEPS = 20
SMOOTHGRAD_SAMPLES = 8
SMOOTHGRAD_STDEVS = 0.3
OCCLUSION = {'window': 4, 'stride': 2, 'baseline': 0}
# Grad-CAM layers, ONNX value -> torch module: the second conv's ReLU output (features.4) and the
# second conv's output (features.3). Checked against the exported graph in load_model().
GRADCAM_LAYERS = {
    'relu2': ('/features/features.4/Relu_output_0', 'features.4'),
    'conv2': ('/features/features.3/Conv_output_0', 'features.3'),
}
IG_TRAPEZOID_BASELINE_STDEV = 0.2


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def load_model():
    onnx_model = onnx.load(os.path.join(MODEL_DIR, 'model.onnx'))
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in onnx_model.graph.initializer}
    with open(os.path.join(MODEL_DIR, 'weights_map.json')) as f:
        mapping = json.load(f)
    relu_outputs = [n.output[0] for n in onnx_model.graph.node if n.op_type == 'Relu']
    conv_outputs = [n.output[0] for n in onnx_model.graph.node if n.op_type == 'Conv']
    if relu_outputs[1] != GRADCAM_LAYERS['relu2'][0] or conv_outputs[1] != GRADCAM_LAYERS['conv2'][0]:
        raise SystemExit(f'second Relu/Conv outputs are {relu_outputs[1]}/{conv_outputs[1]}, expected {GRADCAM_LAYERS}')
    model = Cnn()
    state = {name: torch.from_numpy(inits[init].copy()) for name, init in mapping.items()}
    model.load_state_dict(state, strict=True)
    model.eval()
    return model


def input_grad(model, x, targets):
    """d sum_i out[i, targets[i]] / d x (each row's gradient is that row's target logit's)."""
    x = x.clone().requires_grad_(True)
    out = model(x)
    out[torch.arange(len(targets)), targets].sum().backward()
    return x.grad.detach().numpy().astype(np.float64)


def integrated_gradients(model, x, targets, alphas, weights, baseline=None):
    b = torch.zeros_like(x) if baseline is None else baseline
    total = np.zeros(x.shape, dtype=np.float64)
    for a, w in zip(alphas, weights):
        total += w * input_grad(model, (b + float(a) * (x - b)).float(), targets)
    return (x - b).numpy().astype(np.float64) * total


def grad_cam(model, x, targets, module):
    store = {}

    def hook(_module, _inputs, output):
        output.retain_grad()
        store['a'] = output

    handle = module.register_forward_hook(hook)
    out = model(x.clone().requires_grad_(True))  # parameters are frozen: the graph needs a leaf
    handle.remove()
    out[torch.arange(len(targets)), targets].sum().backward()
    a = store['a']
    alpha = a.grad.mean(dim=(2, 3), keepdim=True)
    layer_map = (alpha * a).sum(dim=1, keepdim=True).detach()
    up = F.interpolate(layer_map, size=x.shape[2:], mode='nearest')
    return layer_map.numpy(), up.numpy()


def occlusion(model, x, targets, window, stride, baseline):
    n, c, h, w = x.shape
    idx = torch.arange(n)
    model = copy.deepcopy(model).double()  # float64 reference: the drops are differences of close logits
    x = x.double()
    with torch.no_grad():
        base = model(x)[idx, targets].double()
        total = torch.zeros(x.shape, dtype=torch.float64)
        counts = torch.zeros((h, w), dtype=torch.float64)
        ys = [i * stride for i in range(math.ceil((h - window) / stride) + 1)]
        xs = [i * stride for i in range(math.ceil((w - window) / stride) + 1)]
        for y0 in ys:
            for x0 in xs:
                occluded = x.clone()
                occluded[:, :, y0:y0 + window, x0:x0 + window] = baseline
                drop = base - model(occluded)[idx, targets].double()
                total[:, :, y0:y0 + window, x0:x0 + window] += drop.view(n, 1, 1, 1)
                counts[y0:y0 + window, x0:x0 + window] += 1
    return (total / counts).numpy(), len(ys) * len(xs)


class GuidedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.clamp(min=0)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * (x > 0).to(grad.dtype)).clamp(min=0)


class Swap(nn.Module):
    """A module calling an autograd Function (the replaced backward rule of one layer)."""

    def __init__(self, fn, *args):
        super().__init__()
        self.fn = fn
        self.args = args

    def forward(self, x):
        return self.fn.apply(x, *self.args)


def replaced(model, make):
    """A copy of the model whose modules are replaced where make(module) returns a module."""
    model = copy.deepcopy(model)
    for seq in (model.features, model.head):
        for i, m in enumerate(seq):
            swap = make(m)
            if swap is not None:
                seq[i] = swap
    return model


def guided_backprop(model, x, targets):
    guided = replaced(model, lambda m: Swap(GuidedReLU) if isinstance(m, nn.ReLU) else None)
    return input_grad(guided, x, targets)


DEEPLIFT_EPS = 1e-10


class RescaleReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.clamp(min=0)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        dx = torch.cat(2 * [x.chunk(2)[0] - x.chunk(2)[1]])
        dy = torch.cat(2 * [y.chunk(2)[0] - y.chunk(2)[1]])
        ordinary = grad * (x > 0).to(grad.dtype)
        return torch.where(dx.abs() < DEEPLIFT_EPS, ordinary, grad * dy / torch.where(dx.abs() < DEEPLIFT_EPS, torch.ones_like(dx), dx))


class RescaleMaxPool(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        y, idx = F.max_pool2d(x, k, return_indices=True)
        ctx.save_for_backward(x, y, idx)
        ctx.k = k
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y, idx = ctx.saved_tensors
        k = ctx.k
        size = list(x.shape)
        yx, yb = y.chunk(2)
        top = torch.max(yx, yb)
        shares = torch.cat([top - yb, yx - top])
        placed = F.max_unpool2d(grad * shares, idx, k, output_size=size[2:])
        summed = torch.cat(2 * [placed.chunk(2)[0] + placed.chunk(2)[1]])
        dx = torch.cat(2 * [x.chunk(2)[0] - x.chunk(2)[1]])
        ordinary = F.max_unpool2d(grad, idx, k, output_size=size[2:])
        small = dx.abs() < DEEPLIFT_EPS
        return torch.where(small, ordinary, summed / torch.where(small, torch.ones_like(dx), dx)), None


def deeplift(model, x, targets, baseline):
    def make(m):
        if isinstance(m, nn.ReLU):
            return Swap(RescaleReLU)
        if isinstance(m, nn.MaxPool2d):
            return Swap(RescaleMaxPool, m.kernel_size)
        return None

    rescaled = replaced(model, make)
    n = x.shape[0]
    x = x.clone().requires_grad_(True)
    out = rescaled(torch.cat([x, baseline]))
    both = torch.cat([targets, targets])
    out[torch.arange(2 * n), both].sum().backward()
    return (x - baseline).detach().numpy().astype(np.float64) * x.grad.detach().numpy().astype(np.float64)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'test', 'fixtures', 'methods')
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    model = load_model()
    for p in model.parameters():
        p.requires_grad_(False)

    x_np = np.random.RandomState(11).standard_normal((len(TARGETS), 1, 32, 32)).astype(np.float32)
    x = torch.from_numpy(x_np)
    targets = torch.tensor(TARGETS)
    save_npy(os.path.join(out_dir, 'x.npy'), x_np)

    save_npy(os.path.join(out_dir, 'saliency.npy'), np.abs(input_grad(model, x, targets)))

    nodes, gl_weights = np.polynomial.legendre.leggauss(IG_GL_STEPS)
    save_npy(os.path.join(out_dir, 'ig_gausslegendre.npy'),
             integrated_gradients(model, x, targets, 0.5 * (nodes + 1), 0.5 * gl_weights))
    n = IG_TRAPEZOID_STEPS
    tz_weights = np.full(n, 1.0 / n)
    tz_weights[0] /= 2
    tz_weights[-1] /= 2
    save_npy(os.path.join(out_dir, 'ig_trapezoid_zero.npy'),
             integrated_gradients(model, x, targets, np.linspace(0, 1, n), tz_weights))
    baseline = np.random.RandomState(13).normal(0, IG_TRAPEZOID_BASELINE_STDEV, x_np.shape).astype(np.float32)
    save_npy(os.path.join(out_dir, 'ig_baseline.npy'), baseline)
    save_npy(os.path.join(out_dir, 'ig_trapezoid.npy'),
             integrated_gradients(model, x, targets, np.linspace(0, 1, n), tz_weights, torch.from_numpy(baseline)))

    noise = np.random.RandomState(12).normal(0, SMOOTHGRAD_STDEVS, (SMOOTHGRAD_SAMPLES,) + x_np.shape).astype(np.float32)
    save_npy(os.path.join(out_dir, 'noise.npy'), noise)
    sg = np.zeros(x_np.shape, dtype=np.float64)
    for s in range(SMOOTHGRAD_SAMPLES):
        sg += np.abs(input_grad(model, x + torch.from_numpy(noise[s]), targets))
    save_npy(os.path.join(out_dir, 'smoothgrad.npy'), sg / SMOOTHGRAD_SAMPLES)

    modules = dict(model.named_modules())
    for key, (_, module) in GRADCAM_LAYERS.items():
        layer_map, up = grad_cam(model, x, targets, modules[module])
        save_npy(os.path.join(out_dir, f'gradcam_{key}_layer.npy'), layer_map)
        save_npy(os.path.join(out_dir, f'gradcam_{key}.npy'), up)

    save_npy(os.path.join(out_dir, 'guided_backprop.npy'), guided_backprop(model, x, targets))
    save_npy(os.path.join(out_dir, 'deeplift.npy'), deeplift(model, x, targets, torch.from_numpy(baseline)))
    save_npy(os.path.join(out_dir, 'deeplift_zero.npy'), deeplift(model, x, targets, torch.zeros_like(x)))

    occ, placements = occlusion(model, x, targets, OCCLUSION['window'], OCCLUSION['stride'], OCCLUSION['baseline'])
    save_npy(os.path.join(out_dir, 'occlusion.npy'), occ)

    manifest = {
        'torch': torch.__version__,
        'model': 'test/fixtures/torch/cnn/model.onnx',
        'inputs': 'x.npy',
        'targets': TARGETS,
        'methods': {
            'saliency': {'file': 'saliency.npy', 'options': {'abs': True}},
            'ig_gausslegendre': {'file': 'ig_gausslegendre.npy', 'options': {'rule': 'gausslegendre', 'steps': IG_GL_STEPS, 'baseline': 0}},
            'ig_trapezoid_zero': {'file': 'ig_trapezoid_zero.npy', 'options': {'rule': 'riemann_trapezoid', 'steps': IG_TRAPEZOID_STEPS, 'baseline': 0}},
            'ig_trapezoid': {'file': 'ig_trapezoid.npy', 'baselineFile': 'ig_baseline.npy', 'options': {'rule': 'riemann_trapezoid', 'steps': IG_TRAPEZOID_STEPS, 'baselineStdev': IG_TRAPEZOID_BASELINE_STDEV}},
            'smoothgrad': {'file': 'smoothgrad.npy', 'noise': 'noise.npy', 'options': {'samples': SMOOTHGRAD_SAMPLES, 'stdevs': SMOOTHGRAD_STDEVS, 'abs': True}},
            **{f'gradcam_{key}': {'file': f'gradcam_{key}.npy', 'layerFile': f'gradcam_{key}_layer.npy',
                                  'options': {'layer': layer, 'torchModule': module, 'relu': False, 'upsample': 'nearest'}}
               for key, (layer, module) in GRADCAM_LAYERS.items()},
            'occlusion': {'file': 'occlusion.npy', 'options': dict(OCCLUSION, placements=placements)},
            'guided_backprop': {'file': 'guided_backprop.npy', 'options': {}},
            'deeplift': {'file': 'deeplift.npy', 'baselineFile': 'ig_baseline.npy', 'options': {'eps': DEEPLIFT_EPS}},
            'deeplift_zero': {'file': 'deeplift_zero.npy', 'options': {'baseline': 0, 'eps': DEEPLIFT_EPS}},
        },
    }
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
