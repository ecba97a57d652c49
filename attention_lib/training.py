"""Training attention by hand on a task where it must look things up (lesson 07).

**The task: associative recall.** Each example is a small dictionary of ``n_pairs``
key–value pairs (distinct keys, distinct values, drawn from ``n_keys`` and ``n_values``
symbols) and one query key from the dictionary; the answer is the value stored under it.
Each memory position holds one pair as ``[embedding(key) | embedding(value)]`` and the
query is ``[embedding(key) | 0]``. The embeddings are fixed: random N(0, 1) vectors of size
``d_embed`` (the default, so projections have unit-variance entries, as in the 1/√d
argument), or one-hot vectors (transparent: ``W_q W_kᵀ`` becomes readable as a matrix).
One attention head reads the memory: ``q = x_q W_q`` must match ``k = x_kv W_k`` on the
key part, ``v = x_kv W_v`` carries the value, and ``W_o`` reads the result out as
``n_values`` logits (the unembedding).

Without a lookup the task cannot be solved by averaging: the values are distinct, so a model
that averages the memory uniformly sees the same mixture whatever the query is, and can do
no better than guessing one of the ``n_pairs`` stored values (chance ``1/n_pairs``).
``RecallConfig(uniform_attention=True)`` is that model: the head with ``W_q`` and ``W_k``
frozen at zero, so every score is 0 and the weights stay uniform. It fails by construction.

**Controls without attention.** ``RecallConfig(model="mlp_mean")`` and ``model="mlp_concat"``
are one-hidden-layer ReLU networks (:func:`mlp_forward`, :func:`mlp_backward`) on
``[x_q | mean of x_kv]`` and on ``[x_q | every pair of x_kv, side by side]``, trained by the
same loop, optimiser and data. The second sees everything the head sees, so with enough
hidden units it can represent the answer; whether training finds that is the question.
:func:`larger_control_runs` trains them far beyond the lesson's budget, and
``python -m attention_lib.course recall-controls`` stores those runs for the lesson (:data:`RESULTS`).

Gradients come from :mod:`attention_lib.backward`; Adam and SGD are written out below.
Everything is seeded, so a run is exactly reproducible.
"""
from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

import numpy as np

from .backward import attention_layer_backward, attention_layer_forward
from .softmax import softmax

# --------------------------------------------------------------------------- the task


@dataclasses.dataclass(frozen=True)
class RecallConfig:
    """Everything that defines a training run; two runs with equal configs are identical.

    Attributes
    ----------
    n_keys, n_values, n_pairs : int
        Symbols available for keys and values, and pairs per example (``n_pairs <=`` both).
    d_head : int
        Size ``d`` of queries and keys (and of values).
    steps, batch_size : int
        Optimiser steps and examples per step.
    optimizer : "adam" or "sgd"
    lr : float
        Learning rate.
    scaled : bool
        Divide the scores by ``sqrt(d)`` (False: raw dot products).
    uniform_attention : bool
        The no-lookup baseline: ``W_q`` and ``W_k`` start at zero and are never updated.
    seed : int
        Seeds the initial weights and the training data.
    log_every : int
        Steps between calls to the callback of :func:`train`.
    n_eval : int
        Held-out examples used by :func:`held_out_accuracy`.
    embedding : "random" or "onehot"
        Fixed symbol embeddings: N(0, 1) vectors of size ``d_embed``, or one-hot.
    d_embed : int
        Size of each random embedding (ignored for one-hot).
    model : "attention", "mlp_mean" or "mlp_concat"
        One attention head (the lesson's model), or a control without attention: a
        one-hidden-layer MLP on the query and the mean of the memory, or on the query and
        the whole memory concatenated (see :func:`mlp_inputs`).
    d_hidden : int
        Hidden units of the MLP controls (ignored for attention).
    """

    n_keys: int = 32
    n_values: int = 32
    n_pairs: int = 16
    d_head: int = 64
    steps: int = 300
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float = 0.005
    scaled: bool = True
    uniform_attention: bool = False
    seed: int = 0
    log_every: int = 20
    n_eval: int = 4000
    embedding: str = "random"
    d_embed: int = 32
    model: str = "attention"
    d_hidden: int = 64

    def __post_init__(self):
        if self.n_pairs > min(self.n_keys, self.n_values):
            raise ValueError(f"n_pairs = {self.n_pairs} pairs need that many distinct keys and values, "
                             f"but n_keys = {self.n_keys} and n_values = {self.n_values}")
        if self.embedding not in ("random", "onehot"):
            raise ValueError(f"unknown embedding {self.embedding!r}; choose 'random' or 'onehot'")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {sorted(OPTIMIZERS)}")
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {list(MODELS)}")
        if self.uniform_attention and self.model != "attention":
            raise ValueError(f"uniform_attention freezes an attention head's W_q and W_k; "
                             f"model {self.model!r} has none")
        if self.d_hidden < 1:
            raise ValueError(f"d_hidden must be at least 1, got {self.d_hidden}")


