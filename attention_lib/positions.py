"""Where order comes from: positional information for attention (lesson 09).

Attention without a mask treats its tokens as a set: shuffle them and the outputs shuffle with them.
Four ways to give it order, each derived in the lesson:

- **sinusoidal encodings** (Vaswani et al. 2017, §3.5), added to the token vectors:
  ``PE[p, 2i] = sin(p ω_i)``, ``PE[p, 2i+1] = cos(p ω_i)``, ``ω_i = base^(−2i/d)``;
  a fixed offset ``k`` is a rotation of each (sin, cos) pair, :func:`sinusoidal_shift`;
- **learned absolute positions**: a table of vectors, one per position, trained like the token
  embeddings (a row that training never reached stays as it was initialised);
- **RoPE** (Su et al. 2021, RoFormer, §3.2): each query and key is rotated by its position, pair by
  pair, so a score depends on the two positions only through their difference; :func:`apply_rope`
  uses the half-split pairing of GPT-NeoX and Llama (dimension ``i`` with ``i + d/2``);
- **ALiBi** (Press et al. 2022, §3): no position vectors at all, but a penalty ``−m_h · (distance)``
  added to each head's scores, :func:`alibi_bias`, with fixed slopes :func:`alibi_slopes`.

The second half of the module is the lesson's experiment: a one-layer, multi-head causal attention
model trained by hand on the **most recent value** task (see :class:`RecencyConfig`), with each
scheme's backward pass written out, and tested on sequences longer than it was trained on.
"""
from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

import numpy as np

from ._validate import as_float_array, positive_scalar, whole_number
from .backward import attention_backward, project, weight_gradient
from .masking import causal_mask
from .multihead import merge_heads, split_heads
from .softmax import softmax
from .training import adam_init, adam_step, cross_entropy

BASE = 10000.0
"""The base of the sinusoidal and rotary frequencies in Vaswani et al. (2017) and Su et al. (2021)."""


# --------------------------------------------------------------------------- sinusoidal encodings


def _even_size(d, what):
    d = whole_number(d, "d")
    if d % 2:
        raise ValueError(f"{what} pair the features two by two, so d must be even, got d={d}")
    return d


def frequencies(d, base=BASE):
    """The angular frequencies ``ω_i = base^(−2i/d)``, ``i = 0 … d/2 − 1``, of sinusoidal encodings and RoPE.

    Parameters
    ----------
    d : int, even
        Number of features; there is one frequency per pair of features.
    base : float
        10,000 in both papers. The wavelengths ``2π / ω_i`` run from ``2π`` (``i = 0``) to just
        under ``2π · base`` (``i = d/2 − 1``).

    Returns
    -------
    omega : ndarray, (d/2,)
    """
    d = _even_size(d, "sinusoidal encodings and RoPE")
    base = positive_scalar(base, "base")
    return base ** (-np.arange(0, d, 2) / d)             # (d/2,)


def sinusoidal_positions(n, d, base=BASE):
    """The sinusoidal position encodings of Vaswani et al. (2017, §3.5) for positions ``0 … n − 1``.

    ``PE[p, 2i] = sin(p / base^(2i/d))`` and ``PE[p, 2i + 1] = cos(p / base^(2i/d))``: the even
    columns hold sines, the odd columns the cosines of the same frequencies (interleaved, as in
    the paper).

    Parameters
    ----------
    n : int
        Number of positions.
    d : int, even
        Size of each encoding (the model width it is added to).
    base : float

    Returns
    -------
    pe : ndarray, (n, d)
    """
    n = whole_number(n, "n", minimum=0)
    omega = frequencies(d, base)                         # (d/2,)
    angles = np.arange(n)[:, None] * omega[None, :]      # (n, d/2)
    pe = np.empty((n, 2 * len(omega)))                   # (n, d)
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles)
    return pe


