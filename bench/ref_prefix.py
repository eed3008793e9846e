#!/usr/bin/env python3
"""Plain-PyTorch reference for the two deep-prefix methods, Prefix-Tuning (HF PEFT PrefixEncoder)
and P-Tuning v2 (THUDM/P-tuning-v2), written from the semantics documented in the fixtures'
methods/README.md sections 4 and 5 (not from their code): the prefix encoder (Embedding(P, 2LC), or
Embedding(P, C) -> Linear -> Tanh -> Linear), get_prompt's view(B, P, 2L, H, hd).permute(2, 0, 3, 1, 4)
.split(2) (layer l: key row 2l, value row 2l + 1), keys/values prepended in every self-attention,
the attention mask cat(ones(B, P), mask), HF's past-aware position ids (BERT / GPT-2
arange(P, P+T), RoBERTa (cumsum(ids != pad) + P) * (ids != pad) + pad), and the heads: the
causal-LM loss (HF shift by one), cloze scores of label words at the mask / prediction position,
or P-tuning-v2's pooled [CLS] + classifier. Dropout off. Needs only Debian's python3-torch.

  ref_prefix.py make --method prefix-tuning|p-tuning-v2 --family bert|roberta|gpt2 --out DIR
                [--hidden H --layers L --heads A --vocab V --positions N --P P --proj 0|1
                 --enc-hidden E --batch B --length T --labels C --head lm|verbalizer|classifier
                 --seed S --inputs-only]
      a random model DIR/model (bench/text_reference.py's builder) and a golden case
      DIR/golden.safetensors + DIR/golden.json in the fixtures' format (in.*, param.*, frozen.*,
      out.*, grad.*, "config" under PEFT's / the reference's field names). The float32 golden is
      re-run in float64 and one gradient coordinate per tensor is checked against central
      differences (printed; exit 1 when they disagree). --inputs-only: no forward (for cases
      the model cannot run, e.g. P + T over its positions).
  ref_prefix.py batch < LINES
      one `make` per line of arguments (one process: the tests make several cases).
  ref_prefix.py check CASE_DIR...
      recomputes a golden case (e.g. the fixtures' own) from its in.* / param.* / frozen.* and
      the model, and compares with its out.* / grad.* at the fixtures' tolerances.
"""
import argparse, json, math, os, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import text_reference as R  # noqa: E402  (safetensors I/O, random HF folders, gelu_new)

NEG = torch.finfo(torch.float32).min


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    return cfg, R.read_safetensors(os.path.join(model_dir, "model.safetensors"))


def sizes(cfg):
    if cfg["model_type"] == "gpt2":
        return cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    return cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["hidden_size"]


# ---- the prefix -------------------------------------------------------------------------------

def prefix_encoder(params, pre, mlp):
    """(P, 2LC): the encoder output for arange(P)."""
    emb = params[pre + "embedding.weight"]
    if pre + mlp + ".0.weight" not in params:
        return emb
    h = torch.tanh(emb @ params[pre + mlp + ".0.weight"].T + params[pre + mlp + ".0.bias"])
    return h @ params[pre + mlp + ".2.weight"].T + params[pre + mlp + ".2.bias"]


def get_prompt(flat, batch, L, H, hd):
    """PEFT / P-tuning-v2 get_prompt: a list of L tensors [2, B, H, P, hd]."""
    P = flat.shape[0]
    past = flat.unsqueeze(0).expand(batch, P, flat.shape[1])
    past = past.reshape(batch, P, 2 * L, H, hd).permute(2, 0, 3, 1, 4)
    return list(past.split(2))


def past_positions(family, ids, P, pad):
    n, t = ids.shape
    if family == "roberta":
        real = (ids != pad).long()
        return (torch.cumsum(real, 1) + P) * real + pad
    return torch.arange(P, P + t).expand(n, t)


# ---- the models with a past (HF semantics: key = cat(past_key, key)) --------------------------

