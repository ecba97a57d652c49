"""Induction heads in a two-layer attention-only model (lesson 07, stretch).

**Data: repeated random tokens.** Each sequence of length ``T`` starts with ``r`` random
tokens followed by the same ``r`` tokens again, then random tokens to the end; the repeat
length ``r`` is drawn per sequence from ``[min_repeat, T // 2]``. Because ``r`` varies, no
fixed positional pattern can find the earlier copy: the model has to match content. The
first copy is unpredictable (loss about ``ln vocab``); the second copy can be predicted only
by copying.

**Model.** Token embedding plus learned positional embedding, ``n_layers`` causal
single-head attention layers with residual connections (``x ← x + attention_layer(x)``),
and an unembedding. No MLPs, no layer norm. Trained on next-token prediction with the
hand-written gradients of :mod:`attention_lib.backward` and Adam from
:mod:`attention_lib.training`. ``n_layers=1`` is the one-layer control; ``ablate`` in
:func:`forward` and :func:`evaluate` removes chosen layers' attention from a trained model
(``ablate_with="mean"`` puts back each position's mean output instead of zeros).

**What forms** (Elhage et al., 2021; Olsson et al., 2022): a *previous-token head* in
layer 1 (position ``t`` attends to ``t − 1``) and an *induction head* in layer 2 (in the
second copy, position ``t`` attends to ``t − r + 1``: the token after the earlier
occurrence of the current token), and with them a sharp drop of the second-copy loss.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from .backward import attention_layer_backward, attention_layer_forward, weight_gradient
from .masking import causal_mask
from .training import adam_init, adam_step, cross_entropy

_LAYER = ("W_q", "W_k", "W_v", "W_o")


@dataclasses.dataclass(frozen=True)
class InductionConfig:
    """A training run of the two-layer model; equal configs give identical runs.

    Attributes
    ----------
    vocab, seq_len, min_repeat : int
        Token vocabulary, sequence length ``T`` and shortest repeated segment.
    n_layers : int
        Attention layers (2 for induction heads; 1 for the one-layer control).
    d_model, d_head : int
        Width of the residual stream and size of each head.
    steps, batch_size : int
    lr : float
        Adam learning rate.
    seed : int
    log_every : int
        Steps between evaluations (and calls to the callback of :func:`train`).
    n_eval : int
        Sequences in the fixed evaluation set.
    """

    vocab: int = 32
    seq_len: int = 24
    min_repeat: int = 4
    n_layers: int = 2
    d_model: int = 32
    d_head: int = 16
    steps: int = 1200
    batch_size: int = 32
    lr: float = 0.003
    seed: int = 0
    log_every: int = 50
    n_eval: int = 500

    def __post_init__(self):
        if not 2 <= self.min_repeat <= self.seq_len // 2:
            raise ValueError(f"min_repeat must be between 2 and seq_len // 2 = {self.seq_len // 2}, "
                             f"got {self.min_repeat}")
        if self.n_layers < 1:
            raise ValueError(f"n_layers must be at least 1, got {self.n_layers}")


def make_sequences(config, n, rng):
    """Sequences with a repeated random segment.

    Returns
    -------
    tokens : ndarray of int, (n, T)
        ``tokens[i, r_i:2 r_i] == tokens[i, :r_i]``; the rest is random.
    repeat : ndarray of int, (n,)
        The repeat length ``r_i`` of each sequence.
    """
    c = config
    tokens = rng.integers(0, c.vocab, size=(n, c.seq_len))          # (n, T)
    repeat = rng.integers(c.min_repeat, c.seq_len // 2 + 1, size=n)  # (n,)
    positions = np.arange(c.seq_len)[None, :]                        # (1, T)
    in_copy = (positions >= repeat[:, None]) & (positions < 2 * repeat[:, None])   # (n, T)
    source = np.where(in_copy, positions - repeat[:, None], positions)            # (n, T)
    return np.take_along_axis(tokens, source, axis=1), repeat


def init_params(config, rng):
    """``E`` (vocab, D), ``P`` (T, D), ``U`` (D, vocab) and ``W_q1 … W_o1``, ``W_q2 …`` for each layer."""
    c = config
    params = {"E": rng.normal(0.0, 1.0, (c.vocab, c.d_model)),
              "P": rng.normal(0.0, 0.5, (c.seq_len, c.d_model)),
              "U": rng.normal(0.0, c.d_model**-0.5, (c.d_model, c.vocab))}
    for layer in range(1, c.n_layers + 1):
        for name, (fan_in, fan_out) in zip(_LAYER, [(c.d_model, c.d_head)] * 3 + [(c.d_head, c.d_model)], strict=True):
            params[f"{name}{layer}"] = rng.normal(0.0, fan_in**-0.5, (fan_in, fan_out))
    return params


def n_layers(params):
    """How many attention layers ``params`` holds (``W_q1``, ``W_q2``, …)."""
    return sum(1 for name in params if name.startswith("W_q"))


def _layer(params, layer):
    return {name: params[f"{name}{layer}"] for name in _LAYER}


ABLATIONS = ("zeros", "mean")


def forward(params, tokens, *, ablate=(), ablate_with="zeros"):
    """Next-token logits for every position but the last.

    Parameters
    ----------
    tokens : ndarray of int, (n, T)
    ablate : collection of int
        Layers whose attention output is removed; their weights are still computed and cached,
        to be looked at.
    ablate_with : "zeros" or "mean"
        What replaces a removed layer's output: zeros (the residual stream passes the layer
        unchanged), or its mean over the ``n`` sequences at each position, which keeps the next
        layer's inputs at their usual size but carries nothing about the sequence at hand.

    Returns
    -------
    logits : ndarray, (n, T − 1, vocab)
        ``logits[:, t]`` predicts ``tokens[:, t + 1]``.
    cache : dict
        Inputs, the last residual stream ``x_out`` and every layer's cache
        (``cache["layer1"]["weights"]`` is (n, T − 1, T − 1)).
    """
    unknown = set(ablate) - set(range(1, n_layers(params) + 1))
    if unknown:
        raise ValueError(f"cannot ablate layer(s) {sorted(unknown)}: the model has layers 1 to {n_layers(params)}")
    if ablate_with not in ABLATIONS:
        raise ValueError(f"ablate_with must be one of {ABLATIONS}, got {ablate_with!r}")
    inputs = tokens[:, :-1]                                          # (n, T-1)
    mask = causal_mask(inputs.shape[1])                              # (T-1, T-1)
    x = params["E"][inputs] + params["P"][: inputs.shape[1]]         # (n, T-1, D)
    cache = {"inputs": inputs}
    for layer in range(1, n_layers(params) + 1):
        a, cache[f"layer{layer}"] = attention_layer_forward(x, x, _layer(params, layer), mask)   # (n, T-1, D)
        if layer not in ablate:
            x = x + a                                                # (n, T-1, D) residual
        elif ablate_with == "mean":
            x = x + a.mean(axis=0, keepdims=True)                    # (n, T-1, D) each position's mean output
    logits = x @ params["U"]                                         # (n, T-1, vocab)
    cache["x_out"] = x
    return logits, cache


def loss_and_grads(params, tokens):
    """Mean next-token cross-entropy and its gradient for every parameter."""
    logits, cache = forward(params, tokens)                          # (n, T-1, V)
    n, t, vocab = logits.shape
    loss, d_logits = cross_entropy(logits.reshape(n * t, vocab), tokens[:, 1:].reshape(-1))
    d_logits = d_logits.reshape(n, t, vocab)                         # (n, T-1, V)
    grads = {"U": weight_gradient(cache["x_out"], d_logits)}         # (D, V)
    d_x = d_logits @ params["U"].T                                   # (n, T-1, D)
    for layer in range(n_layers(params), 0, -1):
        g = attention_layer_backward(d_x, cache[f"layer{layer}"])
        d_x = d_x + g["x_q"] + g["x_kv"]                             # residual + both paths into the layer
        for name in _LAYER:
            grads[f"{name}{layer}"] = g[name]
    one_hot = np.eye(params["E"].shape[0])[cache["inputs"]]          # (n, T-1, V): x0 = one_hot @ E + P
    grads["E"] = weight_gradient(one_hot, d_x)                       # (V, D), summed over every use of a token
    grads["P"] = np.zeros_like(params["P"])
    grads["P"][:t] = d_x.sum(axis=0)                                 # (T-1, D)
    return loss, grads


def evaluate(params, tokens, repeat, *, ablate=(), ablate_with="zeros"):
    """Losses on each copy and the two head scores.

    Parameters
    ----------
    tokens : ndarray of int, (n, T)
    repeat : ndarray of int, (n,)
        The repeat length ``r`` of each sequence.
    ablate, ablate_with
        Layers whose attention is removed, and what replaces it, as in :func:`forward`.

    Returns
    -------
    dict
        ``first_copy_loss``: mean loss predicting tokens 1 … r−1 (unpredictable);
        ``second_copy_loss``: predicting tokens r+1 … 2r−1 (predictable by copying);
        ``previous_token_score``: layer 1's mean weight from position t on t − 1;
        ``induction_score``: the last layer's mean weight, in the second copy, on t − r + 1.
    """
    logits, cache = forward(params, tokens, ablate=ablate, ablate_with=ablate_with)   # (n, T-1, V)
    nll = token_losses(logits, tokens)                               # (n, T-1)
    target = np.arange(1, tokens.shape[1])[None, :]                  # (1, T-1), index of the predicted token
    first = target < repeat[:, None]                                 # (n, T-1)
    second = (target > repeat[:, None]) & (target < 2 * repeat[:, None])   # (n, T-1)
    w1 = cache["layer1"]["weights"]                                  # (n, T-1, T-1)
    w_last = cache[f"layer{n_layers(params)}"]["weights"]            # (n, T-1, T-1)
    t = np.arange(1, w1.shape[1])
    rows, cols = np.nonzero(second)
    return {"first_copy_loss": float(nll[first].mean()), "second_copy_loss": float(nll[second].mean()),
            "previous_token_score": float(w1[:, t, t - 1].mean()),
            "induction_score": float(w_last[rows, cols, cols - repeat[rows] + 1].mean())}


def token_losses(logits, tokens):
    """The loss of every prediction: ``−ln p(tokens[:, t + 1])`` from ``logits[:, t]``, shape (n, T − 1)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)            # (n, T-1, V)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_probs, tokens[:, 1:, None], axis=-1)[..., 0]   # (n, T-1)


