"""Lesson 08: online softmax, FlashAttention and the KV cache against plain attention."""
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_lib import attention, causal_mask, padding_mask, softmax
from attention_lib.efficient import (
    MODEL_CONFIGS,
    KVCache,
    decode_sequence,
    decode_step,
    flash_attention,
    flash_block_update,
    kv_cache_bytes,
    kv_cache_table,
    merge_softmax_stats,
    online_softmax,
    online_softmax_steps,
)

EXAMPLES = settings(max_examples=200, deadline=None)


def two_pass_softmax(row):
    """The textbook definition with Python floats: max, then sum, then divide."""
    top = max(row)
    exps = [math.exp(x - top) for x in row]
    return [e / sum(exps) for e in exps]


# --------------------------------------------------------------------------- online softmax


def test_online_softmax_matches_the_definition():
    x = np.array([[3.0, -1.0, 7.5, 7.5, 0.0], [-200.0, 400.0, 1.0, 2.0, 3.0]])
    expected = np.array([two_pass_softmax(r) for r in x])
    np.testing.assert_allclose(online_softmax(x), expected, rtol=1e-13, atol=1e-300)


def test_online_softmax_normalises_the_requested_axis():
    x = np.random.default_rng(0).normal(size=(4, 3, 5)) * 10
    for axis in (0, 1, -1):
        np.testing.assert_allclose(online_softmax(x, axis=axis), softmax(x, axis=axis), rtol=1e-13)
    with pytest.raises(ValueError, match=r"axis 3 is out of range for x of shape \(4, 3, 5\)"):
        online_softmax(x, axis=3)


def test_online_softmax_of_an_all_minus_inf_row_is_zero_not_nan():
    x = np.array([[-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, -np.inf]])
    assert np.array_equal(online_softmax(x), [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def test_online_softmax_keeps_float32():
    x = np.random.default_rng(1).normal(size=(2, 6)).astype(np.float32)
    y = online_softmax(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, softmax(x), rtol=1e-6)


@EXAMPLES
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 9)),
              elements=st.floats(-300, 300, allow_nan=False, width=64)))
def test_online_softmax_equals_softmax(x):
    np.testing.assert_allclose(online_softmax(x), softmax(x), rtol=1e-12, atol=1e-300)


def test_steps_show_the_max_jumping_and_the_sum_rescaled():
    x = [1.0, 0.0, 3.0, 2.0]
    maxes, sums = online_softmax_steps(x)
    np.testing.assert_array_equal(maxes, [1.0, 1.0, 3.0, 3.0])
    expected = [sum(math.exp(x[i] - maxes[j]) for i in range(j + 1)) for j in range(4)]
    np.testing.assert_allclose(sums, expected, rtol=1e-14)
    # at the jump (step 2) the old sum e^0 + e^-1 is rescaled by e^(1 - 3), then e^0 is added
    assert sums[2] == pytest.approx((1 + math.exp(-1)) * math.exp(-2) + 1)


def test_step_details_are_the_pieces_of_each_step_and_the_weights_are_softmax():
    x = np.array([1.0, 0.5, 3.0, 2.0, 5.0, 4.5])
    steps = online_softmax_steps(x, detail=True)
    running_max = np.maximum.accumulate(x)                        # independent of the recurrence
    direct = np.array([np.exp(x[: j + 1] - running_max[j]).sum() for j in range(len(x))])
    np.testing.assert_array_equal(steps["maxes"], running_max)
    np.testing.assert_array_equal(steps["previous_maxes"], [-np.inf, 1.0, 1.0, 3.0, 3.0, 5.0])
    np.testing.assert_allclose(steps["sums"], direct, rtol=1e-14)
    np.testing.assert_allclose(steps["previous_sums"], np.concatenate([[0.0], direct[:-1]]), rtol=1e-14)
    # the max jumps by 2 at steps 3 and 5: the old sum is multiplied by e^-2 there and by 1 elsewhere
    np.testing.assert_allclose(steps["factors"], [0.0, 1.0, math.exp(-2), 1.0, math.exp(-2), 1.0], rtol=1e-15)
    np.testing.assert_allclose(steps["terms"], np.exp(x - running_max), rtol=1e-15)
    np.testing.assert_allclose(steps["rescaled"], steps["previous_sums"] * steps["factors"], rtol=1e-15)
    np.testing.assert_array_equal(steps["rescaled"] + steps["terms"], steps["sums"])
    np.testing.assert_allclose(steps["weights"], two_pass_softmax(x), rtol=1e-14)
    maxes, sums = online_softmax_steps(x)                         # without detail: the same two arrays
    np.testing.assert_array_equal(maxes, steps["maxes"])
    np.testing.assert_array_equal(sums, steps["sums"])


