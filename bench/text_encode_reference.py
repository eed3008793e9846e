#!/usr/bin/python3
"""Reference loop for `promptdesk-cli bench text-encode`, run by the bench in the same run (or by
hand on the files it leaves with --work-dir): cloze scoring of sentences with a BERT masked LM the
way the usual reference code does it (Hugging Face BertForMaskedLM semantics, as in
bench/text_reference.py's plain-PyTorch `bert_forward`): every input padded to the same length
(128), the MLM head over the whole vocabulary at every position, then the logits at the mask
position and the label-word columns picked out. Also times the encoder alone on the same padded
batches (the plain forward). Float32 on CPU, no autograd, Debian's /usr/bin/python3 torch.

  text_encode_reference.py --model DIR --in INPUTS.safetensors --out SCORES.safetensors
                           [--batch 32] [--reps 1] [--threads 0]

DIR: config.json + model.safetensors (HF BERT layout). INPUTS: input_ids (N, T) and
attention_mask (N, T) int64, right-padded to T; mask_pos (N,) int64; label_ids (K,) int64.
SCORES gets scores (N, K) float32 (logits at the mask over the label ids) and mask_hidden (N, D)
float32 (the encoder's hidden state at the mask, from the forward-only pass). Last stdout line:
one JSON object with the timings.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from text_reference import bert_forward, read_safetensors, write_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    sd = read_safetensors(os.path.join(a.model, "model.safetensors"))
    x = read_safetensors(a.inp)
    ids, mask, mpos, label_ids = x["input_ids"], x["attention_mask"], x["mask_pos"], x["label_ids"]
    n, t = ids.shape
    batches = [(b, min(n, b + a.batch)) for b in range(0, n, a.batch)]

    def score_all():
        out = []
        for b, e in batches:
            _, logits = bert_forward(sd, cfg, ids[b:e], mask[b:e])  # (B, T, V)
            out.append(logits[torch.arange(e - b), mpos[b:e]][:, label_ids])
        return torch.cat(out)

    def forward_all():
        out = []
        for b, e in batches:
            hidden, _ = bert_forward(sd, cfg, ids[b:e], mask[b:e], head=False)
            out.append(hidden[torch.arange(e - b), mpos[b:e]])
        return torch.cat(out)

    with torch.no_grad():
        bert_forward(sd, cfg, ids[:2], mask[:2])  # warm-up
        t0 = time.perf_counter()
        for _ in range(a.reps):
            scores = score_all()
        score_s = (time.perf_counter() - t0) / a.reps
        bert_forward(sd, cfg, ids[:2], mask[:2], head=False)
        t0 = time.perf_counter()
        for _ in range(a.reps):
            hidden = forward_all()
        forward_s = (time.perf_counter() - t0) / a.reps
    write_safetensors(a.out, {"scores": scores.float().contiguous(),
                              "mask_hidden": hidden.float().contiguous()})
    print(f"pytorch {torch.__version__} reference ({torch.get_num_threads()} threads): cloze scoring "
          f"{n} inputs padded to {t}, full MLM head: {score_s:.2f} s; encoder only: {forward_s:.2f} s",
          file=sys.stderr)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "inputs": n,
                      "length": t, "batch": a.batch, "reps": a.reps, "reference_s": score_s,
                      "reference_forward_s": forward_s}))


if __name__ == "__main__":
    main()
