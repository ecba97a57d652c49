"""Checks for lesson 08: online softmax, the size of a KV cache, one FlashAttention tile, one decoding
step with a cache, and a tiled attention loop with three bugs to find.

Every reference is the library's own function (:mod:`attention_lib.efficient`), with the same signature.
"""
from __future__ import annotations

import math
import re

import numpy as np

from .. import efficient as lib
from ..attention import attention as _attention
from ..softmax import softmax as _softmax
from ._compare import as_array, as_pair, outcome_matches
from ._engine import Exercise, Misconception, Probe, randn

# --------------------------------------------------------------------------- q1 · online softmax

_INF = np.inf

ONLINE_PROBES = [
    Probe("x = [4, 1, 0.5, −2] (the largest score comes first)", (np.array([4.0, 1.0, 0.5, -2.0]),), purpose="1-D"),
    Probe("x = [−1, 0, 1.5, 2, 3.5] (a new maximum at every step)", (np.array([-1.0, 0.0, 1.5, 2.0, 3.5]),),
          purpose="max_grows"),
    Probe("a batch (3, 4, 6) of scores", (5 * randn(801, (3, 4, 6))[0],), purpose="batched"),
    Probe("a (5, 3) matrix with axis=0", randn(802, (5, 3)), {"axis": 0}, purpose="axis0"),
    Probe("large scores around 1000", (np.array([[1000.0, 1001.0, 999.0]]),), purpose="large"),
    Probe("very negative scores around −1000", (np.array([[-1000.0, -1001.0, -999.5]]),), purpose="negative"),
    Probe("a row of −inf (every key blocked) and a row with one finite score",
          (np.array([[-_INF, -_INF, -_INF], [-_INF, 0.0, -_INF]]),), purpose="masked_row"),
    Probe("a (2, 7) float32 matrix", (randn(803, (2, 7))[0].astype(np.float32),), purpose="float32"),
]


def _online_loop(rescale="right", start=-_INF, guard=True):
    """Online softmax as a learner writes it, with one switch per slip."""
    def online_softmax(x, axis=-1):
        z = np.moveaxis(np.asarray(x), axis, -1)         # (..., n)
        m = np.full(z.shape[:-1], start)                 # (...), running max
        d = np.zeros(z.shape[:-1])                       # (...), running sum
        for j in range(z.shape[-1]):
            m_new = np.maximum(m, z[..., j])
            shift = np.where(np.isfinite(m_new), m_new, 0.0) if guard else m_new
            factor = {"right": np.exp(m - shift), "none": 1.0, "inverted": np.exp(shift - m)}[rescale]
            d = d * factor + np.exp(z[..., j] - shift)
            m = m_new
        top = (np.where(np.isfinite(m), m, 0.0) if guard else m)[..., None]
        e = np.exp(z - top)                              # (..., n)
        y = np.divide(e, d[..., None], out=np.zeros_like(e), where=d[..., None] > 0) if guard else e / d[..., None]
        return np.moveaxis(y, -1, axis)
    return online_softmax


