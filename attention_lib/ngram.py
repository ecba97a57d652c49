"""Counted n-gram models of characters: the baselines a tiny GPT must beat (lesson 10).

An n-gram model predicts a character from the ``n − 1`` characters before it, by counting: how often
did each character follow this context in the training text? With **add-k smoothing** (Lidstone),

    p(c | context) = (count(context, c) + k) / (count(context) + k·V),

every character keeps some probability, even after a context the training text never showed. ``k``
is chosen on the training text alone (:func:`tune_k`): fit on its first 90 %, score its last 10 %, keep
the best ``k`` of a grid, then count again on all of it. Losses are in nats per character, like the
model's cross-entropy; the uniform guess scores ``ln V``.
"""
from __future__ import annotations

import math

import numpy as np

K_GRID = tuple(float(k) for k in np.round(np.logspace(-3, 1, 17), 4))
"""The smoothing constants :func:`tune_k` tries: 17 values from 0.001 to 10, evenly spaced on a log scale."""


def _context_index(ids, n, V):
    """For every position ``i >= n − 1``, the number of its context ``ids[i−n+1 : i]`` in base V: (m,),
    m = len(ids) − n + 1."""
    m = len(ids) - n + 1
    index = np.zeros(m, dtype=np.int64)                  # (m,)
    for j in range(n - 1):
        index = index * V + ids[j:j + m]
    return index


def ngram_counts(ids, n, V):
    """How often each character followed each context of ``n − 1`` characters: (V**(n−1), V)."""
    ids = np.asarray(ids, dtype=np.int64)
    ctx = _context_index(ids, n, V) if n > 1 else np.zeros(len(ids), dtype=np.int64)   # (m,)
    nxt = ids[n - 1:]                                    # (m,)
    flat = np.bincount(ctx * V + nxt, minlength=V ** n)  # (V**n,)
    return flat.reshape(V ** (n - 1), V).astype(np.float64)


def ngram_log_probs(counts, k):
    """Add-k smoothed log-probabilities, one row per context: (V**(n−1), V)."""
    V = counts.shape[1]
    return np.log(counts + k) - np.log(counts.sum(axis=1, keepdims=True) + k * V)


def ngram_loss(log_probs, ids, n, start=None):
    """Mean negative log-likelihood, in nats per character, of ``ids[start:]`` given the characters before.

    Parameters
    ----------
    log_probs : ndarray, (V**(n−1), V), from :func:`ngram_log_probs`
    ids : array_like of int
        The text, with enough characters before ``start`` to give the first target its context.
    n : int
    start : int, optional
        The first position scored; default ``n − 1`` (the first with a full context).
    """
    ids = np.asarray(ids, dtype=np.int64)
    V = log_probs.shape[1]
    start = n - 1 if start is None else start
    if start < n - 1:
        raise ValueError(f"an {n}-gram needs {n - 1} characters of context before position {start}")
    targets = ids[start:]                                # (m,)
    if n == 1:
        return float(-log_probs[0, targets].mean())
    ctx = _context_index(ids[start - n + 1:], n, V)   # (m,)
    return float(-log_probs[ctx, targets].mean())


def tune_k(train_ids, n, V, grid=K_GRID, held_out=0.1):
    """The add-k constant that scores best on the last ``held_out`` of the training text, counted on the rest.

    Returns
    -------
    k : float
    losses : dict of float -> float
        The held-out loss of every ``k`` of the grid.
    """
    cut = int(round(len(train_ids) * (1 - held_out)))
    counts = ngram_counts(train_ids[:cut], n, V)
    losses = {k: ngram_loss(ngram_log_probs(counts, k), train_ids, n, start=cut) for k in grid}
    return min(losses, key=losses.get), losses


def baselines(train_ids, val_with_context, n_context, V, orders=(1, 2, 3)):
    """Uniform and counted n-gram losses on the validation text, in nats per character.

    Parameters
    ----------
    train_ids : array_like of int
    val_with_context : array_like of int
        The validation ids preceded by ``n_context`` training ids (:func:`attention_lib.corpus.with_context`).
    n_context : int
        How many ids precede the validation text in ``val_with_context``; only the validation text is scored.
    V : int
    orders : the n-gram orders to fit

    Returns
    -------
    dict
        ``{"uniform": {"loss": ln V}, 1: {"k": ..., "loss": ...}, 2: {...}, 3: {...}}``.
    """
    out = {"uniform": {"loss": math.log(V)}}
    for n in orders:
        k, _ = tune_k(train_ids, n, V)
        log_probs = ngram_log_probs(ngram_counts(train_ids, n, V), k)
        out[n] = {"k": k, "loss": ngram_loss(log_probs, val_with_context, n, start=n_context)}
    return out
