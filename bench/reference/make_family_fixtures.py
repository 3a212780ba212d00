"""PyTorch reference fixtures for the model families users export: test/fixtures/families/.

How to run (from the repository root; torch 1.13 and numpy — the `onnx` Python package is not
needed, torch.onnx.export writes the file itself):

    /usr/bin/python3 bench/reference/make_family_fixtures.py            # writes test/fixtures/families/
    /usr/bin/python3 bench/reference/make_family_fixtures.py OUT_DIR    # writes OUT_DIR/<family>-opset<N>/

Each family is a small, random-weight (seeded) model written the way the original architecture is
written in PyTorch, put in eval mode and exported the way users export: torch.onnx.export with the
default settings (training=EVAL, constant folding on), input 'input', output 'output', a dynamic
batch axis 'N', at opsets 11, 13, 14 and 17. For every family and opset it writes

  test/fixtures/families/<family>-opset<N>/
    model.onnx      the export
    x.npy           a batch of 2 inputs (float32, seeded)
    output.npy      torch's forward of x
    cotangent.npy   a fixed random cotangent with the output's shape
    input_grad.npy  d sum(output * cotangent) / d x, torch autograd
    ig.npy          (classifiers and the regressor) integrated gradients with Captum's defaults —
                    baseline 0, n_steps 50, method 'gausslegendre' — for target column `target`
    meta.json       family, opset, input/output shapes, IG target per row, torch version

Extras:
  * resnet and mobilenet-v2 also write feature.npy and feature_grad.npy: the last feature map (the
    input of the global pooling, what Grad-CAM reads) and d sum(output * cotangent) / d feature.
  * einsum exists at opsets 13, 14 and 17 only (torch exports torch.einsum from opset 12).
  * vit-mha also writes attention_<l>.npy: nn.MultiheadAttention's attention probabilities per
    head (need_weights=True, average_attn_weights=False), [N, heads, T, T].
  * resnet-dynamic-opset<N>/ is the ResNet exported with dynamic H and W axes too (x is 40×48,
    not the 32×32 of the others, to show the size comes from the data); so is
    segmentation-head-dynamic-opset<N>/ (x 24×40; its Resize sizes come from Shape(x)).

torch's forward and gradients do not depend on the opset, so the arrays of one family are the same
in each opset's folder; they are repeated so that every folder is self-contained.
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

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BATCH = 2
OPSETS = (11, 13, 14, 17)
IG_STEPS = 50


def randomise_norms(model, gen):
    """Non-trivial affine parameters and running statistics, so no norm layer is the identity."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d, nn.LayerNorm)) and getattr(m, 'weight', None) is not None:
                m.weight.copy_(1.0 + 0.3 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(0.3 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))


def conv_bn(c_in, c_out, k=3, stride=1, groups=1, act=None):
    layers = [nn.Conv2d(c_in, c_out, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(c_out)]
    if act is not None:
        layers.append(act)
    return nn.Sequential(*layers)


# ---- ResNet-18 style: stem, 3×3/2 MaxPool padding 1, BasicBlocks with residual Add, GAP, Linear.
class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, classes=5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = BasicBlock(8, 8, 1)
        self.layer2 = BasicBlock(8, 16, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ---- MobileNetV2: ReLU6 (exported as Clip), inverted residuals, Dropout before the classifier.
class InvertedResidual(nn.Module):
    def __init__(self, c_in, c_out, stride, expand):
        super().__init__()
        hidden = c_in * expand
        self.use_res = stride == 1 and c_in == c_out
        self.conv = nn.Sequential(
            conv_bn(c_in, hidden, 1, act=nn.ReLU6(inplace=True)),
            conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6(inplace=True)),
            conv_bn(hidden, c_out, 1),
        )

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(3, 8, 3, 2, act=nn.ReLU6(inplace=True)),
            InvertedResidual(8, 8, 1, 2),
            InvertedResidual(8, 12, 2, 3),
            InvertedResidual(12, 12, 1, 3),
            conv_bn(12, 24, 1, act=nn.ReLU6(inplace=True)),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(24, classes))

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