def test_step_details_of_leading_minus_inf_scores_have_no_nan():
    steps = online_softmax_steps([-np.inf, -np.inf, 2.0, -np.inf], detail=True)
    assert not any(np.isnan(v).any() for v in steps.values())
    np.testing.assert_array_equal(steps["sums"], [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(steps["weights"], [0.0, 0.0, 1.0, 0.0])


def test_steps_take_one_vector():
    with pytest.raises(ValueError, match=r"one vector of shape \(n,\), got shape \(2, 2\)"):
        online_softmax_steps(np.ones((2, 2)))


@EXAMPLES
@given(arrays(np.float64, st.integers(2, 30), elements=st.floats(-50, 50)), st.data())
def test_merging_two_parts_gives_the_stats_of_the_whole(x, data):
    cut = data.draw(st.integers(1, len(x) - 1))
    def part(y):
        return (y.max(), np.exp(y - y.max()).sum())
    m, s = merge_softmax_stats(part(x[:cut]), part(x[cut:]))
    assert m == x.max()
    assert s == pytest.approx(np.exp(x - x.max()).sum(), rel=1e-13)


def test_merging_with_an_empty_part_changes_nothing():
    m, s = merge_softmax_stats((np.array(-np.inf), np.array(0.0)), (np.array(2.0), np.array(1.5)))
    assert (m, s) == (2.0, 1.5)
    m, s = merge_softmax_stats((np.array(-np.inf), np.array(0.0)), (np.array(-np.inf), np.array(0.0)))
    assert m == -np.inf and s == 0.0


# --------------------------------------------------------------------------- FlashAttention


def qkv(batch, n_q, n_k, d, d_v, seed, dtype=np.float64, spread=1.0):
    rng = np.random.default_rng(seed)
    def make(*shape):
        return (spread * rng.normal(size=shape)).astype(dtype)
    return make(*batch, n_q, d), make(*batch, n_k, d), make(*batch, n_k, d_v)


@st.composite
def flash_problems(draw):
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    n_k = draw(st.integers(1, 40))
    n_q = draw(st.integers(1, n_k))                       # causal needs n_k >= n_q
    d, d_v = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    b_q, b_k = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    seed = draw(st.integers(0, 2**32 - 1))
    return batch, n_q, n_k, d, d_v, (b_q, b_k), seed


@EXAMPLES
@given(flash_problems(), st.booleans())
def test_flash_attention_equals_attention(problem, causal):
    batch, n_q, n_k, d, d_v, blocks, seed = problem
    q, k, v = qkv(batch, n_q, n_k, d, d_v, seed, spread=2.0)
    mask = causal_mask(n_q, n_k) if causal else None
    expected, _ = attention(q, k, v, mask)
    np.testing.assert_allclose(flash_attention(q, k, v, mask, block_size=blocks), expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(flash_attention(q, k, v, block_size=blocks, causal=causal), expected, rtol=0, atol=1e-10)


@EXAMPLES
@given(flash_problems(), st.data())
def test_flash_attention_with_a_random_mask_equals_attention(problem, data):
    batch, n_q, n_k, d, d_v, blocks, seed = problem
    q, k, v = qkv(batch, n_q, n_k, d, d_v, seed)
    mask_shape = data.draw(st.sampled_from([(n_q, n_k), batch + (n_q, n_k), batch + (1, n_k)]))
    mask = np.random.default_rng(seed + 1).random(mask_shape) < 0.6
    expected, _ = attention(q, k, v, mask)
    np.testing.assert_allclose(flash_attention(q, k, v, mask, block_size=blocks), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("n, block", [(103, 16), (64, 64), (65, 64), (10, 100), (37, 1)])
def test_block_sizes_that_do_not_divide_n(n, block):
    q, k, v = qkv((2,), n, n, 8, 3, seed=n)
    for mask in (None, causal_mask(n)):
        np.testing.assert_allclose(flash_attention(q, k, v, mask, block), attention(q, k, v, mask)[0], atol=1e-12)


def test_padding_mask_with_batch_and_head_axes():
    q, k, v = qkv((3, 2), 9, 11, 4, 5, seed=3)           # (B, h, n, d)
    mask = padding_mask(np.array([11, 4, 7]), 11)[:, None]   # (B, 1, 1, n_k)
    expected, _ = attention(q, k, v, mask)
    np.testing.assert_allclose(flash_attention(q, k, v, mask, block_size=3), expected, atol=1e-12)


def test_fully_masked_rows_give_zeros_like_attention_not_nan():
    q, k, v = qkv((2,), 6, 7, 4, 3, seed=4)
    mask = np.ones((2, 6, 7), dtype=bool)
    mask[0, 1] = False                                   # one query sees no key
    mask[1] = False                                      # a whole sequence is padding
    out = flash_attention(q, k, v, mask, block_size=3)
    assert np.all(np.isfinite(out))
    assert np.all(out[0, 1] == 0) and np.all(out[1] == 0)
    np.testing.assert_allclose(out, attention(q, k, v, mask)[0], atol=1e-12)


def test_large_scores_do_not_overflow():
    q, k, v = qkv((), 20, 20, 4, 2, seed=5, spread=40.0)   # scores in the thousands
    out = flash_attention(q, k, v, block_size=6, causal=True)
    np.testing.assert_allclose(out, attention(q, k, v, causal_mask(20))[0], atol=1e-10)


def test_float32_in_float32_out():
    q, k, v = qkv((2,), 50, 50, 16, 8, seed=6, dtype=np.float32)
    out = flash_attention(q, k, v, block_size=16, causal=True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, attention(q, k, v, causal_mask(50))[0], atol=2e-6)


def test_keys_shared_across_a_batch_of_queries():
    rng = np.random.default_rng(7)
    q, k, v = rng.normal(size=(4, 5, 3)), rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    np.testing.assert_allclose(flash_attention(q, k, v, block_size=3), attention(q, k, v)[0], atol=1e-12)


def test_causal_skips_every_block_entirely_in_the_future():
    q, k, v = qkv((), 256, 256, 8, 8, seed=8)
    _, stats = flash_attention(q, k, v, block_size=64, causal=True, return_stats=True)
    # 4 x 4 blocks; query block i needs key blocks 0..i: 1 + 2 + 3 + 4 = 10 computed, 6 skipped
    assert (stats["blocks_total"], stats["blocks_computed"], stats["blocks_skipped"]) == (16, 10, 6)
    _, same = flash_attention(q, k, v, causal_mask(256), block_size=64, return_stats=True)
    assert same["blocks_skipped"] == 6


def test_causal_with_more_keys_than_queries_is_bottom_right():
    q, k, v = qkv((), 4, 10, 3, 2, seed=9)
    out, stats = flash_attention(q, k, v, block_size=2, causal=True, return_stats=True)
    np.testing.assert_allclose(out, attention(q, k, v, causal_mask(4, 10))[0], atol=1e-12)
    # query block 0 sits at positions 6..7: key block 4 (keys 8, 9) is in its future; block 1 (8..9) sees all
    assert stats["blocks_skipped"] == 1


def test_no_mask_skips_nothing():
    q, k, v = qkv((), 30, 30, 4, 4, seed=10)
    _, stats = flash_attention(q, k, v, block_size=8, return_stats=True)
    assert stats["blocks_skipped"] == 0 and stats["blocks_total"] == 16


def test_logsumexp_matches_the_scores():
    q, k, v = qkv((2,), 7, 9, 4, 3, seed=11)
    mask = causal_mask(7, 9)
    _, stats = flash_attention(q, k, v, mask, block_size=4, return_stats=True)
    s = np.where(mask, q @ np.swapaxes(k, -1, -2) / 2.0, -np.inf)   # sqrt(d) = 2
    top = s.max(-1)
    np.testing.assert_allclose(stats["logsumexp"], top + np.log(np.exp(s - top[..., None]).sum(-1)), atol=1e-12)


def test_one_block_update_rescales_the_old_sum_and_output_when_the_max_grows():
    # one query, two blocks of two keys; the second block holds the larger scores
    v = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0], [4.0, 0.0]])   # (4, d_v=2)
    s = np.array([[0.0, 1.0, 3.0, 2.0]])                             # (1, 4)
    m, l, acc = np.full((1, 1), -np.inf), np.zeros((1, 1)), np.zeros((1, 2))
    m, l, acc = flash_block_update(m, l, acc, s[:, :2], v[:2])
    assert (m[0, 0], l[0, 0]) == (1.0, pytest.approx(math.exp(-1) + 1))
    m, l, acc = flash_block_update(m, l, acc, s[:, 2:], v[2:])
    # by hand: the old sum e^-1 + 1 (relative to max 1) is rescaled by e^(1 - 3) when the max becomes 3
    assert m[0, 0] == 3.0
    assert l[0, 0] == pytest.approx((math.exp(-1) + 1) * math.exp(-2) + 1 + math.exp(-1))
    np.testing.assert_allclose(acc / l, attention(np.zeros((1, 1)), np.zeros((4, 1)), v,
                                                  similarity=lambda q, k: s)[0], rtol=1e-14)


def test_a_block_update_leaves_its_inputs_alone_and_a_fully_blocked_block_changes_nothing():
    rng = np.random.default_rng(24)
    m, l, acc = np.array([[0.5]]), np.array([[2.0]]), rng.normal(size=(1, 3))
    before = (m.copy(), l.copy(), acc.copy())
    s, v = rng.normal(size=(1, 4)), rng.normal(size=(4, 3))
    flash_block_update(m, l, acc, s, v)
    for a, b in zip((m, l, acc), before, strict=True):
        np.testing.assert_array_equal(a, b)
    m2, l2, acc2 = flash_block_update(m, l, acc, np.full((1, 4), -np.inf), v)
    np.testing.assert_array_equal(m2, m)
    np.testing.assert_array_equal(l2, l)
    np.testing.assert_array_equal(acc2, acc)
    # and the very first block may be fully blocked too: no NaN
    m3, l3, acc3 = flash_block_update(np.full((1, 1), -np.inf), np.zeros((1, 1)), np.zeros((1, 3)),
                                      np.full((1, 4), -np.inf), v)
    assert np.isneginf(m3).all() and (l3 == 0).all() and (acc3 == 0).all()


def test_flash_attention_errors_name_the_shapes():
    q, k, v = qkv((), 5, 3, 4, 2, seed=0)
    with pytest.raises(ValueError, match="n_k >= n_q"):
        flash_attention(q, k, v, causal=True)
    with pytest.raises(ValueError, match=r"k has shape \(3, 4\) and v has shape \(4, 2\)"):
        flash_attention(q, k, np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"mask of shape \(5, 4\) cannot mask scores of shape \(5, 3\)"):
        flash_attention(q, k, v, np.ones((5, 4), dtype=bool))
    with pytest.raises(ValueError, match="block_size must be at least 1"):
        flash_attention(q, k, v, block_size=0)


def test_flash_attention_peak_memory_is_a_small_fraction_of_naive():
    n, d = 2048, 64
    q, k, v = qkv((), n, n, d, d, seed=12)

    def peak(fn):
        tracemalloc.start()
        tracemalloc.reset_peak()
        fn()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    naive = peak(lambda: attention(q, k, v))
    flash = peak(lambda: flash_attention(q, k, v, block_size=64))
    flash_causal = peak(lambda: flash_attention(q, k, v, block_size=64, causal=True))
    assert naive > n * n * 8                             # at least one n x n float64 matrix
    assert flash < naive / 10, f"flash peak {flash} B, naive peak {naive} B"
    assert flash_causal < naive / 10, f"causal flash peak {flash_causal} B, naive peak {naive} B"


# --------------------------------------------------------------------------- KV cache


def test_incremental_decoding_equals_full_causal_attention():
    q, k, v = qkv((2, 3), 13, 13, 4, 5, seed=13)         # (B, h, n, d)
    expected, _ = attention(q, k, v, causal_mask(13))
    cache = KVCache(d=4, d_v=5, batch_shape=(2, 3))
    outs = []
    for t in range(13):
        cache.append(k[..., t:t + 1, :], v[..., t:t + 1, :])
        out, weights = cache.attend(q[..., t:t + 1, :])
        assert weights.shape == (2, 3, 1, t + 1)
        outs.append(out)
    np.testing.assert_allclose(np.concatenate(outs, axis=-2), expected, atol=1e-13)


def test_decode_step_grows_the_cache_along_the_sequence_axis_and_equals_causal_attention():
    q, k, v = qkv((2, 3), 9, 9, 4, 5, seed=21)           # (B, h, n, d)
    expected, _ = attention(q, k, v, causal_mask(9))
    k_cache, v_cache = np.zeros((2, 3, 0, 4)), np.zeros((2, 3, 0, 5))
    outs = []
    for t in range(9):
        out, k_cache, v_cache = decode_step(q[..., t:t + 1, :], k_cache, v_cache, k[..., t:t + 1, :], v[..., t:t + 1, :])
        assert k_cache.shape == (2, 3, t + 1, 4) and v_cache.shape == (2, 3, t + 1, 5)
        outs.append(out)
    np.testing.assert_allclose(np.concatenate(outs, axis=-2), expected, atol=1e-13)
    np.testing.assert_array_equal(k_cache, k)
    np.testing.assert_array_equal(v_cache, v)


def test_decode_step_leaves_its_inputs_alone_and_takes_several_tokens():
    q, k, v = qkv((), 7, 7, 3, 2, seed=22)
    k_past, v_past = k[:4].copy(), v[:4].copy()
    out, k_cache, v_cache = decode_step(q[4:], k_past, v_past, k[4:], v[4:])   # 3 new tokens at once
    np.testing.assert_allclose(out, attention(q, k, v, causal_mask(7))[0][4:], atol=1e-13)
    np.testing.assert_array_equal(k_past, k[:4])
    assert k_cache.shape == (7, 3) and v_cache.shape == (7, 2)


def test_a_new_token_sees_itself_and_every_earlier_token_but_the_top_left_mask_sees_only_key_0():
    k = np.eye(4)                                        # keys 0..3, one-hot
    v = np.arange(4.0)[:, None]                          # value j = j
    q_new = np.zeros((1, 4))                             # equal scores: weights are uniform over what it sees
    out, _, _ = decode_step(q_new, k[:3], v[:3], k[3:], v[3:])
    assert out[0, 0] == pytest.approx(np.mean([0, 1, 2, 3]))
    top_left, _ = attention(q_new, k, v, np.tri(1, 4, dtype=bool))   # PyTorch's is_causal=True for L=1, S=4
    assert top_left[0, 0] == 0.0                         # only key 0


def test_decode_step_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"k_cache has shape \(3, 4\) and v_cache has shape \(2, 4\)"):
        decode_step(np.ones((1, 4)), np.ones((3, 4)), np.ones((2, 4)), np.ones((1, 4)), np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"k_cache has shape \(3, 4\) and k_new has shape \(1, 5\)"):
        decode_step(np.ones((1, 4)), np.ones((3, 4)), np.ones((3, 4)), np.ones((1, 5)), np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"q_new has shape \(2, 4\) and k_new has shape \(1, 4\)"):
        decode_step(np.ones((2, 4)), np.ones((3, 4)), np.ones((3, 4)), np.ones((1, 4)), np.ones((1, 4)))


