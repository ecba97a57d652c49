import functools
import math

import numpy as np
import pytest

from attention_lib import (
    SIMILARITIES,
    additive_scores,
    attention,
    cosine_scores,
    dot_scores,
    rbf_scores,
    scaled_dot_scores,
)

rng = np.random.default_rng(0)
Q = rng.normal(size=(2, 3, 4))
K = rng.normal(size=(2, 5, 4))


def loop_scores(q, k, pair):
    return np.array([[[pair(qi, kj) for kj in kb] for qi in qb] for qb, kb in zip(q, k, strict=True)])


def test_dot_scores_pair_every_query_with_every_key():
    expected = loop_scores(Q, K, lambda a, b: sum(x * y for x, y in zip(a, b, strict=True)))
    np.testing.assert_allclose(dot_scores(Q, K), expected)


def test_scaled_dot_scores_divide_by_sqrt_d():
    np.testing.assert_allclose(scaled_dot_scores(Q, K), dot_scores(Q, K) / 2.0)


def test_cosine_scores_ignore_length_and_divide_by_temperature():
    expected = loop_scores(Q, K, lambda a, b: a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    np.testing.assert_allclose(cosine_scores(Q, K), expected, atol=1e-8)
    np.testing.assert_allclose(cosine_scores(3 * Q, K, temperature=0.5), 2 * expected, atol=1e-8)


def test_cosine_scores_of_zero_vectors_are_finite():
    s = cosine_scores(np.zeros((1, 3)), np.array([[1.0, 0, 0], [0, 0, 0]]))
    assert np.all(np.isfinite(s)) and np.array_equal(s, [[0.0, 0.0]])


def test_rbf_scores_are_negative_half_squared_distance_over_tau_squared():
    expected = loop_scores(Q, K, lambda a, b: -np.sum((a - b) ** 2) / (2 * 0.7**2))
    np.testing.assert_allclose(rbf_scores(Q, K, temperature=0.7), expected, atol=1e-10)


def test_rbf_score_of_a_point_with_itself_is_zero_not_negative_rounding():
    x = np.array([[1e4, 3.3], [0.1, 0.2]])
    assert np.all(np.diag(rbf_scores(x, x)) == 0)


def test_additive_scores_follow_bahdanau():
    W_a, U_a, v_a = rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), rng.normal(size=6)
    expected = loop_scores(Q, K, lambda a, b: v_a @ np.tanh(a @ W_a + b @ U_a))
    np.testing.assert_allclose(additive_scores(Q, K, W_a, U_a, v_a), expected)


def test_additive_scores_allow_different_query_and_key_sizes():
    s = additive_scores(np.ones((3, 2)), np.ones((5, 7)), np.ones((2, 4)), np.ones((7, 4)), np.ones(4))
    assert s.shape == (3, 5)


def test_additive_scores_name_the_mismatched_parameter():
    with pytest.raises(ValueError, match="hidden size d_a must agree"):
        additive_scores(Q, K, np.ones((4, 6)), np.ones((4, 5)), np.ones(6))


def test_similarities_dict_names_all_five():
    assert SIMILARITIES == {
        "dot": dot_scores, "scaled_dot": scaled_dot_scores, "cosine": cosine_scores,
        "rbf": rbf_scores, "additive": additive_scores,
    }


def test_additive_attention_runs_through_partial_and_by_name_says_how():
    W = np.eye(4)
    sim = functools.partial(additive_scores, W_a=W, U_a=W, v_a=np.ones(4))
    out, w = attention(Q, K, K, similarity=sim)
    assert w.shape == (2, 3, 5)
    with pytest.raises(ValueError, match="functools.partial"):
        attention(Q, K, K, similarity="additive")


def test_mismatched_feature_sizes_name_both_shapes_and_the_axis():
    with pytest.raises(ValueError, match=r"q has shape \(3, 4\) and k has shape \(5, 3\): axis -1 \(the feature dimension d\)"):
        dot_scores(np.ones((3, 4)), np.ones((5, 3)))


def test_one_dimensional_query_is_refused_with_the_layout():
    with pytest.raises(ValueError, match=r"q must have shape \(\.\.\., n_q, d\), got shape \(4,\)"):
        scaled_dot_scores(np.ones(4), np.ones((5, 4)))


def test_batch_axes_that_cannot_broadcast_are_named():
    with pytest.raises(ValueError, match=r"leading \(batch\) axes \(2,\) and \(3,\)"):
        dot_scores(np.ones((2, 3, 4)), np.ones((3, 5, 4)))


def test_non_numeric_keys_raise_type_error():
    with pytest.raises(TypeError, match="k must be numeric"):
        dot_scores(np.ones((1, 2)), [["a", "b"]])


@pytest.mark.parametrize("fn", [dot_scores, scaled_dot_scores, cosine_scores, rbf_scores])
def test_scores_keep_float32(fn):
    q = np.ones((2, 3), np.float32)
    assert fn(q, q).dtype == np.float32


def test_int_inputs_are_cast_to_float():
    assert scaled_dot_scores([[1, 2]], [[3, 4]]).dtype == np.float64
    assert math.isclose(scaled_dot_scores([[1, 2]], [[3, 4]])[0, 0], 11 / math.sqrt(2))