def _online_from_first(x, axis=-1):
    """Starts from the first score (m = x_0, d = 1) and rescales by e^(m_new − m_old): upside down."""
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m, d = z[..., 0].copy(), np.ones(z.shape[:-1])
    for j in range(1, z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        d = d * np.exp(m_new - m) + np.exp(z[..., j] - m_new)
        m = m_new
    return np.moveaxis(np.exp(z - m[..., None]) / d[..., None], -1, axis)


def _online_unshifted(x, axis=-1):
    z = np.moveaxis(np.asarray(x), axis, -1)
    d = np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        d = d + np.exp(z[..., j])
    return np.moveaxis(np.exp(z) / d[..., None], -1, axis)


ONLINE_SOFTMAX = Exercise(
    id="online_softmax",
    signature="online_softmax(x, axis=-1)",
    reference=lib.online_softmax,
    probes=ONLINE_PROBES,
    misconceptions=[
        Misconception("online_sum_not_rescaled", variant=_online_loop(rescale="none")),
        Misconception("online_sum_not_rescaled", variant=_online_loop(rescale="none", guard=False)),
        Misconception("online_rescale_inverted", variant=_online_loop(rescale="inverted")),
        Misconception("online_rescale_inverted", variant=_online_from_first),
        Misconception("online_max_started_at_zero", variant=_online_loop(start=0.0)),
        Misconception("online_max_started_at_zero", variant=_online_loop(start=0.0, guard=False)),
        Misconception("fully_masked_row_nan", variant=_online_loop(guard=False),
                      detail="Here it shows while the running max is still −∞: shift by 0 until a finite score "
                             "arrives."),
        Misconception("no_max_subtraction", variant=_online_unshifted),
        Misconception("no_max_subtraction",
                      variant=lambda x, axis=-1: np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)),
        Misconception("axis_argument_ignored", variant=lambda x, axis=-1: lib.online_softmax(x)),
    ],
    forbidden=(lib.online_softmax, _softmax),
    output="weights",
    weights_axis=lambda probe: probe.kwargs.get("axis", -1),
    relations={"log": ("log_applied", "")},
    purposes={"negative": ("online_max_started_at_zero", ""), "large": ("no_max_subtraction", ""),
              "axis0": ("axis_argument_ignored", ""), "masked_row": ("fully_masked_row_nan", ""),
              "max_grows": ("online_sum_not_rescaled", "")},
)

# --------------------------------------------------------------------------- q2 · the size of a KV cache

KV_BYTES = Exercise(
    id="kv_cache_bytes",
    signature="kv_cache_bytes(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1)",
    reference=lib.kv_cache_bytes,
    probes=[
        Probe("GPT-2 small, one token: (12, 12, 64, 1)", (12, 12, 64, 1), purpose="basic"),
        Probe("Llama 2 70B, 4096 tokens: (80, 8, 128, 4096)", (80, 8, 128, 4096), purpose="basic"),
        Probe("Llama 3 8B in float32 for a batch of 4: (32, 8, 128, 1000, bytes_per_element=4, batch=4)",
              (32, 8, 128, 1000, 4, 4), purpose="keywords"),
        Probe("an empty cache: (12, 12, 64, 0)", (12, 12, 64, 0), purpose="empty"),
    ],
    misconceptions=[
        Misconception("kv_cache_forgot_values", variant=lambda L, h, d, n, b=2, B=1: L * h * d * n * b * B),
        Misconception("kv_cache_counts_queries", variant=lambda L, h, d, n, b=2, B=1: 3 * L * h * d * n * b * B),
        Misconception("kv_cache_bytes_per_number", variant=lambda L, h, d, n, b=2, B=1: 2 * L * h * d * n * b * B * 8,
                      detail="Yours is in bits: `bytes_per_element` is already a number of bytes, so there is no "
                             "factor 8."),
        Misconception("kv_cache_bytes_per_number", variant=lambda L, h, d, n, b=2, B=1: 2 * L * h * d * n * B,
                      detail="Yours leaves out `bytes_per_element`: it counts numbers, not bytes."),
        Misconception("kv_cache_bytes_per_number", variant=lambda L, h, d, n, b=2, B=1: 2 * L * h * d * n * 2 * B,
                      detail="Yours uses 2 bytes per number whatever `bytes_per_element` says."),
        Misconception("kv_cache_missing_factor", variant=lambda L, h, d, n, b=2, B=1: 2 * L * h * d * n * b,
                      detail="Yours leaves out `batch`: every sequence in the batch has its own cache."),
        Misconception("kv_cache_missing_factor", variant=lambda L, h, d, n, b=2, B=1: 2 * h * d * n * b * B,
                      detail="Yours leaves out `n_layers`: every layer keeps its own keys and values."),
        Misconception("kv_cache_missing_factor", variant=lambda L, h, d, n, b=2, B=1: 2 * L * d * n * b * B,
                      detail="Yours leaves out `n_kv_heads`: every KV head keeps its own keys and values."),
        Misconception("kv_cache_missing_factor", variant=lambda L, h, d, n, b=2, B=1: 2 * L * h * n * b * B,
                      detail="Yours leaves out `d_head`: each key and each value is a vector of d_head numbers."),
    ],
    forbidden=(lib.kv_cache_bytes, lib.kv_cache_table),
    output="values",
)

