#!/usr/bin/python3
"""PyTorch reference figures for `promptdesk-cli bench clip-encode`.

A small CLIP-shaped model written here with stock PyTorch modules (nn.MultiheadAttention,
nn.LayerNorm, nn.Conv2d, nn.BatchNorm2d) at the ViT-B/32 and RN50 shapes, random weights, eval
mode, no autograd. Prints images/s (encode_image) and prompts/s (encode_text over all 77
positions, and over the positions up to the longest EOT) at the same batch and thread count.

Usage: /usr/bin/python3 bench/clip_encode_reference.py [--backbone vit-b32|rn50|both]
       [--batch 32] [--reps 3] [--threads 0] [--json]
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))

    def forward(self, x, mask=None):  # x: (L, N, D) as nn.MultiheadAttention expects by default
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    def __init__(self, width, layers, heads):
        super().__init__()
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])

    def forward(self, x, mask=None):
        for b in self.blocks:
            x = b(x, mask)
        return x


class ViT(nn.Module):
    def __init__(self, res=224, patch=32, width=768, layers=12, heads=12, out=512):
        super().__init__()
        grid = res // patch
        self.patchify = nn.Conv2d(3, width, patch, patch, bias=False)
        self.cls = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.pos = nn.Parameter(torch.randn(grid * grid + 1, width) * width ** -0.5)
        self.ln_pre, self.ln_post = nn.LayerNorm(width), nn.LayerNorm(width)
        self.encoder = Encoder(width, layers, heads)
        self.proj = nn.Parameter(torch.randn(width, out) * width ** -0.5)

    def forward(self, x):
        x = self.patchify(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], 1) + self.pos
        x = self.ln_pre(x).transpose(0, 1)
        x = self.encoder(x).transpose(0, 1)
        return self.ln_post(x[:, 0]) @ self.proj


class Bottleneck(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, planes, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes, 3, padding=1, bias=False), nn.BatchNorm2d(planes),
            nn.ReLU(inplace=True), nn.AvgPool2d(stride) if stride > 1 else nn.Identity(),
            nn.Conv2d(planes, planes * 4, 1, bias=False), nn.BatchNorm2d(planes * 4))
        self.skip = nn.Identity()
        if stride > 1 or cin != planes * 4:
            self.skip = nn.Sequential(nn.AvgPool2d(stride), nn.Conv2d(cin, planes * 4, 1, bias=False),
                                      nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        return F.relu(self.body(x) + self.skip(x))


class AttnPool(nn.Module):
    def __init__(self, grid, dim, heads, out):
        super().__init__()
        self.pos = nn.Parameter(torch.randn(grid * grid + 1, dim) / dim ** 0.5)
        self.attn = nn.MultiheadAttention(dim, heads)
        self.c_proj = nn.Linear(dim, out)

    def forward(self, x):
        x = x.flatten(2).permute(2, 0, 1)
        x = torch.cat([x.mean(0, keepdim=True), x], 0) + self.pos[:, None, :]
        y = self.attn(x[:1], x, x, need_weights=False)[0]
        return self.c_proj(y[0])


class ResNetTower(nn.Module):
    def __init__(self, stages=(3, 4, 6, 3), width=64, res=224, out=1024):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, width // 2, 3, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(inplace=True),
            nn.Conv2d(width // 2, width // 2, 3, 1, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(inplace=True),
            nn.Conv2d(width // 2, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.AvgPool2d(2))
        blocks, cin = [], width
        for i, n in enumerate(stages):
            for j in range(n):
                blocks.append(Bottleneck(cin, width << i, 2 if (i > 0 and j == 0) else 1))
                cin = (width << i) * 4
        self.blocks = nn.Sequential(*blocks)
        self.pool = AttnPool(res // 32, width * 32, width * 32 // 64, out)

    def forward(self, x):
        return self.pool(self.blocks(self.stem(x)))


class TextTower(nn.Module):
    def __init__(self, vocab=49408, ctx=77, width=512, layers=12, heads=8, out=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(torch.randn(ctx, width) * 0.01)
        self.encoder = Encoder(width, layers, heads)
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, out) * width ** -0.5)

    def forward(self, tokens):
        n, length = tokens.shape
        mask = torch.full((length, length), float("-inf")).triu_(1)
        x = (self.tok(tokens) + self.pos[:length]).transpose(0, 1)
        x = self.ln(self.encoder(x, mask).transpose(0, 1))
        return x[torch.arange(n), tokens.argmax(-1)] @ self.proj


def timed(reps, fn):
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return time.perf_counter() - t0


def run(backbone, batch, reps):
    torch.manual_seed(0)
    if backbone == "vit-b32":
        image, text = ViT(), TextTower(out=512)
    else:
        image, text = ResNetTower(), TextTower(out=1024)
    image.eval(), text.eval()
    images = torch.randn(batch, 3, 224, 224)
    tokens = torch.zeros(batch, 77, dtype=torch.long)
    for i, n in enumerate(torch.randint(6, 15, (batch,)).tolist()):
        tokens[i, 0] = 49406
        tokens[i, 1:n + 1] = torch.randint(1, 49406, (n,))
        tokens[i, n + 1] = 49407
    cut = int(tokens.argmax(-1).max()) + 1
    with torch.inference_mode():
        si = timed(reps, lambda: image(images))
        st = timed(reps, lambda: text(tokens[:, :cut]))
        sf = timed(reps, lambda: text(tokens))
    return {"backbone": backbone, "batch": batch, "threads": torch.get_num_threads(), "reps": reps,
            "images_per_s": batch * reps / si, "prompts_per_s": batch * reps / st,
            "prompts_per_s_full77": batch * reps / sf}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backbone", default="both", choices=["vit-b32", "rn50", "both"])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads if a.threads > 0 else os.cpu_count())
    names = ["vit-b32", "rn50"] if a.backbone == "both" else [a.backbone]
    results = [run(n, a.batch, a.reps) for n in names]
    for r in results:
        print(f"[pytorch {torch.__version__}] {r['backbone']} batch {r['batch']}, {r['threads']} thread(s): "
              f"encode_image {r['images_per_s']:.1f} images/s; encode_text {r['prompts_per_s']:.1f} "
              f"prompts/s (up to EOT), {r['prompts_per_s_full77']:.1f} prompts/s (77 positions)")
    if a.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
