"""PyTorch timings for trustscope's benchmark (bench/run.ts), on the same .onnx file and inputs.

    /usr/bin/python3.11 bench/reference/torch_reference.py --model M.onnx --batch 64 --size 32 \
        --method saliency --threads 1 --repeats 5 [--warmup 1] [--input x.npy] [--targets t.npy] \
        [--window 4 --stride 1 --chunk 256 --baseline 0] [--save attribution.npy]

Prints one JSON line: {"median_ms": ..., "runs": [...], "cpu_ms": [...], "threads": ..., "torch": "<version>"}
(cpu_ms: each timed run's process CPU time, all threads).

The model is the ONNX file evaluated with torch.nn.functional ops (onnx_to_torch.py), weights as
buffers. The methods are written the way a PyTorch user would write them efficiently:

  saliency   Captum's Saliency: input.requires_grad_(), forward, select each row's target logit,
             backward of their sum, |input.grad|. One pass over the whole batch.
  integrated-gradients, smoothgrad, grad-cam, kernel-shap, rise, input-x-gradient, gradient-shap:
             see each function's docstring; every method batches its rows (steps, noisy copies,
             coalitions, masks, samples) `chunk` at a time.
  deeplift   Captum's DeepLift itself (multiply_by_inputs, constant --baseline image), on the module whose Relu and
             MaxPool nodes are nn.ReLU / nn.MaxPool2d children (onnx_to_torch.py) so Captum can hook
             them. Captum is found on sys.path, or in TRUSTSCOPE_CAPTUM_PATH (torch-reference.ts
             puts it on PYTHONPATH).
  occlusion  Captum's Occlusion semantics (window slid with a stride, last placement clipped at the
             border, replaced by `baseline`, output drop credited to the window and averaged over the
             placements covering each pixel), computed in batches of `chunk` perturbed images under
             torch.no_grad(): masks precomputed once, perturbed batches built with torch.where, and the
             per-pixel sums done by conv_transpose2d of the drop map with a ones kernel.

Inputs: --input (float32 .npy [N, C, H, W]) or seeded uniform noise; targets: --targets (.npy of
class indices) or row % classes. --save writes the last run's attribution as float32 .npy.
Needs torch, numpy and onnx (Debian: apt-get install python3-torch python3-onnx). Not a dependency
of trustscope: the benchmark skips the PyTorch column when torch is missing.
"""
import argparse
import json
import math
import os
import statistics
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peak_rss import peak_rss_mb  # noqa: E402
from onnx_to_torch import OnnxTorch  # noqa: E402
from timing import time_runs_with_cpu  # noqa: E402


def saliency(model, x, targets):
    x = x.clone().requires_grad_(True)
    out = model(x)
    out.gather(1, targets[:, None]).sum().backward()
    return x.grad.abs()


def window_starts(size, window, stride):
    """Captum's placement count ceil((size - window) / stride) + 1; the last one may be clipped."""
    return [i * stride for i in range(math.ceil((size - window) / stride) + 1)]


def occlusion_masks(h, w, window, stride):
    ys, xs = window_starts(h, window, stride), window_starts(w, window, stride)
    masks = torch.zeros(len(ys) * len(xs), 1, h, w, dtype=torch.bool)
    for i, y in enumerate(ys):
        for j, x0 in enumerate(xs):
            masks[i * len(xs) + j, 0, y:y + window, x0:x0 + window] = True
    return masks, len(ys), len(xs)


def occlusion(model, x, targets, window, stride, baseline, chunk, masks, ny, nx):
    n, c, h, w = x.shape
    p = ny * nx
    with torch.no_grad():
        base = model(x).gather(1, targets[:, None])[:, 0]
        drops = torch.empty(n * p)
        fill = torch.tensor(baseline, dtype=x.dtype)
        # Jobs are (image, placement) pairs, batched across images exactly as trustscope does.
        for s in range(0, n * p, chunk):
            jobs = torch.arange(s, min(n * p, s + chunk))
            img, place = jobs // p, jobs % p
            batch = torch.where(masks[place], fill, x[img])
            out = model(batch).gather(1, targets[img][:, None])[:, 0]
            drops[s:s + len(jobs)] = base[img] - out
        ones = torch.ones(1, 1, window, window)
        total = F.conv_transpose2d(drops.reshape(n, 1, ny, nx), ones, stride=stride)[:, :, :h, :w]
        counts = F.conv_transpose2d(torch.ones(1, 1, ny, nx), ones, stride=stride)[:, :, :h, :w]
        return (total / counts).expand(n, c, h, w).contiguous()