# --------------------------------------------------------------------------- q3 · one FlashAttention tile


def _start(batch, b_q, d_v):
    """The state before the first tile: m = −∞, ℓ = 0, acc = 0."""
    return np.full(batch + (b_q, 1), -_INF), np.zeros(batch + (b_q, 1)), np.zeros(batch + (b_q, d_v))


def _tile_probe(seed, batch, b_q, b_k, d_v, earlier=None, this=0.0, blocked_rows=()):
    """(m, ℓ, acc) after an earlier tile whose scores are shifted by ``earlier`` (None: no earlier
    tile), then this tile's scores shifted by ``this``, with ``blocked_rows`` all −inf."""
    s0, v0, s1, v1 = randn(seed, batch + (b_q, b_k), batch + (b_k, d_v), batch + (b_q, b_k), batch + (b_k, d_v))
    state = _start(batch, b_q, d_v)
    if earlier is not None:
        state = lib.flash_block_update(*state, s0 + earlier, v0)
    s1 = s1 + this
    s1[..., list(blocked_rows), :] = -_INF
    return (*state, s1, v1)


_FIRST_BLOCKED = (*_start((), 3, 2), np.full((3, 4), -_INF), randn(818, (4, 2))[0])

TILE_PROBES = [
    Probe("the first tile: m = −inf, ℓ = 0, acc = 0, scores (3, 4), values (4, 2)",
          _tile_probe(811, (), 3, 4, 2), purpose="first_step"),
    Probe("a tile whose scores are all below the running max (3 queries, 4 keys)",
          _tile_probe(812, (), 3, 4, 2, earlier=5.0), purpose="2-D"),
    Probe("a tile whose scores are 5 above the running max (3 queries, 4 keys)",
          _tile_probe(813, (), 3, 4, 2, earlier=0.0, this=5.0), purpose="max_grows"),
    Probe("a batch of heads: state (2, 3, 4, ·), scores (2, 3, 4, 5), values (2, 3, 5, 3)",
          _tile_probe(814, (2, 3), 4, 5, 3, earlier=0.0, this=1.0), purpose="heads"),
    Probe("rows 0 and 2 fully blocked in this tile, after a finite earlier tile",
          _tile_probe(815, (), 4, 6, 2, earlier=0.0, this=2.0, blocked_rows=(0, 2)), purpose="masked_row"),
    Probe("a fully blocked first tile: m = −inf and every score −inf", _FIRST_BLOCKED, purpose="masked_row first_step"),
    Probe("2 queries against 7 keys, values of width 5, after an earlier tile",
          _tile_probe(816, (), 2, 7, 5, earlier=0.0, this=1.0), purpose="2-D"),
]


def _tile(m, l, acc, s, v, *, rescale_l=True, rescale_acc=True, inverted=False, own_max=False, normalise=None,
          guard=True):
    """One tile update as a learner writes it, with one switch per slip."""
    m_new = np.maximum(m, s.max(axis=-1, keepdims=True))                  # (..., b_q, 1)
    shift = np.where(np.isfinite(m_new), m_new, 0.0) if guard else m_new
    alpha = np.exp(shift - m) if inverted else np.exp(m - shift)          # (..., b_q, 1)
    if own_max:
        top = s.max(axis=-1, keepdims=True)
        p = np.exp(s - (np.where(np.isfinite(top), top, 0.0) if guard else top))
    else:
        p = np.exp(s - shift)                                              # (..., b_q, b_k)
    l_new = (alpha * l if rescale_l else l) + p.sum(axis=-1, keepdims=True)
    def divide(a, b):
        return np.divide(a, b, out=np.zeros_like(a), where=b > 0) if guard else a / b

    if normalise == "stored":                                              # acc kept normalised, FlashAttention-1 style
        acc_new = divide(alpha * l * acc + p @ v, l_new)
    else:
        acc_new = (alpha * acc if rescale_acc else acc) + p @ v            # (..., b_q, d_v)
        if normalise == "returned":
            acc_new = divide(acc_new, l_new)
    return m_new, l_new, acc_new


