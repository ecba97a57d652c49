"""Figures behind lessons 07 and 08, over more seeds and larger budgets than a lesson can afford.

Lesson 07: training settings over seeds (training), the recall head against MLPs without attention at
the lesson's budget and at larger ones (controls), induction heads with a one-layer control and layer 1
ablated (induction). Lesson 08: FlashAttention against naive attention (flash), the KV cache (cache).

Run from the repository root:
    python -m benchmarks.efficient_figures [training|controls|induction|flash|cache]...
Each timing is the median of REPEATS runs. Prints Markdown.
"""
from __future__ import annotations

import dataclasses
import os
import statistics
import sys

import numpy as np

from attention_lib import (
    attention,
    causal_mask,
    induction,
)
from attention_lib.efficient import decode_sequence, flash_attention
from attention_lib.training import (
    RecallConfig,
    forward,
    held_out_accuracy,
    held_out_batch,
    init_params,
    parameter_count,
    steps_to_loss,
    train,
)
from benchmarks._measure import median_seconds, peak_bytes

REPEATS = 3


# --------------------------------------------------------------------------- lesson 07


def training_figures():
    base = RecallConfig()
    print(f"## Training (lesson 07)\n\nconfig: {base}\n")
    print("| run | seed | held-out acc | first-5 loss | last-20 loss | max loss | steps to loss<0.1 | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    runs = {
        "trained (Adam lr 0.005)": base,
        "uniform-attention baseline": dataclasses.replace(base, uniform_attention=True),
        "no 1/sqrt(d) scaling": dataclasses.replace(base, scaled=False),
        "Adam lr 0.02": dataclasses.replace(base, lr=0.02),
        "no scaling, Adam lr 0.02": dataclasses.replace(base, scaled=False, lr=0.02),
        "Adam lr 0.2": dataclasses.replace(base, lr=0.2),
        "Adam lr 1.0 (far too high)": dataclasses.replace(base, lr=1.0),
        "SGD lr 1.0": dataclasses.replace(base, optimizer="sgd", lr=1.0),
        "SGD lr 5.0": dataclasses.replace(base, optimizer="sgd", lr=5.0),
        "one-hot embeddings": dataclasses.replace(base, embedding="onehot"),
        "one-hot, no scaling": dataclasses.replace(base, embedding="onehot", scaled=False),
    }
    for name, cfg0 in runs.items():
        for seed in (0, 1, 2):
            cfg = dataclasses.replace(cfg0, seed=seed)
            h = train(cfg)
            L = h["loss"]
            acc = held_out_accuracy(h["params"], cfg) if h["diverged_at"] is None else float("nan")
            div = f" (diverged at step {h['diverged_at']})" if h["diverged_at"] else ""
            print(f"| {name}{div} | {seed} | {acc:.3f} | {L[:5].mean():.3f} | {L[-20:].mean():.3g} | {L.max():.3g} "
                  f"| {steps_to_loss(L)} | {h['seconds']:.2f} |")
    times = [train(base)["seconds"] for _ in range(REPEATS)]
    runs = [round(t, 2) for t in times]
    print(f"\ndefault training time, median of {REPEATS}: {statistics.median(times):.2f} s ({runs})")
    batch = held_out_batch(base)
    start = init_params(base, np.random.default_rng(base.seed))
    for scaled in (True, False):
        cfg = dataclasses.replace(base, scaled=scaled)
        w = forward(start, batch, cfg)[1]["weights"][:, 0, :]
        ent = -(w * np.log(np.where(w > 0, w, 1))).sum(-1).mean()
        print(f"at initialisation, scaled={scaled}: mean top attention weight {w.max(-1).mean():.3f}, "
              f"mean entropy {ent:.3f} nats (uniform = ln {base.n_pairs} = {np.log(base.n_pairs):.3f})")
    print()


LESSON_07_RECALL = {"steps": 150, "log_every": 10, "n_eval": 1000}
"""The recall runs of notebooks/07_training.ipynb (150 steps; 1,000 held-out questions per run)."""

LESSON_07_INDUCTION = {"steps": 400, "lr": 0.015, "log_every": 25, "n_eval": 200}
"""The shorter run that notebooks/07_training.ipynb shows (fits its time budget)."""


def controls_figures():
    base = RecallConfig(**LESSON_07_RECALL)
    print("## Recall: one attention head against MLPs without attention (lesson 07)\n")
    print("| model | weights | steps | held-out accuracy per seed | final loss per seed |")
    print("|---|---|---|---|---|")
    models = {
        "attention, one head": (base, 5),
        "MLP on [x_q | mean(x_kv)], 89 hidden": (dataclasses.replace(base, model="mlp_mean", d_hidden=89), 5),
        "MLP on [x_q | all pairs], 13 hidden": (dataclasses.replace(base, model="mlp_concat", d_hidden=13), 5),
        "MLP on [x_q | all pairs], 256 hidden (20x the weights)":
            (dataclasses.replace(base, model="mlp_concat", d_hidden=256), 5),
        "MLP on [x_q | mean(x_kv)], 89 hidden, 20x the steps":
            (dataclasses.replace(base, model="mlp_mean", d_hidden=89, steps=3000), 3),
        "MLP on [x_q | all pairs], 13 hidden, 20x the steps":
            (dataclasses.replace(base, model="mlp_concat", d_hidden=13, steps=3000), 3),
        "MLP on [x_q | all pairs], 256 hidden, 20x the steps, lr 0.001":
            (dataclasses.replace(base, model="mlp_concat", d_hidden=256, steps=3000, lr=0.001), 1),
    }
    for name, (cfg0, n_seeds) in models.items():
        runs = [train(dataclasses.replace(cfg0, seed=seed)) for seed in range(n_seeds)]
        acc = [held_out_accuracy(h["params"], h["config"]) for h in runs]
        final = [h["loss"][-10:].mean() for h in runs]
        print(f"| {name} | {parameter_count(cfg0):,} | {cfg0.steps} | {', '.join(f'{a:.3f}' for a in acc)} "
              f"| {', '.join(f'{f:.3f}' for f in final)} |")
    print()