def integrated_gradients(model, x, targets, steps, chunk):
    """Captum's IG (Gauss-Legendre, zero baseline), (step, image) rows batched `chunk` at a time."""
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas = torch.tensor(0.5 * (nodes + 1), dtype=x.dtype)
    w = torch.tensor(0.5 * weights, dtype=x.dtype)
    n = x.shape[0]
    total = torch.zeros_like(x)
    for s in range(0, n * steps, chunk):
        jobs = torch.arange(s, min(n * steps, s + chunk))
        step, img = jobs // n, jobs % n
        xs = (alphas[step].view(-1, 1, 1, 1) * x[img]).requires_grad_(True)
        model(xs).gather(1, targets[img][:, None]).sum().backward()
        total.index_add_(0, img, xs.grad * w[step].view(-1, 1, 1, 1))
    return x * total


def input_x_gradient(model, x, targets):
    """Captum's InputXGradient: x * d out[target] / dx, one pass over the batch."""
    x = x.clone().requires_grad_(True)
    model(x).gather(1, targets[:, None]).sum().backward()
    return (x * x.grad).detach()


def gradient_shap(model, x, targets, samples, chunk, generator, alphas=None):
    """Captum's GradientShap with its defaults (stdevs 0, one all-zero baseline): per input and sample
    alpha ~ U(0, 1), gradient at alpha * x, attribution mean_s x * grad_s; rows batched `chunk` at a time.
    `alphas` ([n * samples], input-major) replaces the draws, to check agreement with given draws."""
    n = x.shape[0]
    if alphas is None:
        alphas = torch.rand(n * samples, generator=generator, dtype=x.dtype)
    total = torch.zeros_like(x)
    for s in range(0, n * samples, chunk):
        jobs = torch.arange(s, min(n * samples, s + chunk))
        img = jobs // samples
        xs = (alphas[jobs].view(-1, 1, 1, 1) * x[img]).requires_grad_(True)
        model(xs).gather(1, targets[img][:, None]).sum().backward()
        total.index_add_(0, img, xs.grad)
    return x * total / samples


def _unpool_add(values, indices, kernel_size, stride, padding, output_size):
    """max_unpool2d that ADDS where two windows share an argmax (max_unpool2d overwrites there)."""
    n, c, h, w = output_size
    out = torch.zeros(n, c, h * w, dtype=values.dtype)
    out.scatter_add_(2, indices.flatten(2), values.flatten(2))
    return out.view(n, c, h, w)


def captum_deeplift(model):
    """Captum's DeepLift on the model (imported here: only this method needs Captum).

    One change to Captum's maxpool rule: its shares are placed with scatter-add instead of
    max_unpool2d, which on OVERLAPPING windows (ResNet's 3x3/2 stem pool) keeps only one of two
    windows' shares at a shared argmax, so Σ attributions ≠ f(x) − f(b). Adding them is the rule's
    intent and what trustscope does (src/onnx/autodiff/deeplift-rules.ts); on non-overlapping
    windows the two placements are identical. Together with separate_hooked_modules this makes
    Captum's convergence delta float rounding on VGG and ResNet.
    """
    try:
        from captum.attr import DeepLift
        from captum.attr._core import deep_lift
    except ImportError:
        raise SystemExit('the DeepLIFT reference needs Captum: pip install captum, or set TRUSTSCOPE_CAPTUM_PATH to its source tree')
    deep_lift.SUPPORTED_NON_LINEAR[torch.nn.MaxPool2d] = lambda module, inputs, outputs, grad_input, grad_output, eps=1e-10: deep_lift.maxpool(
        module, F.max_pool2d, _unpool_add, inputs, outputs, grad_input, grad_output, eps=eps)
    dl = DeepLift(model)
    return lambda x, targets, baseline: dl.attribute(x, baselines=torch.full_like(x, baseline), target=targets).detach()


def smoothgrad(model, x, targets, samples, stdev, chunk, generator):
    """NoiseTunnel(Saliency) smoothgrad: mean over noisy copies of |grad|, rows batched."""
    n = x.shape[0]
    noise = torch.randn((samples,) + tuple(x.shape), generator=generator) * stdev
    total = torch.zeros_like(x)
    for s in range(0, n * samples, chunk):
        jobs = torch.arange(s, min(n * samples, s + chunk))
        k, img = jobs // n, jobs % n
        xs = (x[img] + noise[k, img]).requires_grad_(True)
        model(xs).gather(1, targets[img][:, None]).sum().backward()
        total.index_add_(0, img, xs.grad.abs())
    return total / samples


