"""A tiny GPT, by hand: the block around attention, the whole model, and every gradient (lesson 10).

The model is GPT-2's decoder (Radford et al., 2019) at toy size, on characters:

* a token embedding ``wte`` (V, D) and a **learned absolute position embedding** ``wpe`` (T, D),
  added (lesson 09 compares the other ways of giving attention the order of the tokens);
* ``n_layers`` **pre-LN blocks**: ``x ← x + attention(LN(x))``, then ``x ← x + MLP(LN(x))``, where the
  attention is lesson 06's causal multi-head attention (``W_q W_k W_v W_o``, no biases) and the MLP is
  ``GELU(x W_1 + b_1) W_2 + b_2`` with the tanh form of GELU;
* a final LayerNorm and the output head, **tied** to the token embedding (logits = ``LN(x) wteᵀ``) unless
  ``GPTConfig(tied=False)``, which adds an untied ``W_out`` (D, V).

Every backward pass is written out here and checked against finite differences in the lesson and in
``tests/lib/test_gpt.py``: :func:`layer_norm_backward`, :func:`gelu_backward`, :func:`mlp_backward`,
:func:`embedding_backward`, the attention's (lesson 07's :func:`attention_lib.backward.attention_backward`
for every head at once) and the whole model's, :func:`gpt_loss_and_grads`.

``GPTConfig(mixer="mean")`` is the baseline without attention: the same network whose attention weights
are fixed at a causal mean (each position averages itself and every earlier position, whatever the
content), so ``W_q`` and ``W_k`` do not exist; ``mixer="none"`` removes the attention sublayer altogether.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from .attention import attention
from .backward import attention_backward
from .masking import causal_mask
from .multihead import merge_heads, split_heads
from .training import cross_entropy

MIXERS = ("attention", "mean", "none")
"""What mixes the positions in each block: trained attention, a fixed causal mean, or nothing."""

GELU_C = math.sqrt(2 / math.pi)
GELU_A = 0.044715
"""The constants of GELU's tanh form: ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))``."""