MODELS = ("attention", "mlp_mean", "mlp_concat")
"""The recall models: one attention head, and two controls without attention."""


def _distinct(rng, n_examples, n_symbols, n_pick):
    """``n_pick`` distinct symbols out of ``n_symbols`` for each example: (n_examples, n_pick)."""
    return np.argsort(rng.random((n_examples, n_symbols)), axis=1)[:, :n_pick]


def make_batch(config, n_examples, rng):
    """Random associative-recall examples.

    Parameters
    ----------
    config : RecallConfig
    n_examples : int
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``x_q`` (n, 1, D): the query key's embedding, then zeros.
        ``x_kv`` (n, n_pairs, D): one pair per position, the key's embedding then the value's.
        ``keys``, ``values`` (n, n_pairs) symbols; ``slot`` (n,) which pair is asked for;
        ``targets`` (n,) the value stored under the query key.
    """
    c = config
    keys = _distinct(rng, n_examples, c.n_keys, c.n_pairs)           # (n, P)
    values = _distinct(rng, n_examples, c.n_values, c.n_pairs)       # (n, P)
    slot = rng.integers(0, c.n_pairs, size=n_examples)               # (n,)
    rows = np.arange(n_examples)
    emb_k, emb_v = embeddings(c)                                     # (n_keys, e), (n_values, e)
    x_kv = np.concatenate([emb_k[keys], emb_v[values]], axis=-1)     # (n, P, D)
    blank = np.zeros((n_examples, emb_v.shape[1]))                                   # (n, d_v)
    x_q = np.concatenate([emb_k[keys[rows, slot]], blank], axis=-1)[:, None, :]     # (n, 1, D)
    return {"x_q": x_q, "x_kv": x_kv, "keys": keys, "values": values, "slot": slot, "targets": values[rows, slot]}


KEY_NAMES = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + tuple("abcdefghijklmnopqrstuvwxyz")
"""Names for key symbols when an example is shown as text (key ``i`` is ``KEY_NAMES[i]``)."""


def example_text(batch, i):
    """Example ``i`` of a batch as one line of text: the dictionary, the query and its answer.

    Keys are letters (:data:`KEY_NAMES`) and values are numbers, e.g.
    ``{C: 7, X: 30, ...}   C → 7``.

    Parameters
    ----------
    batch : dict
        From :func:`make_batch`.
    i : int
        Which example.

    Returns
    -------
    str
    """
    keys, values = batch["keys"][i], batch["values"][i]                  # (n_pairs,), (n_pairs,)
    if keys.max() >= len(KEY_NAMES):
        raise ValueError(f"example_text names at most {len(KEY_NAMES)} keys, but this batch uses key "
                         f"{int(keys.max())}; show it with the raw batch['keys'] instead")
    pairs = ", ".join(f"{KEY_NAMES[k]}: {v}" for k, v in zip(keys.tolist(), values.tolist(), strict=True))
    query = KEY_NAMES[keys[batch["slot"][i]]]
    return f"{{{pairs}}}   {query} → {int(batch['targets'][i])}"


