"""The four kinds of misses a blind bank found, each example a test: wrong answers no probe could reject, a
listed mistake named where the learner made another, the fallback speaking for a simple slip, and a message
about the checker instead of the learner's answer."""
import numpy as np
import pytest

from attention_lib import checks
from tests.checks.answers import lesson06, lesson08


def _softmax_rows(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _run(exercise_id, fn):
    return checks.run(exercise_id, fn)


# --------------------------------------------------------------------------- 1. wrong answers no probe rejected


def cross_attention_overflows(x_q, x_kv, W_q, W_k, W_v, mask=None):
    q, k, v = x_q @ W_q, x_kv @ W_k, x_kv @ W_v
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s)                                        # no maximum subtracted
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


def decode_step_overflows(q_new, k_cache, v_cache, k_new, v_new):
    k, v = np.concatenate([k_cache, k_new], axis=-2), np.concatenate([v_cache, v_new], axis=-2)
    n_q, n_k = q_new.shape[-2], k.shape[-2]
    s = q_new @ np.swapaxes(k, -1, -2) / np.sqrt(q_new.shape[-1])
    s = np.where(np.tril(np.ones((n_q, n_k), dtype=bool), k=n_k - n_q), s, -np.inf)
    e = np.exp(s)                                        # no maximum subtracted
    return (e / e.sum(axis=-1, keepdims=True)) @ v, k, v


def numerical_gradient_ignores_eps(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + 1e-6                                # the argument is never used
        up = f(x)
        x[i] = old - 1e-6
        down = f(x)
        grad[i] = (up - down) / 2e-6
        x[i] = old
    return grad


def merge_heads_four_axes(x):
    B, h, n, d = x.shape                                 # exactly four axes
    return np.swapaxes(x, 1, 2).reshape(B, n, h * d)


def tiled_max_before_the_mask(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))       # the max of blocked keys too
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            p = np.exp(s - m_new)
            alpha = np.exp(m - m_new)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = acc / np.where(l > 0, l, 1.0)
    return out


def kv_cache_bytes_int32(n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element=2, batch=1):
    sizes = np.array([2, n_layers, n_kv_heads, d_head, n_tokens, bytes_per_element, batch], dtype=np.int32)
    return int(np.prod(sizes, dtype=np.int32))          # wraps past 2³¹


def flash_block_update_tile_wide_max(m, l, acc, scores_block, v_block):
    m_new = np.maximum(m, scores_block.max())            # one max for the whole tile, every row alike
    shift = np.where(np.isfinite(m_new), m_new, 0.0)
    alpha, p = np.exp(m - shift), np.exp(scores_block - shift)
    return m_new, alpha * l + p.sum(axis=-1, keepdims=True), alpha * acc + p @ v_block


ACCEPTED_BEFORE = [
    ("cross_attention", cross_attention_overflows), ("decode_step", decode_step_overflows),
    ("numerical_gradient", numerical_gradient_ignores_eps), ("merge_heads", merge_heads_four_axes),
    ("fix_tiled_attention", tiled_max_before_the_mask), ("kv_cache_bytes", kv_cache_bytes_int32),
    ("flash_block_update", flash_block_update_tile_wide_max),
]


@pytest.mark.parametrize("exercise_id,fn", ACCEPTED_BEFORE, ids=[f.__name__ for _, f in ACCEPTED_BEFORE])
def test_a_wrong_answer_no_probe_used_to_reject_is_rejected_and_named(exercise_id, fn):
    result = _run(exercise_id, fn)
    assert result.status == "incorrect" and result.code not in ("wrong_values", "checker_error"), result


def test_the_tiled_loop_has_a_blocked_key_with_the_largest_score_and_d_unlike_d_v():
    ex = checks.get("fix_tiled_attention")
    assert any("blocked_max" in p.tags for p in ex.probes)
    assert all(p.args[0].shape[-1] != p.args[2].shape[-1] for p in ex.probes if "large" not in p.tags)


def test_a_cache_size_beyond_two_to_the_31_is_asked_for_and_an_int32_product_is_named():
    sizes = [checks.get("kv_cache_bytes").reference(*p.args, **p.kwargs) for p in checks.get("kv_cache_bytes").probes]
    assert max(sizes) > 2**31
    assert _run("kv_cache_bytes", kv_cache_bytes_int32).code == "integer_overflow"


# --------------------------------------------------------------------------- 2. the mistake the learner made, not a listed one


def tiled_rescale_upside_down(q, k, v, mask=None, block_size=128):
    return _tiled_with(q, k, v, mask, block_size, inverted=True)