@dataclasses.dataclass(frozen=True)
class GPTConfig:
    """The shape of a tiny GPT; equal configs and seeds give equal models.

    Attributes
    ----------
    vocab_size : int
        V, the number of distinct tokens (characters).
    context : int
        T_max, the longest sequence the model reads: one learned position vector per position.
    d_model : int
        D, the width of the residual stream.
    n_heads : int
        h, attention heads per block (divides D).
    n_layers : int
        Number of blocks.
    d_mlp : int, optional
        Width of the MLP's hidden layer; default 4·D, as in GPT-2.
    tied : bool
        Output head tied to the token embedding (logits = LN(x) wteᵀ), as in GPT-2.
    mixer : "attention", "mean" or "none"
        See :data:`MIXERS`; "mean" and "none" are the baselines without attention.
    dtype : "float32" or "float64"
        The parameters' and the computation's precision (float64 for gradient checks).
    """

    vocab_size: int = 65
    context: int = 128
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    d_mlp: int | None = None
    tied: bool = True
    mixer: str = "attention"
    dtype: str = "float32"

    def __post_init__(self):
        for name in ("vocab_size", "context", "d_model", "n_heads", "n_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"GPTConfig.{name} must be a whole number >= 1, got {value!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model = {self.d_model} is not divisible by n_heads = {self.n_heads}: "
                             "every head needs d_model / n_heads features")
        if self.mixer not in MIXERS:
            raise ValueError(f"unknown mixer {self.mixer!r}; choose one of {MIXERS}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")

    @property
    def hidden(self) -> int:
        """The MLP's hidden width: ``d_mlp``, or 4·D."""
        return 4 * self.d_model if self.d_mlp is None else self.d_mlp

    @property
    def d_head(self) -> int:
        """d = D / h, the size of one head's queries, keys and values."""
        return self.d_model // self.n_heads


# --------------------------------------------------------------------------- parameters


def param_shapes(config):
    """Every parameter's name and shape, in a fixed order (the order :func:`init_gpt` draws them in).

    ``wte`` (V, D), ``wpe`` (T, D); for each block ``l``: ``h{l}.ln1.g``, ``h{l}.ln1.b`` (D,),
    ``h{l}.W_q``, ``h{l}.W_k`` (attention only), ``h{l}.W_v``, ``h{l}.W_o`` (D, D) (not with mixer "none"),
    ``h{l}.ln2.g``, ``h{l}.ln2.b`` (D,), ``h{l}.W_1`` (D, F), ``h{l}.b_1`` (F,), ``h{l}.W_2`` (F, D),
    ``h{l}.b_2`` (D,); then ``lnf.g``, ``lnf.b`` (D,) and, untied, ``W_out`` (D, V).
    """
    c = config
    D, F = c.d_model, c.hidden
    shapes = {"wte": (c.vocab_size, D), "wpe": (c.context, D)}
    for layer in range(c.n_layers):
        p = f"h{layer}."
        shapes[p + "ln1.g"], shapes[p + "ln1.b"] = (D,), (D,)
        if c.mixer == "attention":
            shapes[p + "W_q"], shapes[p + "W_k"] = (D, D), (D, D)
        if c.mixer != "none":
            shapes[p + "W_v"], shapes[p + "W_o"] = (D, D), (D, D)
        shapes[p + "ln2.g"], shapes[p + "ln2.b"] = (D,), (D,)
        shapes[p + "W_1"], shapes[p + "b_1"] = (D, F), (F,)
        shapes[p + "W_2"], shapes[p + "b_2"] = (F, D), (D,)
    shapes["lnf.g"], shapes["lnf.b"] = (D,), (D,)
    if not c.tied:
        shapes["W_out"] = (D, c.vocab_size)
    return shapes


def init_gpt(config, seed):
    """Initial parameters, as GPT-2 draws them: N(0, 0.02²) weights, residual outputs smaller.

    LayerNorm gains start at 1 and every bias at 0. ``W_o`` and ``W_2``, which write into the residual
    stream, are divided by √(2·n_layers), so the stream's variance does not grow with depth
    (Radford et al., 2019, §2.3).

    Parameters
    ----------
    config : GPTConfig
    seed : int or numpy.random.Generator

    Returns
    -------
    params : dict of str -> ndarray
        Keyed as :func:`param_shapes` lists them, in ``config.dtype``.
    """
    rng = np.random.default_rng(seed)
    residual = 0.02 / math.sqrt(2 * config.n_layers)
    params = {}
    for name, shape in param_shapes(config).items():
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "g":
            value = np.ones(shape)                                    # LayerNorm gain
        elif leaf in ("b", "b_1", "b_2"):
            value = np.zeros(shape)                                   # biases
        else:
            value = rng.normal(0.0, residual if leaf in ("W_o", "W_2") else 0.02, shape)
        params[name] = value.astype(config.dtype)
    return params


def count_parameters(params):
    """The number of learned numbers in ``params``."""
    return int(sum(np.size(p) for p in params.values()))


def _check_params(params, config):
    want = param_shapes(config)
    missing = [n for n in want if n not in params]
    if missing:
        raise ValueError(f"params is missing {missing[:4]}{' …' if len(missing) > 4 else ''}; "
                         "build it with init_gpt(config, seed) for this config")
    for name, shape in want.items():
        if np.shape(params[name]) != shape:
            raise ValueError(f"params[{name!r}] has shape {np.shape(params[name])}, but this config needs {shape}")


def _check_tokens(tokens, config, name="tokens"):
    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or tokens.dtype.kind not in "iu":
        raise ValueError(f"{name} must be whole numbers of shape (B, T), got dtype {tokens.dtype} and shape "
                         f"{tokens.shape}")
    if tokens.shape[1] > config.context:
        raise ValueError(f"{name} has T = {tokens.shape[1]} positions, but the model has learned only "
                         f"context = {config.context} position vectors")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= config.vocab_size):
        raise ValueError(f"{name} holds ids from {tokens.min()} to {tokens.max()}, outside 0 … "
                         f"{config.vocab_size - 1} (vocab_size = {config.vocab_size})")
    return tokens


# --------------------------------------------------------------------------- LayerNorm