def _tile_variant(**slips):
    return lambda m, l, acc, s, v: _tile(m, l, acc, s, v, **slips)


_TILE_SLIPS = [   # (code, slips, detail); each with and without the guard for a row that has seen nothing
    ("flash_sum_not_rescaled", {"rescale_l": False}, ""),
    ("flash_output_not_rescaled", {"rescale_acc": False}, ""),
    ("online_sum_not_rescaled", {"rescale_l": False, "rescale_acc": False},
     "Here neither ℓ nor the output is rescaled."),
    ("online_rescale_inverted", {"inverted": True}, ""),
    ("flash_tile_max_not_running_max", {"own_max": True}, ""),
    ("flash_normalised_too_early", {"normalise": "returned"}, ""),
    ("flash_normalised_too_early", {"normalise": "stored"},
     "Yours keeps the output normalised from tile to tile (FlashAttention-1 does that); this function returns the "
     "unnormalised sum."),
]

_SHAPES = re.compile(r"\(([\d, ]+)\)")


def _old_max_returned(mine, want, probes):
    """The m returned is the m passed in, on a probe where the running max had to change."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        parts = None if got.raised else as_pair(got.value)
        m_back = as_array(parts[0]) if parts and len(parts) == 3 else None
        m_in = probe.args[0]
        if m_back is not None and m_back.shape == m_in.shape and not np.array_equal(ref.value[0], m_in) \
                and np.array_equal(m_back, m_in):
            return f"It shows on {probe.label}."
    return False


def _lost_row_axis(mine, want, probes):
    """A max or sum over the keys lost its axis: a (..., b_q) row of numbers met a (..., b_q, 1) column and
    broadcast to (..., b_q, b_q), in an error message or in the shape of the returned m or ℓ."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        b_q = np.shape(probe.args[0])[-2]
        square = (b_q, b_q)
        if got.raised and "broadcast" in (got.error or ""):
            shapes = [tuple(int(n) for n in t.split(",") if n.strip()) for t in _SHAPES.findall(got.error)]
            if any(s[-2:] == square for s in shapes) and b_q != np.shape(probe.args[3])[-1]:
                return f"It shows on {probe.label}: an array of shape (…, {b_q}, {b_q}) appeared."
        parts = None if got.raised else as_pair(got.value)
        if parts and len(parts) == 3:
            for name, part, right in zip(("m", "ℓ"), parts[:2], ref.value[:2], strict=True):
                shape = np.shape(as_array(part)) if as_array(part) is not None else None
                if shape is not None and shape != right.shape and shape in (right.shape[:-1],
                                                                           right.shape[:-1] + (b_q,)):
                    return f"It shows on {probe.label}: your {name} has shape {shape}."
    return False


FLASH_BLOCK = Exercise(
    id="flash_block_update",
    signature="flash_block_update(m, l, acc, scores_block, v_block)",
    reference=lib.flash_block_update,
    probes=TILE_PROBES,
    misconceptions=[
        *(Misconception(code, variant=_tile_variant(guard=guard, **slips), detail=detail)
          for code, slips, detail in _TILE_SLIPS for guard in (True, False)),
        Misconception("fully_masked_row_nan", variant=_tile_variant(guard=False)),
        Misconception("missing_keepdims", test=_lost_row_axis),
        Misconception("flash_max_not_updated", test=_old_max_returned),
    ],
    forbidden=(lib.flash_block_update, lib.flash_attention),
    returns="tuple",
    parts=("m", "l", "acc"),
    output="values",
    purposes={"masked_row": ("fully_masked_row_nan", ""), "max_grows": ("online_sum_not_rescaled", "")},
)