def embeddings(config):
    """The fixed symbol embeddings: keys (n_keys, e) and values (n_values, e).

    Random ones are drawn from their own seeded generator, so training and held-out data share them.
    """
    if config.embedding == "onehot":
        return np.eye(config.n_keys), np.eye(config.n_values)
    rng = np.random.default_rng([config.seed, 7])
    return rng.normal(size=(config.n_keys, config.d_embed)), rng.normal(size=(config.n_values, config.d_embed))


def _shapes(config):
    """The shape of every weight of ``config``'s model."""
    c = config
    d_in = sum(e.shape[1] for e in embeddings(c))                    # D: key and value embedding sizes
    if c.model == "attention":
        return {"W_q": (d_in, c.d_head), "W_k": (d_in, c.d_head), "W_v": (d_in, c.d_head),
                "W_o": (c.d_head, c.n_values)}
    width = 2 * d_in if c.model == "mlp_mean" else d_in * (1 + c.n_pairs)   # the MLP's input, see mlp_inputs
    return {"W_1": (width, c.d_hidden), "b_1": (c.d_hidden,), "W_2": (c.d_hidden, c.n_values), "b_2": (c.n_values,)}


def init_params(config, rng):
    """Initial weights.

    Attention: ``W_q W_k W_v`` (D, d) and ``W_o`` (d, n_values), with D the key and value embedding
    sizes together. MLP controls: ``W_1`` (width, d_hidden), ``b_1``, ``W_2`` (d_hidden, n_values), ``b_2``.
    Matrix entries are normal with standard deviation ``1/sqrt(fan_in)``, biases start at 0; with
    ``uniform_attention`` ``W_q`` and ``W_k`` are zero.
    """
    params = {name: rng.normal(0.0, 1 / math.sqrt(s[0]), s) if len(s) == 2 else np.zeros(s)
              for name, s in _shapes(config).items()}
    if config.uniform_attention:
        params["W_q"], params["W_k"] = np.zeros_like(params["W_q"]), np.zeros_like(params["W_k"])
    return params


def parameter_count(config):
    """How many numbers training can change in ``config``'s model (frozen ``W_q``, ``W_k`` not counted)."""
    names = trainable(config)
    return sum(math.prod(s) for name, s in _shapes(config).items() if name in names)


def trainable(config):
    """Names of the weights the optimiser updates."""
    if config.model != "attention":
        return tuple(_shapes(config))
    return ("W_v", "W_o") if config.uniform_attention else ("W_q", "W_k", "W_v", "W_o")


# --------------------------------------------------------------------------- model and loss


def _scale(config):
    return None if config.scaled else 1.0                # None: the default 1/sqrt(d)


def forward(params, batch, config):
    """Logits for each example, and the cache for :func:`loss_and_grads`.

    Returns
    -------
    logits : ndarray, (n, n_values)
    cache : dict
        Attention: from :func:`attention_lib.backward.attention_layer_forward`, with
        ``cache["weights"]`` (n, 1, n_pairs). MLP controls: from :func:`mlp_forward`.
    """
    if config.model != "attention":
        return mlp_forward(params, mlp_inputs(batch, config.model))
    out, cache = attention_layer_forward(batch["x_q"], batch["x_kv"], params, scale=_scale(config))   # (n, 1, n_values)
    return out[:, 0, :], cache                           # (n, n_values)