def sinusoidal_shift(k, d, base=BASE):
    """The matrix that moves a sinusoidal encoding ``k`` positions along: ``PE[p + k] = PE[p] @ M.T``.

    For each frequency, ``sin((p + k)ω) = cos(kω) sin(pω) + sin(kω) cos(pω)`` and
    ``cos((p + k)ω) = −sin(kω) sin(pω) + cos(kω) cos(pω)``: a 2 × 2 rotation of the pair
    (sin, cos) that depends on ``k`` and not on ``p``. ``M`` holds these blocks on its diagonal.

    Parameters
    ----------
    k : float
        The offset (may be negative).
    d : int, even
    base : float

    Returns
    -------
    M : ndarray, (d, d), orthogonal, block-diagonal with 2 × 2 blocks.
    """
    omega = frequencies(d, base)                         # (d/2,)
    c, s = np.cos(k * omega), np.sin(k * omega)          # (d/2,) each
    M = np.zeros((2 * len(omega), 2 * len(omega)))       # (d, d)
    even, odd = np.arange(0, 2 * len(omega), 2), np.arange(1, 2 * len(omega), 2)
    M[even, even], M[even, odd] = c, s
    M[odd, even], M[odd, odd] = -s, c
    return M


# --------------------------------------------------------------------------- RoPE


def _rope_angles(shape, positions, base):
    """Rotation angles ``positions · ω_i`` broadcast against ``shape[:-1]``: (..., T, d/2)."""
    d = _even_size(shape[-1], "RoPE")
    positions = as_float_array(positions, "positions")
    try:
        positions = np.broadcast_to(positions, shape[:-1])              # (..., T)
    except ValueError:
        raise ValueError(f"positions of shape {positions.shape} cannot give one position to each of the "
                         f"{shape[-2] if len(shape) > 1 else 1} rows of x {tuple(shape)}: pass shape (T,) "
                         f"= ({shape[-2] if len(shape) > 1 else 1},) or one that broadcasts to {shape[:-1]}"
                         ) from None
    return positions[..., None] * frequencies(d, base)                 # (..., T, d/2)


def apply_rope(x, positions, base=BASE):
    """Rotary position embedding (Su et al. 2021, §3.2): rotate each pair of features by its position.

    **Pairing: half-split, as GPT-NeoX and Llama in Hugging Face transformers** (``rotate_half``):
    feature ``i`` pairs with feature ``i + d/2``, for ``i = 0 … d/2 − 1``, and the pair is rotated by
    the angle ``position · ω_i`` with ``ω_i = base^(−2i/d)``::

        out[..., i]       = x[..., i] cos(p ω_i) − x[..., i + d/2] sin(p ω_i)
        out[..., i + d/2] = x[..., i] sin(p ω_i) + x[..., i + d/2] cos(p ω_i)

    The paper and Meta's original Llama code pair neighbours instead, ``(2i, 2i + 1)``
    (interleaved). The two conventions differ by a fixed permutation of the features, so a model
    trained with one works with that one only; their scores have the same properties.

    Apply it to queries and keys (never to values), after their projections and before the scores:
    then ``apply_rope(q, m) · apply_rope(k, n)`` depends on ``m`` and ``n`` only through ``m − n``.

    Parameters
    ----------
    x : array_like, (..., T, d), d even
    positions : array_like, (T,) or broadcastable to (..., T)
        The position of each row: ``0 … T − 1`` for a whole sequence, ``n_past … n_past + T − 1``
        for new tokens after a KV cache of ``n_past`` tokens.
    base : float

    Returns
    -------
    out : ndarray, same shape as ``x``; every pair keeps its length.
    """
    x = as_float_array(x, "x")
    if x.ndim < 1:
        raise ValueError("x must have at least one axis of features (..., T, d)")
    angles = _rope_angles(x.shape, positions, base)     # (..., T, d/2)
    cos, sin = np.cos(angles), np.sin(angles)            # (..., T, d/2) each
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]                # (..., T, d/2) each: the two halves of every pair
    return np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)   # (..., T, d)


def apply_rope_backward(d_out, positions, base=BASE):
    """Gradient of :func:`apply_rope` with respect to ``x``: each pair rotated back, by ``−position · ω_i``.

    ``apply_rope`` multiplies every pair by a rotation matrix ``R``; the gradient is ``Rᵀ d_out``,
    and the transpose of a rotation is the rotation by the opposite angle.

    Parameters
    ----------
    d_out : array_like, (..., T, d)
        Gradient of the loss with respect to the rotated vectors.
    positions, base : as in :func:`apply_rope`.

    Returns
    -------
    dx : ndarray, same shape as ``d_out``
    """
    d_out = as_float_array(d_out, "d_out")
    angles = _rope_angles(d_out.shape, positions, base)  # (..., T, d/2)
    cos, sin = np.cos(angles), np.sin(angles)            # (..., T, d/2) each
    half = d_out.shape[-1] // 2
    g1, g2 = d_out[..., :half], d_out[..., half:]        # (..., T, d/2) each
    return np.concatenate([g1 * cos + g2 * sin, -g1 * sin + g2 * cos], axis=-1)   # (..., T, d)