def _tiled_with(q, k, v, mask, block_size, inverted=True, stop=None):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k if stop is None else stop(n_k, block_size), block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            alpha = np.exp(shift - m) if inverted else np.exp(m - shift)
            p = np.exp(s - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = acc / np.where(l > 0, l, 1.0)
    return out


def test_a_slip_made_while_repairing_is_named_as_itself_with_the_bugs_fixed():
    result = _run("fix_tiled_attention", tiled_rescale_upside_down)
    assert result.code == "online_rescale_inverted", result.message
    assert "You have rescaled the running sum, let the key loop visit every key" in result.message
    assert "ℓ not rescaled" not in result.message and "not rescaled when" not in result.message


def scores_divided_by_d(q, k):
    return q @ np.swapaxes(k, -1, -2) / q.shape[-1]


def test_a_constant_factor_is_said_as_what_it_means():
    result = _run("scaled_dot_scores", scores_divided_by_d)
    assert result.code == "scaled_by_d" and "√d" in result.message
    assert "times the right ones" not in result.message


def scores_divided_by_d_and_root_d(q, k):
    return q @ np.swapaxes(k, -1, -2) / q.shape[-1] ** 1.5


def gradient_with_dv_scaled_too(q, k, v, d_out, mask=None):
    root = np.sqrt(q.shape[-1])
    s = q @ np.swapaxes(k, -1, -2) / root
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0.0))
    p = e / np.maximum(e.sum(axis=-1, keepdims=True), 1e-300)
    dp = d_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(p * dp, axis=-1, keepdims=True))
    return ds @ k / root, np.swapaxes(ds, -1, -2) @ q / root, np.swapaxes(p, -1, -2) @ d_out / root


@pytest.mark.parametrize("exercise_id,fn,factor", [
    ("scaled_dot_scores", scores_divided_by_d_and_root_d, "1/d times the right ones"),
    ("attention_backward", gradient_with_dv_scaled_too, "1/√d times the right ones"),
])
def test_a_factor_no_mutant_explains_is_said_in_the_probe_sizes(exercise_id, fn, factor):
    result = _run(exercise_id, fn)
    assert factor in result.message and "at d = " in result.message, result.message


def test_no_probe_has_d_4_where_the_square_root_of_d_and_half_of_d_are_both_2():
    for exercise_id in ("scaled_dot_scores", "attention", "masked_attention", "attention_backward"):
        for probe in checks.get(exercise_id).probes:
            assert probe.args[0].shape[-1] != 4, (exercise_id, probe.label)


def tiled_skips_the_tail(q, k, v, mask=None, block_size=128):
    return _tiled_with(q, k, v, mask, block_size, inverted=False, stop=lambda n, b: n - n % b)


def test_a_skipped_tail_tile_is_named_not_told_to_normalise():
    result = _run("fix_tiled_attention", tiled_skips_the_tail)
    assert result.code == "tail_tile_skipped", result.message
    assert "normalis" not in result.message.lower()


# --------------------------------------------------------------------------- 3. simple slips the fallback used to speak for


def softmax_backward_unweighted(p, dp):
    return p * (dp - dp.sum(axis=-1, keepdims=True))


def softmax_backward_over_columns(p, dp):
    return p * (dp - np.sum(p * dp, axis=0, keepdims=True))


def tiled_block_local_max(q, k, v, mask=None, block_size=128):
    n_q, n_k, d = q.shape[-2], k.shape[-2], q.shape[-1]
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in range(0, n_q, block_size):
        q_i = q[..., i:i + block_size, :] / np.sqrt(d)
        m = np.full(q_i.shape[:-1] + (1,), -np.inf)
        l = np.zeros(q_i.shape[:-1] + (1,))
        acc = np.zeros(q_i.shape[:-1] + (v.shape[-1],))
        for j in range(0, n_k, block_size):
            s = q_i @ np.swapaxes(k[..., j:j + block_size, :], -1, -2)
            if mask is not None:
                s = np.where(mask[..., i:i + block_size, j:j + block_size], s, -np.inf)
            m_new = s.max(axis=-1, keepdims=True)                  # this tile's max only
            shift = np.where(np.isfinite(m_new), m_new, 0.0)
            alpha = np.exp(m - shift)
            p = np.exp(s - shift)
            l = alpha * l + p.sum(axis=-1, keepdims=True)
            acc = alpha * acc + p @ v[..., j:j + block_size, :]
            m = m_new
        out[..., i:i + block_size, :] = acc / np.where(l > 0, l, 1.0)
    return out


