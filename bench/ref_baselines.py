#!/usr/bin/env python3
"""Plain-PyTorch reference for the fine-tuning baselines' golden cases (Houlsby adapters, BitFit)
on random models of shapes the fixtures do not have. Written from the semantics documented in the
method fixtures' README (sections 7 and 8): google-research/adapter-bert's feedforward_adapter
(up(gelu_tanh(down(x))) + x) after the attention-output dense and after the FFN-output dense,
before the residual add and the LayerNorm, trained with every LayerNorm; BitFit's 'all' =
every parameter whose name contains "bias". GPT-2 (pre-LN) takes the adapters on attn.c_proj's
and mlp.c_proj's outputs before the residual add (Houlsby placement). The loss is the cloze /
next-token cross-entropy over the label words' logits at in.mask_pos (the verbalizer head).

Writes a case folder in the golden format (golden.safetensors: in.*, param.*, out.*, grad.*;
golden.json: config, model_dir) that `promptdesk-cli step --compare` reads:

  ref_baselines.py make --method adapter|bitfit --family bert|roberta|gpt2 --out DIR
                   [--hidden H --layers L --heads A --inner I --vocab V --positions P --m M
                    --batch N --length T --seed S] [--mutate erf|after-ln|no-skip]

  ref_baselines.py batch --out DIR NAME=METHOD,FAMILY,H,L,A,M,N,T,SEED[,MUTATE] ...
                   several cases DIR/NAME in one run (one torch start-up)

--mutate writes a deliberately wrong golden (erf GELU in the adapter, adapter after the
residual LayerNorm, adapter without its skip connection): the test expects step --compare to
FAIL on it. Needs only Debian's python3-torch.
"""
import argparse, json, math, os, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import text_reference as tr  # noqa: E402  (read/write_safetensors, make, the plain forwards)

NEG = torch.finfo(torch.float32).min


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def adapter_fn(p, name, mutate):
    act = torch.nn.functional.gelu if mutate == "erf" else gelu_tanh

    def f(x):
        h = act(x @ p[name + ".down.weight"].T + p[name + ".down.bias"])
        y = h @ p[name + ".up.weight"].T + p[name + ".up.bias"]
        return y if mutate == "no-skip" else y + x
    return f


def bert_forward(w, cfg, ids, mask, tt, family, adapters, mutate):
    """last_hidden_state; w: every tensor by HF key (leaves where trained); adapters: name ->
    tensors, or None (the plain model)."""
    p = family + "."
    n, t = ids.shape
    heads, eps = cfg["num_attention_heads"], cfg["layer_norm_eps"]
    act = tr.ACT[cfg["hidden_act"]]
    if family == "roberta":
        pad = cfg["pad_token_id"]
        real = (ids != pad).long()
        pos = torch.cumsum(real, 1) * real + pad
    else:
        pos = torch.arange(t).expand(n, t)
    ln = lambda x, k: torch.nn.functional.layer_norm(x, x.shape[-1:], w[k + ".weight"], w[k + ".bias"], eps)
    lin = lambda x, k: x @ w[k + ".weight"].T + w[k + ".bias"]
    x = w[p + "embeddings.word_embeddings.weight"][ids] + w[p + "embeddings.token_type_embeddings.weight"][tt]
    x = ln(x + w[p + "embeddings.position_embeddings.weight"][pos], p + "embeddings.LayerNorm")
    add = (1.0 - mask[:, None, None, :].float()) * NEG
    d = x.shape[-1]
    hd = d // heads
    for i in range(cfg["num_hidden_layers"]):
        q_ = p + f"encoder.layer.{i}."
        split = lambda y: y.view(n, t, heads, hd).transpose(1, 2)
        q, k, v = (split(lin(x, q_ + "attention.self." + s)) for s in ("query", "key", "value"))
        s = q @ k.transpose(-1, -2) / math.sqrt(hd) + add
        a = lin((torch.softmax(s, -1) @ v).transpose(1, 2).reshape(n, t, d), q_ + "attention.output.dense")
        if adapters is None:
            x = ln(a + x, q_ + "attention.output.LayerNorm")
        elif mutate == "after-ln":
            x = adapter_fn(adapters, q_ + "attention.output.adapter", None)(ln(a + x, q_ + "attention.output.LayerNorm"))
        else:
            x = ln(adapter_fn(adapters, q_ + "attention.output.adapter", mutate)(a) + x, q_ + "attention.output.LayerNorm")
        m = lin(act(lin(x, q_ + "intermediate.dense")), q_ + "output.dense")
        if adapters is None:
            x = ln(m + x, q_ + "output.LayerNorm")
        elif mutate == "after-ln":
            x = adapter_fn(adapters, q_ + "output.adapter", None)(ln(m + x, q_ + "output.LayerNorm"))
        else:
            x = ln(adapter_fn(adapters, q_ + "output.adapter", mutate)(m) + x, q_ + "output.LayerNorm")
    return x