def layer_norm(x, gamma, beta, eps=1e-5):
    """LayerNorm over the last axis: each token's vector to mean 0 and variance 1, then scaled and shifted.

    ``y = γ ∘ (x − μ) / √(σ² + ε) + β``, with ``μ`` and ``σ²`` the mean and the (biased) variance of the
    ``D`` features of one token (Ba, Kiros & Hinton, 2016). Nothing is averaged over the batch or the
    positions: every token is normalised on its own.

    Parameters
    ----------
    x : array_like, (..., D)
    gamma, beta : array_like, (D,)
        Learned gain and shift.
    eps : float
        Added to the variance, so a constant vector does not divide by 0.

    Returns
    -------
    y : ndarray, (..., D)
    """
    y, _ = layer_norm_forward(x, gamma, beta, eps)
    return y


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    """:func:`layer_norm`, and the cache :func:`layer_norm_backward` needs.

    Returns
    -------
    y : ndarray, (..., D)
    cache : tuple
        ``(x_hat (..., D), rstd (..., 1), gamma)``: the normalised input and ``1/√(σ² + ε)``.
    """
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    if gamma.shape != x.shape[-1:] or beta.shape != x.shape[-1:]:
        raise ValueError(f"x has shape {x.shape}, so gamma and beta need shape {x.shape[-1:]}; "
                         f"got {gamma.shape} and {beta.shape}")
    mu = x.mean(axis=-1, keepdims=True)                  # (..., 1)
    centred = x - mu                                     # (..., D)
    var = np.mean(centred * centred, axis=-1, keepdims=True)   # (..., 1), biased: divides by D
    rstd = 1.0 / np.sqrt(var + eps)                      # (..., 1)
    x_hat = centred * rstd                               # (..., D)
    return x_hat * gamma + beta, (x_hat, rstd, gamma)


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    """Gradients of :func:`layer_norm` with respect to ``x``, ``gamma`` and ``beta``.

    With ``x̂ = (x − μ)/σ``, ``σ = √(var + ε)`` and ``g = dy ∘ γ``, every feature of a token moves ``μ`` and
    ``σ``, so::

        dx = (g − mean(g) − x̂ ∘ mean(g ∘ x̂)) / σ        (means over the D features of each token)
        dγ = Σ dy ∘ x̂,   dβ = Σ dy                       (sums over every token)

    Parameters
    ----------
    dy : array_like, (..., D)
        Gradient of the loss with respect to the output.
    x : array_like, (..., D)
        The forward pass's input.
    gamma : array_like, (D,)
    eps : float

    Returns
    -------
    dx : ndarray, (..., D)
    dgamma, dbeta : ndarray, (D,)
    """
    dy, x = np.asarray(dy), np.asarray(x)
    if dy.shape != x.shape:
        raise ValueError(f"dy has shape {dy.shape} and x has shape {x.shape}: they must be equal")
    _, cache = layer_norm_forward(x, gamma, np.zeros_like(gamma), eps)
    return _layer_norm_backward(dy, cache)


def _layer_norm_backward(dy, cache):
    """:func:`layer_norm_backward` from the forward pass's cache (no statistics recomputed)."""
    x_hat, rstd, gamma = cache
    g = dy * gamma                                       # (..., D), gradient at x̂
    mean_g = g.mean(axis=-1, keepdims=True)              # (..., 1), through μ
    mean_gx = np.mean(g * x_hat, axis=-1, keepdims=True)   # (..., 1), through σ
    dx = (g - mean_g - x_hat * mean_gx) * rstd           # (..., D)
    rows_dy, rows_xh = dy.reshape(-1, dy.shape[-1]), x_hat.reshape(-1, x_hat.shape[-1])   # (N, D) each
    return dx, np.sum(rows_dy * rows_xh, axis=0), rows_dy.sum(axis=0)


# --------------------------------------------------------------------------- GELU and the MLP


def gelu(x):
    """GELU, tanh form: ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))``.

    Hendrycks & Gimpel (2016, §2) define ``GELU(x) = x Φ(x)`` with ``Φ`` the standard normal CDF and
    give this approximation; GPT-2 uses it, and numpy has no ``erf`` for the exact form.
    """
    return _gelu_and_slope(np.asarray(x))[0]


def gelu_backward(dy, x):
    """``dy ∘ GELU'(x)`` for the tanh form, with ``t = tanh(√(2/π)(x + 0.044715 x³))``::

        GELU'(x) = 0.5 (1 + t) + 0.5 x (1 − t²) √(2/π) (1 + 3·0.044715 x²)
    """
    return dy * _gelu_and_slope(np.asarray(x))[1]


