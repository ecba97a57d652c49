"""How fast, and how lean, attention is in numpy (lesson 08); each figure beside its reference.

Run from the repository root with ``python -m benchmarks.attention_speed`` (``make bench``
runs it). Prints one line per figure and rewrites this benchmark's own section of
benchmarks/RESULTS.md, leaving the other sections alone. float64, d = 64, one head.

1. ``attention(q, k, v)`` at n = 4096, over the two matrix products it cannot avoid
   (``q @ kᵀ`` and ``w @ v``): how close it is to the BLAS bound. Target ≤ 1.5×. Beside it,
   ``np.exp`` of the n × n scores alone over the same bound: the softmax's n² exponentials
   cannot be avoided either, so attention cannot get below 1 + that ratio.
2. ``flash_attention`` against ``attention`` at n = 8192: time (target ≤ 3×) and peak
   traced memory (target ≤ 10 %).
3. Decoding 512 tokens with and without a KV cache: the time ratio, and the log-log slope
   of the cost of one step against its position t (1 for O(t), 2 for O(t²)), fitted over
   t = 128 … 512; below t ≈ 100 a fixed cost per step (Python calls, argument checks)
   hides the growth.

Every figure is a median of several runs, each run of a method interleaved with a run of its
reference, so that both see the same machine load. BLAS runs on one thread unless
``OPENBLAS_NUM_THREADS`` is already set: the machine is shared, and threads that wait for a
busy core make timings erratic.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")     # before numpy loads OpenBLAS

import datetime as dt  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from attention_lib import attention  # noqa: E402
from attention_lib.efficient import decode_sequence, flash_attention  # noqa: E402
from benchmarks._measure import peak_bytes, seconds  # noqa: E402
from benchmarks.results import write_section  # noqa: E402

TITLE = "Attention speed and memory (lesson 08)"
D = 64
N_BLAS, N_FLASH, N_DECODE = 4096, 8192, 512
REPEATS = {"blas": 9, "flash": 5, "decode": 5}
SLOPE_FROM = 128        # fit the per-step cost over t = 128 .. 512: below ~100, fixed per-step costs dominate


def interleaved_medians(fns, repeats):
    """Median seconds of each function, running them in turn ``repeats`` times."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(seconds(fn))
    return {name: statistics.median(t) for name, t in times.items()}


def random_qkv(n, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=(n, D)) for _ in range(3))   # (n, d) each


def blas_bound():
    q, k, v = random_qkv(N_BLAS)
    w = attention(q, k, v)[1]                            # (n, n), any weights will do for the timing

    def two_matmuls():
        return (q @ k.T, w @ v)                          # (n, n), (n, d)

    scores, buffer = q @ k.T, np.empty((N_BLAS, N_BLAS))   # (n, n) each; attention also exponentiates in place

    def exp_alone():
        return np.exp(scores, out=buffer)                # the one step softmax cannot avoid: n² exponentials

    fns = {"attention": lambda: attention(q, k, v), "matmuls": two_matmuls, "exp": exp_alone}
    t = interleaved_medians(fns, REPEATS["blas"])
    return [
        {"figure": f"attention ÷ (q @ kᵀ + w @ v), n = {N_BLAS}", "value": t["attention"] / t["matmuls"],
         "unit": "×", "target": "≤ 1.5×", "detail": f"{t['attention']:.3f} s vs {t['matmuls']:.3f} s"},
        {"figure": f"np.exp of the n × n scores alone ÷ (q @ kᵀ + w @ v), n = {N_BLAS}",
         "value": t["exp"] / t["matmuls"], "unit": "×", "target": "—",
         "detail": f"{t['exp']:.3f} s vs {t['matmuls']:.3f} s"},
    ]