@pytest.mark.parametrize("use_cache", [True, False])
def test_decode_sequence_equals_causal_attention_over_the_whole_sequence(use_cache):
    rng = np.random.default_rng(23)
    x = rng.normal(size=(2, 10, 6))                      # (B, n, D)
    W_q, W_k, W_v = rng.normal(size=(6, 4)), rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    expected, _ = attention(x @ W_q, x @ W_k, x @ W_v, causal_mask(10))
    np.testing.assert_allclose(decode_sequence(x, W_q, W_k, W_v, use_cache=use_cache), expected, atol=1e-13)


def test_a_prompt_then_several_tokens_at_once():
    q, k, v = qkv((), 12, 12, 4, 4, seed=14)
    expected, _ = attention(q, k, v, causal_mask(12))
    cache = KVCache(d=4, capacity=12)
    pieces = []
    for start, stop in ((0, 5), (5, 6), (6, 9), (9, 12)):  # a 5-token prompt, then 1, 3 and 3 tokens
        cache.append(k[start:stop], v[start:stop])
        pieces.append(cache.attend(q[start:stop])[0])
    np.testing.assert_allclose(np.concatenate(pieces), expected, atol=1e-13)


def test_the_cache_grows_past_its_initial_room_and_keeps_everything():
    rng = np.random.default_rng(15)
    k, v = rng.normal(size=(100, 3)), rng.normal(size=(100, 2))
    cache = KVCache(d=3, d_v=2)
    for t in range(100):
        cache.append(k[t:t + 1], v[t:t + 1])
    assert len(cache) == 100
    np.testing.assert_array_equal(cache.keys, k)
    np.testing.assert_array_equal(cache.values, v)
    assert cache.nbytes == 100 * (3 + 2) * 8


