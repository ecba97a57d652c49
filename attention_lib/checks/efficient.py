"""Checks for lesson 08: online softmax, the size of a KV cache, one FlashAttention tile, one decoding
step with a cache, and a tiled attention loop with three bugs to find.

Every reference is the library's own function (:mod:`attention_lib.efficient`), with the same signature; each
exercise has a teaching reference whose mutants name the slips.
"""
from __future__ import annotations

import re

import numpy as np

from .. import efficient as lib
from ..attention import attention as _attention
from ..softmax import softmax as _softmax
from ._compare import as_array, as_pair
from ._engine import Exercise, Misconception, Probe, randn
from ._probes import near_1000

_INF = np.inf
RUNNING = {   # the ideas of a running max and sum, shared by the three loops of this lesson
    ("rescale", "swap"): "online_rescale_inverted", ("rescale", "drop", "sub"): "online_rescale_inverted",
    ("rescale", "drop"): "online_sum_not_rescaled",
    ("running_max", "drop", "argument"): "flash_tile_max_not_running_max",
    ("running_sum", "drop", "mul"): "flash_sum_not_rescaled",
    ("running_sum", "drop", "mul-left"): "flash_sum_not_rescaled",
    ("running_out", "drop", "mul"): "flash_output_not_rescaled",
    ("running_out", "drop", "mul-left"): "flash_output_not_rescaled",
    ("everywhere", "drop", "mul"): "online_sum_not_rescaled",
    ("everywhere", "drop", "mul-left"): "online_sum_not_rescaled",
    ("empty", "polarity", "ignored"): "fully_masked_row_nan", ("start", "fill"): "online_max_started_at_zero",
    (None, "name", "m-for-m_new"): "stale_running_max", ("running_max", "update"): "flash_max_not_updated",
    ("state", "name", "m-for-m_new"): "flash_max_not_updated",
}


_SHAPES = re.compile(r"\(([\d, ]+)\)")


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
            grown = parts is not None and len(parts) == 3 and as_array(parts[1]) is not None and \
                as_array(parts[1]).shape == np.shape(want[probes.index(probe)].value[1]) and \
                np.allclose(as_array(parts[1]), want[probes.index(probe)].value[1])
            if grown:                                    # the key is in the cache: the mask keeps it out
                return (f"On {probe.label}, the cache you return holds the new token's key, yet the token sees no "
                        "key at all: your causal mask hides each new token from itself (its diagonal is one step "
                        "too far).")
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


_EMPTY_TILES = "Query tiles past n_q are empty slices: a loop that runs on past n_q computes nothing more."
_BROADCAST = "A starting value of shape (1,) broadcasts to every query (and every feature) at the first tile."
_FAR_BELOW = ("Every score a query can see lies far above −1e9, and exp(−∞ + 1e9) is 0: starting the running max at "
              "−1e9 changes no number.")

# --------------------------------------------------------------------------- q1 · online softmax


def online_softmax(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)   # (..., n) role[axis]: the axis to normalise, moved last
    m = np.full(z.shape[:-1], -np.inf)      # (...) role[start]: each row's running max starts at −∞, below any score
    total = np.zeros(z.shape[:-1])          # (...) role[running_sum]: each row's running sum of e^(x − m) starts at 0
    for j in range(z.shape[-1]):            # role[pass]: one pass along the axis
        m_new = np.maximum(m, z[..., j])    # (...) role[running_max]: the running max over every score seen so far
        # role[empty]: shift by 0 while a row has seen only −∞
        shift = np.where(np.isfinite(m_new), m_new, 0.0)    # (...)
        # role[rescale]: e^(m_old − m_new) brings the sum so far to the new max before this score's term joins it
        total = total * np.exp(m - shift) + np.exp(z[..., j] - shift)   # (...)
        m = m_new
    top = np.where(np.isfinite(m), m, 0.0)[..., None]       # (..., 1) role[empty]: a row of −∞ is shifted by 0
    e = np.exp(z - top)                     # (..., n) role[shift]: each row's own maximum keeps exp finite
    # role[normalise]: each row sums to 1 (a row of −∞ to 0)
    y = e / np.where(total > 0, total, 1.0)[..., None]      # (..., n)
    return np.moveaxis(y, -1, axis)         # role[axis]: the axis goes back where it was


