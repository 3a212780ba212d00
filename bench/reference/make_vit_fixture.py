"""PyTorch reference fixture for a Vision Transformer: test/fixtures/torch/vit-small/.

How to run (from the repository root; torch 1.13, numpy, onnx):

    /usr/bin/python3.11 bench/reference/make_vit_fixture.py

It writes the same files as make_fixtures.py (model.onnx, x.npy, cotangent.npy, output.npy,
input_grad.npy, grad_<init>.npy, weights_map.json, export.json) for a timm-style ViT written here
(patch Conv, CLS token expanded to the batch, position embedding, pre-norm blocks with fused QKV,
`unbind`, scaled dot-product softmax attention, exact GELU MLP, final LayerNorm, head on the CLS
token), exported with opset 17 so LayerNorm stays one LayerNormalization node, plus the attention
references computed here from the softmax outputs captured during the forward pass:

    attention_probs_<l>.npy   the attention probabilities of block l, [N, heads, T, T]
    cls_attention_last.npy    CLS row of the last block, mean over heads, patches only, [N, P]
    rollout.npy               Abnar & Zuidema rollout: prod_l rownorm(0.5*mean_h(A_l) + 0.5*I), CLS row, patches, [N, P]
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import ROOT, build, save_npy  # noqa: E402

SIZE, PATCH, DIM, DEPTH, HEADS = 16, 4, 16, 2, 2
CAPTURED = []


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        CAPTURED.append(attn.detach())
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TinyViT(nn.Module):
    def __init__(self):
        super().__init__()
        tokens = (SIZE // PATCH) ** 2 + 1
        self.patch_embed = nn.Conv2d(1, DIM, PATCH, stride=PATCH)
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, DIM))
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, tokens, DIM))
        self.blocks = nn.Sequential(*[Block(DIM, HEADS) for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(DIM)
        self.head = nn.Linear(DIM, 3)
        # Non-trivial LayerNorm parameters, so that their gradients are tested at a generic point.
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.LayerNorm):
                    m.weight.add_(0.1 * torch.randn_like(m.weight))
                    m.bias.add_(0.1 * torch.randn_like(m.bias))

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])


def rollout(probs):
    """Abnar & Zuidema (2020): written independently of trustscope, in numpy float64."""
    n, _, t, _ = probs[0].shape
    out = []
    for i in range(n):
        r = np.eye(t)
        for a in probs:
            mixed = 0.5 * a[i].astype(np.float64).mean(0) + 0.5 * np.eye(t)
            mixed /= mixed.sum(-1, keepdims=True)
            r = mixed @ r
        out.append(r[0, 1:])
    return np.stack(out)


def main():
    out_root = os.path.join(ROOT, 'test', 'fixtures')
    # Without constant folding the Linear weights stay as they are (folding stores W transposed for
    # MatMul, and the fixture maps parameters to initializers by value).
    build(out_root, 'vit-small', 23, TinyViT, (1, SIZE, SIZE), {'do_constant_folding': False})
    # Re-run the forward pass on the saved inputs (same seed, same model) to capture attention.
    torch.manual_seed(23)
    model = TinyViT().eval()
    d = os.path.join(out_root, 'torch', 'vit-small')
    x = torch.from_numpy(np.load(os.path.join(d, 'x.npy')))
    CAPTURED.clear()
    with torch.no_grad():
        model(x)
    probs = [a.numpy() for a in CAPTURED]
    for l, a in enumerate(probs):
        save_npy(os.path.join(d, f'attention_probs_{l}.npy'), a)
    save_npy(os.path.join(d, 'cls_attention_last.npy'), probs[-1].mean(1)[:, 0, 1:])
    save_npy(os.path.join(d, 'rollout.npy'), rollout(probs))


if __name__ == '__main__':
    main()