def grad_cam(model, x, targets, layer):
    """Captum's LayerGradCam (no ReLU) upsampled to the input with nearest interpolation. As Captum,
    torch.autograd.grad w.r.t. the layer only: the backward stops at the layer (.backward() would
    carry it on to the input, which Grad-CAM never reads)."""
    out, a = model(x.clone().requires_grad_(True), capture=layer)
    grad, = torch.autograd.grad(out.gather(1, targets[:, None]).sum(), a)
    layer_map = (grad.mean(dim=(2, 3), keepdim=True) * a).sum(dim=1, keepdim=True)
    return F.interpolate(layer_map.detach(), size=x.shape[2:], mode='nearest')


def patch_masks(h, w, patch):
    """Feature index per pixel for square patches, as [features, 1, h, w] booleans."""
    ny, nx = math.ceil(h / patch), math.ceil(w / patch)
    ids = (torch.arange(h)[:, None] // patch) * nx + torch.arange(w)[None, :] // patch
    return torch.stack([ids == f for f in range(ny * nx)])[:, None]


def kernel_shap(model, x, targets, patch, samples, chunk, generator):
    """KernelSHAP over patches: coalition sizes drawn from the Shapley kernel, end points weighted
    1e6, perturbed images batched, one weighted least-squares solve per image."""
    n, c, h, w = x.shape
    masks = patch_masks(h, w, patch).to(x.dtype)  # [M, 1, h, w]
    m = masks.shape[0]
    sizes = torch.arange(1, m)
    kernel = (m - 1) / (sizes * (m - sizes)).double()
    out = torch.empty(n, c, h, w)
    for i in range(n):
        k = sizes[torch.multinomial(kernel, samples - 2, replacement=True, generator=generator)]
        order = torch.rand(samples - 2, m, generator=generator).argsort(dim=1)
        z = (order < k[:, None]).to(x.dtype)
        z = torch.cat([torch.ones(1, m), torch.zeros(1, m), z])
        weights = torch.ones(samples)
        weights[:2] = 1e6
        values = torch.empty(samples)
        with torch.no_grad():
            for s in range(0, samples, chunk):
                keep = torch.einsum('bm,mchw->bchw', z[s:s + chunk], masks).clamp(max=1)
                values[s:s + chunk] = model(x[i:i + 1] * keep)[:, targets[i]]
        design = torch.cat([z, torch.ones(samples, 1)], dim=1)
        sw = weights.sqrt()[:, None]
        coef = torch.linalg.lstsq(design * sw, values[:, None] * sw).solution[:m, 0]
        out[i] = torch.einsum('m,mchw->chw', coef, masks).expand(c, h, w)
    return out


def rise(model, x, targets, count, cell, p, chunk, generator):
    """RISE: random s x s grids (kept with probability p), bilinearly upsampled and randomly
    shifted, saliency = sum_i f(M_i * x) M_i / (N p); masked images batched."""
    n, c, h, w = x.shape
    ch, cw = math.ceil(h / cell), math.ceil(w / cell)
    grids = (torch.rand(count, 1, cell, cell, generator=generator) < p).to(x.dtype)
    big = F.interpolate(grids, size=((cell + 1) * ch, (cell + 1) * cw), mode='bilinear', align_corners=False)
    dy = torch.randint(0, ch, (count,), generator=generator)
    dx = torch.randint(0, cw, (count,), generator=generator)
    masks = torch.stack([big[j, :, dy[j]:dy[j] + h, dx[j]:dx[j] + w] for j in range(count)])
    out = torch.zeros(n, 1, h, w)
    with torch.no_grad():
        for i in range(n):
            for s in range(0, count, chunk):
                mk = masks[s:s + chunk]
                scores = model(x[i:i + 1] * mk)[:, targets[i]]
                out[i] += torch.einsum('b,bchw->chw', scores, mk)
    return (out / (count * p)).expand(n, c, h, w).contiguous()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--batch', type=int, required=True)
    ap.add_argument('--size', type=int, required=True)
    ap.add_argument('--method', choices=['saliency', 'occlusion', 'integrated-gradients', 'smoothgrad', 'grad-cam', 'kernel-shap', 'rise',
                                         'input-x-gradient', 'gradient-shap', 'deeplift'], required=True)
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--input')
    ap.add_argument('--targets')
    ap.add_argument('--window', type=int, default=4)
    ap.add_argument('--stride', type=int, default=1)
    ap.add_argument('--chunk', type=int, default=256)
    ap.add_argument('--baseline', type=float, default=0.0, help='occlusion fill value; DeepLIFT baseline image value')
    ap.add_argument('--steps', type=int, default=50, help='IG integration points')
    ap.add_argument('--samples', type=int, default=5, help='SmoothGrad noisy copies / KernelSHAP coalitions / RISE masks / GradientSHAP samples')
    ap.add_argument('--stdev', type=float, default=0.15, help='SmoothGrad noise sigma')
    ap.add_argument('--layer', help='Grad-CAM: ONNX value name of the layer')
    ap.add_argument('--patch', type=int, default=4, help='KernelSHAP patch side')
    ap.add_argument('--cell', type=int, default=8, help='RISE grid cells per side')
    ap.add_argument('--save')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    # DeepLIFT: Captum's hooks need adjacent nonlinear modules kept apart (see onnx_to_torch.py).
    model = OnnxTorch(args.model, separate_hooked_modules=args.method == 'deeplift').eval()
    channels = model.input_shape[1]
    if args.input:
        x = torch.from_numpy(np.load(args.input).astype(np.float32))
        if list(x.shape) != [args.batch, channels, args.size, args.size]:
            raise SystemExit(f'{args.input} has shape {list(x.shape)}; expected {[args.batch, channels, args.size, args.size]}')
    else:
        x = torch.from_numpy(np.random.RandomState(0).rand(args.batch, channels, args.size, args.size).astype(np.float32))
    with torch.no_grad():
        classes = model(x[:1]).shape[1]
    if args.targets:
        targets = torch.from_numpy(np.load(args.targets)).reshape(-1).long()
    else:
        targets = torch.arange(args.batch) % classes

    generator = torch.Generator().manual_seed(0)
    if args.method == 'saliency':
        run = lambda: saliency(model, x, targets)  # noqa: E731
    elif args.method == 'integrated-gradients':
        run = lambda: integrated_gradients(model, x, targets, args.steps, args.chunk)  # noqa: E731
    elif args.method == 'smoothgrad':
        run = lambda: smoothgrad(model, x, targets, args.samples, args.stdev, args.chunk, generator)  # noqa: E731
    elif args.method == 'grad-cam':
        run = lambda: grad_cam(model, x, targets, args.layer)  # noqa: E731
    elif args.method == 'kernel-shap':
        run = lambda: kernel_shap(model, x, targets, args.patch, args.samples, args.chunk, generator)  # noqa: E731
    elif args.method == 'input-x-gradient':
        run = lambda: input_x_gradient(model, x, targets)  # noqa: E731
    elif args.method == 'gradient-shap':
        run = lambda: gradient_shap(model, x, targets, args.samples, args.chunk, generator)  # noqa: E731
    elif args.method == 'deeplift':
        deeplift = captum_deeplift(model)
        run = lambda: deeplift(x, targets, args.baseline)  # noqa: E731
    elif args.method == 'rise':
        run = lambda: rise(model, x, targets, args.samples, args.cell, 0.5, args.chunk, generator)  # noqa: E731
    else:
        masks, ny, nx = occlusion_masks(args.size, args.size, args.window, args.stride)
        run = lambda: occlusion(model, x, targets, args.window, args.stride, args.baseline, args.chunk, masks, ny, nx)  # noqa: E731

    result, runs, cpu = time_runs_with_cpu(run, args.warmup, args.repeats)
    if args.save:
        np.save(args.save, np.ascontiguousarray(result.detach().numpy(), dtype=np.float32))
    # peak_rss_mb: this process's peak resident set (ru_maxrss), the benchmark's peak-RSS column.
    out = {'median_ms': statistics.median(runs), 'runs': runs, 'cpu_ms': cpu, 'threads': torch.get_num_threads(), 'torch': torch.__version__,
           'peak_rss_mb': peak_rss_mb()}
    if args.method == 'integrated-gradients':
        # Completeness, untimed: |sum of attributions - (f(x) - f(0))| / |f(x) - f(0)| per image (Captum's
        # convergence delta over the output change), for the benchmark to print beside trustscope's.
        with torch.no_grad():
            change = (model(x).gather(1, targets[:, None]) - model(torch.zeros_like(x)).gather(1, targets[:, None]))[:, 0].double()
        delta = result.detach().double().sum(dim=(1, 2, 3)) - change
        out['completeness'] = (delta.abs() / change.abs().clamp_min(1e-3)).tolist()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