def mlm_logits(w, cfg, family, hidden_at):
    p = family + "."
    act = tr.ACT[cfg["hidden_act"]]
    eps = cfg["layer_norm_eps"]
    if family == "roberta":
        hdn, hln, bias = "lm_head.dense", "lm_head.layer_norm", "lm_head.bias"
    else:
        hdn, hln, bias = "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.bias"
    y = act(hidden_at @ w[hdn + ".weight"].T + w[hdn + ".bias"])
    y = torch.nn.functional.layer_norm(y, y.shape[-1:], w[hln + ".weight"], w[hln + ".bias"], eps)
    return y @ w[p + "embeddings.word_embeddings.weight"].T + w[bias]


def gpt2_forward(w, cfg, ids, mask, adapters, mutate):
    p = "transformer."
    n, t = ids.shape
    heads, eps = cfg["n_head"], cfg["layer_norm_epsilon"]
    act = tr.ACT[cfg["activation_function"]]
    ln = lambda x, k: torch.nn.functional.layer_norm(x, x.shape[-1:], w[k + ".weight"], w[k + ".bias"], eps)
    conv = lambda x, k: x @ w[k + ".weight"] + w[k + ".bias"]
    x = w[p + "wte.weight"][ids] + w[p + "wpe.weight"][torch.arange(t).expand(n, t)]
    d = x.shape[-1]
    hd = d // heads
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    add = (1.0 - mask[:, None, None, :].float()) * NEG
    ident = lambda name: (lambda y: y)
    ad = (lambda name: adapter_fn(adapters, name, mutate)) if adapters is not None else ident
    for i in range(cfg["n_layer"]):
        q_ = p + f"h.{i}."
        qkv = conv(ln(x, q_ + "ln_1"), q_ + "attn.c_attn")
        q, k, v = [y.view(n, t, heads, hd).transpose(1, 2) for y in qkv.split(d, -1)]
        s = torch.where(causal, q @ k.transpose(-1, -2) / math.sqrt(hd), torch.tensor(NEG)) + add
        a = conv((torch.softmax(s, -1) @ v).transpose(1, 2).reshape(n, t, d), q_ + "attn.c_proj")
        x = x + ad(q_ + "attn.adapter")(a)
        m = conv(act(conv(ln(x, q_ + "ln_2"), q_ + "mlp.c_fc")), q_ + "mlp.c_proj")
        x = x + ad(q_ + "mlp.adapter")(m)
    return ln(x, p + "ln_f")