def _online_probes():
    return [
        Probe("x = [4, 1, 0.5, −2] (the largest score comes first)", (np.array([4.0, 1.0, 0.5, -2.0]),), purpose="1-D"),
        Probe("x = [−1, 0, 1.5, 2, 3.5] (a new maximum at every step)", (np.array([-1.0, 0.0, 1.5, 2.0, 3.5]),),
              purpose="max_grows"),
        Probe("a batch (3, 4, 6) of scores", (5 * randn(801, (3, 4, 6))[0],), purpose="batched"),
        Probe("a (5, 3) matrix with axis=0", randn(802, (5, 3)), {"axis": 0}, purpose="axis0"),
        Probe("a batch (2, 3, 4) with axis=1", randn(804, (2, 3, 4)), {"axis": 1}, purpose="middle_axis axis0"),
        Probe("large scores around 1000", (np.array([[1000.0, 1001.0, 999.0]]),), purpose="large"),
        Probe("very negative scores around −1000", (np.array([[-1000.0, -1001.0, -999.5]]),), purpose="negative"),
        Probe("a row of −inf (every key blocked), and rows that start with −inf before finite scores",
              (np.array([[-_INF, -_INF, -_INF], [-_INF, 0.0, 1.5], [-_INF, -1000.0, -1001.0]]),), purpose="masked_row"),
        Probe("a (2, 7) float32 matrix", (randn(803, (2, 7))[0].astype(np.float32),), purpose="float32"),
        Probe("one row near +1000, one near −1000, and one falling from 500 to −500",
              (np.array([[1000.0, 1002.0, 999.0], [-1000.0, -1002.0, -999.0], [500.0, 0.0, -500.0]]),),
              purpose="far_rows large"),
    ]