def bert_prefix(sd, cfg, ids, mask_ext, tt, pos, pkv, family):
    p = family + "." if (family + ".embeddings.word_embeddings.weight") in sd else ""
    n, t = ids.shape
    L, heads, d = sizes(cfg)
    hd = d // heads
    eps = cfg.get("layer_norm_eps", 1e-12)
    act = R.ACT[cfg.get("hidden_act", "gelu")]
    ln = lambda x, k: torch.nn.functional.layer_norm(x, x.shape[-1:], sd[k + ".weight"], sd[k + ".bias"], eps)
    lin = lambda x, k: x @ sd[k + ".weight"].T + sd[k + ".bias"]
    x = sd[p + "embeddings.word_embeddings.weight"][ids] + sd[p + "embeddings.token_type_embeddings.weight"][tt]
    x = ln(x + sd[p + "embeddings.position_embeddings.weight"][pos], p + "embeddings.LayerNorm")
    add = (1.0 - mask_ext[:, None, None, :].to(x.dtype)) * NEG
    for i in range(L):
        q_ = p + f"encoder.layer.{i}."
        split = lambda y: y.view(n, t, heads, hd).transpose(1, 2)
        q = split(lin(x, q_ + "attention.self.query"))
        k = torch.cat([pkv[i][0], split(lin(x, q_ + "attention.self.key"))], 2)
        v = torch.cat([pkv[i][1], split(lin(x, q_ + "attention.self.value"))], 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(hd) + add
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(n, t, d)
        x = ln(lin(a, q_ + "attention.output.dense") + x, q_ + "attention.output.LayerNorm")
        m = lin(act(lin(x, q_ + "intermediate.dense")), q_ + "output.dense")
        x = ln(m + x, q_ + "output.LayerNorm")
    return x


def bert_mlm(sd, cfg, hidden, family):
    p = family + "." if (family + ".embeddings.word_embeddings.weight") in sd else ""
    eps = cfg.get("layer_norm_eps", 1e-12)
    act = R.ACT[cfg.get("hidden_act", "gelu")]
    if family == "roberta":
        dn, lnn, bias = "lm_head.dense", "lm_head.layer_norm", "lm_head.bias"
    else:
        dn, lnn, bias = "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.bias"
    y = act(hidden @ sd[dn + ".weight"].T + sd[dn + ".bias"])
    y = torch.nn.functional.layer_norm(y, y.shape[-1:], sd[lnn + ".weight"], sd[lnn + ".bias"], eps)
    return y @ sd[p + "embeddings.word_embeddings.weight"].T + sd[bias]


def gpt2_prefix(sd, cfg, ids, mask_ext, pos, pkv):
    p = "transformer." if "transformer.wte.weight" in sd else ""
    n, t = ids.shape
    L, heads, d = sizes(cfg)
    hd = d // heads
    P = pkv[0].shape[3] if pkv else 0
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    act = R.ACT[cfg.get("activation_function", "gelu_new")]
    ln = lambda x, k: torch.nn.functional.layer_norm(x, x.shape[-1:], sd[k + ".weight"], sd[k + ".bias"], eps)
    conv = lambda x, k: x @ sd[k + ".weight"] + sd[k + ".bias"]
    x = sd[p + "wte.weight"][ids] + sd[p + "wpe.weight"][pos]
    # Query i sits at absolute position P + i and sees keys 0 .. P + i.
    causal = torch.ones(t, P + t, dtype=torch.bool).tril(P)
    add = (1.0 - mask_ext[:, None, None, :].to(x.dtype)) * NEG
    for i in range(L):
        q_ = p + f"h.{i}."
        qkv = conv(ln(x, q_ + "ln_1"), q_ + "attn.c_attn")
        q, k, v = [y.view(n, t, heads, hd).transpose(1, 2) for y in qkv.split(d, -1)]
        k = torch.cat([pkv[i][0], k], 2)
        v = torch.cat([pkv[i][1], v], 2)
        s = q @ k.transpose(-1, -2) / math.sqrt(hd)
        s = torch.where(causal, s, torch.tensor(NEG, dtype=s.dtype)) + add
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(n, t, d)
        x = x + conv(a, q_ + "attn.c_proj")
        x = x + conv(act(conv(ln(x, q_ + "ln_2"), q_ + "mlp.c_fc")), q_ + "mlp.c_proj")
    return ln(x, p + "ln_f")


def gpt2_lm(sd, hidden):
    p = "transformer." if "transformer.wte.weight" in sd else ""
    return hidden @ sd.get("lm_head.weight", sd[p + "wte.weight"]).T


# ---- one case ---------------------------------------------------------------------------------

def names(method):
    return ("", "transform") if method == "prefix-tuning" else ("prefix_encoder.", "trans")


def run(method, cfg, sd, x, params, frozen, dtype=torch.float32):
    """Forward + backward of a case: (outputs without 'out.', gradients by parameter name)."""
    family = cfg["model_type"]
    sd = {k: v.to(dtype) if v.is_floating_point() else v for k, v in sd.items()}
    params = {k: v.to(dtype).clone().requires_grad_(True) for k, v in params.items()}
    frozen = {k: v.to(dtype) for k, v in frozen.items()}
    L, H, d = sizes(cfg)
    hd = d // H
    pre, mlp = names(method)
    ids, mask = x["in.input_ids"], x["in.attention_mask"]
    n, t = ids.shape
    flat = prefix_encoder(params, pre, mlp)
    P = flat.shape[0]
    pkv = get_prompt(flat, n, L, H, hd)
    mask_ext = torch.cat([torch.ones(n, P, dtype=mask.dtype), mask], 1)
    pad = cfg.get("pad_token_id", 1 if family == "roberta" else 0)
    pos = past_positions(family, ids, P, pad)
    out = {}
    if family == "gpt2":
        hidden = gpt2_prefix(sd, cfg, ids, mask_ext, pos, pkv)
        logits_fn = lambda h: gpt2_lm(sd, h)
    else:
        tt = x.get("in.token_type_ids", torch.zeros_like(ids))
        hidden = bert_prefix(sd, cfg, ids, mask_ext, tt, pos, pkv, family)
        logits_fn = lambda h: bert_mlm(sd, cfg, h, family)
    labels = x["in.labels"]
    vocab = x.get("in.logits_vocab_ids")
    if "in.verbalizer_ids" in x:  # cloze / next-token scores of the label words
        h = hidden[torch.arange(n), x["in.mask_pos"]]
        full = logits_fn(h)
        out["label_logits"] = full[:, x["in.verbalizer_ids"]]
        out["mask_logits_logsumexp"] = full.logsumexp(-1)
        if vocab is not None:
            out["mask_logits_slice"] = full[:, vocab]
        loss = torch.nn.functional.cross_entropy(out["label_logits"], labels)
    elif labels.dim() == 2:  # HF causal-LM loss
        full = logits_fn(hidden)
        out["lm_logits_logsumexp"] = full.logsumexp(-1)
        if vocab is not None:
            out["lm_logits_slice"] = full[..., vocab]
        loss = torch.nn.functional.cross_entropy(full[:, :-1].reshape(-1, full.shape[-1]),
                                                 labels[:, 1:].reshape(-1), ignore_index=-100)
    else:  # P-tuning-v2: pooled [CLS] + classifier
        w = next(v for k, v in frozen.items() if k.endswith("pooler.dense.weight"))
        b = next(v for k, v in frozen.items() if k.endswith("pooler.dense.bias"))
        out["pooled_output"] = torch.tanh(hidden[:, 0] @ w.T + b)
        out["logits"] = out["pooled_output"] @ params["classifier.weight"].T + params["classifier.bias"]
        loss = torch.nn.functional.cross_entropy(out["logits"], labels)
    out["loss"] = loss.reshape(1)
    out["last_hidden_state"] = hidden
    out["past_key_values"] = torch.stack([torch.stack([kv[0], kv[1]]) for kv in pkv])
    if method == "prefix-tuning":
        out["prompt_embeddings"] = flat
    loss.backward()
    grads = {k: v.grad.detach().clone() for k, v in params.items()}
    return {k: v.detach() for k, v in out.items()}, grads, params


def finite_difference(method, cfg, sd, x, params, frozen, grads64):
    """Central differences (float64, h = 1e-6) at the largest-gradient coordinate of every tensor."""
    worst = 0.0
    for k, g in grads64.items():
        i = int(g.abs().argmax())
        vals = []
        for s in (1.0, -1.0):
            p = {kk: vv.to(torch.float64).clone() for kk, vv in params.items()}
            p[k].view(-1)[i] += s * 1e-6
            o, _, _ = run(method, cfg, sd, x, p, frozen, torch.float64)
            vals.append(o["loss"].item())
        fd = (vals[0] - vals[1]) / 2e-6
        worst = max(worst, abs(fd - g.view(-1)[i].item()))
    return worst


# ---- tolerances (the fixtures' README section 11) ---------------------------------------------

def within(name, a, b, valid=None):
    a, b = a.double(), b.double()
    d = (a - b).abs()
    if name.startswith("grad."):
        allowed = 1e-6 + 1e-4 * b.abs().max() + 1e-3 * b.abs()
    elif name == "out.loss":
        allowed = 1e-5 + 1e-5 * b.abs()
    else:
        allowed = 1e-4 + 1e-4 * b.abs()
    if valid is not None:
        d, allowed = d[valid], allowed[valid]
    return float(d.max()) if d.numel() else 0.0, bool((d <= allowed).all())


def valid_mask(t, mask):
    if t.dim() >= 2 and t.shape[:2] == mask.shape:
        v = mask.bool()
        while v.dim() < t.dim():
            v = v.unsqueeze(-1)
        return v.expand(t.shape)
    return None


# ---- commands ---------------------------------------------------------------------------------

def split_golden(g):
    x = {k: v for k, v in g.items() if k.startswith("in.")}
    params = {k[6:]: v for k, v in g.items() if k.startswith("param.")}
    frozen = {k[7:]: v for k, v in g.items() if k.startswith("frozen.")}
    return x, params, frozen


def check(args):
    ok = True
    for case in args.cases:
        with open(os.path.join(case, "golden.json")) as f:
            meta = json.load(f)
        cfg, sd = load_model(os.path.normpath(os.path.join(case, meta["model_dir"])))
        g = R.read_safetensors(os.path.join(case, "golden.safetensors"))
        x, params, frozen = split_golden(g)
        out, grads, _ = run(meta["method"], cfg, sd, x, params, frozen)
        worst = {}
        for k, v in g.items():
            if k.startswith("out."):
                ours = out.get(k[4:])
            elif k.startswith("grad."):
                ours = grads.get(k[5:])
            else:
                continue
            if ours is None or ours.shape != v.shape:
                print(f"{case}: {k} missing or mis-shaped in the reference")
                ok = False
                continue
            d, good = within(k, ours, v, None if k.startswith("grad.") else valid_mask(v, x["in.attention_mask"]))
            worst[k] = d
            if not good:
                print(f"{case}: {k} differs by {d:.3g}")
                ok = False
        print(f"{case}: reference vs golden, worst {max(worst.values()):.2e} over {len(worst)} tensors")
    sys.exit(0 if ok else 1)


def make(args):
    g = torch.Generator().manual_seed(args.seed)
    model_dir = os.path.join(args.out, "model")
    R.make(argparse.Namespace(family=args.family, hidden=args.hidden, layers=args.layers, heads=args.heads,
                              inner=0, vocab=args.vocab, positions=args.positions, seed=args.seed,
                              out=model_dir))
    os.remove(os.path.join(model_dir, "inputs.safetensors"))
    cfg, sd = load_model(model_dir)
    L, H, d = sizes(cfg)
    P, n, t, V = args.P, args.batch, args.length, args.vocab
    fam = args.family
    pad = 1 if fam == "roberta" else 0
    head = args.head or ("lm" if fam == "gpt2" and args.method == "prefix-tuning" else
                         "verbalizer" if args.method == "prefix-tuning" or fam == "gpt2" else "classifier")
    # Rows of different lengths, right-padded; BERT / RoBERTa rows start with a [CLS]-like id.
    lengths = [t] + [max(3, t - 1 - 2 * i) for i in range(1, n)]
    ids = torch.randint(5, V, (n, t), generator=g)
    mask = torch.zeros(n, t, dtype=torch.int64)
    for b, l in enumerate(lengths):
        mask[b, :l] = 1
    if fam != "gpt2":
        ids[:, 0] = 2
    ids = torch.where(mask.bool(), ids, torch.full_like(ids, pad if fam != "gpt2" else V - 1))
    x = {"in.input_ids": ids, "in.attention_mask": mask}
    x["in.attention_mask_extended"] = torch.cat([torch.ones(n, P, dtype=torch.int64), mask], 1)
    x["in.position_ids"] = past_positions(fam, ids, P, pad)
    if fam == "bert":
        tt = torch.zeros_like(ids)
        tt[0, lengths[0] // 2:lengths[0]] = 1  # row 0 is a sentence pair
        x["in.token_type_ids"] = tt
    x["in.logits_vocab_ids"] = torch.randperm(V, generator=g)[:min(V, 37)].sort().values
    if head == "lm":
        x["in.labels"] = torch.where(mask.bool(), ids, torch.full_like(ids, -100))
    elif head == "verbalizer":
        # Masked LM: a mask-like id inside every row; GPT-2: the last real token predicts.
        mpos = torch.tensor([int(torch.randint(1, l - 1, (1,), generator=g)) if fam != "gpt2" else l - 1
                             for l in lengths])
        if fam != "gpt2":
            ids[torch.arange(n), mpos] = 4
        x["in.mask_pos"] = mpos
        x["in.verbalizer_ids"] = torch.randperm(V - 5, generator=g)[:args.labels] + 5
        x["in.labels"] = torch.randint(0, args.labels, (n,), generator=g)
    else:
        x["in.labels"] = torch.randint(0, args.labels, (n,), generator=g)
    pre, mlp = names(args.method)
    C2 = 2 * L * d
    params = {}
    if args.proj:
        E = args.enc_hidden
        params[pre + "embedding.weight"] = torch.randn(P, d, generator=g)
        params[pre + mlp + ".0.weight"] = torch.randn(E, d, generator=g) / math.sqrt(d)
        params[pre + mlp + ".0.bias"] = torch.randn(E, generator=g) * 0.1
        params[pre + mlp + ".2.weight"] = torch.randn(C2, E, generator=g) / math.sqrt(E)
        params[pre + mlp + ".2.bias"] = torch.randn(C2, generator=g) * 0.1
    else:
        params[pre + "embedding.weight"] = torch.randn(P, C2, generator=g) * 0.5
    frozen = {}
    if head == "classifier":
        params["classifier.weight"] = torch.randn(args.labels, d, generator=g) * 0.3
        params["classifier.bias"] = torch.randn(args.labels, generator=g) * 0.1
        fp = "bert" if fam == "bert" else fam
        frozen[fp + ".pooler.dense.weight"] = torch.randn(d, d, generator=g) * 0.2
        frozen[fp + ".pooler.dense.bias"] = torch.randn(d, generator=g) * 0.1
    if args.method == "prefix-tuning":
        config = {"peft_type": "PREFIX_TUNING", "num_virtual_tokens": P, "token_dim": d, "num_layers": L,
                  "num_attention_heads": H, "num_transformer_submodules": 1,
                  "prefix_projection": bool(args.proj),
                  "encoder_hidden_size": args.enc_hidden if args.proj else None}
    else:
        config = {"pre_seq_len": P, "prefix_projection": bool(args.proj),
                  "prefix_hidden_size": args.enc_hidden if args.proj else None,
                  "hidden_dropout_prob_used": 0.0}
        if head == "classifier":
            config["num_labels"] = args.labels
        else:
            config["head"] = "verbalizer"
    tensors = dict(x)
    tensors.update({"param." + k: v for k, v in params.items()})
    tensors.update({"frozen." + k: v for k, v in frozen.items()})
    if not args.inputs_only:
        out, grads, _ = run(args.method, cfg, sd, x, params, frozen)
        out64, grads64, _ = run(args.method, cfg, sd, x, params, frozen, torch.float64)
        worst32 = max(float((v.double() - out64[k]).abs().max()) for k, v in out.items())
        fd = finite_difference(args.method, cfg, sd, x, params, frozen, grads64)
        print(f"{args.out}: loss {out['loss'].item():.6f}, float32 vs float64 outputs {worst32:.2e}, "
              f"float64 gradient vs central differences {fd:.2e}")
        if fd > 1e-6:
            print("FAIL: the reference's gradients disagree with finite differences")
            sys.exit(1)
        tensors.update({"out." + k: v.float().contiguous() for k, v in out.items()})
        tensors.update({"grad." + k: v.float().contiguous() for k, v in grads.items()})
    R.write_safetensors(os.path.join(args.out, "golden.safetensors"), tensors)
    meta = {"method": args.method, "case": f"random-{fam}", "model_dir": "model", "config": config,
            "made_by": "bench/ref_prefix.py " + " ".join(sys.argv[2:])}
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--method", required=True, choices=["prefix-tuning", "p-tuning-v2"])
    m.add_argument("--family", required=True, choices=["bert", "roberta", "gpt2"])
    m.add_argument("--out", required=True)
    for k, v in {"hidden": 40, "layers": 3, "heads": 5, "vocab": 300, "positions": 24, "P": 3, "proj": 0,
                 "enc_hidden": 20, "batch": 3, "length": 7, "labels": 3, "seed": 1}.items():
        m.add_argument("--" + k.replace("_", "-"), dest=k, type=int, default=v)
    m.add_argument("--head", choices=["lm", "verbalizer", "classifier"])
    m.add_argument("--inputs-only", action="store_true")
    c = sub.add_parser("check")
    c.add_argument("cases", nargs="+")
    sub.add_parser("batch")
    a = ap.parse_args()
    if a.cmd == "batch":
        for line in sys.stdin:
            if line.strip() and not line.lstrip().startswith("#"):
                sys.argv = [sys.argv[0], "make"] + line.split()
                make(ap.parse_args(sys.argv[1:]))
    else:
        {"make": make, "check": check}[a.cmd](a)
