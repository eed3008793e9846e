#!/usr/bin/env python3
"""Plain-PyTorch reference for Prompt Tuning (HF PEFT PromptEmbedding) and P-Tuning (HF PEFT
PromptEncoder, MLP and LSTM; THUDM's template placement), written from the fixtures' semantics
(README-text.md section 5, methods/README.md section 6). It makes random cases of shapes the
fixtures do not have (other P, widths, layers, heads, lengths, encoder widths) in the method
golden format (in.*, param.*, out.*, grad.*, golden.json with "config"), for
`promptdesk-cli step --compare` (tests/cli/step_prompt.sh).

The backbone forwards are bench/text_reference.py's (bert_forward, gpt2_forward) on input ids.
Virtual tokens enter them through an extended word table: the P prompt vectors become rows V..V+P-1
of the table and their positions hold those ids, so the forward is the unmodified reference and
the prompt's gradient is autograd through the table (the extra LM-head columns are cut off).

  ref_prompt.py make --family bert|roberta|gpt2 --method prompt-tuning|p-tuning --out DIR
      [--hidden H --layers L --heads A --vocab V --positions N --tokens P --batch B --length T
       --encoder MLP|LSTM --encoder-hidden Hh --encoder-layers K --placement prepend|template
       --seed S]
  DIR gets model/ (config.json + model.safetensors, text_reference.py make) and
  golden.safetensors + golden.json (model_dir "model").
"""
import argparse, json, os, sys
from types import SimpleNamespace

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import text_reference as R  # noqa: E402


def prompt_encoder(params, kind):
    """PEFT PromptEncoder on arange(P): (P, C)."""
    x = params["embedding.weight"]
    if kind == "LSTM":
        layers = 1 + max(int(k.split("_l")[1].split("_")[0]) for k in params if k.startswith("lstm_head."))
        hh = params["lstm_head.weight_hh_l0"].shape[1]
        lstm = torch.nn.LSTM(x.shape[1], hh, num_layers=layers, bidirectional=True, batch_first=True)
        # The module's own tensors are replaced by ours so the gradient reaches them.
        for name in list(dict(lstm.named_parameters())):
            delattr(lstm, name)
            setattr(lstm, name, params["lstm_head." + name])
        lstm._flat_weights = [getattr(lstm, n) for n in lstm._flat_weights_names]
        x = lstm(x[None])[0][0]
        lins = [0, 2]
    else:
        lins = [0, 2, 4]
    for i, n in enumerate(lins):
        x = x @ params[f"mlp_head.{n}.weight"].T + params[f"mlp_head.{n}.bias"]
        if i + 1 < len(lins):
            x = torch.relu(x)
    return x