def mlp_inputs(batch, model):
    """What an MLP control reads: the query beside the memory, pooled or whole.

    Parameters
    ----------
    batch : dict
        From :func:`make_batch`: ``x_q`` (n, 1, D), ``x_kv`` (n, P, D).
    model : "mlp_mean" or "mlp_concat"

    Returns
    -------
    ndarray
        ``[x_q | mean over the P pairs of x_kv]``, (n, 2 D), for ``mlp_mean``;
        ``[x_q | pair 0 | pair 1 | … | pair P−1]``, (n, D + P·D), for ``mlp_concat``.
    """
    x_q, x_kv = batch["x_q"][:, 0, :], batch["x_kv"]                 # (n, D), (n, P, D)
    if model == "mlp_mean":
        return np.concatenate([x_q, x_kv.mean(axis=1)], axis=-1)     # (n, 2D)
    if model == "mlp_concat":
        return np.concatenate([x_q, x_kv.reshape(len(x_kv), -1)], axis=-1)   # (n, D + P·D)
    raise ValueError(f"mlp_inputs needs model 'mlp_mean' or 'mlp_concat', got {model!r}")


def mlp_forward(params, x):
    """A one-hidden-layer ReLU network: ``logits = relu(x W_1 + b_1) W_2 + b_2``.

    Parameters
    ----------
    params : dict
        ``W_1`` (a, H), ``b_1`` (H,), ``W_2`` (H, c), ``b_2`` (c,).
    x : ndarray, (n, a)

    Returns
    -------
    logits : ndarray, (n, c)
    cache : dict
        ``x``, the pre-activations ``z`` (n, H) and the hidden units ``hidden`` (n, H), for :func:`mlp_backward`.
    """
    if x.shape[-1] != params["W_1"].shape[0]:
        raise ValueError(f"x has {x.shape[-1]} features per example but W_1 has shape {params['W_1'].shape}: "
                         f"W_1 needs {x.shape[-1]} rows")
    z = x @ params["W_1"] + params["b_1"]                # (n, H)
    hidden = np.maximum(z, 0.0)                          # (n, H)
    logits = hidden @ params["W_2"] + params["b_2"]      # (n, c)
    return logits, {"x": x, "z": z, "hidden": hidden}


def mlp_backward(d_logits, cache, params):
    """Gradients of :func:`mlp_forward` for ``W_1 b_1 W_2 b_2``, given ``d_logits`` (n, c).

    ``dW_2 = hiddenᵀ d_logits``, ``d_hidden = d_logits W_2ᵀ``, ``dz = d_hidden ∘ [z > 0]``
    (the ReLU passes gradient only where it was active), ``dW_1 = xᵀ dz``; each bias gets its
    gradient summed over the examples.
    """
    d_hidden = d_logits @ params["W_2"].T                # (n, H)
    dz = d_hidden * (cache["z"] > 0)                     # (n, H)
    return {"W_1": cache["x"].T @ dz, "b_1": dz.sum(axis=0),                          # (a, H), (H,)
            "W_2": cache["hidden"].T @ d_logits, "b_2": d_logits.sum(axis=0)}         # (H, c), (c,)


