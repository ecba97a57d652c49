"""Lesson 09's library: sinusoidal encodings, RoPE, ALiBi, and the most-recent-value model with its hand-written
backward pass. Expected values are written out from the papers' formulas, not read from the code."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import attention_lib as al
from attention_lib import positions as pos
from attention_lib.backward import numerical_gradient, relative_error

EXAMPLES = settings(max_examples=200, deadline=None)
small = st.floats(-3, 3, allow_nan=False, width=64)
even = st.integers(1, 6).map(lambda half: 2 * half)


# ---------------------------------------------------------------- sinusoidal encodings


def test_sinusoidal_positions_follow_the_papers_formula_one_entry_at_a_time():
    n, d = 7, 6
    pe = al.sinusoidal_positions(n, d)
    for p in range(n):
        for i in range(d // 2):
            angle = p / 10000 ** (2 * i / d)
            assert pe[p, 2 * i] == pytest.approx(math.sin(angle), abs=1e-15)
            assert pe[p, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-15)


def test_position_zero_is_all_zeros_and_ones_and_the_base_changes_the_frequencies():
    np.testing.assert_array_equal(al.sinusoidal_positions(1, 8)[0], [0, 1, 0, 1, 0, 1, 0, 1])
    fast = al.sinusoidal_positions(3, 4, base=100.0)
    assert fast[2, 2] == pytest.approx(math.sin(2 / 100 ** 0.5))
    assert not np.allclose(fast, al.sinusoidal_positions(3, 4))


def test_wavelengths_run_from_two_pi_to_just_under_two_pi_times_the_base():
    wavelengths = 2 * np.pi / pos.frequencies(512)
    assert wavelengths[0] == pytest.approx(2 * np.pi)
    assert wavelengths[-1] == pytest.approx(2 * np.pi * 10000 ** (510 / 512))
    assert np.all(np.diff(wavelengths) > 0)


def test_an_odd_size_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="d must be even, got d=5"):
        al.sinusoidal_positions(4, 5)
    with pytest.raises(ValueError, match="d must be even"):
        al.apply_rope(np.ones((3, 5)), np.arange(3))


@EXAMPLES
@given(p=st.integers(0, 500), k=st.integers(-200, 200), d=even)
def test_a_fixed_offset_is_a_linear_map_of_the_encoding(p, k, d):
    if p + k < 0:
        return
    table = al.sinusoidal_positions(p + max(k, 0) + 1, d)
    M = pos.sinusoidal_shift(k, d)
    np.testing.assert_allclose(table[p] @ M.T, table[p + k], atol=1e-9)
    np.testing.assert_allclose(M @ M.T, np.eye(d), atol=1e-12)                  # a rotation


@EXAMPLES
@given(m=st.integers(0, 300), n=st.integers(0, 300), s=st.integers(0, 300))
def test_the_dot_product_of_two_encodings_depends_only_on_their_distance(m, n, s):
    pe = al.sinusoidal_positions(max(m, n) + s + 1, 16)
    assert pe[m] @ pe[n] == pytest.approx(pe[m + s] @ pe[n + s], abs=1e-9)


# ---------------------------------------------------------------- RoPE


def test_rope_pairs_feature_i_with_feature_i_plus_half_and_rotates_by_position_times_frequency():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])                 # pairs (1, 3) and (2, 4); ω = 1, 1/100
    p = 2.0
    out = al.apply_rope(x, [p])
    a0, a1 = p * 1.0, p / 100
    expected = [1 * math.cos(a0) - 3 * math.sin(a0), 2 * math.cos(a1) - 4 * math.sin(a1),
                1 * math.sin(a0) + 3 * math.cos(a0), 2 * math.sin(a1) + 4 * math.cos(a1)]
    np.testing.assert_allclose(out[0], expected, rtol=1e-14)


def test_rope_at_position_zero_changes_nothing_and_positions_can_start_anywhere():
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 6))
    np.testing.assert_array_equal(al.apply_rope(x, np.zeros(5)), x)
    per_row = al.apply_rope(x, np.broadcast_to(np.arange(4, 9), (2, 3, 5)))      # one position per row, given in full
    np.testing.assert_array_equal(per_row, al.apply_rope(x, np.arange(4, 9)))


def test_rope_refuses_positions_that_do_not_fit_the_rows():
    with pytest.raises(ValueError, match=r"positions of shape \(4,\) cannot give one position to each of the 5 rows"):
        al.apply_rope(np.ones((5, 4)), np.arange(4))


@EXAMPLES
@given(x=arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 5), even), elements=small),
       offset=st.integers(0, 1000))
def test_rope_keeps_the_length_of_every_pair(x, offset):
    out = al.apply_rope(x, np.arange(x.shape[-2]) + offset)
    half = x.shape[-1] // 2
    before = x[..., :half] ** 2 + x[..., half:] ** 2
    after = out[..., :half] ** 2 + out[..., half:] ** 2
    np.testing.assert_allclose(after, before, atol=1e-9)


@EXAMPLES
@given(seed=st.integers(0, 10_000), m=st.integers(0, 2000), n=st.integers(0, 2000), s=st.integers(-500, 500),
       d=even)
def test_the_rope_score_depends_only_on_m_minus_n(seed, m, n, s, d):
    q, k = np.random.default_rng(seed).normal(size=(2, 1, d))
    one = pos.rope_scores(q, k, [m], [n])
    shifted = pos.rope_scores(q, k, [m + s], [n + s])
    np.testing.assert_allclose(shifted, one, atol=1e-9)


def test_interleaved_and_half_split_rope_give_the_same_scores_on_permuted_features():
    rng = np.random.default_rng(3)
    q, k = rng.normal(size=(4, 8)), rng.normal(size=(6, 8))

    def interleaved(x, p):                               # the paper's pairs (2i, 2i + 1), written independently
        angles = np.asarray(p, float)[:, None] * 10000.0 ** (-np.arange(0, 8, 2) / 8)
        out = x.copy()
        out[:, 0::2] = x[:, 0::2] * np.cos(angles) - x[:, 1::2] * np.sin(angles)
        out[:, 1::2] = x[:, 0::2] * np.sin(angles) + x[:, 1::2] * np.cos(angles)
        return out

    order = [0, 2, 4, 6, 1, 3, 5, 7]                     # feature 2i -> i, 2i + 1 -> i + d/2
    s_inter = interleaved(q, np.arange(3, 7)) @ interleaved(k, np.arange(6)).T
    s_half = al.apply_rope(q[:, order], np.arange(3, 7)) @ al.apply_rope(k[:, order], np.arange(6)).T
    np.testing.assert_allclose(s_half, s_inter, rtol=1e-12)
    assert not np.allclose(al.apply_rope(q, np.arange(3, 7)) @ al.apply_rope(k, np.arange(6)).T, s_inter)


def test_the_rope_backward_pass_agrees_with_finite_differences():
    rng = np.random.default_rng(5)
    x, r = rng.normal(size=(2, 4, 6)), rng.normal(size=(2, 4, 6))
    positions = np.array([3, 4, 5, 6])
    numeric = numerical_gradient(lambda a: np.sum(al.apply_rope(a, positions) * r), x)
    assert relative_error(pos.apply_rope_backward(r, positions), numeric) < 1e-8


def test_rope_scores_rotate_queries_and_keys_by_their_own_positions():
    rng = np.random.default_rng(6)
    q, k = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    expected = al.apply_rope(q, [2, 3, 4]) @ np.swapaxes(al.apply_rope(k, np.arange(5)), -1, -2) / 2
    np.testing.assert_allclose(pos.rope_scores(q, k, [2, 3, 4], np.arange(5)), expected, rtol=1e-14)


# ---------------------------------------------------------------- ALiBi


def test_alibi_slopes_for_a_power_of_two_are_the_papers_geometric_sequence():
    np.testing.assert_allclose(pos.alibi_slopes(8), [1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256])
    np.testing.assert_allclose(pos.alibi_slopes(4), [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8])
    np.testing.assert_allclose(pos.alibi_slopes(1), [2 ** -8])


def test_alibi_slopes_for_other_head_counts_follow_the_authors_code():
    # 6 heads: the 4-head slopes, then every other slope of 8 heads: 2^-1 and 2^-3
    np.testing.assert_allclose(pos.alibi_slopes(6), [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3])
    # 12 heads: the 8-head slopes, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5 from the 16-head sequence
    expected = [2.0 ** -i for i in range(1, 9)] + [2 ** -0.5, 2 ** -1.5, 2 ** -2.5, 2 ** -3.5]
    np.testing.assert_allclose(pos.alibi_slopes(12), expected)


def test_alibi_bias_is_minus_slope_times_distance_back_and_blocks_the_future():
    bias = al.alibi_bias(2, 3, 5)                        # queries at positions 2, 3, 4; slopes 1/16, 1/256
    m = 1 / 16
    inf = -np.inf
    expected = [[-2 * m, -1 * m, 0, inf, inf],
                [-3 * m, -2 * m, -1 * m, 0, inf],
                [-4 * m, -3 * m, -2 * m, -1 * m, 0]]
    np.testing.assert_array_equal(bias[0], np.array(expected))
    np.testing.assert_allclose(bias[1][np.isfinite(bias[1])], np.array(expected)[np.isfinite(expected)] / 16)
    assert bias.shape == (2, 3, 5)


def test_alibi_bias_needs_at_least_as_many_keys_as_queries():
    with pytest.raises(ValueError, match="n_k >= n_q"):
        al.alibi_bias(4, 5, 3)


def test_alibi_with_the_key_index_only_gives_the_same_weights():
    scores = np.random.default_rng(2).normal(size=(4, 6, 6))
    slopes = pos.alibi_slopes(4)[:, None, None]
    key_only = np.where(al.causal_mask(6), slopes * np.arange(6), -np.inf)     # BLOOM's form: + m·j
    np.testing.assert_allclose(al.softmax(scores + key_only), al.softmax(scores + al.alibi_bias(4, 6)), atol=1e-15)


# ---------------------------------------------------------------- the most-recent-value task and model


def test_the_target_is_the_most_recent_value_at_or_before_each_position():
    c = pos.RecencyConfig(n_values=3, n_fillers=2)
    tokens, targets = pos.make_sequences(c, 50, 12, np.random.default_rng(0))
    for row, target in zip(tokens, targets, strict=True):
        last = None
        for t, token in enumerate(row):
            if token < 3:
                last = token
            assert target[t] == last
    assert np.all(tokens[:, 0] < 3)


def test_the_content_only_ceiling_is_the_share_of_the_most_frequent_value_so_far():
    c = pos.RecencyConfig(n_values=3, n_fillers=2)
    tokens = np.array([[0, 1, 3, 1, 4, 2]])               # values 0, 1, 1, 2; fillers 3 and 4
    expected = [1, 1, 1 / 2, 1, 2 / 3, 1]                 # at a filler: max count / number of values so far
    np.testing.assert_allclose(pos.content_only_ceiling(tokens, c)[0], expected)


@pytest.mark.parametrize("scheme", pos.SCHEMES)
def test_every_schemes_backward_pass_agrees_with_finite_differences(scheme):
    c = pos.RecencyConfig(scheme=scheme, d_model=8, n_heads=2, train_len=5, test_lengths=(5, 7))
    rng = np.random.default_rng(1)
    params = pos.init_params(c, rng)
    tokens, targets = pos.make_sequences(c, 3, 5, rng)
    _, grads = pos.loss_and_grads(params, tokens, targets, c)
    assert set(grads) == set(params)
    for name in params:
        numeric = numerical_gradient(lambda w, name=name: pos.loss_and_grads({**params, name: w}, tokens, targets, c)[0],
                                     params[name])
        assert relative_error(grads[name], numeric) < 1e-6, (scheme, name)


def test_learned_positions_past_the_training_length_get_no_gradient():
    c = pos.RecencyConfig(scheme="learned", d_model=8, n_heads=2, train_len=5, test_lengths=(5, 9))
    rng = np.random.default_rng(4)
    params = pos.init_params(c, rng)
    _, grads = pos.loss_and_grads(params, *pos.make_sequences(c, 4, 5, rng), c)
    assert params["P"].shape == (9, 8)
    assert np.all(grads["P"][5:] == 0) and np.all(np.abs(grads["P"][:5]).sum(axis=1) > 0)


def test_a_learned_table_cannot_place_a_sequence_longer_than_it():
    c = pos.RecencyConfig(scheme="learned", train_len=8, test_lengths=(8, 16))
    params = pos.init_params(c, np.random.default_rng(0))
    with pytest.raises(ValueError, match="16 rows, so it cannot place a sequence of 20 tokens"):
        pos.forward(params, np.zeros((1, 20), dtype=int), c)


def test_without_positions_and_with_alibi_the_scores_see_only_the_distance():
    c = pos.RecencyConfig(scheme="alibi", d_model=8, n_heads=2)
    params = pos.init_params(c, np.random.default_rng(0))
    profile = pos.distance_profile(params, c, [0, 5, 10])
    np.testing.assert_allclose(profile[:, 0] - profile[:, 2], 10 * pos.alibi_slopes(2))
    with pytest.raises(ValueError, match="depend on both positions"):
        pos.distance_profile(params, pos.RecencyConfig(scheme="learned"), [0])


def test_the_pairs_parts_of_a_rope_profile_add_up_to_the_whole():
    c = pos.RecencyConfig(scheme="rope", d_model=16, n_heads=2)
    params = pos.init_params(c, np.random.default_rng(3))
    whole = pos.distance_profile(params, c, [0, 3, 40])
    parts = [pos.distance_profile(params, c, [0, 3, 40], pair=i) for i in range(4)]
    np.testing.assert_allclose(sum(parts), whole, atol=1e-12)
    assert not np.allclose(parts[0], whole)


def test_an_unknown_scheme_or_an_odd_head_size_is_refused():
    with pytest.raises(ValueError, match="unknown scheme 'relative'"):
        pos.RecencyConfig(scheme="relative")
    with pytest.raises(ValueError, match="heads of an even size"):
        pos.RecencyConfig(d_model=12, n_heads=4)


def test_training_lowers_the_loss_and_runs_are_reproducible():
    c = pos.RecencyConfig(scheme="rope", steps=40, d_model=16, n_heads=2)
    first, second = pos.train(c), pos.train(c)
    np.testing.assert_array_equal(first["loss"], second["loss"])
    assert first["loss"][-10:].mean() < first["loss"][:10].mean() - 0.3