def online_softmax_old_max(x, axis=-1):
    z = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    m, total = np.full(z.shape[:-1], -np.inf), np.zeros(z.shape[:-1])
    for j in range(z.shape[-1]):
        m_new = np.maximum(m, z[..., j])
        shift = np.where(np.isfinite(m), m, 0.0)                 # the old max
        total = total * np.exp(np.where(np.isfinite(m), m, 0.0) - shift) + np.exp(z[..., j] - shift)
        m = m_new
    top = np.where(np.isfinite(m), m, 0.0)[..., None]
    e = np.exp(z - top)
    return np.moveaxis(e / np.where(total > 0, total, 1.0)[..., None], -1, axis)


def mha_values_with_w_k(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, values="W_k")


def mha_softmax_over_queries(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, params, n_heads, mask, axis=-2)


def mha_weights_by_rows(x_q, x_kv, params, n_heads, mask=None):
    return _mha(x_q, x_kv, {k: (w.T if k.startswith("W") else w) for k, w in params.items()}, n_heads, mask)


def _mha(x_q, x_kv, params, n_heads, mask=None, values="W_v", axis=-1):
    def proj(x, w, b):
        return x @ params[w] + params.get(b, 0.0)
    q = lesson06.split_heads(proj(x_q, "W_q", "b_q"), n_heads)
    k = lesson06.split_heads(proj(x_kv, "W_k", "b_k"), n_heads)
    v = lesson06.split_heads(proj(x_kv, values, "b_v"), n_heads)
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        mask = np.asarray(mask)
        s = np.where(mask[:, None] if mask.ndim == 3 else mask, s, -np.inf)
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    w = e / e.sum(axis=axis, keepdims=True)
    return proj(lesson06.merge_heads(w @ v), "W_o", "b_o"), w


def top_k_sorting_everything(q, k, v, top_k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    kth = np.sort(s, axis=None)[-top_k]                            # one threshold for the whole array
    w = _softmax_rows(np.where(s >= kth, s, -np.inf))
    return w @ v, w


SIMPLE = [
    ("softmax_backward", softmax_backward_unweighted, None), ("softmax_backward", softmax_backward_over_columns, None),
    ("fix_tiled_attention", tiled_skips_the_tail, "tail_tile_skipped"),
    ("fix_tiled_attention", tiled_block_local_max, "flash_tile_max_not_running_max"),
    ("online_softmax", online_softmax_old_max, None),
    ("multi_head_attention", mha_values_with_w_k, "shared_projection"),
    ("multi_head_attention", mha_softmax_over_queries, None),
    ("multi_head_attention", mha_weights_by_rows, "projection_transposed"),
    ("top_k_attention", top_k_sorting_everything, None),
]


@pytest.mark.parametrize("exercise_id,fn,code", SIMPLE, ids=[f.__name__ for _, f, _ in SIMPLE])
def test_a_simple_slip_is_named_not_left_to_the_fallback(exercise_id, fn, code):
    result = _run(exercise_id, fn)
    assert result.status == "incorrect" and result.code not in ("wrong_values", "checker_error"), result
    if code is not None:
        assert result.code == code, result


# --------------------------------------------------------------------------- 4. messages about the answer, not the checker


def numerical_gradient_one_sided(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        base = f(x)
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


def numerical_gradient_rough_on_one_input(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros(x.shape)
    step = 1e-3 if x.ndim == 2 else eps                            # a coarse step on the (3, 4) input only
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + step
        up = f(x)
        x[i] = old - step
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * step)
    return grad


@pytest.mark.parametrize("fn", [numerical_gradient_one_sided, numerical_gradient_rough_on_one_input])
def test_an_inaccurate_gradient_is_never_said_to_be_a_tuple(fn):
    result = _run("numerical_gradient", fn)
    assert result.status == "incorrect"
    assert "tuple" not in result.message and "a single number" not in result.message, result.message


@pytest.mark.parametrize("unit,divisor", [("MiB", 1024**2), ("GiB", 1024**3), ("kB", 1000)])
def test_a_size_in_another_unit_is_said_in_that_unit(unit, divisor):
    def kv_cache_bytes_in_a_unit(*args, **kwargs):
        return lesson08.kv_cache_bytes(*args, **kwargs) / divisor
    result = _run("kv_cache_bytes", kv_cache_bytes_in_a_unit)
    assert result.status == "incorrect"
    assert f"your result is in {unit}" in result.message, result.message