def make(a):
    g = torch.Generator().manual_seed(a.seed)
    mdir = os.path.join(a.out, "model")
    R.make(SimpleNamespace(family=a.family, out=mdir, hidden=a.hidden, layers=a.layers, heads=a.heads,
                           inner=0, vocab=a.vocab, positions=a.positions, seed=a.seed))
    os.remove(os.path.join(mdir, "inputs.safetensors"))
    with open(os.path.join(mdir, "config.json")) as f:
        cfg = json.load(f)
    sd = R.read_safetensors(os.path.join(mdir, "model.safetensors"))
    fam, V, C, P, B, T = a.family, a.vocab, a.hidden, a.tokens, a.batch, a.length
    causal = fam == "gpt2"
    pad = 0 if fam != "roberta" else 1
    template = a.placement == "template"

    # Inputs: right-padded rows of different lengths; masked LMs get a mask token at a random
    # position (id 3: any id works for a random model), GPT-2 its LM labels.
    shortest = min(T, max(2, T // 2, P + 3 if template else 2))
    lengths = [T] + [int(torch.randint(shortest, T + 1, (1,), generator=g)) for _ in range(B - 1)]
    ids = torch.randint(4, V, (B, T), generator=g)
    mask = torch.zeros(B, T, dtype=torch.int64)
    for b, l in enumerate(lengths):
        mask[b, :l] = 1
    ids = torch.where(mask.bool(), ids, torch.full_like(ids, pad))
    slots = None
    if template:
        # P slots spread over each row's real tokens (as a template's {soft:N} parts would be),
        # holding a placeholder id (3, never the padding id).
        slots = torch.full((B, T), -1, dtype=torch.int64)
        for b, l in enumerate(lengths):
            assert l >= P + 2, "rows must be longer than the slots"
            where = torch.randperm(l - 1, generator=g)[:P].sort().values + 1
            slots[b, where] = torch.arange(P)
            ids[b, where] = 3
    inp = {"in.input_ids": ids, "in.attention_mask": mask}
    if slots is not None:
        inp["in.soft_slots"] = slots
    if causal:
        inp["in.labels"] = torch.where(mask.bool(), ids, torch.full_like(ids, -100))
    else:
        mpos = torch.tensor([int(torch.randint(1, l, (1,), generator=g)) for l in lengths])
        if slots is not None:  # the mask is not a slot
            for b in range(B):
                while slots[b, mpos[b]] >= 0:
                    mpos[b] = (mpos[b] % (lengths[b] - 1)) + 1
        ids[torch.arange(B), mpos] = 2
        inp["in.mask_pos"] = mpos
        inp["in.verbalizer_ids"] = torch.randperm(V - 4, generator=g)[:3] + 4
        inp["in.labels"] = torch.randint(0, 3, (B,), generator=g)
        if fam == "bert":
            tt = torch.zeros_like(ids)
            tt[0, lengths[0] // 2:] = 1
            inp["in.token_type_ids"] = tt * mask
    vocab_ids = torch.unique(torch.cat([torch.arange(8), torch.arange(V - 8, V), ids.flatten()]))
    inp["in.logits_vocab_ids"] = vocab_ids

    # Parameters.
    params = {}
    config = {"num_virtual_tokens": P, "token_dim": C, "num_layers": a.layers, "num_attention_heads": a.heads}
    if a.method == "prompt-tuning":
        params["embedding.weight"] = torch.randn(P, C, generator=g) * 0.5
        config["peft_type"] = "PROMPT_TUNING"
    else:
        hh = a.encoder_hidden
        u = lambda *s, k: (torch.rand(*s, generator=g) * 2 - 1) * k
        params["embedding.weight"] = torch.randn(P, C, generator=g)
        if a.encoder == "LSTM":
            k = hh ** -0.5
            for l in range(a.encoder_layers):
                inn = C if l == 0 else 2 * hh
                for sfx in ("", "_reverse"):
                    params[f"lstm_head.weight_ih_l{l}{sfx}"] = u(4 * hh, inn, k=k)
                    params[f"lstm_head.weight_hh_l{l}{sfx}"] = u(4 * hh, hh, k=k)
                    params[f"lstm_head.bias_ih_l{l}{sfx}"] = u(4 * hh, k=k)
                    params[f"lstm_head.bias_hh_l{l}{sfx}"] = u(4 * hh, k=k)
            shapes = [(2 * hh, 2 * hh), (C, 2 * hh)]
        else:
            shapes = [(hh, C), (hh, hh), (C, hh)]
        for i, (o, n) in enumerate(shapes):
            params[f"mlp_head.{2 * i}.weight"] = u(o, n, k=n ** -0.5)
            params[f"mlp_head.{2 * i}.bias"] = u(o, k=n ** -0.5)
        config.update({"peft_type": "P_TUNING", "encoder_reparameterization_type": a.encoder,
                       "encoder_hidden_size": hh, "encoder_num_layers": a.encoder_layers,
                       "encoder_dropout": 0.0, "placement": a.placement})
    params = {k: v.double().requires_grad_(True) for k, v in params.items()}

    # Forward in float64 (the golden), from the float32 weights.
    sd64 = {k: v.double() for k, v in sd.items()}
    prompts = params["embedding.weight"] if a.method == "prompt-tuning" else prompt_encoder(params, a.encoder)
    wkey = ("transformer.wte.weight" if causal else f"{fam}.embeddings.word_embeddings.weight")
    sdx = dict(sd64)
    sdx[wkey] = torch.cat([sd64[wkey], prompts], 0)
    bias = "lm_head.bias" if fam == "roberta" else "cls.predictions.bias"
    if not causal:  # LM-head columns of the extra rows (cut off below)
        sdx[bias] = torch.cat([sd64[bias], torch.zeros(P, dtype=torch.float64)])
    virt = V + torch.arange(P)
    if template:
        xids = torch.where(slots >= 0, V + slots.clamp(min=0), ids)
        xmask, pos, tt, shift = mask, None, inp.get("in.token_type_ids"), 0
        if fam == "roberta":  # the ordinary positions of the ids (cumsum over non-padding)
            real = (xids != pad).long()
            pos = torch.cumsum(real, 1) * real + pad
    else:
        xids = torch.cat([virt.expand(B, P), ids], 1)
        xmask = torch.cat([torch.ones(B, P, dtype=torch.int64), mask], 1)
        tt = inp.get("in.token_type_ids")
        tt = None if tt is None else torch.cat([torch.zeros(B, P, dtype=torch.int64), tt], 1)
        pos = torch.arange(2, 2 + P + T).expand(B, P + T) if fam == "roberta" else None
        shift = P
    out = {}
    if causal:
        hidden, logits = R.gpt2_forward(sdx, cfg, xids, xmask, pos)
        logits = logits[..., :V]
        labels = inp["in.labels"]
        if not template:
            labels = torch.cat([torch.full((B, P), -100), labels], 1)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1),
                                                 ignore_index=-100)
        out["out.lm_logits_slice"] = logits[..., vocab_ids]
        out["out.lm_logits_logsumexp"] = logits.logsumexp(-1)
    else:
        hidden, logits = R.bert_forward(sdx, cfg, xids, xmask, tt, pos, fam)
        logits = logits[..., :V]
        at = logits[torch.arange(B), inp["in.mask_pos"] + shift]
        label_logits = at[:, inp["in.verbalizer_ids"]]
        loss = torch.nn.functional.cross_entropy(label_logits, inp["in.labels"])
        out["out.label_logits"] = label_logits
        out["out.mask_logits_slice"] = at[:, vocab_ids]
        out["out.mask_logits_logsumexp"] = at.logsumexp(-1)
    out["out.loss"] = loss.reshape(1)
    out["out.last_hidden_state"] = hidden
    out["out.prompts"] = prompts
    grads = torch.autograd.grad(loss, list(params.values()))

    tensors = dict(inp)
    tensors.update({k: v.detach().float().contiguous() for k, v in out.items()})
    tensors.update({"param." + k: v.detach().float() for k, v in params.items()})
    tensors.update({"grad." + k: v.float() for k, v in zip(params, grads)})
    R.write_safetensors(os.path.join(a.out, "golden.safetensors"), tensors)
    with open(os.path.join(a.out, "golden.json"), "w") as f:
        json.dump({"method": a.method, "case": os.path.basename(a.out.rstrip("/")), "model_dir": "model",
                   "source": "bench/ref_prompt.py " + " ".join(sys.argv[1:]), "config": config}, f, indent=1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--family", required=True, choices=["bert", "roberta", "gpt2"])
    m.add_argument("--method", required=True, choices=["prompt-tuning", "p-tuning"])
    m.add_argument("--out", required=True)
    m.add_argument("--encoder", default="MLP", choices=["MLP", "LSTM"])
    m.add_argument("--placement", default="prepend", choices=["prepend", "template"])
    for k, v in {"hidden": 48, "layers": 3, "heads": 4, "vocab": 300, "positions": 40, "tokens": 5,
                 "batch": 3, "length": 11, "encoder-hidden": 24, "encoder-layers": 2, "seed": 1}.items():
        m.add_argument("--" + k, type=int, default=v)
    a = ap.parse_args()
    make(a)