def cross_entropy(logits, targets):
    """Mean softmax cross-entropy and its gradient with respect to the logits.

    Parameters
    ----------
    logits : ndarray, (n, c)
    targets : ndarray of int, (n,)

    Returns
    -------
    loss : float
    d_logits : ndarray, (n, c)
        ``(softmax(logits) − one_hot(targets)) / n``.
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)             # (n, c)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))   # (n, c)
    loss = -log_probs[np.arange(n), targets].mean()
    d_logits = softmax(logits, axis=1)                               # (n, c)
    d_logits[np.arange(n), targets] -= 1.0
    return float(loss), d_logits / n


def loss_and_grads(params, batch, config):
    """Cross-entropy on a batch and its gradient for every weight.

    Returns
    -------
    loss : float
    grads : dict
        One gradient per weight of the model (``W_q W_k W_v W_o``, or ``W_1 b_1 W_2 b_2``),
        each the shape of its weight.
    """
    logits, cache = forward(params, batch, config)                   # (n, n_values)
    loss, d_logits = cross_entropy(logits, batch["targets"])         # (n, n_values)
    if config.model != "attention":
        return loss, mlp_backward(d_logits, cache, params)
    grads = attention_layer_backward(d_logits[:, None, :], cache, input_grads=False)   # d_out (n, 1, n_values)
    return loss, grads


def accuracy(params, batch, config):
    """Fraction of examples whose largest logit is the stored value."""
    logits, _ = forward(params, batch, config)
    return float(np.mean(np.argmax(logits, axis=1) == batch["targets"]))


def held_out_batch(config):
    """``config.n_eval`` examples from a generator the training data never uses."""
    return make_batch(config, config.n_eval, np.random.default_rng([config.seed, 2**31 - 1]))


def held_out_accuracy(params, config):
    """Accuracy on :func:`held_out_batch`; chance without a lookup is ``1 / n_pairs``."""
    return accuracy(params, held_out_batch(config), config)


def steps_to_loss(losses, level=0.1, window=10):
    """The first step at which the mean of the last ``window`` losses is below ``level``.

    One noisy batch can dip below ``level`` early; a moving average says when training got
    there to stay. Steps count from 1, as in :func:`train`.

    Parameters
    ----------
    losses : array_like, (steps,)
    level : float
    window : int

    Returns
    -------
    int or None
        None if the moving average never gets below ``level`` (or there are fewer than
        ``window`` losses).
    """
    losses = np.asarray(losses, dtype=float)
    if len(losses) < window:
        return None
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")   # (steps - window + 1,)
    below = np.nonzero(smooth < level)[0]                # NaN compares False: a diverged run never counts
    return int(below[0]) + window if len(below) else None


# --------------------------------------------------------------------------- optimisers


def sgd_step(params, grads, state, lr):
    """Plain gradient descent: ``W ← W − lr · dW`` for every weight in ``grads``.

    Returns the new params (a new dict) and the unchanged (empty) state.
    """
    return {n: p - lr * grads[n] if n in grads else p for n, p in params.items()}, state


def adam_init(params):
    """Adam's state: first and second moments at zero, step counter at 0."""
    zeros = {n: np.zeros_like(p) for n, p in params.items()}
    return {"t": 0, "m": zeros, "v": {n: z.copy() for n, z in zeros.items()}}