# --------------------------------------------------------------------------- q4 · a decoding step with a cache


def _decode_probe(seed, batch, n_past, n_q, d=4, d_v=3):
    return randn(seed, batch + (n_q, d), batch + (n_past, d), batch + (n_past, d_v), batch + (n_q, d),
                 batch + (n_q, d_v))


DECODE_PROBES = [
    Probe("the first token: empty caches (0, 4) and (0, 3), one new token", _decode_probe(821, (), 0, 1),
          purpose="first_step"),
    Probe("one new token after 5 cached ones (d = 4, d_v = 3)", _decode_probe(822, (), 5, 1), purpose="2-D"),
    Probe("a batch of heads: caches (2, 3, 4, ·), one new token", _decode_probe(823, (2, 3), 4, 1), purpose="heads"),
    Probe("3 new tokens at once after 4 cached ones", _decode_probe(824, (), 4, 3), purpose="several_new"),
    Probe("3 new tokens after 3 cached ones", _decode_probe(825, (), 3, 3), purpose="several_new"),
]


def _decode(q, k_cache, v_cache, k_new, v_new, *, axis=-2, attend="cache", mask="auto", scale=True,
            returned="grown", fill=-_INF):
    """One decoding step as a learner writes it, with one switch per slip."""
    k_all = np.concatenate([k_cache, k_new], axis=axis)                    # (..., n_past + n_q, d)
    v_all = np.concatenate([v_cache, v_new], axis=axis)                    # (..., n_past + n_q, d_v)
    keys, values = {"cache": (k_all, v_all), "old": (k_cache, v_cache), "new": (k_new, v_new)}[attend]
    n_q, n_k = q.shape[-2], keys.shape[-2]
    s = q @ np.swapaxes(keys, -1, -2) / (math.sqrt(q.shape[-1]) if scale else 1.0)   # (..., n_q, n_k)
    allowed = {"auto": None if n_q == 1 else np.tril(np.ones((n_q, n_k), bool), k=n_k - n_q),
               "minus_one": np.tril(np.ones((n_q, n_k), bool), k=n_k - n_q - 1),
               "plus_one": np.tril(np.ones((n_q, n_k), bool), k=n_k - n_q + 1),
               "top_left": np.tri(n_q, n_k, dtype=bool),
               "top_left_several": None if n_q == 1 else np.tri(n_q, n_k, dtype=bool),
               "none": None}[mask]
    if allowed is not None:
        s = np.where(allowed, s, fill)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    out = (w / w.sum(axis=-1, keepdims=True)) @ values                      # (..., n_q, d_v)
    caches = {"grown": (k_all, v_all), "old": (k_cache, v_cache), "new": (k_new, v_new)}[returned]
    return out, *caches


def _decode_variant(**slips):
    return lambda q, kc, vc, kn, vn: _decode(q, kc, vc, kn, vn, **slips)


_BEFORE = "Yours attends to the cache before the new token is in it."
_DECODE_SLIPS = [   # (code, slips, detail); each with −inf and with −1e9 where the mask blocks
    ("kv_cache_off_by_one", {"attend": "old"}, _BEFORE),
    ("kv_cache_off_by_one", {"attend": "old", "mask": "none"}, _BEFORE),
    ("kv_cache_ignored", {"attend": "new"}, ""),
    ("kv_cache_off_by_one", {"mask": "minus_one"}, "Yours hides each new token from itself."),
    ("kv_cache_off_by_one", {"mask": "plus_one"}, "Yours lets each new token see the next one."),
    ("kv_cache_wrong_axis", {"axis": 0}, ""),
    ("causal_mask_top_left", {"mask": "top_left"}, ""),
    ("causal_mask_top_left", {"mask": "top_left_several"}, ""),
    ("decode_no_mask_for_several_tokens", {"mask": "none"}, ""),
    ("kv_cache_not_grown", {"returned": "old"}, ""),
    ("kv_cache_not_grown", {"returned": "new"}, ""),
    ("no_sqrt_d_scaling", {"scale": False}, ""),
]