def _gelu_and_slope(x):
    """GELU(x) and GELU'(x) from one tanh (the MLP keeps the slope for its backward pass).

    The formulas of :func:`gelu_backward`, worked in place in five arrays: the same operations in the same order
    as written out, so the same bits, without a new array for every intermediate (three times faster in float32).
    """
    if x.ndim == 0:                                      # one number: numpy's scalars have no in-place arithmetic
        y, slope = _gelu_and_slope(x.reshape(1))
        return y[0], slope[0]
    if x.dtype.kind in "biu":
        x = x.astype(np.float64)                         # whole numbers: the float64 that x * A would make
    x2 = x * x                                           # (...)
    t = np.multiply(x2, GELU_A)                          # (...) A x²
    t += 1.0
    t *= GELU_C * x                                      # (...) √(2/π) x (1 + A x²)
    np.tanh(t, out=t)                                    # (...) t
    half_x = 0.5 * x                                     # (...)
    slope = t + 1.0                                      # (...) 1 + t
    y = half_x * slope                                   # (...) GELU(x)
    np.multiply(t, t, out=t)
    np.subtract(1.0, t, out=t)                           # (...) 1 − t²
    half_x *= t                                          # (...) 0.5 x (1 − t²)
    x2 *= 3 * GELU_A
    x2 += 1.0
    x2 *= GELU_C                                         # (...) √(2/π) (1 + 3A x²)
    half_x *= x2
    slope *= 0.5
    slope += half_x                                      # (...) GELU'(x)
    return y, slope


def _rows(x):
    return x.reshape(-1, x.shape[-1])                    # (N, ·): every token of every sequence


def mlp_forward(x, W_1, b_1, W_2, b_2):
    """The position-wise MLP, ``GELU(x W_1 + b_1) W_2 + b_2``, applied to every token on its own.

    Parameters
    ----------
    x : ndarray, (..., D)
    W_1 : (D, F)   b_1 : (F,)   W_2 : (F, D)   b_2 : (D,)

    Returns
    -------
    y : ndarray, (..., D)
    cache : tuple ``(x, slope, a)``: the input, ``GELU'(u)`` at the pre-activation ``u = x W_1 + b_1``,
    and ``a = GELU(u)``.
    """
    u = _rows(x) @ W_1 + b_1                             # (N, F)
    a, slope = _gelu_and_slope(u)                        # (N, F) each
    y = a @ W_2 + b_2                                    # (N, D)
    return y.reshape(x.shape[:-1] + y.shape[-1:]), (x, slope, a)


def mlp_backward(dy, cache, W_1, W_2):
    """Gradients of :func:`mlp_forward`: ``dx`` (..., D) and the dict ``W_1 b_1 W_2 b_2``.

    Each ``y = x W + b`` gives ``dW = xᵀ dy``, ``db = Σ dy`` and ``dx = dy Wᵀ`` (lesson 07), with
    GELU's slope in between.
    """
    x, slope, a = cache
    dy_rows = _rows(dy)                                  # (N, D)
    grads = {"W_2": a.T @ dy_rows, "b_2": dy_rows.sum(axis=0)}   # (F, D), (D,)
    du = (dy_rows @ W_2.T) * slope                       # (N, F): GELU's backward pass
    grads["W_1"], grads["b_1"] = _rows(x).T @ du, du.sum(axis=0)   # (D, F), (F,)
    dx = du @ W_1.T                                      # (N, D)
    return dx.reshape(x.shape), grads


# --------------------------------------------------------------------------- embeddings


def embed(params, tokens):
    """Token vector plus position vector: ``wte[tokens] + wpe[:T]``, shape (B, T, D)."""
    T = tokens.shape[1]
    return params["wte"][tokens] + params["wpe"][:T]     # (B, T, D)


