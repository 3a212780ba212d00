"""Reference attribution maps for the five issue-13 model families: test/fixtures/family-methods/.

How to run (from the repository root; torch 1.13 and numpy):

    /usr/bin/python3 bench/reference/make_family_method_fixtures.py            # writes test/fixtures/family-methods/
    /usr/bin/python3 bench/reference/make_family_method_fixtures.py OUT_DIR    # writes OUT_DIR/<family>/

The networks are the ones of make_family_fixtures.py (imported, rebuilt with the same seeds; the
script checks that torch's forward of the families' x.npy reproduces their output.npy, so these maps
belong to the very network exported to test/fixtures/families/<family>-opset{13,14,17}/model.onnx).
torch's results do not depend on the opset, so each family has ONE folder of references that the
test compares with all three exports. Everything is plain torch autograd written here, following
Captum's definitions (Captum itself is not installed):

  saliency.npy          |d score / d x|                                   (Captum Saliency)
  input_x_gradient.npy  x · d score / d x                                 (Captum InputXGradient)
  ig.npy                (U-Net only; the others reuse families/<family>-opset*/ig.npy) Captum's
                        IntegratedGradients defaults: zero baseline, 50 Gauss–Legendre nodes
  noise.npy             SmoothGrad's noise [N, samples, C, H, W] (float32 copy, for the record): drawn
                        here with trustscope's own generator (src/tensor/random.ts: splitmix32-seeded
                        sfc32, Marsaglia's polar method in Random.addNormal, image-major, then sample,
                        then pixel) so that smoothGrad.attribute(…, { seed }) adds the same numbers
  smoothgrad.npy        mean_s |grad(x + noise_s)|, the score fixed per image (Captum NoiseTunnel
                        'smoothgrad' around Saliency); x + noise is rounded to float32 as ours is
  gradcam_layer.npy     (CNNs) Captum LayerGradCam on the last conv feature map: α_k = spatial mean of
                        d score / d A_k, map = Σ_k α_k A_k, no ReLU, [N, 1, h, w]
  gradcam.npy           the layer map resized to the input by F.interpolate(mode='nearest')
  guided_backprop.npy   Captum GuidedBackprop: every nn.ReLU's backward is relu(grad · 1[x > 0]).
                        Captum hooks nn.ReLU modules only; nn.ReLU6 (exported as Clip) is not an
                        nn.ReLU, so MobileNetV2's ReLU6 keeps its ordinary gradient (the map is then
                        the signed gradient), and so does trustscope's guided backprop (Relu nodes only).
                        The ViT has no ReLU: its map is the signed gradient.
  deeplift.npy          (ResNet, U-Net, regressor, MobileNetV2) Captum DeepLift, rescale rule, zero
                        baseline: the model runs on cat([x, b]); nn.ReLU and nn.Tanh backward
                        grad · Δy/Δx (the ordinary gradient where |Δx| < 1e-10), nn.MaxPool2d Captum's
                        maxpool rule. One deliberate difference from Captum's code: Captum places the
                        pooled shares with max_unpool2d, which on OVERLAPPING windows (ResNet's 3×3/2
                        pool) overwrites instead of adding where two windows share an argmax; here they
                        are scatter-added, the rule's intent and what makes Σ attributions = Δf hold.
                        MobileNetV2's ReLU6 is not among Captum's supported nonlinearities: it keeps its
                        ordinary gradient, so with b = 0 DeepLift is input × gradient there (and
                        incomplete). The ViT gets no reference: its attention and LayerNorm have no
                        rescale rule (the test asserts trustscope's completeness warning instead).
  occlusion.npy         Captum Occlusion, baseline 0, window over all channels, computed in float64
                        (the model cast with .double(): drops are differences of close scores)
  meta.json             targets, options, layer rules, measured facts (U-Net mask margin)

The explained score per image: classifiers their logit of class i mod K (as families' IG), the
regressor output 0, the U-Net the sum of class 1's logits over a fixed mask (mask.npy), as in
Captum's segmentation tutorial — but not class 1's predicted mask, which is empty for this
random-weight net (see make_score) — the same mask for every perturbed or noisy copy. All arrays are float32; accumulations are float64 before the cast.
"""
import copy
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_family_fixtures as mf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAMILY_DIR = os.path.join(ROOT, 'test', 'fixtures', 'families')
SOURCE_OPSET = 17  # where x.npy / output.npy are read from (identical in every opset's folder)
SMOOTHGRAD = {'samples': 8, 'stdevs': 0.3, 'seed': 7}
DEEPLIFT_EPS = 1e-10