def _attends_before_appending(mine, want, probes):
    """On the first token the cache is empty: an answer that raises there, or returns NaN or zeros, attended
    before the new key and value were in the cache."""
    for got, probe in zip(mine, probes, strict=True):
        if "first_step" not in probe.tags:
            continue
        parts = None if got.raised else as_pair(got.value)
        out = as_array(parts[0]) if parts else None
        empty = got.raised or out is None or not np.all(np.isfinite(out)) or not np.any(out)
        if empty and not any(m.raised for m, p in zip(mine, probes, strict=True) if "first_step" not in p.tags):
            return (f"On {probe.label} there is nothing in the cache yet: yours attends before the new token's key "
                    "and value are in it.")
    return False


def _cache_axis(mine, want, probes):
    """The cache grew along another axis than the sequence axis: np.concatenate complained about the
    sequence axis, or the returned cache has the shape of a concatenation along another axis."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        k_cache, k_new = probe.args[1], probe.args[3]
        sequence = k_cache.ndim - 2
        if got.raised:
            found = re.search(r"along dimension (\d+)", got.error or "")
            if "concatenation axis" in (got.error or "") and found and int(found.group(1)) == sequence:
                return f"On {probe.label}, `np.concatenate` could not join the caches along the axis you chose."
            continue
        parts = as_pair(got.value)
        mine_k = as_array(parts[1]) if parts and len(parts) == 3 else None
        if mine_k is None or mine_k.shape == ref.value[1].shape:
            continue
        for axis in range(k_cache.ndim):
            if axis != sequence and _joined_shape(k_cache, k_new, axis) == mine_k.shape:
                return f"On {probe.label}, your k_cache grew along axis {axis}: it has shape {mine_k.shape}."
    return False


def _prepended(mine, want, probes):
    """The returned cache holds the new rows first and the old ones after them."""
    for got, probe in zip(mine, probes, strict=True):
        parts = None if got.raised else as_pair(got.value)
        mine_k = as_array(parts[1]) if parts and len(parts) == 3 else None
        k_cache, k_new = probe.args[1], probe.args[3]
        flipped = np.concatenate([k_new, k_cache], axis=-2)             # (..., n_q + n_past, d)
        if mine_k is not None and k_cache.shape[-2] and mine_k.shape == flipped.shape and np.allclose(mine_k, flipped):
            return f"It shows on {probe.label}."
    return False


def _joined_shape(a, b, axis):
    if a.shape[:axis] + a.shape[axis + 1:] != b.shape[:axis] + b.shape[axis + 1:]:
        return None
    return a.shape[:axis] + (a.shape[axis] + b.shape[axis],) + a.shape[axis + 1:]


DECODE = Exercise(
    id="decode_step",
    signature="decode_step(q_new, k_cache, v_cache, k_new, v_new)",
    reference=lib.decode_step,
    probes=DECODE_PROBES,
    misconceptions=[
        *(Misconception(code, variant=_decode_variant(fill=fill, **slips), detail=detail)
          for code, slips, detail in _DECODE_SLIPS for fill in (-_INF, -1e9)),
        Misconception("kv_cache_wrong_axis", test=_cache_axis),
        Misconception("kv_cache_off_by_one", test=_attends_before_appending),
        Misconception("kv_cache_prepended", test=_prepended),
    ],
    forbidden=(lib.decode_step, lib.KVCache, lib.decode_sequence),
    returns="tuple",
    parts=("out", "k_cache", "v_cache"),
    output="values",
    arguments={"q": 0, "k": 1, "v": 2},
    purposes={"several_new": ("decode_no_mask_for_several_tokens", "")},
)

# --------------------------------------------------------------------------- q5 · find the bugs in a tiled loop


def _first_tile_wins(seed, n_q, n_k, strong):
    """Positive queries and a key ``strong`` far along their direction: every query's largest score is
    that key's, so later tiles never raise the running max (and a missing rescale cannot show)."""
    q, k, v = randn(seed, (n_q, 4), (n_k, 4), (n_k, 4))
    k[strong] = 3.0 * np.ones(4)
    return np.abs(q), k, v