# ---- MobileNetV3: HardSwish, squeeze-excitation with HardSigmoid (torchvision's layout).
class SqueezeExcitation(nn.Module):
    def __init__(self, c, squeeze):
        super().__init__()
        self.fc1 = nn.Conv2d(c, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))
        return s * x


class MobileNetV3(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.stem = conv_bn(3, 8, 3, 2, act=nn.Hardswish())
        self.expand = conv_bn(8, 16, 1, act=nn.Hardswish())
        self.dw = conv_bn(16, 16, 3, 1, groups=16, act=nn.Hardswish())
        self.se = SqueezeExcitation(16, 8)
        self.project = conv_bn(16, 8, 1)
        self.last = conv_bn(8, 24, 1, act=nn.Hardswish())
        self.classifier = nn.Sequential(nn.Linear(24, 16), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(16, classes))

    def forward(self, x):
        x = self.stem(x)
        x = x + self.project(self.se(self.dw(self.expand(x))))
        x = F.adaptive_avg_pool2d(self.last(x), 1)
        return self.classifier(torch.flatten(x, 1))


# ---- EfficientNet style: SiLU (Sigmoid·Mul), MBConv with SE, Dropout.
class MBConv(nn.Module):
    def __init__(self, c_in, c_out, stride, expand):
        super().__init__()
        hidden = c_in * expand
        self.use_res = stride == 1 and c_in == c_out
        self.expand = conv_bn(c_in, hidden, 1, act=nn.SiLU())
        self.dw = conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.SiLU())
        self.se1 = nn.Conv2d(hidden, max(1, c_in // 4), 1)
        self.se2 = nn.Conv2d(max(1, c_in // 4), hidden, 1)
        self.project = conv_bn(hidden, c_out, 1)

    def forward(self, x):
        h = self.dw(self.expand(x))
        s = torch.sigmoid(self.se2(F.silu(self.se1(F.adaptive_avg_pool2d(h, 1)))))
        h = self.project(h * s)
        return x + h if self.use_res else h


class EfficientNet(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.stem = conv_bn(3, 8, 3, 2, act=nn.SiLU())
        self.blocks = nn.Sequential(MBConv(8, 8, 1, 2), MBConv(8, 12, 2, 3))
        self.head = conv_bn(12, 24, 1, act=nn.SiLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.3), nn.Linear(24, classes))

    def forward(self, x):
        x = self.pool(self.head(self.blocks(self.stem(x))))
        return self.classifier(torch.flatten(x, 1))


# ---- DenseNet style: BN-ReLU-Conv dense layers joined by Concat, transition with AvgPool.
class DenseLayer(nn.Module):
    def __init__(self, c_in, growth):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, 2 * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(2 * growth)
        self.conv2 = nn.Conv2d(2 * growth, growth, 3, padding=1, bias=False)

    def forward(self, features):
        x = torch.cat(features, 1)
        x = self.conv1(F.relu(self.norm1(x)))
        return self.conv2(F.relu(self.norm2(x)))


class DenseNet(nn.Module):
    def __init__(self, classes=3, growth=4):
        super().__init__()
        self.conv0 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.norm0 = nn.BatchNorm2d(8)
        self.pool0 = nn.MaxPool2d(2)
        self.layers = nn.ModuleList([DenseLayer(8 + i * growth, growth) for i in range(3)])
        c = 8 + 3 * growth
        self.transition = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2, 2))
        self.norm5 = nn.BatchNorm2d(c // 2)
        self.classifier = nn.Linear(c // 2, classes)

    def forward(self, x):
        features = [self.pool0(F.relu(self.norm0(self.conv0(x))))]
        for layer in self.layers:
            features.append(layer(features))
        x = self.transition(torch.cat(features, 1))
        x = F.adaptive_avg_pool2d(F.relu(self.norm5(x)), (1, 1))
        return self.classifier(torch.flatten(x, 1))


# ---- ConvNeXt style: patchify stem, depthwise 7×7, LayerNorm over channels via permutes, GELU, layer scale.
class LayerNorm2d(nn.LayerNorm):
    """torchvision's LayerNorm2d: LayerNorm over channels of an NCHW tensor, by permuting."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pw1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pw2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(0.5 + 0.1 * torch.randn(dim))

    def forward(self, x):
        h = self.dwconv(x).permute(0, 2, 3, 1)
        h = self.pw2(self.act(self.pw1(self.norm(h))))
        return x + (self.gamma * h).permute(0, 3, 1, 2)


class ConvNeXt(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 4, 4), LayerNorm2d(8, eps=1e-6))
        self.stage1 = ConvNeXtBlock(8)
        self.down = nn.Sequential(LayerNorm2d(8, eps=1e-6), nn.Conv2d(8, 16, 2, 2))
        self.stage2 = ConvNeXtBlock(16)
        self.head_norm = LayerNorm2d(16, eps=1e-6)
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        x = self.stage2(self.down(self.stage1(self.stem(x))))
        x = self.head_norm(F.adaptive_avg_pool2d(x, 1))
        return self.head(torch.flatten(x, 1))


# ---- U-Net: ConvTranspose, Upsample nearest and bilinear, skip Concat, Pad to the skip's size; dense output.
def double_conv(c_in, c_out):
    return nn.Sequential(conv_bn(c_in, c_out, 3, act=nn.ReLU(inplace=True)), conv_bn(c_out, c_out, 3, act=nn.ReLU(inplace=True)))


class Up(nn.Module):
    def __init__(self, c_in, c_skip, c_out, how):
        super().__init__()
        if how == 'transpose':
            self.up = nn.ConvTranspose2d(c_in, c_in, 2, stride=2)
        else:
            self.up = nn.Upsample(scale_factor=2, mode=how, **({'align_corners': False} if how == 'bilinear' else {}))
        self.conv = double_conv(c_in + c_skip, c_out)

    def forward(self, x, skip):
        x = self.up(x)
        # The original U-Net's pad to the skip's size (a no-op for sizes divisible by 8, but exported as Pad).
        dy = skip.size()[2] - x.size()[2]
        dx = skip.size()[3] - x.size()[3]
        x = F.pad(x, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return self.conv(torch.cat([skip, x], dim=1))


class UNet(nn.Module):
    def __init__(self, classes=2):
        super().__init__()
        self.inc = double_conv(1, 4)
        self.down1 = nn.Sequential(nn.MaxPool2d(2), double_conv(4, 8))
        self.down2 = nn.Sequential(nn.MaxPool2d(2), double_conv(8, 8))
        self.down3 = nn.Sequential(nn.MaxPool2d(2), double_conv(8, 8))
        self.up1 = Up(8, 8, 8, 'transpose')
        self.up2 = Up(8, 8, 4, 'bilinear')
        self.up3 = Up(4, 4, 4, 'nearest')
        self.outc = nn.Conv2d(4, classes, 1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        return self.outc(self.up3(self.up2(self.up1(x4, x3), x2), x1))


# ---- Segmentation head (torchvision's FCN/DeepLab layout): strided backbone, logits resized back to
# the input's size with F.interpolate(size=x.shape[-2:]) — Resize whose sizes come from a Shape chain.
class SegmentationHead(nn.Module):
    def __init__(self, classes=2):
        super().__init__()
        self.backbone = nn.Sequential(conv_bn(1, 8, 3, 2, act=nn.ReLU()), conv_bn(8, 12, 3, 2, act=nn.ReLU()))
        self.head = nn.Sequential(conv_bn(12, 8, 3, act=nn.ReLU()), nn.Dropout(0.1), nn.Conv2d(8, classes, 1))

    def forward(self, x):
        size = x.shape[-2:]
        return F.interpolate(self.head(self.backbone(x)), size=size, mode='bilinear', align_corners=False)


# ---- Image restoration (EM denoising / super-resolution style): PixelUnshuffle in, convolutions with
# reflect and replicate padding, PixelShuffle out (DepthToSpace CRD), a global residual.
# Not padding_mode='circular': torch 1.13 exports it off by one (the wrap-around slice reads row
# n − 2 instead of n − 1: Slice(starts=−2, ends=−1)), so ONNX Runtime and the float64 reference
# interpreter agree with each other and not with torch eager (33% relative L2 on a 4×8×8 conv).
class Restoration(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.PixelUnshuffle(2)
        self.body = nn.Sequential(
            nn.Conv2d(4, 8, 3, padding=1, padding_mode='reflect'), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1, padding_mode='replicate'), nn.LeakyReLU(0.1),
            nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 4, 3, padding=1, padding_mode='reflect'),
        )
        self.up = nn.PixelShuffle(2)

    def forward(self, x):
        return x + self.up(self.body(self.down(x)))


# ---- Super-resolution (×2): a learned PixelShuffle branch on top of bicubic upsampling (Resize cubic).
class SuperResolution(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3, padding=1))
        self.shuffle = nn.PixelShuffle(2)
        self.bicubic = nn.Upsample(scale_factor=2, mode='bicubic', align_corners=False)

    def forward(self, x):
        return self.bicubic(x) + self.shuffle(self.body(x))


# ---- Attention and channel mixing written with torch.einsum (exported as Einsum, opset ≥ 12).
class EinsumNet(nn.Module):
    def __init__(self, classes=3, dim=8):
        super().__init__()
        self.embed = nn.Conv2d(1, dim, 4, 4)
        self.mix = nn.Parameter(0.3 * torch.randn(dim, dim))
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        h = torch.einsum('bchw,oc->bohw', F.gelu(self.embed(x)), self.mix)
        t = h.flatten(2).transpose(1, 2)
        attn = torch.einsum('bid,bjd->bij', self.q(t), self.k(t)).mul(t.shape[-1] ** -0.5).softmax(-1)
        out = torch.einsum('bij,bjd->bid', attn, self.v(t))
        return self.head(out.mean(1))


# ---- ViT with nn.MultiheadAttention (one fused in-projection), pre-norm blocks, CLS token.
class MhaBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.record = None

    def forward(self, x):
        h = self.norm1(x)
        a, w = self.attn(h, h, h, need_weights=self.record is not None, average_attn_weights=False)
        if self.record is not None:
            self.record.append(w.detach())
        x = x + a
        return x + self.mlp(self.norm2(x))


class VitMha(nn.Module):
    def __init__(self, classes=3, size=16, patch=4, dim=16, depth=2, heads=2):
        super().__init__()
        self.patch_embed = nn.Conv2d(1, dim, patch, patch)
        self.cls_token = nn.Parameter(0.1 * torch.randn(1, 1, dim))
        self.pos_embed = nn.Parameter(0.1 * torch.randn(1, (size // patch) ** 2 + 1, dim))
        self.blocks = nn.ModuleList([MhaBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x)[:, 0])


# ---- Normalisation nets: InstanceNorm2d (affine) and GroupNorm.
class InstanceNormNet(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 6, 3, padding=1), nn.InstanceNorm2d(6, affine=True), nn.ReLU(),
            nn.Conv2d(6, 8, 3, stride=2, padding=1), nn.InstanceNorm2d(8, affine=True), nn.LeakyReLU(0.1),
        )
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.body(x), 1), 1))


class GroupNormNet(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.ReLU(),
            nn.Conv2d(8, 12, 3, stride=2, padding=1), nn.GroupNorm(3, 12), nn.SiLU(),
        )
        self.fc = nn.Linear(12, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.body(x), 1), 1))


# ---- CNN regressor: one scalar per image (e.g. a thickness or a defect count).
class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Dropout2d(0.1), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 8 * 8, 16), nn.Tanh(), nn.Dropout(0.5), nn.Linear(16, 1))

    def forward(self, x):
        return self.head(self.body(x))


# name, seed, constructor, input shape (C, H, W), dense output (no IG), extra dynamic axes
FAMILIES = [
    ('resnet', 11, ResNet, (3, 32, 32), False),
    ('mobilenet-v2', 12, MobileNetV2, (3, 32, 32), False),
    ('mobilenet-v3', 13, MobileNetV3, (3, 32, 32), False),
    ('efficientnet', 14, EfficientNet, (3, 32, 32), False),
    ('densenet', 15, DenseNet, (3, 32, 32), False),
    ('convnext', 16, ConvNeXt, (3, 32, 32), False),
    ('unet', 17, UNet, (1, 32, 32), True),
    ('segmentation-head', 22, SegmentationHead, (1, 32, 32), True),
    ('restoration', 23, Restoration, (1, 32, 32), True),
    ('super-resolution', 24, SuperResolution, (1, 16, 16), True),
    ('einsum', 25, EinsumNet, (1, 16, 16), False),
    ('vit-mha', 18, VitMha, (1, 16, 16), False),
    ('instance-norm', 19, InstanceNormNet, (1, 32, 32), False),
    ('group-norm', 20, GroupNormNet, (1, 32, 32), False),
    ('regressor', 21, Regressor, (1, 32, 32), False),
]


# Families whose reference gradients are computed in float64: this torch build (Debian 1.13.0a0)
# returns garbage float32 input gradients for einsum(gelu(conv(x))) — wrong by 26× relative L2, inf
# or NaN, run to run — while einsum(conv(x)), gelu(conv(x)) and the float64 pass are right (checked
# against central differences). The forward output stays float32, as users run it.
FLOAT64_REFERENCE = {EinsumNet}

# Families that also get Grad-CAM references: the module whose output feeds the global pooling.
CAM_LAYERS = {ResNet: lambda m: m.layer2, MobileNetV2: lambda m: m.features}


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def captum_gauss_legendre(n):
    """Captum's approximation_methods('gausslegendre'): alphas and step sizes on [0, 1]."""
    nodes, weights = np.polynomial.legendre.leggauss(n)
    return 0.5 * (1 + nodes), 0.5 * weights


def integrated_gradients(model, x, target):
    """Captum IntegratedGradients.attribute(x, baselines=0, target, n_steps=50, method='gausslegendre')."""
    alphas, steps = captum_gauss_legendre(IG_STEPS)
    total = torch.zeros(x.shape, dtype=torch.float64)
    rows = torch.arange(x.shape[0])
    for a, w in zip(alphas, steps):
        xs = (float(a) * x).clone().requires_grad_(True)
        out = model(xs)
        g, = torch.autograd.grad(out[rows, target].sum(), xs)
        total += float(w) * g.double()
    return (total * x.double()).float()


def export(model, x, path, opset, dynamic_spatial):
    axes = {0: 'N', 2: 'H', 3: 'W'} if dynamic_spatial else {0: 'N'}
    dense = isinstance(model, (UNet, SegmentationHead, Restoration, SuperResolution))
    out_axes = {0: 'N', 2: 'H', 3: 'W'} if dynamic_spatial and dense else {0: 'N'}
    torch.onnx.export(model, x, path, opset_version=opset, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': axes, 'output': out_axes})


def build(out_root, name, seed, make, shape, dense, dynamic_spatial=False, opsets=OPSETS, folder=None):
    if make is EinsumNet:
        opsets = tuple(o for o in opsets if o >= 12)  # torch exports einsum from opset 12
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    model = make()
    randomise_norms(model, gen)
    model.eval()
    rng = np.random.RandomState(seed)
    x = torch.from_numpy(rng.randn(BATCH, *shape).astype(np.float32))

    xg = x.clone().requires_grad_(True)
    out = model(xg)
    cot = torch.from_numpy(rng.randn(*out.shape).astype(np.float32))
    (out * cot).sum().backward()
    input_grad = xg.grad
    target = None if dense else [int(i % out.shape[1]) for i in range(BATCH)]
    ig = None if dense else integrated_gradients(model, x, torch.tensor(target))
    if make in FLOAT64_REFERENCE:
        reference = copy.deepcopy(model).double()
        x64 = x.double().requires_grad_(True)
        (reference(x64) * cot.double()).sum().backward()
        input_grad = x64.grad.float()
        ig = None if dense else integrated_gradients(reference, x.double(), torch.tensor(target))

    # Grad-CAM's inputs: the last feature map (what feeds global pooling) and its gradient.
    cam = None
    if type(model) in CAM_LAYERS:
        captured = []
        handle = CAM_LAYERS[type(model)](model).register_forward_hook(lambda _m, _i, o: captured.append(o))
        xc = x.clone().requires_grad_(True)
        out_c = model(xc)
        handle.remove()
        feature = captured[0]
        feature_grad, = torch.autograd.grad((out_c * cot).sum(), feature)
        cam = (feature.detach(), feature_grad)

    attention = []
    if isinstance(model, VitMha):
        for b in model.blocks:
            b.record = attention
        with torch.no_grad():
            model(x)
        for b in model.blocks:
            b.record = None

    total = 0
    for opset in opsets:
        d = os.path.join(out_root, f'{folder or name}-opset{opset}')
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
        export(model, x, os.path.join(d, 'model.onnx'), opset, dynamic_spatial)
        save_npy(os.path.join(d, 'x.npy'), x.numpy())
        save_npy(os.path.join(d, 'output.npy'), out.detach().numpy())
        save_npy(os.path.join(d, 'cotangent.npy'), cot.numpy())
        save_npy(os.path.join(d, 'input_grad.npy'), input_grad.numpy())
        if ig is not None:
            save_npy(os.path.join(d, 'ig.npy'), ig.numpy())
        if cam is not None:
            save_npy(os.path.join(d, 'feature.npy'), cam[0].numpy())
            save_npy(os.path.join(d, 'feature_grad.npy'), cam[1].numpy())
        for layer, a in enumerate(attention):
            save_npy(os.path.join(d, f'attention_{layer}.npy'), a.numpy())
        meta = {
            'family': name, 'opset': opset, 'torch': torch.__version__,
            'input_shape': list(x.shape), 'output_shape': list(out.shape), 'dense': dense,
            'dynamic_spatial': dynamic_spatial,
            'ig': None if ig is None else {'target': target, 'steps': IG_STEPS, 'method': 'gausslegendre', 'baseline': 0},
            'attention_layers': len(attention),
        }
        with open(os.path.join(d, 'meta.json'), 'w') as f:
            json.dump(meta, f, indent=2)
            f.write('\n')
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        model_kb = os.path.getsize(os.path.join(d, 'model.onnx')) / 1024
        print(f'{os.path.basename(d)}: {size / 1024:.1f} kB (model.onnx {model_kb:.1f} kB)')
        total += size
    return total


def main():
    out_root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'test', 'fixtures', 'families')
    only = set(sys.argv[2:])
    torch.set_num_threads(1)
    total = 0
    for name, seed, make, shape, dense in FAMILIES:
        if only and name not in only:
            continue
        total += build(out_root, name, seed, make, shape, dense)
    if not only or 'resnet-dynamic' in only:
        total += build(out_root, 'resnet', 11, ResNet, (3, 40, 48), False, dynamic_spatial=True, opsets=(11, 17), folder='resnet-dynamic')
    if not only or 'segmentation-head-dynamic' in only:
        total += build(out_root, 'segmentation-head', 22, SegmentationHead, (1, 24, 40), True, dynamic_spatial=True, opsets=(11, 17), folder='segmentation-head-dynamic')
    print(f'family fixtures: {total / 1024 / 1024:.2f} MB in all')


if __name__ == '__main__':
    main()