def train(config, callback=None):
    """Train the model (``config.n_layers`` layers) with Adam on repeated random tokens.

    Parameters
    ----------
    config : InductionConfig
    callback : callable, optional
        ``callback(step, loss, evaluation)`` every ``log_every`` steps, with the dict of :func:`evaluate`.

    Returns
    -------
    history : dict
        ``loss`` (steps,), ``evals`` a list of ``(step, evaluation)``, ``params``, ``seconds``, ``config``.
    """
    c = config
    rng = np.random.default_rng(c.seed)
    params = init_params(c, rng)
    state = adam_init(params)
    eval_set = make_sequences(c, c.n_eval, np.random.default_rng([c.seed, 2**31 - 1]))
    losses, evals = np.empty(c.steps), [(0, evaluate(params, *eval_set))]
    start = time.perf_counter()
    for step in range(1, c.steps + 1):
        tokens, _ = make_sequences(c, c.batch_size, rng)
        losses[step - 1], grads = loss_and_grads(params, tokens)
        params, state = adam_step(params, grads, state, c.lr)
        if step % c.log_every == 0 or step == c.steps:
            evals.append((step, evaluate(params, *eval_set)))
            if callback is not None:
                callback(step, losses[step - 1], evals[-1][1])
    return {"loss": losses, "evals": evals, "params": params, "seconds": time.perf_counter() - start, "config": c}