# family -> Grad-CAM layer (torch module; the ONNX value is found by the test with the same rule)
FAMILIES = {
    'resnet': {'cam': lambda m: m.layer2, 'camRule': 'input of GlobalAveragePool', 'occlusion': {'window': 8, 'stride': 4}},
    'mobilenet-v2': {'cam': lambda m: m.features, 'camRule': 'input of GlobalAveragePool', 'occlusion': {'window': 8, 'stride': 4}},
    'unet': {'cam': lambda m: m.up3, 'camRule': 'input of the last Conv', 'occlusion': {'window': 8, 'stride': 4}},
    'regressor': {'cam': lambda m: m.body, 'camRule': 'input of Flatten', 'occlusion': {'window': 8, 'stride': 4}},
    'vit-mha': {'cam': None, 'camRule': None, 'occlusion': {'window': 4, 'stride': 2}},
}


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def build_model(family):
    """The family's network exactly as make_family_fixtures.build() makes it."""
    _, seed, make, shape, dense = next(f for f in mf.FAMILIES if f[0] == family)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    model = make()
    mf.randomise_norms(model, gen)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, dense


# ---- trustscope's Random (src/tensor/random.ts), for SmoothGrad's noise.
M32 = 0xFFFFFFFF


class TrustscopeRandom:
    def __init__(self, seed):
        s = seed & M32

        def split():
            nonlocal s
            s = (s + 0x9E3779B9) & M32
            z = s
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            return (z ^ (z >> 16)) & M32

        self.a, self.b, self.c, self.d = split(), split(), split(), split()
        for _ in range(12):
            self.uint32()

    def uint32(self):
        t = (self.a + self.b + self.d) & M32
        self.d = (self.d + 1) & M32
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + (self.c << 3)) & M32
        self.c = ((self.c << 21) | (self.c >> 11)) & M32
        self.c = (self.c + t) & M32
        return t

    def normal_block(self, count, std):
        """The numbers Random.addNormal adds to `count` consecutive entries (float64)."""
        out = np.empty(count, dtype=np.float64)
        scale = 2 / 4294967296
        j = 0
        while j < count:
            u = self.uint32() * scale - 1
            v = self.uint32() * scale - 1
            s2 = u * u + v * v
            if s2 >= 1 or s2 == 0:
                continue
            f = std * math.sqrt((-2 * math.log(s2)) / s2)
            out[j] = u * f
            j += 1
            if j < count:
                out[j] = v * f
                j += 1
        return out


def smoothgrad_inputs(x, samples, std, seed):
    """[N, samples, …] noisy copies as noiseTunnel builds them: float32(x + noise), image by image."""
    rng = TrustscopeRandom(seed)
    n = x.shape[0]
    d = int(np.prod(x.shape[1:]))
    noise = np.stack([rng.normal_block(samples * d, std).reshape(samples, *x.shape[1:]) for _ in range(n)])
    noisy = (x.astype(np.float64)[:, None] + noise).astype(np.float32)
    return noise, noisy


# ---- the explained score
def make_score(family, model, x, meta):
    if family == 'unet':
        # Captum's tutorial form is class c's logits summed over the pixels where c is the argmax. This
        # random-weight U-Net never predicts class 1 (its logit is below class 0's by >= 0.40 at every
        # pixel, for these inputs and for any scaled or random input tried), so the predicted mask of
        # class 1 is empty and every map would be 0. The region is instead the pixels of each image
        # where class 1's margin l1 - l0 is above that image's median (stored as mask.npy and given
        # to trustscope as a 'region' target): the same sum of class 1's logits over a fixed mask.
        with torch.no_grad():
            out = model(torch.from_numpy(x))
        margin = out[:, 1] - out[:, 0]
        predicted = (out.argmax(1) == 1).sum((1, 2)).tolist()
        median = margin.flatten(1).median(1).values.view(-1, 1, 1)
        mask = margin > median
        gap = float((margin - median).abs().flatten(1).topk(2, largest=False).values.max())
        info = {'kind': 'segmentation-region', 'classIndex': 1, 'maskFile': 'mask.npy', 'pixels': mask.sum((1, 2)).tolist(),
                'predictedClass1Pixels': predicted, 'maxClass1Margin': float(margin.max()), 'medianGap': gap}

        def score(o):
            return (o[:, 1] * mask.to(o.dtype)).sum((1, 2))
        return score, info, mask.numpy()
    target = meta['ig']['target']
    idx = torch.tensor(target)

    def score(o):
        return o[torch.arange(o.shape[0]), idx]
    return score, {'kind': 'class', 'target': target}, None


def input_grad(model, x, score):
    xs = torch.as_tensor(x).clone().requires_grad_(True)
    score(model(xs)).sum().backward()
    return xs.grad.detach().numpy().astype(np.float64)


