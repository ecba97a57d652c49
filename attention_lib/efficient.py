"""Efficient attention: online softmax, FlashAttention, the KV cache (lesson 08).

* :func:`online_softmax` finds the maximum and the normaliser in one pass, rescaling the
  running sum whenever the maximum grows (Milakov & Gimelshein, 2018).
* :func:`flash_attention` applies the same trick to blocks of keys (:func:`flash_block_update`):
  exact attention that never holds the ``n_q × n_k`` score matrix (Dao et al., 2022;
  FlashAttention-2 loop order).
* :func:`decode_step` and :class:`KVCache` keep the keys and values of past tokens, so
  decoding a new token costs one row of attention instead of recomputing the whole prefix
  (:func:`decode_sequence` runs both ways); :func:`kv_cache_bytes` sizes the cache.
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array, qkv_arrays, require_ndim, require_same, whole_number
from .attention import attention
from .masking import causal_mask, validate_mask

# --------------------------------------------------------------------------- online softmax


def _online_parts(m, x):
    """The pieces of one step: the new maximum ``m' = max(m, x)``, the factor ``e^(m − m')`` that
    rescales the old sum, and the new term ``e^(x − m')``.

    While every value seen is ``-inf`` the maximum is ``-inf`` too; shifting by 0 then keeps
    ``-inf − (-inf)`` (NaN) out of the exponentials.
    """
    m_new = np.maximum(m, x)                             # (...)
    shift = np.where(np.isfinite(m_new), m_new, 0.0)     # (...)
    return m_new, np.exp(m - shift), np.exp(x - shift)


def _online_step(m, s, x):
    """One step of the recurrence: ``m' = max(m, x)``, ``s' = s·e^(m − m') + e^(x − m')``."""
    m_new, factor, term = _online_parts(m, x)
    return m_new, s * factor + term


def _check_axis(x, axis):
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(f"axis {axis} is out of range for x of shape {x.shape}")


def online_softmax(x, axis=-1):
    """Softmax whose maximum and normaliser come from a single pass over ``axis``.

    The pass visits the elements one at a time (vectorised over the other axes),
    keeping a running maximum ``m`` and a running sum ``s`` of ``e^(x − m)``; when
    ``m`` grows, the sum so far is rescaled by ``e^(m_old − m_new)``. A second pass
    writes ``e^(x − m) / s``.

    Parameters
    ----------
    x : array_like, (..., n)
    axis : int
        The axis that is normalised.

    Returns
    -------
    weights : ndarray, same shape as ``x``
        Equal to :func:`attention_lib.softmax` up to rounding; an all ``-inf`` slice gives zeros.
    """
    x = as_float_array(x, "x")
    _check_axis(x, axis)
    z = np.moveaxis(x, axis, -1)                         # (..., n)
    m = np.full(z.shape[:-1], -np.inf, dtype=z.dtype)    # (...), running max
    s = np.zeros(z.shape[:-1], dtype=z.dtype)            # (...), running sum
    for j in range(z.shape[-1]):
        m, s = _online_step(m, s, z[..., j])
    shift = np.where(np.isfinite(m), m, 0.0)[..., None]  # (..., 1)
    e = np.exp(z - shift)                                # (..., n)
    y = np.divide(e, s[..., None], out=np.zeros_like(e), where=s[..., None] > 0)
    return np.moveaxis(y, -1, axis)


def online_softmax_steps(x, *, detail=False):
    """The running maximum and running sum after each element of a vector.

    Parameters
    ----------
    x : array_like, (n,)
    detail : bool
        Also return every piece of each step and the final weights (what the lesson's
        step-through widget shows), as a dict.

    Returns
    -------
    maxes : ndarray, (n,)
        ``maxes[j] = max(x[:j+1])``; it jumps when a new largest value arrives.
    sums : ndarray, (n,)
        ``sums[j] = Σ_{i<=j} e^(x[i] − maxes[j])``; at each jump the old sum is rescaled
        by ``e^(old max − new max)``. ``sums[-1]`` is the softmax normaliser.
    steps : dict of ndarray, only with ``detail`` (instead of the pair above)
        ``maxes`` and ``sums`` as above; ``previous_maxes`` and ``previous_sums`` (n,), the
        running max and sum before each step (``-inf`` and 0 before the first);
        ``factors`` (n,), ``e^(previous max − new max)``, 1 where a finite max did not change;
        ``rescaled`` (n,), ``previous_sums · factors``; ``terms`` (n,), ``e^(x[j] − maxes[j])``,
        so that ``sums = rescaled + terms``; ``weights`` (n,), the second pass
        ``e^(x − maxes[-1]) / sums[-1]`` (:func:`online_softmax`).
    """
    x = as_float_array(x, "x")
    if x.ndim != 1:
        raise ValueError(f"online_softmax_steps takes one vector of shape (n,), got shape {x.shape}")
    m, s = np.array(-np.inf, dtype=x.dtype), np.array(0.0, dtype=x.dtype)
    rows = []
    for value in x:
        m, factor, term = _online_parts(m, value)
        s = s * factor + term
        rows.append((m, s, factor, term))
    maxes, sums, factors, terms = np.array(rows, dtype=x.dtype).reshape(len(x), 4).T   # (n,) each
    if not detail:
        return maxes, sums
    previous_maxes = np.concatenate([[-np.inf], maxes[:-1]]).astype(x.dtype)   # (n,)
    previous_sums = np.concatenate([[0.0], sums[:-1]]).astype(x.dtype)         # (n,)
    return {"maxes": maxes, "sums": sums, "previous_maxes": previous_maxes, "previous_sums": previous_sums,
            "factors": factors, "rescaled": previous_sums * factors, "terms": terms, "weights": online_softmax(x)}


def merge_softmax_stats(a, b):
    """Merge the (max, sum) statistics of two parts of a row into those of the whole row.

    Parameters
    ----------
    a, b : tuple (m, s) of array_like, broadcastable
        ``m`` is the part's maximum and ``s = Σ e^(x − m)`` over the part.

    Returns
    -------
    m : ndarray
        ``max(m_a, m_b)``.
    s : ndarray
        ``s_a e^(m_a − m) + s_b e^(m_b − m)``. Parts that are empty (``m = -inf``, ``s = 0``) merge cleanly.
    """
    (m_a, s_a), (m_b, s_b) = a, b
    m_a, s_a, m_b, s_b = (as_float_array(t, n) for t, n in ((m_a, "m_a"), (s_a, "s_a"), (m_b, "m_b"), (s_b, "s_b")))
    m = np.maximum(m_a, m_b)                             # (...)
    shift = np.where(np.isfinite(m), m, 0.0)             # (...)
    return m, s_a * np.exp(m_a - shift) + s_b * np.exp(m_b - shift)


# --------------------------------------------------------------------------- FlashAttention


def _block_sizes(block_size):
    sizes = block_size if isinstance(block_size, tuple) else (block_size, block_size)
    if len(sizes) != 2:
        raise ValueError(f"block_size must be a whole number >= 1 or a pair (b_q, b_k) of them, got {block_size!r}")
    return whole_number(sizes[0], "block_size"), whole_number(sizes[1], "block_size")


def _mask_block(mask, rows, cols):
    """The part of ``mask`` for these rows and columns; size-1 (broadcast) axes are kept whole."""
    r = rows if mask.shape[-2] != 1 else slice(None)
    c = cols if mask.shape[-1] != 1 else slice(None)
    return mask[..., r, c]                               # (..., b_q or 1, b_k or 1)


def _causal_block(rows, cols, offset):
    """Bottom-right causal mask for one block, or None when the whole block is allowed."""
    if cols.stop - 1 <= rows.start + offset:
        return None
    i = np.arange(rows.start, rows.stop)[:, None]        # (b_q, 1)
    j = np.arange(cols.start, cols.stop)[None, :]        # (1, b_k)
    return j <= i + offset                               # (b_q, b_k)


def _allowed_block(mask, causal_offset, rows, cols):
    """Which keys of this block each query may attend to: None = all, else a bool array."""
    allowed = None if mask is None else _mask_block(mask, rows, cols)
    if causal_offset is not None:
        if cols.start > rows.stop - 1 + causal_offset:   # every key is after every query
            return np.zeros((1, 1), dtype=bool)
        causal = _causal_block(rows, cols, causal_offset)
        if causal is not None:
            allowed = causal if allowed is None else allowed & causal
    return allowed


def flash_block_update(m, l, acc, scores_block, v_block):
    """Fold one block of scores into each query's running max, running sum and output.

    This is the inner step of :func:`flash_attention`: online softmax, one block of
    keys at a time. When a query's maximum grows, its old sum and its old output are
    both rescaled by ``α = e^(m_old − m_new)`` before the new block is added.

    Parameters
    ----------
    m : array_like, (..., b_q, 1)
        Running maximum of each query's scores so far (``-inf`` before the first block).
    l : array_like, (..., b_q, 1)
        Running sum ``Σ e^(s − m)`` over the keys seen so far (0 before the first block).
    acc : array_like, (..., b_q, d_v)
        Running unnormalised output ``Σ e^(s − m) v`` (0 before the first block).
    scores_block : array_like, (..., b_q, b_k)
        Scaled scores of these queries against one block of keys; ``-inf`` where blocked.
    v_block : array_like, (..., b_k, d_v)
        The values of that block of keys.

    Returns
    -------
    m, l, acc : ndarray
        The updated statistics, same shapes; the inputs are not modified. After the last
        block, ``acc / l`` is the attention output.
    """
    m, l, acc, s, v_block = (as_float_array(a, name) for a, name in (
        (m, "m"), (l, "l"), (acc, "acc"), (scores_block, "scores_block"), (v_block, "v_block")))
    m_new = np.maximum(m, s.max(axis=-1, keepdims=True))   # (..., b_q, 1)
    shift = np.where(np.isfinite(m_new), m_new, 0.0)     # (..., b_q, 1), no -inf - -inf
    p = np.exp(s - shift)                                # (..., b_q, b_k), 0 where blocked
    alpha = np.exp(m - shift)                            # (..., b_q, 1), rescales the old part
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


def _query_block(q_block, k, v, rows, mask, causal_offset, b_k, batch):
    """Attention for one block of queries (already scaled by 1/√d), streaming over key blocks.

    Returns out (..., b_q, d_v), logsumexp (..., b_q) and the number of key blocks skipped.
    """
    n_rows, n_k, dtype = rows.stop - rows.start, k.shape[-2], q_block.dtype
    m = np.full(batch + (n_rows, 1), -np.inf, dtype=dtype)   # (..., b_q, 1), running max
    l = np.zeros(batch + (n_rows, 1), dtype=dtype)       # (..., b_q, 1), running sum
    acc = np.zeros(batch + (n_rows, v.shape[-1]), dtype=dtype)   # (..., b_q, d_v), unnormalised
    skipped = 0
    for start in range(0, n_k, b_k):
        cols = slice(start, min(start + b_k, n_k))
        allowed = _allowed_block(mask, causal_offset, rows, cols)
        if allowed is not None and not allowed.any():    # nothing to see here for any query
            skipped += 1
            continue
        s = q_block @ np.swapaxes(k[..., cols, :], -1, -2)   # (..., b_q, b_k), q already scaled
        if allowed is not None:
            s = np.where(allowed, s, -np.inf)            # (..., b_q, b_k)
        m, l, acc = flash_block_update(m, l, acc, s, v[..., cols, :])
    out = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)   # (..., b_q, d_v), one division
    with np.errstate(divide="ignore"):
        lse = (m + np.log(l))[..., 0]                    # (..., b_q), -inf for a fully masked row
    return out, lse, skipped


def flash_attention(q, k, v, mask=None, block_size=128, *, causal=False, return_stats=False):
    """Exact scaled dot-product attention, one block of queries and keys at a time.

    FlashAttention-2 loop order: the outer loop runs over blocks of ``b_q`` queries, the
    inner loop over blocks of ``b_k`` keys and values. Each query keeps a running max,
    a running sum and an unnormalised output, rescaled when the max grows, and divides
    once at the end. No ``n_q × n_k`` array is ever created: the largest temporary is one
    ``(..., b_q, b_k)`` block of scores.

    Parameters
    ----------
    q : array_like, (..., n_q, d)
    k : array_like, (..., n_k, d)
    v : array_like, (..., n_k, d_v)
    mask : bool array, optional
        ``(n_q, n_k)`` or with the scores' full number of axes (see
        :func:`attention_lib.validate_mask`); True = may attend.
    block_size : int or (int, int)
        ``b_q = b_k = block_size``, or the pair ``(b_q, b_k)``. Need not divide ``n``.
    causal : bool
        Also apply :func:`attention_lib.causal_mask` ``(n_q, n_k)`` (bottom-right aligned),
        computed block by block instead of materialised.
    return_stats : bool
        Also return a dict of statistics.

    Returns
    -------
    out : ndarray, (..., n_q, d_v)
        Equal to ``attention(q, k, v, mask)[0]`` up to rounding; a fully masked row is 0.
    stats : dict, only with ``return_stats``
        ``blocks_total``, ``blocks_skipped`` (key blocks in which every key is blocked for
        every query of the query block: never computed), ``blocks_computed``,
        ``block_size`` ``(b_q, b_k)`` and ``logsumexp`` (..., n_q), what a backward pass would keep.
    """
    q, k, v, batch = qkv_arrays(q, k, v)
    b_q, b_k = _block_sizes(block_size)
    n_q, n_k = q.shape[-2], k.shape[-2]
    if mask is not None:
        mask = validate_mask(mask, batch + (n_q, n_k))
    if causal and n_k < n_q:
        raise ValueError(
            f"causal=True needs n_k >= n_q (the queries are the last n_q of the n_k positions), "
            f"got q {q.shape} and k {k.shape}: n_q={n_q}, n_k={n_k}"
        )
    causal_offset = n_k - n_q if causal else None
    dtype = np.result_type(q, k, v)
    q, k, v = q.astype(dtype, copy=False), k.astype(dtype, copy=False), v.astype(dtype, copy=False)
    tau = 1 / math.sqrt(q.shape[-1])                     # scales each query block once, not each score block
    out = np.empty(batch + (n_q, v.shape[-1]), dtype=dtype)   # (..., n_q, d_v)
    lse = np.empty(batch + (n_q,), dtype=dtype)          # (..., n_q)
    skipped = 0
    for start in range(0, n_q, b_q):
        rows = slice(start, min(start + b_q, n_q))
        q_block = np.broadcast_to(q[..., rows, :] * tau, batch + (rows.stop - start, q.shape[-1]))   # (..., b_q, d)
        out[..., rows, :], lse[..., rows], n_skipped = _query_block(
            q_block, k, v, rows, mask, causal_offset, b_k, batch)
        skipped += n_skipped
    if not return_stats:
        return out
    total = math.ceil(n_q / b_q) * math.ceil(n_k / b_k)
    stats = {"blocks_total": total, "blocks_skipped": skipped, "blocks_computed": total - skipped,
             "block_size": (b_q, b_k), "logsumexp": lse}
    return out, stats


# --------------------------------------------------------------------------- KV cache


class KVCache:
    """The keys and values of the tokens decoded so far, stored along the sequence axis.

    Parameters
    ----------
    d : int
        Size of each key.
    d_v : int, optional
        Size of each value; default ``d``.
    batch_shape : tuple of int
        Leading axes, e.g. ``(B, n_kv_heads)``; every append must have them.
    capacity : int, optional
        Preallocate room for this many tokens and refuse to go past it. Without it the
        storage starts small and doubles when full (amortised O(1) per appended token).
    dtype : numpy dtype
        Storage type; appended arrays are converted to it.

    Examples
    --------
    >>> cache = KVCache(d=4)
    >>> cache.append(k_new, v_new)          # (..., n_new, d), (..., n_new, d_v)
    >>> out, weights = cache.attend(q_new)  # (..., n_new, d_v): the new tokens see the whole cache
    """

    _INITIAL = 16

    def __init__(self, d, d_v=None, *, batch_shape=(), capacity=None, dtype=np.float64):
        self.d = whole_number(d, "d")
        self.d_v = self.d if d_v is None else whole_number(d_v, "d_v")
        self.batch_shape = tuple(whole_number(b, "each batch axis") for b in batch_shape)
        self.capacity = None if capacity is None else whole_number(capacity, "capacity")
        self.dtype = np.dtype(dtype)
        room = self.capacity or self._INITIAL
        self._k = np.empty(self.batch_shape + (room, self.d), dtype=self.dtype)     # (..., room, d)
        self._v = np.empty(self.batch_shape + (room, self.d_v), dtype=self.dtype)   # (..., room, d_v)
        self._n = 0

    def __len__(self):
        return self._n

    def __repr__(self):
        room = self._k.shape[-2]
        return f"KVCache({self._n} of {room} tokens, keys {self.keys.shape}, values {self.values.shape}, {self.dtype})"

    @property
    def keys(self):
        """View of the stored keys, ``(..., len(self), d)``."""
        return self._k[..., : self._n, :]

    @property
    def values(self):
        """View of the stored values, ``(..., len(self), d_v)``."""
        return self._v[..., : self._n, :]

    @property
    def nbytes(self):
        """Bytes held by the stored (filled) keys and values."""
        return self.keys.nbytes + self.values.nbytes

    def _check_new(self, k_new, v_new):
        k_new, v_new = as_float_array(k_new, "k_new"), as_float_array(v_new, "v_new")
        want_k = self.batch_shape + ("n_new", self.d)
        want_v = self.batch_shape + ("n_new", self.d_v)
        if k_new.shape[:-2] != self.batch_shape or k_new.ndim < 2 or k_new.shape[-1] != self.d:
            raise ValueError(f"k_new has shape {k_new.shape}; this cache stores keys of shape {want_k}")
        if v_new.shape[:-2] != self.batch_shape or v_new.ndim < 2 or v_new.shape[-1] != self.d_v:
            raise ValueError(f"v_new has shape {v_new.shape}; this cache stores values of shape {want_v}")
        require_same(k_new, v_new, -2, ("k_new", "v_new"), "the number of new tokens")
        return k_new, v_new

    def _grow(self, needed):
        room = self._k.shape[-2]
        if needed <= room:
            return
        if self.capacity is not None:
            raise ValueError(f"the cache holds at most capacity={self.capacity} tokens; "
                             f"it has {self._n} and {needed - self._n} more do not fit")
        new_room = max(needed, 2 * room)
        for name in ("_k", "_v"):
            old = getattr(self, name)
            new = np.empty(old.shape[:-2] + (new_room, old.shape[-1]), dtype=self.dtype)   # (..., new_room, ·)
            new[..., :self._n, :] = old[..., :self._n, :]
            setattr(self, name, new)

    def append(self, k_new, v_new):
        """Store the keys and values of ``n_new`` new tokens after the ones already cached.

        Parameters
        ----------
        k_new : array_like, (..., n_new, d)
        v_new : array_like, (..., n_new, d_v)
        """
        k_new, v_new = self._check_new(k_new, v_new)
        n_new = k_new.shape[-2]
        self._grow(self._n + n_new)
        self._k[..., self._n:self._n + n_new, :] = k_new
        self._v[..., self._n:self._n + n_new, :] = v_new
        self._n += n_new

    def attend(self, q_new):
        """Attend the newest ``n_q`` tokens' queries to the whole cache, causally.

        Append the new tokens' keys and values first.

        Parameters
        ----------
        q_new : array_like, (..., n_q, d)

        Returns
        -------
        out : ndarray, (..., n_q, d_v)
        weights : ndarray, (..., n_q, len(self))
        """
        return _attend_newest(q_new, self.keys, self.values)


def _attend_newest(q_new, keys, values):
    """The ``n_q`` queries are the newest of the ``n_k`` cached tokens: bottom-right causal mask."""
    q_new = as_float_array(q_new, "q_new")
    require_ndim(q_new, "q_new", 2, "(..., n_q, d)")
    n_q, n_k = q_new.shape[-2], keys.shape[-2]
    if n_k < n_q:
        raise ValueError(
            f"q_new has shape {q_new.shape} ({n_q} new queries) but the cache holds {n_k} tokens: "
            "append the new tokens' keys and values before attending"
        )
    if q_new.shape[-1] != keys.shape[-1]:
        raise ValueError(f"q_new has shape {q_new.shape} but the cached keys have shape {keys.shape}: "
                         f"the feature dimension d must match, got {q_new.shape[-1]} and {keys.shape[-1]}")
    mask = None if n_q == 1 else causal_mask(n_q, n_k)    # one newest query sees every key: no mask needed
    return attention(q_new, keys, values, mask)


def decode_step(q_new, k_cache, v_cache, k_new, v_new):
    """One decoding step: append the new tokens' keys and values, then attend.

    The pure-function form of :class:`KVCache`: the cache is passed in and the longer
    one is returned (built by concatenation, so each step copies it; :class:`KVCache`
    preallocates instead). Query ``i`` of the ``n_q`` new tokens sits at position
    ``n_past + i`` and sees keys ``0 .. n_past + i``: :func:`attention_lib.causal_mask`
    ``(n_q, n_past + n_q)``, aligned bottom-right.

    Parameters
    ----------
    q_new : array_like, (..., n_q, d)
        Queries of the new tokens (usually ``n_q = 1``).
    k_cache : array_like, (..., n_past, d)
    v_cache : array_like, (..., n_past, d_v)
        Keys and values of the earlier tokens; ``n_past`` may be 0.
    k_new : array_like, (..., n_q, d)
    v_new : array_like, (..., n_q, d_v)

    Returns
    -------
    out : ndarray, (..., n_q, d_v)
        Equal to the last ``n_q`` rows of causal attention over all ``n_past + n_q`` tokens.
    k_cache : ndarray, (..., n_past + n_q, d)
    v_cache : ndarray, (..., n_past + n_q, d_v)
        The caches grown along the sequence axis (−2); the inputs are not modified.
    """
    arrays = {"q_new": q_new, "k_cache": k_cache, "v_cache": v_cache, "k_new": k_new, "v_new": v_new}
    for name, arr in arrays.items():
        arrays[name] = as_float_array(arr, name)
        require_ndim(arrays[name], name, 2, "(..., n, d)")
    q_new, k_cache, v_cache, k_new, v_new = arrays.values()
    require_same(q_new, k_new, -2, ("q_new", "k_new"), "one key per new query")
    require_same(k_new, v_new, -2, ("k_new", "v_new"), "the number of new tokens")
    require_same(k_cache, v_cache, -2, ("k_cache", "v_cache"), "the number of cached tokens")
    require_same(k_cache, k_new, -1, ("k_cache", "k_new"), "the key size d")
    require_same(v_cache, v_new, -1, ("v_cache", "v_new"), "the value size d_v")
    k_cache = np.concatenate([k_cache, k_new], axis=-2)  # (..., n_past + n_q, d)
    v_cache = np.concatenate([v_cache, v_new], axis=-2)  # (..., n_past + n_q, d_v)
    out, _ = _attend_newest(q_new, k_cache, v_cache)     # (..., n_q, d_v)
    return out, k_cache, v_cache


def decode_sequence(x, W_q, W_k, W_v, *, use_cache=True, on_step=None):
    """Run one causal attention layer over ``x`` token by token, as generation does.

    Parameters
    ----------
    x : array_like, (..., n, D)
        The tokens' vectors, fed one per step.
    W_q, W_k : array_like, (D, d)
    W_v : array_like, (D, d_v)
    use_cache : bool
        True: each step projects only the new token and attends to a :class:`KVCache`
        (``O(t·d)`` attention work at step ``t``). False: each step recomputes the
        queries, keys and values of the whole prefix and its full causal attention
        (``O(t²·d)``), which is what a model with several layers must do without a
        cache, because every position's input to a later layer comes from the layer below.
    on_step : callable, optional
        Called as ``on_step(t)`` after step ``t`` (0-based), e.g. to time each step.

    Returns
    -------
    out : ndarray, (..., n, d_v)
        The output of each step; equal to ``attention(x W_q, x W_k, x W_v, causal_mask(n))[0]``.
    """
    x = as_float_array(x, "x")
    require_ndim(x, "x", 2, "(..., n, D)")
    W_q, W_k, W_v = (as_float_array(w, name) for w, name in ((W_q, "W_q"), (W_k, "W_k"), (W_v, "W_v")))
    n = x.shape[-2]
    outs = []
    if use_cache:
        cache = KVCache(W_k.shape[-1], W_v.shape[-1], batch_shape=x.shape[:-2], capacity=n, dtype=x.dtype)
    for t in range(n):
        if use_cache:
            x_t = x[..., t:t + 1, :]                     # (..., 1, D): only the new token
            cache.append(x_t @ W_k, x_t @ W_v)
            out_t, _ = cache.attend(x_t @ W_q)           # (..., 1, d_v)
        else:
            prefix = x[..., :t + 1, :]                   # (..., t+1, D): everything again
            out, _ = attention(prefix @ W_q, prefix @ W_k, prefix @ W_v, causal_mask(t + 1))
            out_t = out[..., -1:, :]                     # (..., 1, d_v)
        outs.append(out_t)
        if on_step is not None:
            on_step(t)
    return np.concatenate(outs, axis=-2)                 # (..., n, d_v)


# --------------------------------------------------------------------------- KV cache size


MODEL_CONFIGS = {
    "GPT-2 small": {"n_layers": 12, "n_heads": 12, "n_kv_heads": 12, "d_head": 64},
    "Llama 2 7B": {"n_layers": 32, "n_heads": 32, "n_kv_heads": 32, "d_head": 128},
    "Llama 2 70B": {"n_layers": 80, "n_heads": 64, "n_kv_heads": 8, "d_head": 128},
    "Mistral 7B": {"n_layers": 32, "n_heads": 32, "n_kv_heads": 8, "d_head": 128},
    "Llama 3 8B": {"n_layers": 32, "n_heads": 32, "n_kv_heads": 8, "d_head": 128},
}
"""Published attention shapes (config.json / params.json). Llama 2 70B, Mistral 7B and
Llama 3 8B use grouped-query attention: fewer KV heads than query heads. Mistral's
sliding window (4096) caps its cache at 4096 tokens per layer."""


def kv_cache_bytes(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    """Size of a KV cache: ``2 · n_layers · n_kv_heads · d_head · n_tokens · bytes · batch``.

    The 2 counts keys and values; queries are never cached. Use the number of
    **KV** heads, not of query heads (they differ under grouped-query attention).

    Parameters
    ----------
    n_layers, n_kv_heads, d_head, n_tokens, batch : int
    bytes_per_element : int
        2 for float16/bfloat16, 4 for float32.

    Returns
    -------
    int
        Bytes.
    """
    counts = {"n_layers": n_layers, "n_kv_heads": n_kv_heads, "d_head": d_head, "n_tokens": n_tokens,
              "bytes_per_element": bytes_per_element, "batch": batch}
    sizes = {name: whole_number(value, name, minimum=0 if name == "n_tokens" else 1) for name, value in counts.items()}
    return math.prod(sizes.values()) * 2


def kv_cache_table(n_tokens=1, bytes_per_element=2):
    """KV cache size of every model in :data:`MODEL_CONFIGS`.

    Returns
    -------
    list of dict
        One per model: ``model``, its config, ``bytes_per_token`` and ``bytes`` for ``n_tokens``.
    """
    rows = []
    for name, c in MODEL_CONFIGS.items():
        per_token = kv_cache_bytes(c["n_layers"], c["n_kv_heads"], c["d_head"], 1, bytes_per_element)
        rows.append(dict(model=name, **c, bytes_per_token=per_token, bytes=per_token * n_tokens))
    return rows