ONLINE_SOFTMAX = Exercise(
    id="online_softmax",
    signature="online_softmax(x, axis=-1)",
    reference=lib.online_softmax,
    teaching=online_softmax,
    codes=RUNNING,
    equivalent={
        "cast: np.moveaxis(np.asarray(x, dtype=float), axis, -1) → np.moveaxis(np.asarray(x), axis, -1)":
            "float32 input kept in float32 stays within the float32 tolerance the checks allow; the rest is float.",
        "off_by_one: :-1 → :0": "A running max and sum of shape () broadcast to every row at the first step.",
        "fill: -np.inf → -1000000000.0": _FAR_BELOW,
        "off_by_one: z[..., j] → z[..., j - 1]": "Visiting the scores in a rotated order (the last first) gives the "
                                                "same maximum and the same sum.",
        "name: np.isfinite(m) → np.isfinite(m_new)": "After the loop m is m_new.",
        "name: np.where(np.isfinite(m), m, 0.0) → np.where(np.isfinite(m), m_new, 0.0)": "After the loop m is m_new.",
    },
    probes=_online_probes,
    misconceptions=[
        Misconception("no_max_subtraction", variant=lambda x, axis=-1: np.exp(x) / np.exp(x).sum(axis=axis,
                                                                                                 keepdims=True)),
        Misconception("online_rescale_inverted", detail="Here the loop starts from the first score (m = x₀, sum 1).",
                      patch=(("m = np.full(z.shape[:-1], -np.inf)", "m = z[..., 0].copy()"),
                             ("total = np.zeros(z.shape[:-1])", "total = np.ones(z.shape[:-1])"),
                             ("for j in range(z.shape[-1]):", "for j in range(1, z.shape[-1]):"),
                             ("np.exp(m - shift)", "np.exp(shift - m)"))),
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


def kv_cache_bytes(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    # role[count]: a key and a value, of d_head numbers each, per KV head, per layer and per token
    numbers = 2 * n_layers * n_kv_heads * d_head * n_tokens
    # role[bytes]: each number takes bytes_per_element bytes, and each sequence of the batch has its own cache
    return numbers * bytes_per_element * batch


KV_BYTES = Exercise(
    id="kv_cache_bytes",
    signature="kv_cache_bytes(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1)",
    reference=lib.kv_cache_bytes,
    teaching=kv_cache_bytes,
    codes={("count", "constant"): "kv_cache_forgot_values", ("count", "drop"): "kv_cache_missing_factor",
           "drop: 2 * n_layers → n_layers": "kv_cache_forgot_values",
           ("bytes", "drop", "mul"): "kv_cache_missing_factor",
           ("bytes", "drop", "mul-left"): "kv_cache_bytes_per_number",
           ("count", "cast"): "integer_overflow", ("bytes", "cast"): "integer_overflow"},
    probes=[
        Probe("GPT-2 small, one token: (12, 12, 64, 1)", (12, 12, 64, 1), purpose="basic"),
        Probe("Llama 2 70B, 4096 tokens: (80, 8, 128, 4096)", (80, 8, 128, 4096), purpose="basic"),
        Probe("Llama 3 8B in float32 for a batch of 4: (32, 8, 128, 1000, bytes_per_element=4, batch=4)",
              (32, 8, 128, 1000, 4, 4), purpose="keywords"),
        Probe("an empty cache: (12, 12, 64, 0)", (12, 12, 64, 0), purpose="empty"),
        Probe("Llama 2 70B, 4096 tokens, batch=16 by keyword: more bytes than a 32-bit integer holds (2³¹)",
              (80, 8, 128, 4096), {"batch": 16}, purpose="larger keywords"),
    ],
    misconceptions=[
        Misconception("kv_cache_counts_queries", patch=(("numbers = 2 *", "numbers = 3 *"),)),
        Misconception("kv_cache_bytes_per_number", patch=(("per_element * batch", "per_element * batch * 8"),),
                      detail="Yours is in bits: `bytes_per_element` is already a number of bytes, so there is no "
                             "factor 8."),
        Misconception("kv_cache_bytes_per_number", patch=(("numbers * bytes_per_element", "numbers * 2"),),
                      detail="Yours uses 2 bytes per number whatever `bytes_per_element` says."),
    ],
    forbidden=(lib.kv_cache_bytes, lib.kv_cache_table),
    output="values",
)

# --------------------------------------------------------------------------- q3 · one FlashAttention tile


def flash_block_update(m, l, acc, scores_block, v_block):
    # role[running_max]: the running max over every key seen so far, this tile's included
    m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))     # (..., b_q, 1)
    # role[empty]: shift by 0 while a query has seen no key
    shift = np.where(np.isfinite(m_new), m_new, 0.0)    # (..., b_q, 1)
    # role[rescale]: e^(m_old − m_new) brings what was summed so far to the new max
    alpha = np.exp(m - shift)                       # (..., b_q, 1)
    # role[shift]: this tile's terms, against the new max
    p = np.exp(scores_block - shift)                # (..., b_q, b_k)
    # role[running_sum]: the sum so far, rescaled, plus this tile's terms
    l_new = alpha * l + p.sum(axis=-1, keepdims=True)   # (..., b_q, 1)
    # role[running_out]: the output so far, rescaled, plus this tile's weighted values
    acc_new = alpha * acc + p @ v_block             # (..., b_q, d_v)
    return m_new, l_new, acc_new    # role[state]: the next tile goes on from the new running max, sum and output


def _start(batch, b_q, d_v):
    """The state before the first tile: m = −∞, ℓ = 0, acc = 0."""
    return np.full(batch + (b_q, 1), -_INF), np.zeros(batch + (b_q, 1)), np.zeros(batch + (b_q, d_v))


def _tile_probe(seed, batch, b_q, b_k, d_v, earlier=None, this=0.0, blocked_rows=(), rows=None):
    """(m, ℓ, acc) after an earlier tile whose scores are shifted by ``earlier`` (None: no earlier tile), then this
    tile's scores shifted by ``this`` (or by ``rows``, one shift per query), with ``blocked_rows`` all −inf."""
    s0, v0, s1, v1 = randn(seed, batch + (b_q, b_k), batch + (b_k, d_v), batch + (b_q, b_k), batch + (b_k, d_v))
    state = _start(batch, b_q, d_v)
    if earlier is not None:
        state = lib.flash_block_update(*state, s0 + earlier, v0)
    s1 = s1 + (this if rows is None else np.asarray(rows)[:, None])
    s1[..., list(blocked_rows), :] = -_INF
    return (*state, s1, v1)


def _tile_probes():
    first_blocked = (*_start((), 3, 2), np.full((3, 4), -_INF), randn(818, (4, 2))[0])
    return [
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
        Probe("a fully blocked first tile: m = −inf and every score −inf", first_blocked,
              purpose="masked_row first_step"),
        Probe("2 queries against 7 keys, values of width 5, after an earlier tile",
              _tile_probe(816, (), 2, 7, 5, earlier=0.0, this=1.0), purpose="2-D"),
        Probe("a first tile whose rows lie near +1000, near −1000 and near 0 (3 queries, 4 keys)",
              _tile_probe(817, (), 3, 4, 2, rows=(1000.0, -1000.0, 0.0)), purpose="far_rows large first_step"),
    ]


FLASH_BLOCK = Exercise(
    id="flash_block_update",
    signature="flash_block_update(m, l, acc, scores_block, v_block)",
    reference=lib.flash_block_update,
    teaching=flash_block_update,
    codes=RUNNING,
    probes=_tile_probes,
    misconceptions=[
        Misconception("flash_normalised_too_early", patch=(("    return m_new, l_new, acc_new",
                                                            "    return m_new, l_new, acc_new / l_new"),)),
        Misconception("flash_tile_max_not_running_max", patch=(
            ("p = np.exp(scores_block - shift)", "p = np.exp(scores_block - scores_block.max(axis=-1, keepdims=True))"),
        )),
        Misconception("missing_keepdims", test=_lost_row_axis),
        Misconception("flash_normalised_too_early", patch=(
            ("acc_new = alpha * acc + p @ v_block",
             "acc_new = (alpha * acc * l + p @ v_block) / np.where(l_new > 0, l_new, 1.0)"),),
                      detail="Yours divides acc by ℓ inside the update (and multiplies the old one back by ℓ): keep "
                             "acc unnormalised, `alpha * acc + p @ v_block`; the caller divides once, at the end."),
        Misconception("flash_max_forgets_old", patch=(
            ("m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))",
             "m_new = scores_block.max(axis=-1, keepdims=True)"),
            ("shift = np.where(np.isfinite(m_new), m_new, 0.0)", "shift = m_new"))),
        Misconception("flash_max_forgets_old", patch=(
            ("m_new = np.maximum(m, scores_block.max(axis=-1, keepdims=True))",
             "m_new = scores_block.max(axis=-1, keepdims=True)"),)),
    ],
    forbidden=(lib.flash_block_update, lib.flash_attention),
    returns="tuple",
    parts=("m", "l", "acc"),
    output="values",
    purposes={"masked_row": ("fully_masked_row_nan", ""), "max_grows": ("online_sum_not_rescaled", "")},
)

# --------------------------------------------------------------------------- q4 · a decoding step with a cache


def decode_step(q_new, k_cache, v_cache, k_new, v_new):
    # role[grow]: the new keys and values join the end of the caches, along the sequence axis (−2)
    k = np.concatenate([k_cache, k_new], axis=-2)   # (..., n_past + n_q, d)
    # role[grow]: the new keys and values join the end of the caches, along the sequence axis (−2)
    v = np.concatenate([v_cache, v_new], axis=-2)   # (..., n_past + n_q, d_v)
    n_q, n_k = q_new.shape[-2], k.shape[-2]
    s = q_new @ np.swapaxes(k, -1, -2) / np.sqrt(q_new.shape[-1])   # (..., n_q, n_k) role[scale]: divided by √d
    # role[causal]: new token i sits at position n_past + i and sees every key up to and including itself
    allowed = np.tril(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q)  # (n_q, n_k)
    s = np.where(allowed, s, -np.inf)               # (..., n_q, n_k) role[mask]: a blocked key's score is −∞
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(s - s.max(axis=-1, keepdims=True))   # (..., n_q, n_k)
    w = e / e.sum(axis=-1, keepdims=True)           # (..., n_q, n_k) role[normalise]: each new token's weights sum to 1
    out = w @ v                                     # (..., n_q, d_v) role[output]: each new token averages the values
    return out, k, v                                # role[caches]: both caches go back grown, for the next step


_ONE_KEY_EACH = "Each new token brings one key and one value: n_q is the number of new keys and of new values."


def _decode_probe(seed, batch, n_past, n_q, d=5, d_v=3, scale=1.0):
    q, kc, vc, kn, vn = randn(seed, batch + (n_q, d), batch + (n_past, d), batch + (n_past, d_v), batch + (n_q, d),
                              batch + (n_q, d_v))
    return scale * q, scale * kc, vc, scale * kn, vn


def _decode_probes():
    return [
        Probe("the first token: empty caches (0, 5) and (0, 3), one new token", _decode_probe(821, (), 0, 1),
              purpose="first_step"),
        Probe("one new token after 6 cached ones (d = 5, d_v = 3)", _decode_probe(822, (), 6, 1), purpose="2-D"),
        Probe("a batch of heads: caches (2, 3, 4, ·), one new token", _decode_probe(823, (2, 3), 4, 1),
              purpose="heads"),
        Probe("3 new tokens at once after 4 cached ones", _decode_probe(824, (), 4, 3), purpose="several_new"),
        Probe("3 new tokens after 3 cached ones", _decode_probe(825, (), 3, 3), purpose="several_new"),
        Probe("a prompt: empty caches, 3 new tokens", _decode_probe(828, (), 0, 3),
              purpose="first_step several_new"),
        Probe("large scores: 2 new tokens after 5 cached ones, q and k times 30",
              _decode_probe(826, (), 5, 2, scale=30.0), purpose="large several_new"),
        Probe("a batch of 2: caches (2, 4, ·), 3 new tokens", _decode_probe(827, (2,), 4, 3), purpose="batched"),
    ]


DECODE = Exercise(
    id="decode_step",
    signature="decode_step(q_new, k_cache, v_cache, k_new, v_new)",
    reference=lib.decode_step,
    teaching=decode_step,
    equivalent={
        "size: (q_new.shape[-2], k.shape[-2]) → (k_new.shape[-2], k.shape[-2])": _ONE_KEY_EACH,
        "size: (q_new.shape[-2], k.shape[-2]) → (v_new.shape[-2], k.shape[-2])": _ONE_KEY_EACH,
        "size: np.sqrt(q_new.shape[-1]) → np.sqrt(k_cache.shape[-1])": "Queries and keys share d.",
        "size: np.sqrt(q_new.shape[-1]) → np.sqrt(k_new.shape[-1])": "Queries and keys share d.",
        "cast: np.tril(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q) → np.tril(np.ones((n_q, n_k)), k=n_k - n_q)":
            "np.where reads a mask of 1.0 and 0.0 as True and False.",
        "fill: -np.inf → -1000000000.0": "Every new token sees at least itself, and exp(−1e9 − max) is exactly 0, as "
                                         "exp(−∞) is.",
    },
    codes={("grow", "axis"): "kv_cache_wrong_axis", ("grow", "swap"): "kv_cache_prepended",
           ("causal", "off_by_one"): "kv_cache_off_by_one", ("causal", "drop"): "decode_no_mask_for_several_tokens",
           ("mask", "polarity", "ignored"): "decode_no_mask_for_several_tokens",
           ("caches", "name"): "kv_cache_not_grown", ("scale", "name", "k_new-for-k"): "kv_cache_ignored",
           ("scale", "name", "k_cache-for-k"): "kv_cache_off_by_one"},
    probes=_decode_probes,
    misconceptions=[
        Misconception("causal_mask_top_left", patch=(("k=n_k - n_q)", "k=0)"),)),
        Misconception("kv_cache_off_by_one", patch=(("k=n_k - n_q)", "k=n_k - n_q - 1)"),
                                                    ("s = np.where(allowed, s, -np.inf)",
                                                     "s = np.where(allowed, s, -1e9)"))),
        Misconception("mask_polarity_inverted", patch=(
            ("allowed = np.tril(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q)",
             "allowed = np.triu(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q) if n_q > 1 else True"),),
                      detail="Yours builds the mask with `np.triu`, True on the diagonal and the future: it lets each "
                             "new token see the new tokens after it and hides the whole cache. The keys a new token "
                             "may see are the lower triangle ending in the bottom-right corner, "
                             "`np.tril(..., k=n_k - n_q)` (as `al.causal_mask(n_q, n_k)` builds it)."),
        Misconception("kv_cache_ignored", patch=(("k.shape[-2]", "k_new.shape[-2]"), ("np.swapaxes(k, -1, -2)",
                                                                                      "np.swapaxes(k_new, -1, -2)"),
                                                 ("out = w @ v", "out = w @ v_new"))),
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


def fix_tiled_attention(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))                   # (..., n_q, d_v)
    for i in range(0, n_q, block_size):             # role[query_tiles]: every tile of queries, the last one shorter
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)              # (..., b, d) role[scale]: scaled by √d, once
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)                 # (..., b, 1) role[start]: −∞ before any key
        l = np.zeros(q_i.shape[:-1] + (1,))                         # (..., b, 1) role[start]: nothing summed yet
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))             # (..., b, d_v) role[start]: nothing summed yet
        # role[key_tiles]: every tile of keys, up to n_k, the last one shorter
        for j in range(0, n_k, block_size):
            # role[scores]: this tile's scores, one row per query of the tile
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)   # (..., b, b_k)
            if mask is not None:
                # role[mask]: the mask's tile for these queries and keys blocks scores with −∞
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)   # (..., b, b_k)
            # role[running_max]: the running max over every key seen so far, this tile's included
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))   # (..., b, 1)
            # role[empty]: shift by 0 while a query has seen no key
            shift = np.where(np.isfinite(m_new), m_new, 0.0)      # (..., b, 1)
            # role[rescale]: e^(m_old − m_new) brings what was summed so far to the new max
            alpha = np.exp(m - shift)               # (..., b, 1)
            p = np.exp(s - shift)                   # (..., b, b_k) role[shift]: this tile's terms, against the new max
            # role[running_sum]: the sum so far, rescaled, plus this tile's terms
            l = alpha * l + p.sum(axis=-1, keepdims=True)         # (..., b, 1)
            # role[running_out]: the output so far, rescaled, plus this tile's weighted values
            acc = alpha * acc + p @ v[..., j:j + block_size, :]   # (..., b, d_v)
            m = m_new
        # role[normalise]: divided by the running sum once, after the last tile; a query that sees no key gets 0
        out[..., i:i + block_size, :] = acc / np.where(l > 0, l, 1.0)
    return out


