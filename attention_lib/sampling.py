"""Writing text with a trained GPT: greedy, temperature and top-k sampling, with lesson 08's KV cache (lesson 10).

A language model gives, after every prefix, a distribution over the next token. Decoding turns those
distributions into text, one token at a time:

* **greedy**: always the most likely token (``temperature=0`` here);
* **temperature** ``τ``: sample from ``softmax(logits / τ)``; below 1 sharper, above 1 flatter (lesson 02);
* **top-k**: keep only the ``k`` largest logits (ties at the k-th value are kept), renormalise, sample.

(Top-p, or nucleus, sampling keeps the smallest set of tokens whose probabilities add up to ``p``;
Holtzman et al., 2020, §3.1. It is not implemented here.)

:func:`generate` feeds each new token back in. With ``use_cache=True`` every layer keeps the keys and values
of the tokens so far in a :class:`attention_lib.efficient.KVCache`, so a step computes one new row of
attention; with ``use_cache=False`` every step runs the whole window through :func:`attention_lib.gpt.gpt_forward`
again. Both read the same window (:func:`window_start`), so they write the same text.
"""
from __future__ import annotations

import numpy as np

from .efficient import KVCache
from .gpt import _as_model_dtype, _check_params, _gelu_and_slope, gpt_forward, layer_norm
from .multihead import merge_heads
from .softmax import softmax