def embedding_backward(dx, tokens, vocab_size):
    """Gradients of :func:`embed`: a row of ``wte`` collects the gradient of every position that holds its
    token (a scatter-add), and row ``t`` of ``wpe`` that of position ``t`` in every sequence.

    Parameters
    ----------
    dx : ndarray, (B, T, D)
    tokens : ndarray of int, (B, T)
    vocab_size : int

    Returns
    -------
    d_wte : ndarray, (V, D)   d_wpe_used : ndarray, (T, D), the rows of ``wpe`` that were used.
    """
    d_wte = np.zeros((vocab_size, dx.shape[-1]), dtype=dx.dtype)   # (V, D)
    np.add.at(d_wte, tokens.reshape(-1), _rows(dx))     # a token seen k times collects k gradients
    return d_wte, dx.sum(axis=0)                         # (V, D), (T, D)


# --------------------------------------------------------------------------- the block


def _causal_mean(T, dtype):
    """(T, T): row t holds 1/(t+1) on positions 0 … t, the weights of a causal mean."""
    mask = causal_mask(T)                                # (T, T)
    return (mask / mask.sum(axis=1, keepdims=True)).astype(dtype)


def mixer_forward(x, params, prefix, config):
    """The sublayer that mixes positions, on the LayerNorm'd stream ``x`` (B, T, D).

    ``attention``: causal multi-head attention, ``softmax(q kᵀ/√d + mask) v`` per head, merged, times W_o.
    ``mean``: every head's weights fixed at the causal mean (no W_q, W_k). Returns ``(out, cache)``.
    """
    B, T, D = x.shape
    h = config.n_heads
    rows = _rows(x)                                      # (N, D)
    if config.mixer == "attention":
        W_qkv = np.concatenate([params[prefix + n] for n in ("W_q", "W_k", "W_v")], axis=1)   # (D, 3D)
        qkv = (rows @ W_qkv).reshape(B, T, 3 * D)        # (B, T, 3D)
        q, k, v = (split_heads(qkv[..., i * D:(i + 1) * D], h) for i in range(3))   # (B, h, T, d) each
        heads, weights = attention(q, k, v, causal_mask(T))   # (B, h, T, d), (B, h, T, T)
    else:
        q = k = None
        v = split_heads((rows @ params[prefix + "W_v"]).reshape(B, T, D), h)   # (B, h, T, d)
        weights = np.broadcast_to(_causal_mean(T, x.dtype), (B, h, T, T))     # (B, h, T, T)
        heads = weights @ v                              # (B, h, T, d)
    merged = merge_heads(heads)                          # (B, T, D)
    out = (_rows(merged) @ params[prefix + "W_o"]).reshape(B, T, D)   # (B, T, D)
    return out, {"x": x, "q": q, "k": k, "v": v, "weights": weights, "merged": merged}


def mixer_backward(d_out, cache, params, prefix, config):
    """Gradients of :func:`mixer_forward`: ``dx`` (B, T, D) and the dict of its weights' gradients."""
    B, T, D = d_out.shape
    h = config.n_heads
    c = cache
    grads = {prefix + "W_o": _rows(c["merged"]).T @ _rows(d_out)}          # (D, D)
    d_heads = split_heads((_rows(d_out) @ params[prefix + "W_o"].T).reshape(B, T, D), h)   # (B, h, T, d)
    if config.mixer == "attention":
        dq, dk, dv = attention_backward(c["q"], c["k"], c["v"], d_heads, causal_mask(T), c["weights"])
        d_qkv = np.concatenate([_rows(merge_heads(g)) for g in (dq, dk, dv)], axis=1)   # (N, 3D)
        W_qkv = np.concatenate([params[prefix + n] for n in ("W_q", "W_k", "W_v")], axis=1)   # (D, 3D)
        dW = _rows(c["x"]).T @ d_qkv                     # (D, 3D)
        for i, n in enumerate(("W_q", "W_k", "W_v")):
            grads[prefix + n] = dW[:, i * D:(i + 1) * D]
        dx = d_qkv @ W_qkv.T                             # (N, D)
    else:
        dv = np.swapaxes(c["weights"], -1, -2) @ d_heads   # (B, h, T, d)
        d_v_rows = _rows(merge_heads(dv))                # (N, D)
        grads[prefix + "W_v"] = _rows(c["x"]).T @ d_v_rows   # (D, D)
        dx = d_v_rows @ params[prefix + "W_v"].T         # (N, D)
    return dx.reshape(B, T, D), grads