TILED_BUGS = {   # the function of the exercise notebook, as patches to the repaired one
    "A": {"patch": [("l = alpha * l + p.sum", "l = l + p.sum")], "code": "flash_sum_not_rescaled",
          "left": "the running sum is not rescaled when the max grows", "fixed": "rescaled the running sum"},
    "B": {"patch": [("for j in range(0, n_k, block_size)", "for j in range(0, n_q, block_size)")],
          "code": "key_loop_over_queries", "left": "the key loop stops at n_q",
          "fixed": "let the key loop visit every key"},
    "C": {"patch": [("shift = np.where(np.isfinite(m_new), m_new, 0.0)", "shift = m_new"),
                    ("acc / np.where(l > 0, l, 1.0)", "acc / l")],
          "code": "fully_masked_row_nan", "left": "a query that has seen no key yet is not handled",
          "fixed": "handled a query that has seen no key"},
}


def _first_tile_wins(seed, n_q, n_k, strong, d=5, d_v=3, length=3.0):
    """Positive queries and a key ``strong`` far along their direction (``length`` times the all-ones vector): every
    query's largest score is that key's, so later tiles never raise the running max (and a missing rescale cannot
    show); hidden by a mask and long enough, it also dwarfs every score the query may see."""
    q, k, v = randn(seed, (n_q, d), (n_k, d), (n_k, d_v))
    k[strong] = length * np.ones(d)
    return np.abs(q), k, v


