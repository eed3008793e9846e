#!/usr/bin/env python3
"""Turns the soft-prompt (HF PEFT prompt tuning) goldens of the text-model fixtures (the sp_*
tensors of tests/data/text/models/{bert,roberta,gpt2}-tiny/golden.safetensors, README-text.md
section 5) into the method-golden format of methods/README.md (in.*, param.*, grad.*, out.*), so
that `promptdesk-cli step --method prompt-tuning --compare` checks them like every other method.
Only renames and selects tensors; the two derived ones are exact selections of stored golden
values (mask logits at logits_vocab_ids) or their float64 logsumexp.

  convert_prompt_tuning_goldens.py --models tests/data/text/models \
      --out tests/data/text/methods/prompt-tuning
"""
import argparse, json, os, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import text_reference as R  # noqa: E402


def convert(model_dir, name):
    g = R.read_safetensors(os.path.join(model_dir, "golden.safetensors"))
    p = g["sp_prompt_embeddings"].shape[0]
    out = {"param.embedding.weight": g["sp_prompt_embeddings"], "grad.embedding.weight": g["sp_grad_prompt"],
           "out.loss": g["sp_loss"].reshape(1), "out.last_hidden_state": g["sp_last_hidden_state"],
           "in.logits_vocab_ids": g["logits_vocab_ids"]}
    desc = {}
    if name.startswith("gpt2"):
        out["in.input_ids"], out["in.attention_mask"] = g["input_ids"], g["attention_mask"]
        out["in.labels"] = g["lm_labels"]
        assert torch.equal(g["sp_labels"][:, p:], g["lm_labels"]) and bool((g["sp_labels"][:, :p] == -100).all())
        out["out.lm_logits_slice"] = g["sp_logits_slice"]
        out["out.lm_logits_logsumexp"] = g["sp_logits_logsumexp"]
        desc["in.labels"] = "LM labels = input_ids with padding -> -100 (sp_labels without the P leading -100)"
        desc["out.loss"] = "GPT-2 causal LM loss with labels cat(full(-100,(B,P)), in.labels) (HF shift)"
    else:
        t = g["cloze_input_ids"].shape[1]
        out["in.input_ids"], out["in.attention_mask"] = g["cloze_input_ids"], g["cloze_attention_mask"]
        out["in.mask_pos"], out["in.labels"] = g["cloze_mask_pos"], g["cloze_labels"]
        out["in.verbalizer_ids"] = g["verbalizer_ids"]
        tt = g["sp_token_type_ids"]
        assert tt.shape[1] == p + t and bool((tt == 0).all())
        out["in.token_type_ids"] = tt[:, p:].contiguous()
        assert torch.equal(g["sp_mask_pos"], g["cloze_mask_pos"] + p)
        out["out.label_logits"] = g["sp_label_logits"]
        out["out.mask_logits_slice"] = g["sp_mask_logits"][:, g["logits_vocab_ids"]].contiguous()
        out["out.mask_logits_logsumexp"] = g["sp_mask_logits"].double().logsumexp(-1).float()
        desc["in.labels"] = "gold class per row (index into in.verbalizer_ids)"
        desc["out.loss"] = "mean CE of out.label_logits vs in.labels, mask position in.mask_pos + P"
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    width = cfg.get("hidden_size", cfg.get("n_embd"))
    case = {
        "method": "prompt-tuning", "case": name, "model_dir": "../../../models/" + name,
        "source": f"converted by bench/convert_prompt_tuning_goldens.py from models/{name}/golden.safetensors sp_*",
        "config": {"peft_type": "PROMPT_TUNING", "num_virtual_tokens": p, "token_dim": width,
                   "num_transformer_submodules": 1, "prompt_tuning_init": "RANDOM"},
        "tensors": {k: {"dtype": R.DT_NAME[v.dtype], "shape": list(v.shape), "description": desc.get(k, "")}
                    for k, v in sorted(out.items())},
    }
    return out, case


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    for name in ("bert-tiny", "roberta-tiny", "gpt2-tiny"):
        tensors, case = convert(os.path.join(a.models, name), name)
        d = os.path.join(a.out, name)
        os.makedirs(d, exist_ok=True)
        R.write_safetensors(os.path.join(d, "golden.safetensors"), tensors)
        with open(os.path.join(d, "golden.json"), "w") as f:
            json.dump(case, f, indent=1)
            f.write("\n")
        print(d, len(tensors), "tensors")


if __name__ == "__main__":
    main()