def next_token_probs(logits, temperature=1.0, top_k=None):
    """The distribution a sampler draws the next token from.

    Parameters
    ----------
    logits : array_like, (V,)
        The model's scores for the next token.
    temperature : float >= 0
        Divides the logits before the softmax; 0 means greedy: all probability on the largest logit (the first
        one, if several are equal).
    top_k : int, optional
        Keep the ``top_k`` largest logits (and any equal to the k-th largest), drop the rest.

    Returns
    -------
    probs : ndarray, (V,), float64
        Sums to 1; zero outside the top k.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(f"logits must be one vector (V,), got shape {logits.shape}")
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a number >= 0 (0 = greedy), got {temperature}")
    if top_k is not None and not (isinstance(top_k, (int, np.integer)) and 1 <= top_k):
        raise ValueError(f"top_k must be a whole number >= 1 or None, got {top_k!r}")
    if temperature == 0:
        probs = np.zeros_like(logits)
        probs[int(np.argmax(logits))] = 1.0
        return probs
    scores = logits / temperature                        # (V,)
    if top_k is not None and top_k < len(scores):
        kth = np.sort(scores)[-top_k]                    # the k-th largest score
        scores = np.where(scores >= kth, scores, -np.inf)
    return softmax(scores)


def sample_next(logits, rng, temperature=1.0, top_k=None, size=None):
    """Draw the next token from :func:`next_token_probs` with the generator ``rng``.

    Parameters
    ----------
    logits : array_like, (V,)
    rng : numpy.random.Generator
        Draws with ``rng.choice(V, size=size, p=probs)``: one uniform number per token, so the same seed
        gives the same tokens.
    temperature, top_k : see :func:`next_token_probs`; ``temperature=0`` is greedy and draws nothing.
    size : int, optional
        None: one token id (an int). ``n``: n independent draws from the same distribution, shape (n,).

    Returns
    -------
    int, or ndarray of int (size,)
    """
    probs = next_token_probs(logits, temperature, top_k)
    if temperature == 0:
        best = int(np.argmax(probs))
        return best if size is None else np.full(size, best)
    drawn = rng.choice(len(probs), size=size, p=probs)
    return int(drawn) if size is None else drawn


def window_start(n_tokens, context):
    """Where the model's window starts once ``n_tokens`` tokens exist.

    The model has learned ``context`` positions. Generation fills the window; when it is full, it keeps the
    last ``context // 2`` tokens, starts the window there, and goes on (with a cache: refilled from them).
    """
    keep = context // 2
    if n_tokens <= context:
        return 0
    return n_tokens - keep - ((n_tokens - context - 1) % (context - keep + 1))


class _CachedModel:
    """The model read one token at a time, with one KV cache per layer (the decode loop of lesson 08)."""

    def __init__(self, params, config):
        self.p, self.c = params, config
        self.reset()

    def reset(self):
        c = self.c
        self.n = 0
        self.caches = [KVCache(c.d_head, batch_shape=(c.n_heads,), capacity=c.context, dtype=c.dtype)
                       for _ in range(c.n_layers)]

    def step(self, token):
        """Logits (V,) for the token after ``token``, which sits at window position ``self.n``."""
        p, c = self.p, self.c
        x = p["wte"][token] + p["wpe"][self.n]          # (D,)
        h, d = c.n_heads, c.d_head
        for layer, cache in enumerate(self.caches):
            pre = f"h{layer}."
            if c.mixer != "none":
                a = layer_norm(x, p[pre + "ln1.g"], p[pre + "ln1.b"])     # (D,)
                v = (a @ p[pre + "W_v"]).reshape(h, 1, d)                # (h, 1, d)
                if c.mixer == "attention":
                    q = (a @ p[pre + "W_q"]).reshape(h, 1, d)            # (h, 1, d)
                    k = (a @ p[pre + "W_k"]).reshape(h, 1, d)            # (h, 1, d)
                    cache.append(k, v)
                    heads, _ = cache.attend(q)                           # (h, 1, d): one new row of attention
                else:
                    cache.append(np.zeros_like(v), v)
                    heads = cache.values.mean(axis=-2, keepdims=True)    # (h, 1, d): the causal mean
                x = x + merge_heads(heads)[0] @ p[pre + "W_o"]           # (D,)
            m = layer_norm(x, p[pre + "ln2.g"], p[pre + "ln2.b"])         # (D,)
            x = x + _gelu_and_slope(m @ p[pre + "W_1"] + p[pre + "b_1"])[0] @ p[pre + "W_2"] + p[pre + "b_2"]
        self.n += 1
        hf = layer_norm(x, p["lnf.g"], p["lnf.b"])                       # (D,)
        return hf @ (p["wte"].T if c.tied else p["W_out"])                # (V,)


def generate(params, config, prompt, n_new, *, temperature=1.0, top_k=None, seed=0, use_cache=True, on_step=None):
    """Write ``n_new`` tokens after ``prompt``.

    Parameters
    ----------
    params : dict, config : attention_lib.gpt.GPTConfig
    prompt : array_like of int, (n,), n >= 1
    n_new : int
    temperature, top_k : see :func:`next_token_probs` (temperature 0 = greedy)
    seed : int
        Seeds the sampler's generator: the same seed writes the same text.
    use_cache : bool
        Keep every layer's keys and values (lesson 08's KV cache), or recompute the window at every step.
    on_step : callable, optional
        ``on_step(i)`` after new token ``i`` (0-based), e.g. to time each step.

    Returns
    -------
    ids : ndarray of int, (n + n_new,)
        The prompt followed by the new tokens.
    """
    ids = [int(t) for t in np.asarray(prompt).reshape(-1)]
    if not ids:
        raise ValueError("the prompt needs at least one token")
    _check_params(params, config)
    params = _as_model_dtype(params, config)
    rng = np.random.default_rng(seed)
    model = _CachedModel(params, config) if use_cache else None
    start = 0
    for i in range(n_new):
        new_start = window_start(len(ids), config.context)
        if use_cache:
            if new_start != start or model.n == 0:        # a new window: refill the caches from its tokens
                model.reset()
                for token in ids[new_start:-1]:
                    model.step(token)
            logits = model.step(ids[-1])                  # (V,)
        else:
            window = np.array(ids[new_start:])[None, :]   # (1, n)
            logits = gpt_forward(params, window, config)[0, -1]   # (V,)
        start = new_start
        ids.append(sample_next(logits, rng, temperature, top_k))
        if on_step is not None:
            on_step(i)
    return np.array(ids)