def block_forward(x, params, layer, config):
    """One pre-LN block: ``x ← x + mixer(LN₁(x))``, then ``x ← x + MLP(LN₂(x))``.

    Parameters
    ----------
    x : ndarray, (B, T, D)
        The residual stream.
    params : dict, layer : int, config : GPTConfig

    Returns
    -------
    x : ndarray, (B, T, D)
    cache : dict, for :func:`block_backward`
    """
    p = f"h{layer}."
    cache = {}
    if config.mixer != "none":
        a, cache["ln1"] = layer_norm_forward(x, params[p + "ln1.g"], params[p + "ln1.b"])   # (B, T, D)
        mixed, cache["mixer"] = mixer_forward(a, params, p, config)
        x = x + mixed                                    # (B, T, D), the first residual connection
    m, cache["ln2"] = layer_norm_forward(x, params[p + "ln2.g"], params[p + "ln2.b"])       # (B, T, D)
    y, cache["mlp"] = mlp_forward(m, params[p + "W_1"], params[p + "b_1"], params[p + "W_2"], params[p + "b_2"])
    return x + y, cache                                  # (B, T, D), the second residual connection


def block(x, params, n_heads):
    """One pre-LN block of causal self-attention and MLP on ``x`` (B, T, D), with plainly named parameters.

    ``params`` holds ``ln1.g ln1.b W_q W_k W_v W_o ln2.g ln2.b W_1 b_1 W_2 b_2`` (as :func:`param_shapes`
    names block 0's, without the ``h0.`` prefix). Returns the new stream, (B, T, D).
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must be a batch of sequences (B, T, D), got shape {x.shape}")
    B, T, D = x.shape
    hidden = np.shape(params["W_1"])[-1]
    dtype = "float32" if x.dtype == np.float32 else "float64"
    config = GPTConfig(vocab_size=1, context=T, d_model=D, n_heads=n_heads, n_layers=1, d_mlp=hidden, dtype=dtype)
    prefixed = {f"h0.{name}": np.asarray(value, dtype=dtype) for name, value in params.items()}
    return block_forward(x.astype(dtype), prefixed, 0, config)[0]


def block_backward(dx, cache, params, layer, config):
    """Gradients of :func:`block_forward`: ``dx`` for the stream below, and the block's parameters.

    A residual connection ``x + f(x)`` passes its gradient straight through and adds ``f``'s:
    ``dx_below = dx + df(x)``.
    """
    p = f"h{layer}."
    dm, g_mlp = mlp_backward(dx, cache["mlp"], params[p + "W_1"], params[p + "W_2"])
    grads = {p + name: g for name, g in g_mlp.items()}
    d_ln2, grads[p + "ln2.g"], grads[p + "ln2.b"] = _layer_norm_backward(dm, cache["ln2"])
    dx = dx + d_ln2                                      # (B, T, D): the residual path plus the MLP's path
    if config.mixer != "none":
        da, g_mix = mixer_backward(dx, cache["mixer"], params, p, config)
        grads.update(g_mix)
        d_ln1, grads[p + "ln1.g"], grads[p + "ln1.b"] = _layer_norm_backward(da, cache["ln1"])
        dx = dx + d_ln1                                  # (B, T, D)
    else:
        grads[p + "ln1.g"], grads[p + "ln1.b"] = (np.zeros_like(params[p + "ln1.g"]) for _ in range(2))
    return dx, grads


# --------------------------------------------------------------------------- the model


def _as_model_dtype(params, config):
    dtype = np.dtype(config.dtype)
    return {n: np.asarray(v, dtype=dtype) for n, v in params.items()}


def _forward(params, tokens, config):
    """Logits and every cache of the backward pass."""
    x = embed(params, tokens)                            # (B, T, D)
    caches = []
    for layer in range(config.n_layers):
        x, cache = block_forward(x, params, layer, config)
        caches.append(cache)
    hf, ln_cache = layer_norm_forward(x, params["lnf.g"], params["lnf.b"])   # (B, T, D)
    head = params["wte"].T if config.tied else params["W_out"]               # (D, V)
    logits = (_rows(hf) @ head).reshape(x.shape[:-1] + head.shape[-1:])      # (B, T, V)
    return logits, {"blocks": caches, "lnf": ln_cache, "hf": hf}


def gpt_forward(params, tokens, config):
    """Next-token logits at every position.

    Parameters
    ----------
    params : dict, from :func:`init_gpt`
    tokens : array_like of int, (B, T), T <= config.context
    config : GPTConfig

    Returns
    -------
    logits : ndarray, (B, T, V)
        ``logits[b, t]`` scores the token that follows ``tokens[b, :t + 1]``; softmax gives its probabilities.
    """
    tokens = _check_tokens(tokens, config)
    _check_params(params, config)
    logits, _ = _forward(_as_model_dtype(params, config), tokens, config)
    return logits


def attention_maps(params, tokens, config):
    """What each block's attention sees and does, for looking inside a trained model.

    Returns
    -------
    list of dict, one per block
        ``x`` (B, T, D): the LayerNorm'd stream the attention reads; ``params``: its ``W_q W_k W_v W_o``
        (what :func:`attention_lib.multi_head_attention` and lesson 06's head viewer take); ``weights``
        (B, h, T, T): every head's causal attention weights.
    """
    if config.mixer != "attention":
        raise ValueError(f"this model has no trained attention (mixer = {config.mixer!r})")
    tokens = _check_tokens(tokens, config)
    _check_params(params, config)
    params = _as_model_dtype(params, config)
    _, cache = _forward(params, tokens, config)
    return [{"x": block["mixer"]["x"], "weights": block["mixer"]["weights"],
             "params": {n: params[f"h{layer}.{n}"] for n in ("W_q", "W_k", "W_v", "W_o")}}
            for layer, block in enumerate(cache["blocks"])]


def gpt_loss_and_grads(params, tokens, targets, config):
    """Mean next-token cross-entropy (nats per token) and its gradient for every parameter.

    Parameters
    ----------
    params : dict, from :func:`init_gpt`
    tokens : array_like of int, (B, T)
    targets : array_like of int, (B, T)
        ``targets[b, t]`` is the token that follows ``tokens[b, :t + 1]`` (the input shifted by one).
    config : GPTConfig

    Returns
    -------
    loss : float
    grads : dict
        Keyed like ``params``, each gradient the shape of its parameter. With a tied head, ``wte``'s
        gradient is the sum of its two uses: the embedding and the output head.
    """
    tokens = _check_tokens(tokens, config)
    targets = _check_tokens(targets, config, "targets")
    if targets.shape != tokens.shape:
        raise ValueError(f"targets has shape {targets.shape} but tokens has shape {tokens.shape}: one target "
                         "per position")
    _check_params(params, config)
    params = _as_model_dtype(params, config)
    logits, cache = _forward(params, tokens, config)    # (B, T, V)
    V = logits.shape[-1]
    loss, d_logits = cross_entropy(_rows(logits), targets.reshape(-1))   # d_logits (N, V) = (p − onehot)/N
    hf = cache["hf"]                                     # (B, T, D)
    grads = {}
    if config.tied:
        head_grad = d_logits.T @ _rows(hf)               # (V, D): the output head's use of wte
        d_hf = d_logits @ params["wte"]                  # (N, D)
    else:
        grads["W_out"] = _rows(hf).T @ d_logits          # (D, V)
        d_hf = d_logits @ params["W_out"].T              # (N, D)
    dx, grads["lnf.g"], grads["lnf.b"] = _layer_norm_backward(d_hf.reshape(hf.shape), cache["lnf"])
    for layer in reversed(range(config.n_layers)):
        dx, g = block_backward(dx, cache["blocks"][layer], params, layer, config)
        grads.update(g)
    d_wte, d_wpe_used = embedding_backward(dx, tokens, V)
    grads["wte"] = d_wte + head_grad if config.tied else d_wte   # a weight used twice: the gradients add
    grads["wpe"] = np.zeros_like(params["wpe"])
    grads["wpe"][:tokens.shape[1]] = d_wpe_used
    return float(loss), {name: grads[name] for name in params}


__all__ = ["GPTConfig", "MIXERS", "attention_maps", "block", "block_backward", "block_forward", "count_parameters",
           "embed", "embedding_backward", "gelu", "gelu_backward", "gpt_forward", "gpt_loss_and_grads", "init_gpt",
           "layer_norm", "layer_norm_backward", "layer_norm_forward", "mlp_backward", "mlp_forward", "param_shapes"]