def _padded_mask(n, pad):
    return np.broadcast_to(np.arange(n)[None, :] >= pad, (n, n)).copy()   # (n, n), the first `pad` keys hidden


def _row_blocked_mask(n, row):
    mask = np.ones((n, n), dtype=bool)
    mask[row] = False
    return mask


_causal_x = randn(833, (2, 12, 4), (2, 12, 4), (2, 12, 4))
TILED_PROBES = [
    Probe("q, k, v (10, 4) in tiles of 4", randn(831, (10, 4), (10, 4), (10, 4)), {"block_size": 4},
          purpose="tiles"),
    Probe("q, k, v (10, 4) in one tile of 16", randn(836, (10, 4), (10, 4), (10, 4)), {"block_size": 16},
          purpose="one_tile"),
    Probe("3 queries and 11 keys in tiles of 4, each query's largest score in the first tile",
          _first_tile_wins(832, 3, 11, strong=0), {"block_size": 4}, purpose="more_keys"),
    Probe("a causal batch (2, 12, 4) in tiles of 4", _causal_x,
          {"mask": np.tril(np.ones((12, 12), dtype=bool)), "block_size": 4}, purpose="causal batched"),
    Probe("12 tokens whose first 5 keys are padding, in tiles of 4 (the first key tile is all padding)",
          _first_tile_wins(834, 12, 12, strong=5), {"mask": _padded_mask(12, 5), "block_size": 4},
          purpose="padding"),
    Probe("8 tokens in one tile, query 3 blocked from every key", randn(835, (8, 4), (8, 4), (8, 4)),
          {"mask": _row_blocked_mask(8, 3), "block_size": 8}, purpose="masked_row"),
]


def _tiled(a=False, b=False, c_tile=False, c_row=False, early=None, mirror=False, scale=True):
    """The exercise's function with the bugs still present: A the running sum not rescaled, B the key loop
    over n_q, C a query that has seen no key (c_tile: −inf − (−inf) in a tile; c_row: 0/0 at the end)."""
    def fix_tiled_attention(q, k, v, mask=None, block_size=128):
        n_q, d = q.shape[-2], q.shape[-1]
        stop = n_q if b else k.shape[-2]
        out = np.empty(q.shape[:-1] + (v.shape[-1],))                      # (..., n_q, d_v)
        for i in range(0, n_q, block_size):
            q_i = q[..., i:i + block_size, :] / (np.sqrt(d) if scale else 1.0)   # (..., b, d)
            m = np.full(q_i.shape[:-1] + (1,), -_INF)                      # (..., b, 1)
            l = np.zeros(q_i.shape[:-1] + (1,))                            # (..., b, 1)
            acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))                # (..., b, d_v)
            for j in range(0, stop, block_size):
                s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)   # (..., b, b)
                if mask is not None:
                    s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -_INF)
                m, l, acc = _tile(m, l, acc, s, v[..., j:j + block_size, :], rescale_l=not a,
                                  rescale_acc=not mirror, guard=not c_tile)
                if early:
                    acc = np.divide(acc, l, out=np.zeros_like(acc), where=l > 0)
            if early == "kept":
                out[..., i:i + block_size, :] = acc
            else:
                out[..., i:i + block_size, :] = acc / l if c_row else np.divide(acc, l, out=np.zeros_like(acc),
                                                                                where=l > 0)
        return out
    return fix_tiled_attention