def flash_against_naive():
    q, k, v = random_qkv(N_FLASH)
    fns = {"flash": lambda: flash_attention(q, k, v), "naive": lambda: attention(q, k, v)}
    t = interleaved_medians(fns, REPEATS["flash"])
    mem = {name: peak_bytes(fn) for name, fn in fns.items()}
    mib = {name: b / 2**20 for name, b in mem.items()}
    return [
        {"figure": f"flash_attention ÷ attention, time, n = {N_FLASH}", "value": t["flash"] / t["naive"],
         "unit": "×", "target": "≤ 3×", "detail": f"{t['flash']:.2f} s vs {t['naive']:.2f} s"},
        {"figure": f"flash_attention ÷ attention, peak memory, n = {N_FLASH}",
         "value": 100 * mem["flash"] / mem["naive"], "unit": "%", "target": "≤ 10%",
         "detail": f"{mib['flash']:.1f} MiB vs {mib['naive']:.1f} MiB"},
    ]


def step_times(x, W, use_cache):
    """Seconds taken by each decoding step, from :func:`decode_sequence`'s ``on_step`` calls."""
    stamps = [time.perf_counter()]
    decode_sequence(x, *W, use_cache=use_cache, on_step=lambda t: stamps.append(time.perf_counter()))
    return np.diff(stamps)                               # (n,)


def decoding():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N_DECODE, D))                   # (n, D): the tokens, one per step
    W = [rng.normal(0, D**-0.5, (D, D)) for _ in range(3)]   # W_q, W_k, W_v
    runs = {True: [], False: []}
    for _ in range(REPEATS["decode"]):
        gc.collect()
        for use_cache in (True, False):
            runs[use_cache].append(step_times(x, W, use_cache))
    per_step = {c: np.median(np.stack(r), axis=0) for c, r in runs.items()}   # (n,) median over runs
    total = {c: statistics.median(s.sum() for s in r) for c, r in runs.items()}
    t = np.arange(1, N_DECODE + 1)                       # step t attends to t tokens
    fit = t >= SLOPE_FROM
    slope = {c: np.polyfit(np.log(t[fit]), np.log(per_step[c][fit]), 1)[0] for c in runs}
    last = {c: 1000 * s[-1] for c, s in per_step.items()}   # ms for the last step
    span = f"t = {SLOPE_FROM}…{N_DECODE}; step {N_DECODE}: {{:.2f}} ms"
    return [
        {"figure": f"decoding {N_DECODE} tokens, no cache ÷ cache, time", "value": total[False] / total[True],
         "unit": "×", "target": "—", "detail": f"{total[False]:.2f} s vs {total[True]:.3f} s"},
        {"figure": "cost per token against t, log-log slope, with cache", "value": slope[True],
         "unit": "", "target": "1 if O(t)", "detail": span.format(last[True])},
        {"figure": "cost per token against t, log-log slope, no cache", "value": slope[False],
         "unit": "", "target": "2 if O(t²)", "detail": span.format(last[False])},
    ]


def formatted(row):
    value, unit = row["value"], row["unit"]
    digits = 1 if unit == "%" or value >= 10 else 2
    return f"{value:.{digits}f}{unit}"


def section(rows, load_before, load_after):
    today = dt.date.today().isoformat()
    lines = [
        f"Measured {today} by `make bench` (benchmarks/attention_speed.py) on {os.cpu_count()} cores, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; "
        f"load average {load_before:.2f} before, {load_after:.2f} after.",
        "float64, d = 64, one head. Each figure is a median of several runs, each interleaved with a run of its "
        "reference. Peak memory is the tracemalloc peak during the call. The np.exp row is the softmax's n² "
        "exponentials alone: attention ÷ (q @ kᵀ + w @ v) cannot go below 1 + that ratio.",
        "",
        "| figure | value | target | measured |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['figure']} | {formatted(r)} | {r['target']} | {r['detail']} |" for r in rows]
    return lines


def main():
    load_before = os.getloadavg()[0]
    print(f"load average {load_before:.2f}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    rows = []
    for part in (blas_bound, flash_against_naive, decoding):
        found = part()
        for row in found if isinstance(found, list) else [found]:
            print(f"{row['figure']}: {formatted(row)} (target {row['target']}; {row['detail']})", flush=True)
            rows.append(row)
    load_after = os.getloadavg()[0]
    print(f"load average {load_after:.2f}")
    write_section(TITLE, section(rows, load_before, load_after))


if __name__ == "__main__":
    main()