def rope_scores(q, k, q_positions, k_positions, base=BASE):
    """Scaled dot-product scores of rotated queries and keys: ``R(m) q · R(n) k / √d``.

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)
    q_positions : array_like, (n_q,)   k_positions : array_like, (n_k,)
    base : float

    Returns
    -------
    scores : ndarray, (..., n_q, n_k)
    """
    q_rot = apply_rope(q, q_positions, base)             # (..., n_q, d)
    k_rot = apply_rope(k, k_positions, base)             # (..., n_k, d)
    return q_rot @ np.swapaxes(k_rot, -1, -2) / math.sqrt(q_rot.shape[-1])   # (..., n_q, n_k)


# --------------------------------------------------------------------------- ALiBi


def alibi_slopes(n_heads):
    """ALiBi's fixed head slopes (Press et al. 2022, §3).

    For ``h`` heads, a power of 2, the slopes are the geometric sequence ``2^(−8/h), 2^(−16/h), …,
    2^(−8)``: ``m_i = 2^(−8i/h)``, ``i = 1 … h``. For other head counts the authors' code
    (github.com/ofirpress/attention_with_linear_biases) takes the slopes of the largest power of 2
    below ``h``, ``p``, then every other slope of ``2p`` heads (the ones in between) for the remaining
    ``h − p`` heads.

    Parameters
    ----------
    n_heads : int

    Returns
    -------
    slopes : ndarray, (n_heads,), all in (0, 1).
    """
    h = whole_number(n_heads, "n_heads")
    p = 2 ** int(math.floor(math.log2(h)))
    powers = 2.0 ** (-8.0 * np.arange(1, p + 1) / p)     # (p,)
    if p == h:
        return powers
    return np.concatenate([powers, alibi_slopes(2 * p)[0::2][: h - p]])   # (h,)


def alibi_bias(n_heads, n_q, n_k=None):
    """ALiBi's bias for causal attention, to add to the scores of each head before the softmax.

    Query ``i`` sits at position ``n_k − n_q + i`` (the last ``n_q`` of ``n_k`` positions, as after a
    KV cache; :func:`attention_lib.causal_mask` aligns the same way). For key ``j`` at or before it,
    head ``h`` adds ``−m_h · (position of i − j)``: 0 for the query's own key, more negative the
    further back the key is. Keys after the query get ``−inf``: the bias carries the causal mask.

    Parameters
    ----------
    n_heads : int
    n_q : int
    n_k : int, optional
        Default ``n_q``; must be at least ``n_q``.

    Returns
    -------
    bias : ndarray, (n_heads, n_q, n_k)
        Add it to scores of shape (..., n_heads, n_q, n_k), in place of a causal mask.
    """
    allowed = causal_mask(n_q, n_k)                      # (n_q, n_k), checks n_k >= n_q
    n_q, n_k = allowed.shape
    back = np.arange(n_k)[None, :] - (n_k - n_q + np.arange(n_q))[:, None]   # (n_q, n_k), key − query: ≤ 0 if allowed
    slopes = alibi_slopes(n_heads)                       # (h,)
    bias = slopes[:, None, None] * back[None, :, :]      # (h, n_q, n_k): −m · distance back, +0 on the diagonal
    return np.where(allowed, bias, -np.inf)              # (h, n_q, n_k)


# --------------------------------------------------------------------------- the experiment: the most recent value

SCHEMES = ("none", "sinusoidal", "learned", "rope", "alibi")
"""The position schemes the experiment compares; "none" is the baseline with no position information."""


