"""Training the tiny GPT: Adam from lesson 07, a learning-rate schedule, evaluation, checkpoints (lesson 10).

:func:`train` runs a :class:`TrainConfig` to the end, calling back as it goes; everything is drawn from
seeded generators, so two runs of the same config on the same floating-point kernels give the same
losses, bit for bit (``tests/lib/test_gpt_training.py`` re-trains the first steps of the stored run and
compares). :func:`save_checkpoint` writes the parameters (float32) with the config and the run's log into
one ``.npz``; :func:`load_checkpoint` reads it back. ``python -m attention_lib.course train-tiny-gpt``
makes the course's checkpoints (:data:`CHECKPOINTS`).
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from pathlib import Path

import numpy as np

from . import corpus as corpus_lib
from ._paths import PACKAGE
from .gpt import GPTConfig, _check_params, gpt_forward, gpt_loss_and_grads, init_gpt
from .training import adam_init, adam_step

PINNED_NUMERICS = {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "Haswell"}
"""The floating-point kernels the Makefile pins for stored outputs (its ``PINNED_NUMERICS``; a test keeps the two
equal): ``train-tiny-gpt`` trains under them, so ``make test`` can re-train the first steps bit for bit."""

CHECKPOINT_DIR = PACKAGE / "checkpoints"
CHECKPOINTS = {"gpt": CHECKPOINT_DIR / "tiny_gpt.npz", "mean": CHECKPOINT_DIR / "tiny_gpt_mean.npz"}
"""The course's trained models: the GPT, and the same network with its attention fixed at a causal mean."""


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; equal configs give equal runs.

    Attributes
    ----------
    model : GPTConfig
    steps, batch_size : int
        Adam steps, and windows of ``model.context`` characters per step.
    lr : float
        Peak learning rate, reached after ``warmup`` steps, then lowered along a cosine to
        ``lr · min_lr_ratio`` at the last step.
    warmup : int
    min_lr_ratio : float
    clip : float or None
        Rescale the gradient when its global norm is above this.
    beta2 : float
        Adam's second-moment decay (0.99 for these short runs; 0.999 is lesson 07's default).
    seed : int
        Seeds the initial weights (``seed``) and the batches (``[seed, 1]``).
    eval_every : int
        Steps between evaluations on ``eval_windows`` fixed validation windows.
    eval_windows : int
    """

    model: GPTConfig = GPTConfig()
    steps: int = 1000
    batch_size: int = 32
    lr: float = 3e-3
    warmup: int = 50
    min_lr_ratio: float = 0.1
    clip: float | None = 1.0
    beta2: float = 0.99
    seed: int = 0
    eval_every: int = 100
    eval_windows: int = 64


def learning_rate(config, step):
    """The learning rate at ``step`` (1-based): linear warm-up, then a cosine down to ``lr · min_lr_ratio``."""
    c = config
    if step <= c.warmup:
        return c.lr * step / c.warmup
    progress = (step - c.warmup) / max(1, c.steps - c.warmup)     # 0 … 1
    return c.lr * (c.min_lr_ratio + (1 - c.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def clip_gradients(grads, max_norm):
    """Scale every gradient by one factor so their global norm is at most ``max_norm``; return (grads, norm)."""
    norm = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values()))
    if max_norm is None or norm <= max_norm:
        return grads, norm
    scale = max_norm / norm
    return {n: g * np.asarray(scale, dtype=g.dtype) for n, g in grads.items()}, norm


# --------------------------------------------------------------------------- evaluation


def sliding_windows(n_ids, n_context, T, stride=None):
    """Windows that score every id from ``n_context`` on once, each with at least ``T − stride + 1`` before it.

    Returns
    -------
    starts : ndarray of int, (W,)
        Window ``w`` reads ``ids[starts[w] : starts[w] + T]`` and predicts the next id at each position.
    first : ndarray of int, (W,)
        Window ``w`` scores its positions ``first[w] … T − 1`` (earlier ones were scored by the window before).
    """
    stride = T // 2 if stride is None else stride
    if n_context < T - stride + 1:
        raise ValueError(f"the first scored id needs {T - stride + 1} ids before it, but only {n_context} precede it")
    ends = list(range(n_context + stride - 1, n_ids - 1, stride))   # last target id of each window
    if not ends or ends[-1] != n_ids - 1:
        ends.append(n_ids - 1)
    starts, first, previous = [], [], n_context - 1
    for end in ends:
        start = end - T                                  # inputs ids[start : end], targets ids[start+1 : end+1]
        starts.append(start)
        first.append(T - (end - previous))
        previous = end
    return np.array(starts), np.array(first)


def evaluate(params, model, ids, n_context, stride=None, batch_size=64):
    """Mean loss, in nats per character, on every id of ``ids`` after the first ``n_context``.

    Each character is predicted from the ``model.context``-window that ends just before it (at least half a
    window of text before it, see :func:`sliding_windows`), so the loss is comparable with the n-gram
    baselines on the same characters.
    """
    ids = np.asarray(ids)
    T = model.context
    starts, first = sliding_windows(len(ids), n_context, T, stride)
    total, count = 0.0, 0
    for lo in range(0, len(starts), batch_size):
        s = starts[lo:lo + batch_size]
        index = s[:, None] + np.arange(T)[None, :]                 # (b, T)
        logits = gpt_forward(params, ids[index], model).astype(np.float64)   # (b, T, V)
        top = logits.max(axis=-1, keepdims=True)
        log_z = top[..., 0] + np.log(np.exp(logits - top).sum(axis=-1))     # (b, T)
        picked = np.take_along_axis(logits, ids[index + 1][..., None], axis=-1)[..., 0]   # (b, T)
        keep = np.arange(T)[None, :] >= first[lo:lo + batch_size, None]   # (b, T)
        total += float(np.sum((log_z - picked)[keep]))
        count += int(keep.sum())
    return total / count


def eval_batch(corpus, config):
    """The fixed validation windows of the periodic evaluation: (eval_windows, T) tokens and targets."""
    rng = np.random.default_rng([config.seed, 2])
    return corpus_lib.random_batch(corpus.val, config.eval_windows, config.model.context, rng)


# --------------------------------------------------------------------------- training


def train(config, corpus, callback=None, params=None):
    """Train with Adam (lesson 07's :func:`attention_lib.training.adam_step`) on random windows of the training text.

    Parameters
    ----------
    config : TrainConfig
    corpus : attention_lib.corpus.Corpus
    callback : callable, optional
        ``callback(step, loss, record)`` after every step; ``record`` is the evaluation dict at the steps
        that evaluate (every ``eval_every`` steps and the last), else None. Return True to stop early.
    params : dict, optional
        Start from these instead of ``init_gpt(config.model, config.seed)``.

    Returns
    -------
    dict
        ``params``; ``loss`` (steps,) the training loss of every step; ``evals`` a list of
        ``{"step", "val_loss"}`` on the fixed validation windows (step 0 first); ``seconds`` and
        ``cpu_seconds`` (``time.process_time``) of the loop; ``config``.
    """
    c = config
    if corpus.vocab_size != c.model.vocab_size:
        raise ValueError(f"the text has {corpus.vocab_size} characters but the model expects "
                         f"vocab_size = {c.model.vocab_size}")
    params = init_gpt(c.model, c.seed) if params is None else dict(params)
    _check_params(params, c.model)
    state = adam_init(params)
    rng = np.random.default_rng([c.seed, 1])
    val_tokens, val_targets = eval_batch(corpus, c)

    def val_loss():
        return gpt_loss_and_grads_value(params, val_tokens, val_targets, c.model)

    losses, evals = [], [{"step": 0, "val_loss": val_loss()}]
    start, cpu = time.perf_counter(), time.process_time()
    for step in range(1, c.steps + 1):
        tokens, targets = corpus_lib.random_batch(corpus.train, c.batch_size, c.model.context, rng)
        loss, grads = gpt_loss_and_grads(params, tokens, targets, c.model)
        grads, _ = clip_gradients(grads, c.clip)
        params, state = adam_step(params, grads, state, learning_rate(c, step), beta2=c.beta2)
        losses.append(loss)
        record = None
        if step % c.eval_every == 0 or step == c.steps:
            record = {"step": step, "val_loss": val_loss()}
            evals.append(record)
        if callback is not None and callback(step, loss, record):
            break
    return {"params": params, "loss": np.array(losses), "evals": evals, "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu, "config": c}


def gpt_loss_and_grads_value(params, tokens, targets, model):
    """The mean cross-entropy alone (no gradients), in float64, on a fixed batch."""
    logits = gpt_forward(params, tokens, model).astype(np.float64)          # (B, T, V)
    top = logits.max(axis=-1, keepdims=True)
    log_z = top[..., 0] + np.log(np.exp(logits - top).sum(axis=-1))         # (B, T)
    picked = np.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]   # (B, T)
    return float(np.mean(log_z - picked))


# --------------------------------------------------------------------------- the course's runs


COURSE_MODEL = GPTConfig(vocab_size=73, context=64, d_model=96, n_heads=4, n_layers=2)
COURSE_RUNS = {
    "gpt": TrainConfig(model=COURSE_MODEL, steps=4000, batch_size=32, lr=3e-3, warmup=100, eval_every=250),
    "mean": TrainConfig(model=dataclasses.replace(COURSE_MODEL, mixer="mean"), steps=4000, batch_size=32, lr=3e-3,
                        warmup=100, eval_every=250),
}
"""What ``python -m attention_lib.course train-tiny-gpt`` trains: the GPT, and the same network and training with
its attention replaced by a causal mean (the baseline without attention)."""


def run_log(history, corpus, val_loss, started=""):
    """The JSON-able record a checkpoint keeps of its run (every loss as an exact decimal string)."""
    return {"loss": [repr(float(x)) for x in history["loss"]],
            "evals": [{"step": e["step"], "val_loss": repr(float(e["val_loss"]))} for e in history["evals"]],
            "val_loss": repr(float(val_loss)), "seconds": round(history["seconds"], 1),
            "cpu_seconds": round(history["cpu_seconds"], 1), "chars": corpus.chars,
            "text_sha256": corpus_lib.TEXT_SHA256, "numpy": np.__version__, "started": started,
            "environment": {k: os.environ.get(k, "") for k in (*PINNED_NUMERICS, "OPENBLAS_NUM_THREADS")}}


# --------------------------------------------------------------------------- checkpoints


def _config_dict(config):
    return dataclasses.asdict(config)


def train_config_from_dict(d):
    """A :class:`TrainConfig` from :func:`dataclasses.asdict` of one (as a checkpoint stores it)."""
    d = dict(d)
    d["model"] = GPTConfig(**d["model"])
    return TrainConfig(**d)


def save_checkpoint(path, params, config, log):
    """Write ``params`` (as float32), the :class:`TrainConfig` and the run's ``log`` (a JSON-able dict) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = json.dumps({"config": _config_dict(config), "log": log}, sort_keys=True)
    arrays = {f"param/{n}": np.asarray(v, dtype=np.float32) for n, v in params.items()}
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(partial, meta=np.array(meta), **arrays)
    partial.replace(path)
    return path


def load_checkpoint(path):
    """``(params, config, log)`` from a file written by :func:`save_checkpoint`; params are float32."""
    with np.load(Path(path), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        params = {name[len("param/"):]: data[name] for name in data.files if name.startswith("param/")}
    config = train_config_from_dict(meta["config"])
    _check_params(params, config.model)
    return params, config, meta["log"]