BUGS = {   # bug -> (code, what is wrong while it is there, what a learner fixed)
    "A": ("flash_sum_not_rescaled", "the running sum is not rescaled when the max grows",
          "you rescale the running sum"),
    "B": ("key_loop_over_queries", "the key loop stops at n_q", "your key loop visits every key"),
    "C": ("fully_masked_row_nan", "a query that has seen no key yet is not handled",
          "a query that has seen no key is handled"),
}


def _bugs_left(mine, want, probes):
    """The bugs still present, read from which probes fail; None when the failures fit none of them."""
    bad = {p.purpose.split()[0]: not outcome_matches(m, w, 1e-6, 1e-8) for p, m, w in zip(probes, mine, want,
                                                                                             strict=True)}
    got = {p.purpose.split()[0]: m for p, m in zip(probes, mine, strict=True)}
    if bad["one_tile"] or (bad["causal"] and not bad["tiles"]):
        return None                                     # failures none of the three bugs explain
    left = [bug for bug, fails in (("A", bad["tiles"]), ("B", bad["more_keys"])) if fails]
    if bad["padding"] or bad["masked_row"]:
        if not any(_has_nan(got[name]) or name == "masked_row" for name in ("padding", "masked_row") if bad[name]):
            return None
        left.append("C")
    return left


def _has_nan(outcome) -> bool:
    y = None if outcome.raised else as_array(outcome.value)
    return y is not None and y.dtype.kind == "f" and bool(np.isnan(y).any())


def _sentence(bugs, how):
    texts = [BUGS[b][how] for b in bugs]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _bug_report(left):
    fixed = [b for b in BUGS if b not in left]
    counted = {1: "One bug left", 2: "Two bugs left", 3: "All three bugs are still there"}[len(left)]
    report = f"{counted}: {_sentence(left, 1)}."
    if fixed:
        report = f"Fixed: {_sentence(fixed, 2)}. " + report
    return report


def _first_bug_is(bug):
    def test(mine, want, probes):
        left = _bugs_left(mine, want, probes)
        return _bug_report(left) if left and left[0] == bug else False
    return test


def _variants_with_bugs():
    """The given function with each non-empty set of its bugs still in it (C in both of its halves)."""
    out = []
    for a, b, c_tile, c_row in ((a, b, c1, c2) for a in (0, 1) for b in (0, 1) for c1 in (0, 1) for c2 in (0, 1)):
        left = [bug for bug, present in (("A", a), ("B", b), ("C", c_tile or c_row)) if present]
        if left:
            out.append(Misconception(BUGS[left[0]][0], variant=_tiled(bool(a), bool(b), bool(c_tile), bool(c_row)),
                                     detail=_bug_report(left)))
    return out


FIX_TILED = Exercise(
    id="fix_tiled_attention",
    signature="fix_tiled_attention(q, k, v, mask=None, block_size=128)",
    reference=lib.flash_attention,
    probes=TILED_PROBES,
    misconceptions=[
        *_variants_with_bugs(),
        Misconception("flash_output_not_rescaled", variant=_tiled(a=False, mirror=True)),
        Misconception("flash_normalised_too_early", variant=_tiled(early="kept")),
        Misconception("flash_normalised_too_early", variant=_tiled(early="divided")),
        Misconception("no_sqrt_d_scaling", variant=_tiled(scale=False)),
        *(Misconception(code, test=_first_bug_is(bug)) for bug, (code, _, _) in BUGS.items()),
    ],
    forbidden=(lib.flash_attention, lib.flash_block_update, _attention),
    output="values",
    arguments={"q": 0, "k": 1, "v": 2},
)

EXERCISES = [ONLINE_SOFTMAX, KV_BYTES, FLASH_BLOCK, DECODE, FIX_TILED]