def induction_figures():
    for label, overrides in (("library defaults", {"log_every": 25}), ("as in lesson 07", LESSON_07_INDUCTION)):
        config = induction.InductionConfig(**overrides)
        print(f"## Induction heads (stretch), {label}\n\nconfig: {config}\n")
        print("| seed | seconds | step 2nd-copy loss < half of 1st | 1st-copy loss | 2nd-copy loss "
              "| 2nd-copy loss, layer 1 ablated | 2nd-copy loss, one layer | prev-token score | induction score |")
        print("|---|---|---|---|---|---|---|---|---|")
        for seed in range(4):
            cfg = dataclasses.replace(config, seed=seed)
            h = induction.train(cfg)
            one = induction.train(dataclasses.replace(cfg, n_layers=1))
            eval_set = induction.make_sequences(cfg, cfg.n_eval, np.random.default_rng([seed, 2**31 - 1]))
            ablated = induction.evaluate(h["params"], *eval_set, ablate=(1,))
            drop = next((s for s, e in h["evals"] if e["second_copy_loss"] < 0.5 * e["first_copy_loss"]), None)
            start, end = h["evals"][0][1], h["evals"][-1][1]
            print(f"| {seed} | {h['seconds']:.1f} | {drop} | {end['first_copy_loss']:.3f} "
                  f"| {end['second_copy_loss']:.3f} | {ablated['second_copy_loss']:.3f} "
                  f"| {one['evals'][-1][1]['second_copy_loss']:.3f} "
                  f"| {start['previous_token_score']:.2f} -> {end['previous_token_score']:.2f} "
                  f"| {start['induction_score']:.2f} -> {end['induction_score']:.2f} |")
        print()


# --------------------------------------------------------------------------- lesson 08: flash


def flash_methods(q, k, v):
    n = q.shape[0]
    return {
        "naive attention()": lambda: attention(q, k, v),
        "flash, block 64": lambda: flash_attention(q, k, v, block_size=64),
        "flash, block 256": lambda: flash_attention(q, k, v, block_size=256),
        "naive, causal mask": lambda: attention(q, k, v, causal_mask(n)),
        "flash, block 64, causal=True": lambda: flash_attention(q, k, v, block_size=64, causal=True),
    }


def flash_figures():
    print("## FlashAttention vs naive attention (float64, d = 64, one head, no batch)\n")
    print("| n | method | peak traced memory | median time (s) | max abs diff vs naive (same mask) |")
    print("|---|---|---|---|---|")
    for n in (2048, 8192):
        rng = np.random.default_rng(0)
        q, k, v = (rng.normal(size=(n, 64)) for _ in range(3))
        ref = attention(q, k, v)[0]
        ref_causal = attention(q, k, v, causal_mask(n))[0]
        for name, fn in flash_methods(q, k, v).items():
            out = fn()
            out = out[0] if isinstance(out, tuple) else out
            diff = f"{np.abs(out - (ref_causal if 'causal' in name else ref)).max():.1e}"
            peak = peak_bytes(fn)
            print(f"| {n} | {name} | {peak / 2**20:.1f} MiB | {median_seconds(fn, REPEATS):.2f} | {diff} |")
        del ref, ref_causal
    print()


# --------------------------------------------------------------------------- lesson 08: cache


def cache_figures(n_tokens=512, d_model=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_tokens, d_model))                 # the tokens' inputs, one per step
    W_q, W_k, W_v = (rng.normal(0, d_model**-0.5, (d_model, d_model)) for _ in range(3))

    def with_cache():
        return decode_sequence(x, W_q, W_k, W_v)

    def recompute_everything():
        return decode_sequence(x, W_q, W_k, W_v, use_cache=False)

    def recompute_keys_values():
        outs = []
        for t in range(n_tokens):
            prefix = x[: t + 1]                              # (t+1, D)
            out, _ = attention(x[t:t + 1] @ W_q, prefix @ W_k, prefix @ W_v)
            outs.append(out)
        return np.concatenate(outs)

    ref = attention(x @ W_q, x @ W_k, x @ W_v, causal_mask(n_tokens))[0]
    print(f"## Decoding {n_tokens} tokens, one head, d_model = d = {d_model}, float64\n")
    print("| method | median time (s) | max abs diff vs full causal attention |")
    print("|---|---|---|")
    for name, fn in (("decode_sequence, KVCache", with_cache),
                     ("no cache: recompute every position, all queries", recompute_everything),
                     ("no cache: recompute K, V of the prefix, last query only", recompute_keys_values)):
        print(f"| {name} | {median_seconds(fn, REPEATS):.3f} | {np.abs(fn() - ref).max():.1e} |")
    print()


if __name__ == "__main__":
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, numpy {np.__version__}\n")
    parts = {"training": training_figures, "controls": controls_figures, "induction": induction_figures,
             "flash": flash_figures, "cache": cache_figures}
    for part in sys.argv[1:] or parts:
        parts[part]()
