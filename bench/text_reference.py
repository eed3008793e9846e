#!/usr/bin/env python3
"""Plain-PyTorch reference for the text families (BERT, RoBERTa, GPT-2), written from the Hugging
Face modeling code's semantics (modeling_bert.py, modeling_roberta.py, modeling_gpt2.py): the
checkpoint's own key names, Conv1D weights used as x @ W, post-LN encoders with erf GELU, GPT-2's
gelu_new, RoBERTa's positions from the padding. Used by tests/cli/text_forward.sh to check
`promptdesk-cli forward` on random models of shapes the fixtures do not have, and by the
text-encode benchmark as the reference loop. Needs only Debian's python3-torch.

  text_reference.py make --family F --out DIR [--hidden H --layers L --heads A --inner I
                        --vocab V --positions P --seed S]      random HF folder + inputs.safetensors
  text_reference.py forward --model DIR --in IN.safetensors --out OUT.safetensors
"""
import argparse, json, math, os, struct, sys

import torch

DT = {"F32": torch.float32, "I64": torch.int64, "F64": torch.float64, "I32": torch.int32}
DT_NAME = {v: k for k, v in DT.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=DT[v["dtype"]]) if e > b else \
            torch.empty(0, dtype=DT[v["dtype"]])
        out[k] = t.reshape(v["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        t = tensors[k].contiguous().cpu()
        b = t.numpy().tobytes()
        header[k] = {"dtype": DT_NAME[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACT = {"gelu": torch.nn.functional.gelu, "gelu_new": gelu_new, "relu": torch.relu}
NEG = torch.finfo(torch.float32).min


def bert_forward(sd, cfg, ids, mask, tt=None, pos=None, family="bert", head=True):
    """(last_hidden_state, MLM logits over the whole vocabulary at every position); head=False:
    (last_hidden_state, None), the encoder only."""
    p = family + "."
    if (p + "embeddings.word_embeddings.weight") not in sd:
        p = ""
    n, t = ids.shape
    heads = cfg["num_attention_heads"]
    eps = cfg.get("layer_norm_eps", 1e-12)
    act = ACT[cfg.get("hidden_act", "gelu")]
    if pos is None:
        if family == "roberta":
            pad = cfg.get("pad_token_id", 1)
            real = (ids != pad).long()
            pos = torch.cumsum(real, 1) * real + pad
        else:
            pos = torch.arange(t).expand(n, t)
    if tt is None:
        tt = torch.zeros_like(ids)
    ln = lambda x, k: torch.nn.functional.layer_norm(x, x.shape[-1:], sd[k + ".weight"], sd[k + ".bias"], eps)
    lin = lambda x, k: x @ sd[k + ".weight"].T + sd[k + ".bias"]
    x = sd[p + "embeddings.word_embeddings.weight"][ids] + sd[p + "embeddings.token_type_embeddings.weight"][tt]
    x = x + sd[p + "embeddings.position_embeddings.weight"][pos]
    x = ln(x, p + "embeddings.LayerNorm")
    add = (1.0 - mask[:, None, None, :].float()) * NEG
    d = x.shape[-1]
    hd = d // heads
    for i in range(cfg["num_hidden_layers"]):
        q_ = p + f"encoder.layer.{i}."
        split = lambda y: y.view(n, t, heads, hd).transpose(1, 2)
        q = split(lin(x, q_ + "attention.self.query"))
        k = split(lin(x, q_ + "attention.self.key"))
        v = split(lin(x, q_ + "attention.self.value"))
        s = q @ k.transpose(-1, -2) / math.sqrt(hd) + add
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(n, t, d)
        x = ln(lin(a, q_ + "attention.output.dense") + x, q_ + "attention.output.LayerNorm")
        m = lin(act(lin(x, q_ + "intermediate.dense")), q_ + "output.dense")
        x = ln(m + x, q_ + "output.LayerNorm")
    hidden = x
    if not head:
        return hidden, None
    if family == "roberta":
        hdn, hln, bias = "lm_head.dense", "lm_head.layer_norm", "lm_head.bias"
    else:
        hdn, hln, bias = "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.bias"
    y = ln(act(lin(hidden, hdn)), hln)
    logits = y @ sd[p + "embeddings.word_embeddings.weight"].T + sd[bias]
    return hidden, logits


def gpt2_forward(sd, cfg, ids, mask, pos=None):
    p = "transformer." if "transformer.wte.weight" in sd else ""
    n, t = ids.shape
    heads = cfg["n_head"]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    act = ACT[cfg.get("activation_function", "gelu_new")]
    if pos is None:
        pos = torch.arange(t).expand(n, t)
    ln = lambda x, k: torch.nn.functional.layer_norm(x, x.shape[-1:], sd[k + ".weight"], sd[k + ".bias"], eps)
    conv = lambda x, k: x @ sd[k + ".weight"] + sd[k + ".bias"]
    x = sd[p + "wte.weight"][ids] + sd[p + "wpe.weight"][pos]
    d = x.shape[-1]
    hd = d // heads
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    add = (1.0 - mask[:, None, None, :].float()) * NEG
    for i in range(cfg["n_layer"]):
        q_ = p + f"h.{i}."
        qkv = conv(ln(x, q_ + "ln_1"), q_ + "attn.c_attn")
        q, k, v = [y.view(n, t, heads, hd).transpose(1, 2) for y in qkv.split(d, -1)]
        s = q @ k.transpose(-1, -2) / math.sqrt(hd)
        s = torch.where(causal, s, torch.tensor(NEG)) + add
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(n, t, d)
        x = x + conv(a, q_ + "attn.c_proj")
        x = x + conv(act(conv(ln(x, q_ + "ln_2"), q_ + "mlp.c_fc")), q_ + "mlp.c_proj")
    hidden = ln(x, p + "ln_f")
    w = sd.get("lm_head.weight", sd[p + "wte.weight"])
    return hidden, hidden @ w.T


def make(args):
    g = torch.Generator().manual_seed(args.seed)
    r = lambda *s, scale=0.2: torch.randn(*s, generator=g) * scale
    h, L, A, V, P = args.hidden, args.layers, args.heads, args.vocab, args.positions
    inner = args.inner or 4 * h
    sd = {}
    os.makedirs(args.out, exist_ok=True)
    if args.family == "gpt2":
        cfg = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": V, "n_embd": h,
               "n_layer": L, "n_head": A, "n_positions": P, "n_inner": args.inner or None,
               "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5}
        p = "transformer."
        sd[p + "wte.weight"] = r(V, h, scale=0.05)
        sd[p + "wpe.weight"] = r(P, h, scale=0.05)
        for i in range(L):
            q = p + f"h.{i}."
            for n_ in ("ln_1", "ln_2"):
                sd[q + n_ + ".weight"] = 1 + r(h, scale=0.1)
                sd[q + n_ + ".bias"] = r(h, scale=0.1)
            for n_, (a, b) in {"attn.c_attn": (h, 3 * h), "attn.c_proj": (h, h), "mlp.c_fc": (h, inner),
                               "mlp.c_proj": (inner, h)}.items():
                sd[q + n_ + ".weight"] = r(a, b)
                sd[q + n_ + ".bias"] = r(b, scale=0.1)
        sd[p + "ln_f.weight"] = 1 + r(h, scale=0.1)
        sd[p + "ln_f.bias"] = r(h, scale=0.1)
        pad = 0
    else:
        rob = args.family == "roberta"
        pad = 1 if rob else 0
        cfg = {"model_type": args.family, "architectures": ["RobertaForMaskedLM" if rob else "BertForMaskedLM"],
               "vocab_size": V, "hidden_size": h, "num_hidden_layers": L, "num_attention_heads": A,
               "intermediate_size": inner, "max_position_embeddings": P + (pad + 1 if rob else 0),
               "type_vocab_size": 1 if rob else 2, "layer_norm_eps": 1e-5 if rob else 1e-12,
               "hidden_act": "gelu", "pad_token_id": pad}
        p = args.family + "."
        e = p + "embeddings."
        sd[e + "word_embeddings.weight"] = r(V, h, scale=0.05)
        sd[e + "position_embeddings.weight"] = r(cfg["max_position_embeddings"], h, scale=0.05)
        sd[e + "token_type_embeddings.weight"] = r(cfg["type_vocab_size"], h, scale=0.05)
        sd[e + "LayerNorm.weight"] = 1 + r(h, scale=0.1)
        sd[e + "LayerNorm.bias"] = r(h, scale=0.1)
        for i in range(L):
            q = p + f"encoder.layer.{i}."
            for n_, (o, i_) in {"attention.self.query": (h, h), "attention.self.key": (h, h),
                                "attention.self.value": (h, h), "attention.output.dense": (h, h),
                                "intermediate.dense": (inner, h), "output.dense": (h, inner)}.items():
                sd[q + n_ + ".weight"] = r(o, i_)
                sd[q + n_ + ".bias"] = r(o, scale=0.1)
            for n_ in ("attention.output.LayerNorm", "output.LayerNorm"):
                sd[q + n_ + ".weight"] = 1 + r(h, scale=0.1)
                sd[q + n_ + ".bias"] = r(h, scale=0.1)
        hd = "lm_head." if rob else "cls.predictions."
        dn, lnn = ("lm_head.dense", "lm_head.layer_norm") if rob else \
            ("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm")
        sd[dn + ".weight"] = r(h, h)
        sd[dn + ".bias"] = r(h, scale=0.1)
        sd[lnn + ".weight"] = 1 + r(h, scale=0.1)
        sd[lnn + ".bias"] = r(h, scale=0.1)
        sd[hd + "bias"] = r(V, scale=0.1)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    write_safetensors(os.path.join(args.out, "model.safetensors"), sd)
    # Inputs: 3 rows of different lengths, right-padded (GPT-2: left-padded with explicit positions).
    n, t = 3, min(P, 9)
    lengths = [t, max(1, t - 3), max(1, t - 5)]
    ids = torch.randint(2, V, (n, t), generator=g)
    mask = torch.zeros(n, t, dtype=torch.int64)
    inp = {}
    for b, l in enumerate(lengths):
        if args.family == "gpt2":
            mask[b, t - l:] = 1
        else:
            mask[b, :l] = 1
    ids = torch.where(mask.bool(), ids, torch.full_like(ids, pad))
    inp["input_ids"], inp["attention_mask"] = ids, mask
    if args.family == "gpt2":
        pos = torch.cumsum(mask, 1) - 1
        inp["position_ids"] = torch.where(mask.bool(), pos, torch.ones_like(pos))
    elif args.family == "bert":
        tt = torch.zeros_like(ids)
        tt[0, t // 2:] = 1
        inp["token_type_ids"] = tt * mask
    write_safetensors(os.path.join(args.out, "inputs.safetensors"), inp)


def forward(args):
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    sd = read_safetensors(os.path.join(args.model, "model.safetensors"))
    x = read_safetensors(args.inp)
    ids, mask = x["input_ids"], x.get("attention_mask", torch.ones_like(x["input_ids"]))
    with torch.no_grad():
        if cfg["model_type"] == "gpt2":
            h, lg = gpt2_forward(sd, cfg, ids, mask, x.get("position_ids"))
        else:
            h, lg = bert_forward(sd, cfg, ids, mask, x.get("token_type_ids"), x.get("position_ids"), cfg["model_type"])
    write_safetensors(args.out, {"last_hidden_state": h.contiguous(), "logits": lg.contiguous()})


def compare(args):
    a, b = read_safetensors(args.a), read_safetensors(args.b)
    mask = read_safetensors(args.inp)["attention_mask"].bool()
    worst = 0.0
    for k in ("last_hidden_state", "logits"):
        d = (a[k] - b[k]).abs()[mask].max().item()
        print(f"{k}: max abs diff over valid positions {d:.3g}")
        worst = max(worst, d)
    if worst > args.atol:
        print(f"FAIL: {worst:.3g} > {args.atol}")
        sys.exit(1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--family", required=True, choices=["bert", "roberta", "gpt2"])
    m.add_argument("--out", required=True)
    for k, v in {"hidden": 48, "layers": 3, "heads": 4, "inner": 0, "vocab": 500, "positions": 40, "seed": 1}.items():
        m.add_argument("--" + k, type=int, default=v)
    fw = sub.add_parser("forward")
    fw.add_argument("--model", required=True)
    fw.add_argument("--in", dest="inp", required=True)
    fw.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--in", dest="inp", required=True)
    c.add_argument("--atol", type=float, default=1e-4)
    args = ap.parse_args()
    {"make": make, "forward": forward, "compare": compare}[args.cmd](args)
