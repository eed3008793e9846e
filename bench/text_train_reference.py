#!/usr/bin/python3
"""Reference loop for `promptdesk-cli bench prompt-tuning | prefix-tuning | p-tuning-v2`, run by
the bench in the same run (or by hand on the files it leaves with --work-dir): training steps of
the method the way a plain PyTorch loop of the PEFT-style reference does them, on the bench's
weights, initial tensors and batches:

  - every input padded to the same length (128), the batch as it comes (no length buckets);
  - the backbone frozen as PEFT freezes it (its tensors do not require grad), the method's
    tensors torch.nn.Parameter;
  - Prompt Tuning (PEFT PromptEmbedding): the P prompt vectors before the word embeddings of every
    row, attention mask cat(ones(B, P), mask), positions arange(P + T) (bench/ref_prompt.py's
    way in: the prompts are extra rows of the word table that the virtual positions look up, and
    bert_forward of bench/text_reference.py runs unmodified);
  - Prefix-Tuning (PEFT PrefixEncoder) / P-Tuning v2 (THUDM PrefixEncoder): the (P, 2LC)
    prefix viewed into per-layer keys and values (get_prompt), prepended in every
    self-attention, positions arange(P, P + T) (bench/ref_prefix.py's bert_prefix);
  - the MLM head over the whole vocabulary at every position of the whole batch
    (bench/ref_prefix.py's bert_mlm: transform, LayerNorm, the tied decoder), then the mask
    position's logits at the label-word ids, mean cross-entropy;
  - loss.backward() (normal autograd), torch.nn.utils.clip_grad_norm_, torch.optim.AdamW
    (betas 0.9 / 0.999, eps 1e-8, the bench's weight decay), the linear schedule of HF's
    get_linear_schedule_with_warmup (LambdaLR), optimizer.zero_grad() (PyTorch 1.13: zeroed
    buffers); dropout off.

After the steps, every item is scored under torch.no_grad() (padded, full head, batches of 32).
Float32 on CPU, Debian's /usr/bin/python3 torch.

  text_train_reference.py --model DIR --in INPUTS.safetensors --train TRAIN.json
                          --out OUT.safetensors [--threads 0]

INPUTS: input_ids / attention_mask (N, T) int64 right-padded, mask_pos (N,), labels (N,),
label_ids (C,) (one label word per class), batches (S, B) int64 (item indices per step, -1:
none), init.<name> (the method's initial tensors under their reference names). TRAIN: method,
lr, weight_decay, max_grad_norm, warmup_steps, max_steps, steps, eval_batch. OUT gets losses
(S,) float64, step_s (S,) float64 and scores (N, C) float32. Last stdout line: one JSON object
with the timings.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from text_reference import bert_forward, read_safetensors, write_safetensors  # noqa: E402
import ref_prefix as RP  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    cfg, sd = RP.load_model(a.model)
    with open(a.train) as f:
        tr = json.load(f)
    method = tr["method"]
    x = read_safetensors(a.inp)
    ids, mask, mpos, labels = x["input_ids"], x["attention_mask"], x["mask_pos"], x["labels"]
    label_ids, batches = x["label_ids"], x["batches"]
    params = {k[5:]: torch.nn.Parameter(v.float().clone()) for k, v in x.items() if k.startswith("init.")}
    L, H, d = RP.sizes(cfg)
    hd = d // H
    V = sd["bert.embeddings.word_embeddings.weight"].shape[0]
    wkey = "bert.embeddings.word_embeddings.weight"
    zeros_tt = torch.zeros_like(ids)

    def mlm_logits(rows):
        """The label-word logits at the mask of items `rows`: (B, C), via the full MLM head at
        every position of the padded batch."""
        b_ids, b_mask, b_mpos = ids[rows], mask[rows], mpos[rows]
        n, t = b_ids.shape
        if method == "prompt-tuning":
            prompts = params["embedding.weight"]
            P = prompts.shape[0]
            sdx = dict(sd)
            sdx[wkey] = torch.cat([sd[wkey], prompts], 0)
            xids = torch.cat([(V + torch.arange(P)).expand(n, P), b_ids], 1)
            xmask = torch.cat([torch.ones(n, P, dtype=b_mask.dtype), b_mask], 1)
            hidden, _ = bert_forward(sdx, cfg, xids, xmask, head=False)
            shift = P
        else:
            pre, mlp = RP.names(method)
            flat = RP.prefix_encoder(params, pre, mlp)
            P = flat.shape[0]
            pkv = RP.get_prompt(flat, n, L, H, hd)
            mask_ext = torch.cat([torch.ones(n, P, dtype=b_mask.dtype), b_mask], 1)
            pos = RP.past_positions("bert", b_ids, P, cfg.get("pad_token_id", 0))
            hidden = RP.bert_prefix(sd, cfg, b_ids, mask_ext, zeros_tt[rows], pos, pkv, "bert")
            shift = 0
        logits = RP.bert_mlm(sd, cfg, hidden, "bert")  # (B, T', V): every position, whole vocab
        return logits[torch.arange(n), b_mpos + shift][:, label_ids]

    plist = list(params.values())
    opt = torch.optim.AdamW(plist, lr=tr["lr"], betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=tr["weight_decay"])
    warm, total = tr["warmup_steps"], tr["max_steps"]

    def lr_lambda(step):  # step: 0-based, before its update (the bench's schedule)
        if warm > 0 and step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)

    def rows_of(s):
        r = batches[s]
        return r[r >= 0]

    # One untimed forward + backward (as the bench does on its side), then the steps.
    r0 = rows_of(0)
    torch.nn.functional.cross_entropy(mlm_logits(r0), labels[r0]).backward()
    opt.zero_grad()
    losses, step_s = [], []
    for s in range(tr["steps"]):
        t0 = time.perf_counter()
        rows = rows_of(s)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(mlm_logits(rows), labels[rows])
        loss.backward()
        if tr["max_grad_norm"] > 0:
            torch.nn.utils.clip_grad_norm_(plist, tr["max_grad_norm"])
        opt.step()
        sched.step()
        losses.append(loss.item())
        step_s.append(time.perf_counter() - t0)
        print(f"  reference step {s + 1}/{tr['steps']}: loss {losses[-1]:.6f}, {step_s[-1]:.2f} s",
              file=sys.stderr)

    t0 = time.perf_counter()
    eb = tr.get("eval_batch", 32)
    with torch.no_grad():
        scores = torch.cat([mlm_logits(torch.arange(b, min(len(ids), b + eb)))
                            for b in range(0, len(ids), eb)])
    eval_s = time.perf_counter() - t0
    write_safetensors(a.out, {"losses": torch.tensor(losses, dtype=torch.float64),
                              "step_s": torch.tensor(step_s, dtype=torch.float64),
                              "scores": scores.float().contiguous()})
    mean = sum(step_s) / len(step_s)
    print(f"pytorch {torch.__version__} reference ({torch.get_num_threads()} threads): {method}, "
          f"{len(step_s)} steps padded to {ids.shape[1]}, full MLM head: {mean:.2f} s per step; "
          f"scoring {len(ids)} items: {eval_s:.2f} s", file=sys.stderr)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "method": method,
                      "steps": len(step_s), "length": int(ids.shape[1]), "step_mean_s": mean,
                      "eval_s": eval_s}))


if __name__ == "__main__":
    main()
