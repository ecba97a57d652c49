import numpy as np
import pytest

from attention_lib import additive_mask, apply_mask, attention, causal_mask, combine_masks, padding_mask, validate_mask


def test_causal_mask_blocks_every_future_key():
    m = causal_mask(4)
    for i in range(4):
        for j in range(4):
            assert m[i, j] == (j <= i)


def test_causal_mask_with_a_cache_places_queries_at_the_end():
    m = causal_mask(2, 5)                 # queries at absolute positions 3 and 4
    assert m.tolist() == [[True, True, True, True, False], [True, True, True, True, True]]


def test_causal_mask_is_boolean_and_refuses_more_queries_than_keys():
    assert causal_mask(3).dtype == bool
    with pytest.raises(ValueError, match="n_k >= n_q"):
        causal_mask(4, 2)
    with pytest.raises(TypeError, match="n_q must be a whole number"):
        causal_mask(2.5)


def test_padding_mask_hides_keys_past_each_length():
    m = padding_mask([2, 4, 0], 4)
    assert m.shape == (3, 1, 4) and m.dtype == bool
    assert m[:, 0].tolist() == [[True, True, False, False], [True] * 4, [False] * 4]


def test_left_padding_hides_the_first_keys():
    m = padding_mask([2, 4, 0], 4, side="left")
    assert m.shape == (3, 1, 4) and m.dtype == bool
    assert m[:, 0].tolist() == [[False, False, True, True], [True] * 4, [False] * 4]


def test_left_padding_is_right_padding_read_backwards():
    lengths = [0, 1, 3, 5]
    np.testing.assert_array_equal(padding_mask(lengths, 5, side="left"), padding_mask(lengths, 5)[..., ::-1])


def test_padding_side_must_be_right_or_left():
    with pytest.raises(ValueError, match=r'side must be "right" or "left".*got \'top\''):
        padding_mask([1], 3, side="top")


def test_padding_mask_refuses_lengths_out_of_range():
    with pytest.raises(ValueError, match=r"between 0 and n_k=3, got \[1, 5\]"):
        padding_mask([1, 5], 3)
    with pytest.raises(TypeError, match="whole numbers"):
        padding_mask([1.5], 3)


def test_combine_masks_is_a_broadcast_and():
    both = combine_masks(causal_mask(3), padding_mask([2, 3], 3))
    assert both.shape == (2, 3, 3)
    assert both[0].tolist() == [[True, False, False], [True, True, False], [True, True, False]]
    assert combine_masks(None, None) is None


def test_combine_masks_names_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"\(3, 3\), \(2, 4\) cannot be combined"):
        combine_masks(np.ones((3, 3), bool), np.ones((2, 4), bool))


def test_additive_mask_is_zero_or_minus_inf():
    a = additive_mask(np.array([True, False]))
    assert a[0] == 0 and a[1] == -np.inf


def test_float_masks_are_refused_with_a_hint():
    with pytest.raises(TypeError, match="True = may attend, got dtype float64"):
        validate_mask(np.ones((2, 2)), (2, 2))


def test_mask_that_cannot_broadcast_names_both_shapes_and_the_axis():
    with pytest.raises(ValueError, match=r"mask of shape \(3, 4\) cannot mask scores of shape \(2, 3, 5\): along n_k"):
        validate_mask(np.ones((3, 4), bool), (2, 3, 5))


def test_leak_guard_refuses_a_batch_by_keys_mask_against_head_scores():
    with pytest.raises(ValueError, match=r"\(B, n_k\) padding mask.*\(2, 1, 1, 7\)"):
        validate_mask(np.ones((2, 7), bool), (2, 4, 5, 7))


def test_leak_guard_refuses_a_three_axis_mask_against_four_axis_scores():
    # (B, 1, n_k) against (B, h, n_q, n_k): B would line up with h.
    with pytest.raises(ValueError, match=r"would line up with axis 1.*shape \(2, 1, 1, 7\)"):
        validate_mask(padding_mask([3, 7], 7), (2, 2, 5, 7))


def test_apply_mask_puts_minus_inf_where_blocked():
    s = np.zeros((2, 2), np.float32)
    out = apply_mask(s, causal_mask(2))
    assert out.dtype == np.float32 and out[0, 1] == -np.inf and out[1, 0] == 0


def test_masked_attention_gives_zero_weight_and_renormalises():
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 2))
    _, w = attention(q, k, v, causal_mask(3))
    assert np.all(w[np.triu_indices(3, 1)] == 0)
    np.testing.assert_allclose(w.sum(-1), 1)


def test_leak_guard_refuses_a_batch_by_keys_mask_at_a_decoding_step():
    # One new query per sequence (n_q = 1): raw np.where would silently grow the scores to (B, h, B, n_k).
    assert np.where(np.ones((2, 4), bool), np.zeros((2, 2, 1, 4)), -np.inf).shape == (2, 2, 2, 4)
    with pytest.raises(ValueError, match=r"\(B, n_k\) padding mask.*\(2, 1, 1, 4\)"):
        apply_mask(np.zeros((2, 2, 1, 4)), np.ones((2, 4), bool))


def test_a_two_axis_mask_with_as_many_rows_as_queries_is_read_as_queries_by_keys():
    # The documented limit of the guard: with B == n_q a (B, n_k) mask looks exactly like (n_q, n_k).
    m = padding_mask([3, 1, 2], 3)[:, 0]                 # (B=3, n_k=3)
    out = apply_mask(np.zeros((3, 2, 3, 3)), m)
    assert np.isneginf(out[0, 0, 1, 1:]).all()           # query 1 of sequence 0 got sequence 1's padding