def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step (Kingma & Ba, 2015) for every weight in ``grads``.

    ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂) g²``, then
    ``W ← W − lr · m̂ / (√v̂ + ε)`` with the bias corrections ``m̂ = m / (1 − β₁ᵗ)``,
    ``v̂ = v / (1 − β₂ᵗ)``.

    Returns
    -------
    params, state : dict, dict
        New dicts; the inputs are not modified.
    """
    t = state["t"] + 1
    m, v, new = dict(state["m"]), dict(state["v"]), dict(params)
    for name, g in grads.items():
        m[name] = beta1 * m[name] + (1 - beta1) * g
        v[name] = beta2 * v[name] + (1 - beta2) * g * g
        m_hat = m[name] / (1 - beta1**t)
        v_hat = v[name] / (1 - beta2**t)
        new[name] = params[name] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new, {"t": t, "m": m, "v": v}


OPTIMIZERS = {"adam": (adam_init, adam_step), "sgd": (lambda params: {}, sgd_step)}


# --------------------------------------------------------------------------- training loop


def train(config, callback=None):
    """Train the recall model (attention, or an MLP control) with hand-written gradients.

    Parameters
    ----------
    config : RecallConfig
    callback : callable, optional
        Called as ``callback(step, loss, weights_snapshot)`` every ``config.log_every``
        steps and at the last step. ``weights_snapshot`` is a copy of the attention
        weights (4, 1, n_pairs) on four fixed probe examples (``history["probe"]``), for
        a live figure of the lookup forming (None for the MLP controls, which have none).

    Returns
    -------
    history : dict
        ``loss`` (steps,) training loss per step; ``params`` the final weights;
        ``probe`` the probe examples; ``seconds`` wall-clock time of the loop;
        ``diverged_at`` the step whose loss overflowed to inf/NaN (training stops there;
        ``loss`` then ends at that step), else None; ``config``.
        Use :func:`held_out_accuracy` for the held-out score.
    """
    c = config
    rng = np.random.default_rng(c.seed)
    params = init_params(c, rng)
    init_state, step_fn = OPTIMIZERS[c.optimizer]
    state = init_state(params)
    probe = make_batch(c, 4, np.random.default_rng([c.seed, 1]))
    names = trainable(c)
    losses, diverged_at = [], None
    start = time.perf_counter()
    for step in range(1, c.steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):   # divergence is detected just below
            loss, grads = loss_and_grads(params, make_batch(c, c.batch_size, rng), c)
            params, state = step_fn(params, {n: grads[n] for n in names}, state, c.lr)
        losses.append(loss)
        if not np.isfinite(loss):
            diverged_at = step
            break
        if callback is not None and (step % c.log_every == 0 or step == c.steps):
            snapshot = forward(params, probe, c)[1]["weights"].copy() if c.model == "attention" else None
            callback(step, loss, snapshot)
    return {"loss": np.array(losses), "params": params, "probe": probe, "seconds": time.perf_counter() - start,
            "diverged_at": diverged_at, "config": c}


# --------------------------------------------------------------------------- stored runs of larger controls

RESULTS = Path(__file__).parent / "results" / "recall_controls.json"
"""Where :func:`larger_control_runs` results are stored (``python -m attention_lib.course recall-controls``)."""
LESSON_CONFIG = RecallConfig(steps=150, log_every=10)
"""The run lesson 07 trains; the larger controls change only what :data:`LARGER_CONTROLS` says."""
LARGER_CONTROLS = {
    "MLP on [question | all 16 pairs], 1,024 hidden, 1,500 steps": {"model": "mlp_concat", "d_hidden": 1024,
                                                                    "steps": 1500},
    "MLP on [question | mean of the pairs], 89 hidden, 1,500 steps": {"model": "mlp_mean", "d_hidden": 89,
                                                                     "steps": 1500},
}
"""Controls too slow for the lesson: the MLP on all the pairs with about 80 times the head's weights, and
both MLPs with ten times the lesson's steps."""
FIRST_LOSSES = 3
"""Losses kept from the start of each stored run, so a test can re-train those steps and compare."""


def larger_control_runs(base=LESSON_CONFIG, controls=LARGER_CONTROLS, seeds=range(3), n_eval=1000, progress=None):
    """Train each control from each seed and score it on ``n_eval`` held-out questions.

    Returns
    -------
    dict
        ``base`` (the fields of ``base``) and ``runs``: one ``{"name", "overrides", "seed", "weights",
        "accuracy", "final_loss", "first_losses"}`` per control and seed (``final_loss``: the mean of the
        last 10 training losses).
    """
    runs = []
    for name, overrides in controls.items():
        for seed in seeds:
            c = dataclasses.replace(base, seed=int(seed), **overrides)
            history = train(c)
            run = {"name": name, "overrides": dict(overrides), "seed": int(seed), "weights": parameter_count(c),
                   "accuracy": held_out_accuracy(history["params"], dataclasses.replace(c, n_eval=n_eval)),
                   "final_loss": float(history["loss"][-10:].mean()),
                   "first_losses": [float(x) for x in history["loss"][:FIRST_LOSSES]]}
            runs.append(run)
            if progress is not None:
                progress(run)
    return {"base": dataclasses.asdict(base), "n_eval": n_eval, "runs": runs}


def stored_config(results, run):
    """The :class:`RecallConfig` of one stored run of :func:`larger_control_runs`."""
    return RecallConfig(**{**results["base"], **run["overrides"], "seed": run["seed"]})


def save_control_runs(results, path=RESULTS):
    """Write results as JSON (floats written exactly: they read back bit for bit)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def load_control_runs(path=RESULTS):
    """The stored results of :func:`larger_control_runs`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