def _padded_mask(n, pad):
    return np.broadcast_to(np.arange(n)[None, :] >= pad, (n, n)).copy()   # (n, n), the first `pad` keys hidden


def _row_blocked_mask(n, row):
    mask = np.ones((n, n), dtype=bool)
    mask[row] = False
    return mask


def _tiled_probes():
    """d = 5 and d_v = 3; no block size divides the lengths; a blocked key has the largest score."""
    causal = randn(833, (2, 9, 5), (2, 9, 5), (2, 9, 3))
    heads = randn(838, (2, 2, 7, 5), (2, 2, 7, 5), (2, 2, 7, 3))
    return [
        Probe("q, k (10, 5) and v (10, 3) in tiles of 4", randn(831, (10, 5), (10, 5), (10, 3)), {"block_size": 4},
              purpose="tiles"),
        Probe("q, k (10, 5) and v (10, 3) in one tile of 16", randn(836, (10, 5), (10, 5), (10, 3)),
              {"block_size": 16}, purpose="one_tile"),
        Probe("3 queries and 11 keys in tiles of 4, each query's largest score in the first tile",
              _first_tile_wins(832, 3, 11, strong=0), {"block_size": 4}, purpose="more_keys"),
        Probe("a causal batch q, k (2, 9, 5), v (2, 9, 3) in tiles of 4", causal,
              {"mask": np.tril(np.ones((9, 9), dtype=bool)), "block_size": 4}, purpose="causal batched"),
        Probe("9 tokens whose first 5 keys are padding, in tiles of 4, a padded key with the largest score",
              _first_tile_wins(834, 9, 9, strong=2, length=1000.0), {"mask": _padded_mask(9, 5), "block_size": 4},
              purpose="padding blocked_max"),
        Probe("9 tokens in one tile, query 3 blocked from every key", randn(835, (9, 5), (9, 5), (9, 3)),
              {"mask": _row_blocked_mask(9, 3), "block_size": 9}, purpose="masked_row"),
        Probe("scores near +1000 and −1000 within one tile: q, k (2, 6, 5), v (2, 6, 2), tiles of 4",
              near_1000(837, 6, 5, 2), {"block_size": 4}, purpose="large far_rows batched"),
        Probe("heads q, k (2, 2, 7, 5), v (2, 2, 7, 3) in tiles of 3", heads, {"block_size": 3}, purpose="heads"),
        Probe("7 queries and 3 keys in tiles of 2", randn(839, (7, 5), (3, 5), (3, 3)), {"block_size": 2},
              purpose="more_queries"),
    ]