def make_case(a):
    g = torch.Generator().manual_seed(1000 + a.seed)
    model_dir = os.path.join(a.out, "model")
    tr.make(argparse.Namespace(family=a.family, out=model_dir, hidden=a.hidden, layers=a.layers,
                               heads=a.heads, inner=a.inner, vocab=a.vocab, positions=a.positions,
                               seed=a.seed))
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    sd = tr.read_safetensors(os.path.join(model_dir, "model.safetensors"))
    cfg.setdefault("layer_norm_eps", 1e-12)
    cfg.setdefault("layer_norm_epsilon", 1e-5)
    gpt2 = a.family == "gpt2"
    pad = 0 if a.family != "roberta" else 1
    n, t, V = a.batch, a.length, a.vocab
    lengths = [t] + [max(3, t - 1 - (b * 3) % (t - 2)) for b in range(1, n)]
    ids = torch.randint(3, V, (n, t), generator=g)
    mask = torch.zeros(n, t, dtype=torch.int64)
    for b, l in enumerate(lengths):
        mask[b, :l] = 1  # right padding (GPT-2 too: default positions are then HF's)
    ids = torch.where(mask.bool(), ids, torch.full_like(ids, pad))
    # The mask / prediction position: inside the text (GPT-2: the last real token).
    mask_pos = torch.tensor([l - 1 if gpt2 else 1 + (b * 5) % (l - 2) for b, l in enumerate(lengths)])
    classes = 3
    verbalizer = torch.randperm(V - 3, generator=g)[:classes] + 3
    labels = torch.randint(0, classes, (n,), generator=g)
    vocab_ids = torch.randperm(V, generator=g)[:37].sort().values
    tt = torch.zeros_like(ids)
    if a.family == "bert":
        tt[0, t // 2:] = 1
        tt = tt * mask

    # Trainable tensors.
    w = {k: v.clone() for k, v in sd.items()}
    params = {}
    adapters = None
    if a.method == "adapter":
        adapters = {}
        h, m = a.hidden, a.m
        if gpt2:
            names = [f"transformer.h.{i}.{s}.adapter" for i in range(a.layers) for s in ("attn", "mlp")]
        else:
            names = [f"{a.family}.encoder.layer.{i}.{s}.adapter" for i in range(a.layers)
                     for s in ("attention.output", "output")]
        for nm in names:
            adapters[nm + ".down.weight"] = torch.randn(m, h, generator=g) * 0.2
            adapters[nm + ".down.bias"] = torch.randn(m, generator=g) * 0.1
            adapters[nm + ".up.weight"] = torch.randn(h, m, generator=g) * 0.2
            adapters[nm + ".up.bias"] = torch.randn(h, generator=g) * 0.1
        for k, v in adapters.items():
            params[k] = v.requires_grad_(True)
        is_ln = (lambda k: ".ln_" in k) if gpt2 else (lambda k: "LayerNorm" in k or "layer_norm" in k)
        for k in sd:
            if is_ln(k):
                w[k] = w[k].requires_grad_(True)
                params[k] = w[k]
    else:
        for k in sd:
            if "bias" in k:
                w[k] = w[k].requires_grad_(True)
                params[k] = w[k]

    if gpt2:
        hidden = gpt2_forward(w, cfg, ids, mask, adapters, a.mutate)
        at = hidden[torch.arange(n), mask_pos]
        logits = at @ w["transformer.wte.weight"].T
    else:
        hidden = bert_forward(w, cfg, ids, mask, tt, a.family, adapters, a.mutate)
        at = hidden[torch.arange(n), mask_pos]
        logits = mlm_logits(w, cfg, a.family, at)
    label_logits = logits[:, verbalizer]
    loss = torch.nn.functional.cross_entropy(label_logits, labels)
    loss.backward()

    # Self-check: without adapters the forward is text_reference's plain one.
    if a.mutate is None:
        with torch.no_grad():
            plain = {k: v.detach() for k, v in w.items()}
            if gpt2:
                ref_h, _ = tr.gpt2_forward(plain, cfg, ids, mask)
                ours = gpt2_forward(plain, cfg, ids, mask, None, None)
            else:
                ref_h, _ = tr.bert_forward(plain, cfg, ids, mask, tt, None, a.family)
                ours = bert_forward(plain, cfg, ids, mask, tt, a.family, None, None)
            diff = (ref_h - ours).abs()[mask.bool()].max().item()
            assert diff < 1e-5, f"the plain forward differs from text_reference by {diff}"

    out = {"in.input_ids": ids, "in.attention_mask": mask, "in.mask_pos": mask_pos,
           "in.labels": labels, "in.verbalizer_ids": verbalizer, "in.logits_vocab_ids": vocab_ids,
           "out.loss": loss.detach().reshape(1), "out.last_hidden_state": hidden.detach(),
           "out.label_logits": label_logits.detach(),
           "out.mask_logits_slice": logits.detach()[:, vocab_ids],
           "out.mask_logits_logsumexp": logits.detach().logsumexp(-1)}
    if a.family == "bert":
        out["in.token_type_ids"] = tt
    for k, v in params.items():
        out["param." + k] = (sd[k] if k in sd else v.detach()).clone()
        out["grad." + k] = v.grad.detach().clone() if v.grad is not None else torch.zeros_like(v)
    tr.write_safetensors(os.path.join(a.out, "golden.safetensors"), {k: v.contiguous() for k, v in out.items()})
    config = {"reference": "bench/ref_baselines.py (" + a.method + ")"}
    if a.method == "adapter":
        config["bottleneck_m"] = a.m
    with open(os.path.join(a.out, "golden.json"), "w") as f:
        json.dump({"method": a.method, "case": f"{a.family}-random", "model_dir": "model",
                   "config": config, "mutate": a.mutate}, f, indent=1)
    print(f"{a.method} {a.family} H{a.hidden} L{a.layers} A{a.heads} m{a.m}: loss {loss.item():.6f}, "
          f"{len(params)} trainable tensors")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make")
    mk.add_argument("--method", required=True, choices=["adapter", "bitfit"])
    mk.add_argument("--family", required=True, choices=["bert", "roberta", "gpt2"])
    mk.add_argument("--out", required=True)
    for k, v in {"hidden": 40, "layers": 3, "heads": 5, "inner": 0, "vocab": 300, "positions": 24,
                 "m": 6, "batch": 3, "length": 11, "seed": 1}.items():
        mk.add_argument("--" + k, type=int, default=v)
    mk.add_argument("--mutate", choices=["erf", "after-ln", "no-skip"], default=None)
    bt = sub.add_parser("batch")
    bt.add_argument("--out", required=True)
    bt.add_argument("cases", nargs="+")
    args = ap.parse_args()
    if args.cmd == "make":
        if args.mutate and args.method != "adapter":
            ap.error("--mutate is for the adapter cases")
        make_case(args)
    else:
        for c in args.cases:
            name, _, spec = c.partition("=")
            f = spec.split(",")
            if len(f) not in (9, 10):
                ap.error(f"case '{c}': NAME=METHOD,FAMILY,H,L,A,M,N,T,SEED[,MUTATE]")
            h, l, a_, m, n, t, seed = (int(x) for x in f[2:9])
            make_case(argparse.Namespace(
                method=f[0], family=f[1], hidden=h, layers=l, heads=a_, m=m, batch=n, length=t,
                seed=seed, inner=0, vocab=200 + 37 * seed, positions=24,
                mutate=f[9] if len(f) == 10 else None, out=os.path.join(args.out, name)))