def integrated_gradients(model, x, score, steps=50):
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    total = np.zeros(x.shape, dtype=np.float64)
    for a, w in zip(0.5 * (nodes + 1), 0.5 * weights):
        total += w * input_grad(model, (float(a) * torch.from_numpy(x)).float(), score)
    return x.astype(np.float64) * total


def grad_cam(model, x, score, module):
    store = {}

    def hook(_m, _i, output):
        output.retain_grad()
        store['a'] = output

    handle = module.register_forward_hook(hook)
    out = model(torch.from_numpy(x).clone().requires_grad_(True))
    handle.remove()
    score(out).sum().backward()
    a = store['a']
    alpha = a.grad.mean(dim=(2, 3), keepdim=True)
    layer = (alpha * a).sum(dim=1, keepdim=True).detach()
    return layer.numpy(), F.interpolate(layer, size=x.shape[2:], mode='nearest').numpy()


def swapped(model, make):
    """A copy whose child modules are replaced wherever make(child) returns a module."""
    model = copy.deepcopy(model)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            new = make(child)
            if new is not None:
                setattr(parent, name, new)
    return model


class Swap(nn.Module):
    def __init__(self, fn, *args):
        super().__init__()
        self.fn = fn
        self.args = args

    def forward(self, x):
        return self.fn.apply(x, *self.args)


class GuidedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * (x > 0).to(grad.dtype)).clamp(min=0)


def guided_backprop(model, x, score):
    guided = swapped(model, lambda m: Swap(GuidedReLU) if isinstance(m, nn.ReLU) else None)
    return input_grad(guided, x, score)


def halves_delta(t):
    a, b = t.chunk(2)
    return torch.cat([a - b, a - b])


class Rescale(torch.autograd.Function):
    """DeepLIFT's rescale rule for a pointwise nonlinearity on the stacked [inputs; baselines]."""

    @staticmethod
    def forward(ctx, x, fn):
        with torch.enable_grad():
            xr = x.detach().requires_grad_(True)
            y = fn(xr)
            ordinary_slope, = torch.autograd.grad(y.sum(), xr)
        ctx.save_for_backward(x, y.detach(), ordinary_slope)
        return y.detach()

    @staticmethod
    def backward(ctx, grad):
        x, y, slope = ctx.saved_tensors
        dx = halves_delta(x)
        dy = halves_delta(y)
        small = dx.abs() < DEEPLIFT_EPS
        return torch.where(small, grad * slope, grad * dy / torch.where(small, torch.ones_like(dx), dx)), None


class RescaleMaxPool(torch.autograd.Function):
    """Captum's maxpool rule, shares scatter-ADDED at each row's first maximum (see the docstring)."""

    @staticmethod
    def forward(ctx, x, k, s, p):
        y, idx = F.max_pool2d(x, k, s, p, return_indices=True)
        ctx.save_for_backward(x, y, idx)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y, idx = ctx.saved_tensors

        def place(v):
            flat = torch.zeros(x.shape[0], x.shape[1], x.shape[2] * x.shape[3], dtype=v.dtype)
            return flat.scatter_add_(2, idx.flatten(2), v.flatten(2)).view_as(x)

        yx, yb = y.chunk(2)
        top = torch.max(yx, yb)
        placed = place(grad * torch.cat([top - yb, yx - top]))
        summed = torch.cat(2 * [placed.chunk(2)[0] + placed.chunk(2)[1]])
        dx = halves_delta(x)
        small = dx.abs() < DEEPLIFT_EPS
        return torch.where(small, place(grad), summed / torch.where(small, torch.ones_like(dx), dx)), None, None, None


def deeplift(model, x, score):
    def make(m):
        if isinstance(m, nn.ReLU):
            return Swap(Rescale, F.relu)
        if isinstance(m, nn.Tanh):
            return Swap(Rescale, torch.tanh)
        if isinstance(m, nn.MaxPool2d):
            return Swap(RescaleMaxPool, m.kernel_size, m.stride, m.padding)
        return None

    rescaled = swapped(model, make)
    xs = torch.from_numpy(x).clone().requires_grad_(True)
    baseline = torch.zeros_like(xs)
    out = rescaled(torch.cat([xs, baseline]))
    score_both = lambda o: torch.cat([score(o[: x.shape[0]]), score(o[x.shape[0]:])])  # noqa: E731
    score_both(out).sum().backward()
    attribution = x.astype(np.float64) * xs.grad.numpy().astype(np.float64)
    with torch.no_grad():
        change = (score(model(xs)) - score(model(baseline))).double().numpy()
    return attribution, (attribution.reshape(x.shape[0], -1).sum(1) - change).tolist()