FIX_TILED = Exercise(
    id="fix_tiled_attention",
    signature="fix_tiled_attention(q, k, v, mask=None, block_size=128)",
    reference=lib.flash_attention,
    teaching=fix_tiled_attention,
    bugs=TILED_BUGS,
    equivalent={
        "off_by_one: range(0, n_q, block_size) → range(0, n_q + 1, block_size)": _EMPTY_TILES,
        "size: (q.shape[-2], k.shape[-2], q.shape[-1]) → (q.shape[-2], v.shape[-2], q.shape[-1])":
            "The contract gives the keys and the values the same n_k.",
        "size: (q.shape[-2], k.shape[-2], q.shape[-1]) → (q.shape[-2], k.shape[-2], k.shape[-1])":
            "Queries and keys share d.",
        "drop: q_i.shape[:-1] + (1,) → (1,)": _BROADCAST, "off_by_one: :-1 → :0": _BROADCAST,
        "drop: q_i.shape[:-1] + (v.shape[-1],) → (v.shape[-1],)": _BROADCAST,
        "fill: -np.inf → -1000000000.0": _FAR_BELOW,
    },
    codes={**RUNNING, ("key_tiles", "off_by_one", "partial"): "tail_tile_skipped",
           ("query_tiles", "off_by_one", "partial"): "tail_tile_skipped",
           "size: (q.shape[-2], k.shape[-2], q.shape[-1]) → (k.shape[-2], k.shape[-2], q.shape[-1])":
               "query_loop_over_keys",
           "size: (q.shape[-2], k.shape[-2], q.shape[-1]) → (v.shape[-2], k.shape[-2], q.shape[-1])":
               "query_loop_over_keys",
           "name: range(0, n_q, block_size) → range(0, n_k, block_size)": "query_loop_over_keys"},
    probes=_tiled_probes,
    misconceptions=[Misconception("flash_normalised_too_early", patch=(
        ("        out[..., i:i + block_size, :] = acc / np.where(l > 0, l, 1.0)",
         "        out[..., i:i + block_size, :] = acc"),
        ("            m = m_new", "            m = m_new\n            acc = acc / np.where(l > 0, l, 1.0)")))],
    forbidden=(lib.flash_attention, lib.flash_block_update, _attention),
    output="values",
    arguments={"q": 0, "k": 1, "v": 2},
    purposes={"more_queries": ("query_loop_over_keys", "")},
)

EXERCISES = [ONLINE_SOFTMAX, KV_BYTES, FLASH_BLOCK, DECODE, FIX_TILED]