def test_keys_and_values_are_views_of_the_filled_part():
    cache = KVCache(d=2, capacity=8)
    cache.append(np.ones((3, 2)), np.zeros((3, 2)))
    assert cache.keys.shape == (3, 2) and cache.values.shape == (3, 2)
    assert np.shares_memory(cache.keys, cache._k)


def test_a_preallocated_cache_refuses_to_overflow():
    cache = KVCache(d=2, capacity=4)
    cache.append(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="at most capacity=4 tokens; it has 3 and 2 more do not fit"):
        cache.append(np.ones((2, 2)), np.ones((2, 2)))
    assert len(cache) == 3


def test_cache_errors_name_the_shapes():
    cache = KVCache(d=4, batch_shape=(2,))
    with pytest.raises(ValueError, match=r"k_new has shape \(1, 4\); this cache stores keys of shape \(2, 'n_new', 4\)"):
        cache.append(np.ones((1, 4)), np.ones((1, 4)))
    with pytest.raises(ValueError, match="append the new tokens' keys and values before attending"):
        cache.attend(np.ones((2, 1, 4)))
    cache.append(np.ones((2, 1, 4)), np.ones((2, 1, 4)))
    with pytest.raises(ValueError, match=r"q_new has shape \(2, 1, 3\) but the cached keys have shape \(2, 1, 4\)"):
        cache.attend(np.ones((2, 1, 3)))