def occlusion(model, x, score, window, stride):
    n, c, h, w = x.shape
    model64 = copy.deepcopy(model).double()
    x64 = torch.from_numpy(x).double()
    total = torch.zeros(x64.shape, dtype=torch.float64)
    counts = torch.zeros((h, w), dtype=torch.float64)
    ys = [i * stride for i in range(math.ceil((h - window) / stride) + 1)]
    xs = [i * stride for i in range(math.ceil((w - window) / stride) + 1)]
    with torch.no_grad():
        base = score(model64(x64))
        for y0 in ys:
            for x0 in xs:
                occluded = x64.clone()
                occluded[:, :, y0:y0 + window, x0:x0 + window] = 0
                drop = base - score(model64(occluded))
                total[:, :, y0:y0 + window, x0:x0 + window] += drop.view(n, 1, 1, 1)
                counts[y0:y0 + window, x0:x0 + window] += 1
    return (total / counts).numpy(), len(ys) * len(xs)


def write_family(out_root, family, spec):
    src = os.path.join(FAMILY_DIR, f'{family}-opset{SOURCE_OPSET}')
    with open(os.path.join(src, 'meta.json')) as f:
        fam_meta = json.load(f)
    x = np.load(os.path.join(src, 'x.npy'))
    model, dense = build_model(family)
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    same = np.abs(out - np.load(os.path.join(src, 'output.npy'))).max()
    if same > 1e-6:
        raise SystemExit(f'{family}: rebuilt network differs from the exported one (max |Δoutput| {same:.2e})')
    score, target, mask = make_score(family, model, x, fam_meta)

    d = os.path.join(out_root, family)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        os.remove(os.path.join(d, name))
    if mask is not None:
        save_npy(os.path.join(d, 'mask.npy'), mask)
    g = input_grad(model, x, score)
    save_npy(os.path.join(d, 'saliency.npy'), np.abs(g))
    save_npy(os.path.join(d, 'input_x_gradient.npy'), x * g)
    if dense:
        save_npy(os.path.join(d, 'ig.npy'), integrated_gradients(model, x, score))

    noise, noisy = smoothgrad_inputs(x, SMOOTHGRAD['samples'], SMOOTHGRAD['stdevs'], SMOOTHGRAD['seed'])
    save_npy(os.path.join(d, 'noise.npy'), noise)
    sg = np.mean([np.abs(input_grad(model, noisy[:, s], score)) for s in range(SMOOTHGRAD['samples'])], axis=0)
    save_npy(os.path.join(d, 'smoothgrad.npy'), sg)

    methods = ['saliency', 'input_x_gradient', 'ig', 'smoothgrad', 'guided_backprop', 'occlusion']
    if spec['cam'] is not None:
        layer, up = grad_cam(model, x, score, spec['cam'](model))
        save_npy(os.path.join(d, 'gradcam_layer.npy'), layer)
        save_npy(os.path.join(d, 'gradcam.npy'), up)
        methods.append('gradcam')
    save_npy(os.path.join(d, 'guided_backprop.npy'), guided_backprop(model, x, score))
    deeplift_delta = None
    if family != 'vit-mha':
        attribution, deeplift_delta = deeplift(model, x, score)
        save_npy(os.path.join(d, 'deeplift.npy'), attribution)
        methods.append('deeplift')
    occ, placements = occlusion(model, x, score, **spec['occlusion'])
    save_npy(os.path.join(d, 'occlusion.npy'), occ)

    meta = {
        'family': family, 'torch': torch.__version__, 'x': f'families/{family}-opset{SOURCE_OPSET}/x.npy',
        'target': target, 'methods': methods,
        'igFile': 'ig.npy' if dense else 'families/<family>-opset<N>/ig.npy',
        'smoothgrad': SMOOTHGRAD,
        'gradcam': None if spec['cam'] is None else {'layer': spec['camRule'], 'relu': False, 'upsample': 'nearest'},
        'deeplift': {'baseline': 0, 'eps': DEEPLIFT_EPS, 'convergenceDelta': deeplift_delta},
        'occlusion': dict(spec['occlusion'], baseline=0, placements=placements),
    }
    with open(os.path.join(d, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print(f'{family}: {size / 1024:.1f} kB, target {target}, DeepLIFT delta {deeplift_delta}')
    return size


def main():
    out_root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'test', 'fixtures', 'family-methods')
    torch.set_num_threads(1)
    total = sum(write_family(out_root, family, spec) for family, spec in FAMILIES.items())
    print(f'family method fixtures: {total / 1024 / 1024:.2f} MB in all')


if __name__ == '__main__':
    main()
