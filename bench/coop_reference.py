#!/usr/bin/python3
"""Outside anchor for `promptdesk-cli bench coop`: one CoOp epoch written the way the reference
trainer (CoOp's CustomCLIP / PromptLearner / TextEncoder on Dassl) runs it — image tower every
step, every class's full 77-token prompt through the text transformer — in PyTorch (Debian's
/usr/bin/python3 has torch 1.13), float32 on CPU, random weights at ViT-B/32 shapes.
Our own code. Last stdout line: one JSON object."""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads, mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))
        self.ln_2 = nn.LayerNorm(width)
        self.mask = mask

    def forward(self, x):  # (L, N, D)
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=self.mask)[0]
        return x + self.mlp(self.ln_2(x))


class Tower(nn.Module):
    def __init__(self, width, layers, heads, mask=None):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(width, heads, mask) for _ in range(layers)])

    def forward(self, x):
        return self.blocks(x)


class VisionTower(nn.Module):
    def __init__(self, res=224, patch=32, width=768, layers=12, out=512):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        g = res // patch
        self.cls = nn.Parameter(torch.randn(width) * 0.02)
        self.pos = nn.Parameter(torch.randn(g * g + 1, width) * 0.01)
        self.ln_pre, self.ln_post = nn.LayerNorm(width), nn.LayerNorm(width)
        self.tower = Tower(width, layers, width // 64)
        self.proj = nn.Parameter(torch.randn(width, out) * width ** -0.5)

    def forward(self, x):
        x = self.conv1(x).flatten(2).permute(0, 2, 1)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], 1) + self.pos
        x = self.tower(self.ln_pre(x).permute(1, 0, 2)).permute(1, 0, 2)
        return self.ln_post(x[:, 0]) @ self.proj


class TextEncoder(nn.Module):
    def __init__(self, width=512, layers=12, heads=8, out=512, ctx_len=77):
        super().__init__()
        mask = torch.full((ctx_len, ctx_len), float("-inf")).triu(1)
        self.token_embedding = nn.Embedding(49408, width)
        self.pos = nn.Parameter(torch.randn(ctx_len, width) * 0.01)
        self.tower = Tower(width, layers, heads, mask)
        self.ln_final = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, out) * width ** -0.5)

    def forward(self, prompts, tokenized):  # CoOp's TextEncoder
        x = (prompts + self.pos).permute(1, 0, 2)
        x = self.tower(x).permute(1, 0, 2)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), tokenized.argmax(-1)] @ self.proj


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--classes", type=int, default=37)
    ap.add_argument("--shots", type=int, default=16)
    ap.add_argument("--n-ctx", type=int, default=16)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    visual, text = VisionTower(), TextEncoder()
    for p in list(visual.parameters()) + list(text.parameters()):
        p.requires_grad_(False)
    gen = torch.Generator().manual_seed(1)
    tokens = torch.zeros(a.classes, 77, dtype=torch.long)
    for c in range(a.classes):
        name = torch.randint(1000, 41000, (int(torch.randint(1, 4, (1,), generator=gen)),), generator=gen)
        row = [49406] + [343] * a.n_ctx + name.tolist() + [269, 49407]
        tokens[c, : len(row)] = torch.tensor(row)
    with torch.no_grad():
        emb = text.token_embedding(tokens)
    prefix, suffix = emb[:, :1], emb[:, 1 + a.n_ctx:]
    ctx = nn.Parameter(torch.randn(a.n_ctx, 512) * 0.02)
    opt = torch.optim.SGD([ctx], lr=0.002, momentum=0.9, weight_decay=5e-4)
    logit_scale = torch.tensor(math.log(100.0))
    n = a.classes * a.shots
    images = torch.randn(n, 3, 224, 224)
    labels = torch.arange(a.classes).repeat_interleave(a.shots)
    steps_per_epoch = n // a.batch if n >= a.batch else 1
    steps = min(a.max_steps, steps_per_epoch) if a.max_steps else steps_per_epoch
    order = torch.randperm(n, generator=gen)
    t0 = time.perf_counter()
    for s in range(steps):
        idx = order[s * a.batch:(s + 1) * a.batch]
        image_features = visual(images[idx])
        prompts = torch.cat([prefix, ctx.unsqueeze(0).expand(a.classes, -1, -1), suffix], 1)
        text_features = text(prompts, tokens)
        image_features = image_features / image_features.norm(dim=-1, keepdim=True)
        text_features = text_features / text_features.norm(dim=-1, keepdim=True)
        logits = logit_scale.exp() * image_features @ text_features.t()
        loss = F.cross_entropy(logits, labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    sec = (time.perf_counter() - t0) * steps_per_epoch / steps
    print(f"pytorch {torch.__version__} reference CoOp epoch: {sec:.2f} s ({steps} of {steps_per_epoch} steps timed, {torch.get_num_threads()} threads)")
    print(json.dumps({"backbone": "vit-b32", "classes": a.classes, "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "steps_timed": steps,
                      "steps_per_epoch": steps_per_epoch, "reference_s_per_epoch": sec}))


if __name__ == "__main__":
    main()