@dataclasses.dataclass(frozen=True)
class RecencyConfig:
    """The **most recent value** task and a one-layer model for it; equal configs give identical runs.

    A sequence mixes *value* tokens (symbols ``0 … n_values − 1``) and *filler* tokens (the next
    ``n_fillers`` symbols); each token is a value with probability ``p_value``, and position 0 is
    always one. At every position ``t`` the model must output the most recent value at or before
    ``t``: the value itself when token ``t`` is one, else the value that came last before it. Which
    tokens can answer is a matter of content; which of them is the answer is a matter of order, and
    only of *relative* order: the nearest one back wins, wherever the sequence started.

    The model is one causal attention layer with ``n_heads`` heads, a residual connection and an
    unembedding, trained by hand with Adam on sequences of ``train_len`` tokens, and tested at
    ``test_lengths``. ``scheme`` says where positions enter: nowhere ("none"), added to the token
    vectors ("sinusoidal", "learned"), by rotating queries and keys ("rope"), or as a bias on the
    scores ("alibi").

    Attributes
    ----------
    scheme : one of :data:`SCHEMES`
    n_values, n_fillers : int
    p_value : float
    train_len : int
    test_lengths : tuple of int
    d_model, n_heads : int
        Model width and heads; each head has ``d_model / n_heads`` features (even, for RoPE).
    base : float
        Of the sinusoidal and rotary frequencies.
    steps, batch_size : int
    lr : float
        Adam's learning rate.
    seed : int
        Seeds the initial weights and the training data.
    n_eval_tokens : int
        Held-out tokens per test length (``n_eval_tokens // length`` sequences), from a generator the
        training data never uses.
    log_every : int
        Steps between calls to the callback of :func:`train`.
    """

    scheme: str = "rope"
    n_values: int = 8
    n_fillers: int = 8
    p_value: float = 0.25
    train_len: int = 16
    test_lengths: tuple = (16, 32, 64, 128)
    d_model: int = 32
    n_heads: int = 4
    base: float = BASE
    steps: int = 1000
    batch_size: int = 32
    lr: float = 0.01
    seed: int = 0
    n_eval_tokens: int = 8192
    log_every: int = 50

    def __post_init__(self):
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {self.scheme!r}; choose one of {SCHEMES}")
        if self.d_model % self.n_heads or (self.d_model // self.n_heads) % 2:
            raise ValueError(f"d_model = {self.d_model} must split into {self.n_heads} heads of an even size "
                             "(RoPE rotates pairs of features)")
        if not 0 < self.p_value <= 1:
            raise ValueError(f"p_value must be in (0, 1], got {self.p_value}")

    @property
    def vocab(self) -> int:
        return self.n_values + self.n_fillers

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    @property
    def max_len(self) -> int:
        """Rows of the learned position table: the longest length the model is ever run on."""
        return max((self.train_len, *self.test_lengths))


def make_sequences(config, n, length, rng):
    """``n`` random sequences of ``length`` tokens and, at every position, the most recent value.

    Returns
    -------
    tokens : ndarray of int, (n, length)
    targets : ndarray of int, (n, length)
        ``targets[b, t]`` is ``tokens[b, s]`` for the largest ``s <= t`` whose token is a value.
    """
    c = config
    is_value = rng.random((n, length)) < c.p_value                   # (n, L)
    is_value[:, 0] = True                                            # every position has an answer
    values = rng.integers(0, c.n_values, size=(n, length))           # (n, L)
    fillers = rng.integers(c.n_values, c.vocab, size=(n, length))    # (n, L)
    tokens = np.where(is_value, values, fillers)                     # (n, L)
    last = np.maximum.accumulate(np.where(is_value, np.arange(length), 0), axis=1)   # (n, L) index of the answer
    return tokens, np.take_along_axis(tokens, last, axis=1)


def init_params(config, rng):
    """``E`` (vocab, D), ``W_q W_k W_v W_o`` (D, D), ``U`` (D, vocab), and ``P`` (max_len, D) for the learned
    scheme. Head ``j`` owns columns ``[j·d, (j+1)·d)`` of ``W_q W_k W_v`` and the same rows of ``W_o``
    (lesson 06's :func:`attention_lib.split_heads`). Entries are normal with standard deviation
    ``1/sqrt(fan_in)``; ``E`` is N(0, 1) and ``P`` N(0, 0.5²)."""
    c = config
    D = c.d_model
    params = {"E": rng.normal(0.0, 1.0, (c.vocab, D))}
    for name in ("W_q", "W_k", "W_v", "W_o"):
        params[name] = rng.normal(0.0, D**-0.5, (D, D))
    params["U"] = rng.normal(0.0, D**-0.5, (D, c.vocab))
    if c.scheme == "learned":
        params["P"] = rng.normal(0.0, 0.5, (c.max_len, D))
    return params


def _inputs(params, tokens, config):
    """Token vectors, plus position vectors for the schemes that add them: (B, T, D)."""
    T = tokens.shape[1]
    x = params["E"][tokens]                                          # (B, T, D)
    if config.scheme == "sinusoidal":
        x = x + sinusoidal_positions(T, config.d_model, config.base)   # (T, D) broadcast over the batch
    elif config.scheme == "learned":
        if T > params["P"].shape[0]:
            raise ValueError(f"the learned position table has {params['P'].shape[0]} rows, so it cannot "
                             f"place a sequence of {T} tokens")
        x = x + params["P"][:T]                                      # (B, T, D)
    return x


def forward(params, tokens, config):
    """Logits of the most recent value at every position, and the cache for :func:`loss_and_grads`.

    Parameters
    ----------
    params : dict, from :func:`init_params`
    tokens : ndarray of int, (B, T)
    config : RecencyConfig

    Returns
    -------
    logits : ndarray, (B, T, vocab)
    cache : dict
        ``x`` (B, T, D), ``q k v`` (B, h, T, d) (q and k rotated for RoPE), ``weights`` (B, h, T, T),
        ``heads`` (B, T, D) (the heads' outputs side by side), ``y`` (B, T, D), ``positions`` (T,).
    """
    c = config
    T = tokens.shape[1]
    positions = np.arange(T)                                         # (T,)
    x = _inputs(params, tokens, c)                                   # (B, T, D)
    q, k, v = (split_heads(project(x, params[name]), c.n_heads) for name in ("W_q", "W_k", "W_v"))   # (B, h, T, d)
    if c.scheme == "rope":
        q, k = apply_rope(q, positions, c.base), apply_rope(k, positions, c.base)   # (B, h, T, d) each
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(c.d_head)        # (B, h, T, T)
    if c.scheme == "alibi":
        scores = scores + alibi_bias(c.n_heads, T)                   # (h, T, T) broadcast, −inf in the future
    else:
        scores = np.where(causal_mask(T), scores, -np.inf)           # (B, h, T, T)
    weights = softmax(scores, axis=-1)                               # (B, h, T, T)
    heads = merge_heads(weights @ v)                                 # (B, T, D)
    y = x + project(heads, params["W_o"])                            # (B, T, D) residual + attention
    logits = project(y, params["U"])                                 # (B, T, vocab)
    return logits, {"tokens": tokens, "x": x, "q": q, "k": k, "v": v, "weights": weights, "heads": heads,
                    "y": y, "positions": positions}


def loss_and_grads(params, tokens, targets, config):
    """Mean cross-entropy over every position, and its gradient for every parameter, by hand.

    The attention step's gradients come from :func:`attention_lib.backward.attention_backward`
    (the ALiBi bias and the mask are constants: they shape the weights and get no gradient).
    RoPE's rotation is undone on ``dq`` and ``dk`` by :func:`apply_rope_backward`; the position
    vectors added to the input get the input's gradient, summed over the batch (the learned table)
    or nothing (the sinusoidal encodings are fixed).

    Returns
    -------
    loss : float
    grads : dict, keyed like ``params``
    """
    c = config
    logits, cache = forward(params, tokens, c)                       # (B, T, V)
    B, T, V = logits.shape
    loss, d_logits = cross_entropy(logits.reshape(B * T, V), targets.reshape(-1))
    d_logits = d_logits.reshape(B, T, V)                             # (B, T, V)
    grads = {"U": weight_gradient(cache["y"], d_logits)}             # (D, V)
    d_y = project(d_logits, params["U"].T)                           # (B, T, D)
    grads["W_o"] = weight_gradient(cache["heads"], d_y)              # (D, D)
    d_heads = split_heads(project(d_y, params["W_o"].T), c.n_heads)  # (B, h, T, d)
    dq, dk, dv = attention_backward(cache["q"], cache["k"], cache["v"], d_heads, weights=cache["weights"],
                                    scale=1 / math.sqrt(c.d_head))   # (B, h, T, d) each
    if c.scheme == "rope":
        dq = apply_rope_backward(dq, cache["positions"], c.base)     # (B, h, T, d)
        dk = apply_rope_backward(dk, cache["positions"], c.base)     # (B, h, T, d)
    x = cache["x"]
    d_x = d_y.copy()                                                 # (B, T, D) the residual path
    for name, g in (("W_q", dq), ("W_k", dk), ("W_v", dv)):
        g = merge_heads(g)                                           # (B, T, D)
        grads[name] = weight_gradient(x, g)                          # (D, D)
        d_x += project(g, params[name].T)                            # (B, T, D)
    grads["E"] = np.zeros_like(params["E"])
    np.add.at(grads["E"], tokens, d_x)                               # (V, D) every use of a token adds up
    if c.scheme == "learned":
        grads["P"] = np.zeros_like(params["P"])
        grads["P"][:T] = d_x.sum(axis=0)                             # (T, D) rows past T get nothing
    return loss, grads


def accuracy(params, tokens, targets, config):
    """Fraction of positions whose largest logit is the most recent value."""
    logits, _ = forward(params, tokens, config)
    return float(np.mean(np.argmax(logits, axis=-1) == targets))


def held_out(config, length):
    """The held-out sequences of one test length: ``n_eval_tokens // length`` of them, always the same."""
    n = max(1, config.n_eval_tokens // length)
    return make_sequences(config, n, length, np.random.default_rng([config.seed, length, 2**31 - 1]))


def evaluate(params, config, lengths=None):
    """Held-out accuracy at each test length (every position counts): ``{length: accuracy}``."""
    return {L: accuracy(params, *held_out(config, L), config) for L in (lengths or config.test_lengths)}


def train(config, callback=None):
    """Train the model with hand-written gradients and Adam on sequences of ``train_len`` tokens.

    Parameters
    ----------
    config : RecencyConfig
    callback : callable, optional
        ``callback(step, loss)`` every ``log_every`` steps and at the last step.

    Returns
    -------
    history : dict
        ``loss`` (steps,), ``params``, ``seconds`` (wall-clock time of the loop), ``config``.
    """
    c = config
    rng = np.random.default_rng(c.seed)
    params = init_params(c, rng)
    state = adam_init(params)
    losses = np.empty(c.steps)
    start = time.perf_counter()
    for step in range(1, c.steps + 1):
        tokens, targets = make_sequences(c, c.batch_size, c.train_len, rng)
        losses[step - 1], grads = loss_and_grads(params, tokens, targets, c)
        params, state = adam_step(params, grads, state, c.lr)
        if callback is not None and (step % c.log_every == 0 or step == c.steps):
            callback(step, losses[step - 1])
    return {"loss": losses, "params": params, "seconds": time.perf_counter() - start, "config": c}


def content_only_ceiling(tokens, config):
    """The best accuracy any model that cannot see order can reach on these sequences, position by position.

    At a value token the answer is the token itself, which content alone can find. At a filler,
    a model without order sees which values came before and how often, but not which came last.
    Every ordering of those values is equally likely (the value symbols are drawn independently
    of where the values sit), so the last one is symbol ``s`` with probability ``count(s) / count``,
    and the best guess, the most frequent symbol, is right with probability ``max count / count``.

    Parameters
    ----------
    tokens : ndarray of int, (n, L)
    config : RecencyConfig

    Returns
    -------
    ceiling : ndarray, (n, L); its mean is the ceiling's accuracy.
    """
    c = config
    is_value = tokens < c.n_values                                   # (n, L)
    seen = np.where(is_value[..., None], np.eye(c.n_values)[np.where(is_value, tokens, 0)], 0.0)   # (n, L, V_val)
    counts = np.cumsum(seen, axis=1)                                 # (n, L, n_values) each value so far
    return np.where(is_value, 1.0, counts.max(axis=-1) / counts.sum(axis=-1))


def distance_profile(params, config, distances, pair=None):
    """The score a filler query gives a value key ``Δ`` positions back, per head, averaged over the symbols.

    Only for the schemes whose scores depend on the two positions through ``Δ`` alone ("rope",
    "alibi", and "none", where nothing depends on position): query at position ``Δ``, key at 0.

    Parameters
    ----------
    params : dict, from :func:`train`
    config : RecencyConfig
    distances : array_like of int
    pair : int, optional
        RoPE only: keep the part of the score that comes from pair ``pair`` (features ``pair`` and
        ``pair + d/2`` of each head); the parts of all pairs add up to the whole score.

    Returns
    -------
    scores : ndarray, (n_heads, len(distances))
    """
    c = config
    if c.scheme not in ("rope", "alibi", "none"):
        raise ValueError(f"the {c.scheme!r} scheme adds position vectors to the tokens, so its scores depend on "
                         "both positions, not on their distance alone")
    distances = np.asarray(distances)
    q = split_heads(params["E"][None, c.n_values:] @ params["W_q"], c.n_heads)   # (1, h, fillers, d)
    k = split_heads(params["E"][None, :c.n_values] @ params["W_k"], c.n_heads)   # (1, h, values, d)
    if pair is not None:
        if c.scheme != "rope":
            raise ValueError("only RoPE's scores split into pairs of features")
        keep = np.zeros(c.d_head)
        keep[[pair, pair + c.d_head // 2]] = 1.0
        q = q * keep                                                 # (1, h, fillers, d) the other pairs zeroed
    out = np.empty((c.n_heads, len(distances)))
    for j, delta in enumerate(distances):
        qj, kj = q, k
        if c.scheme == "rope":
            qj, kj = apply_rope(q, [delta], c.base), apply_rope(k, [0], c.base)
        s = qj @ np.swapaxes(kj, -1, -2) / math.sqrt(c.d_head)      # (1, h, fillers, values)
        out[:, j] = s[0].mean(axis=(-1, -2))
        if c.scheme == "alibi":
            out[:, j] -= alibi_slopes(c.n_heads) * delta
    return out


# --------------------------------------------------------------------------- the stored runs

RESULTS = Path(__file__).parent / "results" / "extrapolation.json"
"""Where :func:`extrapolation_runs` results are stored (``python -m attention_lib.course extrapolation``)."""
FIRST_LOSSES = 5
"""Losses kept from the start of each stored run, so a test can re-train those steps and compare."""


def extrapolation_runs(config=None, schemes=SCHEMES, seeds=range(5), progress=None):
    """Train every scheme from every seed and test each at every length: the lesson's stored table.

    Parameters
    ----------
    config : RecencyConfig, optional
        Everything but ``scheme`` and ``seed``; default ``RecencyConfig()``.
    schemes, seeds : iterables
    progress : callable, optional
        ``progress(run)`` after each run (``run`` as in the returned list).

    Returns
    -------
    dict
        ``config`` (the fields, without scheme and seed), ``runs`` (a list of ``{"scheme", "seed",
        "accuracy": {length: float}, "first_losses": [...], "final_loss"}``), and ``ceiling``
        (``{length: float}``, :func:`content_only_ceiling` on the held-out sequences).
    """
    base = RecencyConfig() if config is None else config
    runs = []
    for scheme in schemes:
        for seed in seeds:
            c = dataclasses.replace(base, scheme=scheme, seed=int(seed))
            history = train(c)
            run = {"scheme": scheme, "seed": int(seed),
                   "accuracy": {str(L): a for L, a in evaluate(history["params"], c).items()},
                   "first_losses": [float(x) for x in history["loss"][:FIRST_LOSSES]],
                   "final_loss": float(history["loss"][-50:].mean())}
            runs.append(run)
            if progress is not None:
                progress(run)
    fields = {k: v for k, v in dataclasses.asdict(base).items() if k not in ("scheme", "seed")}
    fields["test_lengths"] = list(fields["test_lengths"])
    ceiling = {str(L): float(content_only_ceiling(held_out(base, L)[0], base).mean()) for L in base.test_lengths}
    return {"config": fields, "runs": runs, "ceiling": ceiling}


def config_of(results, scheme, seed):
    """The :class:`RecencyConfig` of one stored run."""
    fields = dict(results["config"], test_lengths=tuple(results["config"]["test_lengths"]))
    return RecencyConfig(scheme=scheme, seed=seed, **fields)


def save_results(results, path=RESULTS):
    """Write results as JSON (floats written exactly: they read back bit for bit)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def load_results(path=RESULTS):
    """The stored results of :func:`extrapolation_runs`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def summary(results):
    """Median, lowest and highest accuracy over the seeds: ``{scheme: {length: (median, low, high)}}``."""
    out = {}
    for run in results["runs"]:
        for L, a in run["accuracy"].items():
            out.setdefault(run["scheme"], {}).setdefault(int(L), []).append(a)
    return {s: {L: (float(np.median(v)), float(min(v)), float(max(v))) for L, v in by_len.items()}
            for s, by_len in out.items()}