# --------------------------------------------------------------------------- KV cache size


# From the fact sheet (lessons-04-08.md §5): (layers, kv heads, d_head) and fp16 bytes per token.
FACT_SHEET = {
    "GPT-2 small": ((12, 12, 64), 36_864),
    "Llama 2 7B": ((32, 32, 128), 524_288),
    "Llama 2 70B": ((80, 8, 128), 327_680),
    "Mistral 7B": ((32, 8, 128), 131_072),
    "Llama 3 8B": ((32, 8, 128), 131_072),
}


@pytest.mark.parametrize("model", list(FACT_SHEET))
def test_bytes_per_token_match_the_fact_sheet(model):
    (layers, kv_heads, d_head), per_token = FACT_SHEET[model]
    assert 2 * layers * kv_heads * d_head * 2 == per_token   # K and V, fp16: the sheet is self-consistent
    c = MODEL_CONFIGS[model]
    assert (c["n_layers"], c["n_kv_heads"], c["d_head"]) == (layers, kv_heads, d_head)
    assert kv_cache_bytes(layers, kv_heads, d_head, n_tokens=1) == per_token
    assert kv_cache_bytes(layers, kv_heads, d_head, n_tokens=4096) == per_token * 4096


def test_llama_2_7b_needs_two_gib_for_4096_tokens():
    assert kv_cache_bytes(32, 32, 128, 4096) == 2 * 1024**3


def test_gqa_shrinks_the_cache_by_the_group_factor():
    c = MODEL_CONFIGS["Llama 2 70B"]
    with_gqa = kv_cache_bytes(c["n_layers"], c["n_kv_heads"], c["d_head"], 1)
    as_mha = kv_cache_bytes(c["n_layers"], c["n_heads"], c["d_head"], 1)
    assert as_mha == 2_621_440 and as_mha == 8 * with_gqa


def test_batch_and_bytes_per_element_multiply():
    assert kv_cache_bytes(2, 3, 4, 5, bytes_per_element=4, batch=6) == 2 * 2 * 3 * 4 * 5 * 4 * 6
    with pytest.raises(ValueError, match="n_kv_heads must be at least 1, got 0"):
        kv_cache_bytes(2, 0, 4, 5)


def test_table_lists_every_model_with_bytes_per_token():
    rows = kv_cache_table(n_tokens=4096)
    assert [r["model"] for r in rows] == list(FACT_SHEET)
    for r in rows:
        assert r["bytes_per_token"] == FACT_SHEET[r["model"]][1]
        assert r["bytes"] == 4096 * FACT_SHEET[r["model"]][1]
