"""Learned projections, self- and cross-attention, and the five steps (lesson 05)."""
import math

import numpy as np
import pytest

from attention_lib import (
    attention,
    attention_steps,
    causal_mask,
    cross_attention,
    padding_mask,
    project_qkv,
    self_attention,
)

rng = np.random.default_rng(5)


def loop_attention(x_q, x_kv, W_q, W_k, W_v, allowed=None):
    """One query at a time, one key at a time: the definition written out with Python loops."""
    out, weights = [], []
    for i, xi in enumerate(x_q):
        qi = xi @ W_q
        scores = []
        for j, xj in enumerate(x_kv):
            ok = allowed is None or allowed[i, j]
            scores.append(qi @ (xj @ W_k) / math.sqrt(len(qi)) if ok else -math.inf)
        e = [math.exp(s - max(scores)) for s in scores]
        w = [ej / sum(e) for ej in e]
        weights.append(w)
        out.append(sum(wj * (xj @ W_v) for wj, xj in zip(w, x_kv, strict=True)))
    return np.array(out), np.array(weights)


def params(D_q, D_kv, d, d_v):
    return rng.normal(size=(D_q, d)), rng.normal(size=(D_kv, d)), rng.normal(size=(D_kv, d_v))


def test_project_qkv_takes_queries_from_x_q_and_keys_and_values_from_x_kv():
    x_q, x_kv = rng.normal(size=(3, 6)), rng.normal(size=(5, 6))
    W_q, W_k, W_v = params(6, 6, 4, 2)
    q, k, v = project_qkv(x_q, x_kv, W_q, W_k, W_v)
    assert (q.shape, k.shape, v.shape) == ((3, 4), (5, 4), (5, 2))
    np.testing.assert_allclose(q[2], x_q[2] @ W_q)
    np.testing.assert_allclose(k[4], x_kv[4] @ W_k)
    np.testing.assert_allclose(v[0], x_kv[0] @ W_v)


def test_project_qkv_allows_different_widths_on_the_two_sides():
    W_q, W_k, W_v = params(3, 7, 4, 5)
    q, k, v = project_qkv(np.ones((2, 3)), np.ones((6, 7)), W_q, W_k, W_v)
    assert (q.shape, k.shape, v.shape) == ((2, 4), (6, 4), (6, 5))


def test_project_qkv_names_the_matrix_whose_rows_do_not_match_the_tokens():
    W_q, W_k, W_v = params(6, 6, 4, 4)
    with pytest.raises(ValueError, match=r"x_kv has shape \(5, 8\) and W_k has shape \(6, 4\): .* shape \(8, d\)"):
        project_qkv(np.ones((3, 6)), np.ones((5, 8)), W_q, W_k, W_v)
    with pytest.raises(ValueError, match=r"x_q has shape \(3, 8\) and W_q has shape \(6, 4\)"):
        project_qkv(np.ones((3, 8)), np.ones((5, 6)), W_q, W_k, W_v)


def test_project_qkv_refuses_queries_and_keys_of_different_sizes():
    W_q, W_k, W_v = params(6, 6, 4, 4)
    with pytest.raises(ValueError, match=r"W_q has shape \(6, 4\) and W_k has shape \(6, 3\): .* same number of columns"):
        project_qkv(np.ones((3, 6)), np.ones((5, 6)), W_q, W_k[:, :3], W_v)


def test_project_qkv_refuses_a_weight_that_is_not_a_matrix():
    W_q, W_k, W_v = params(6, 6, 4, 4)
    with pytest.raises(ValueError, match=r"W_v must be a matrix \(D, d_v\), got shape \(6,\)"):
        project_qkv(np.ones((3, 6)), np.ones((5, 6)), W_q, W_k, W_v[:, 0])


def test_project_qkv_refuses_batches_that_do_not_broadcast():
    W_q, W_k, W_v = params(6, 6, 4, 4)
    with pytest.raises(ValueError, match=r"leading \(batch\) axes \(2,\) and \(3,\) cannot broadcast"):
        project_qkv(np.ones((2, 3, 6)), np.ones((3, 5, 6)), W_q, W_k, W_v)


def test_self_attention_matches_the_loop_definition_with_and_without_a_causal_mask():
    x = rng.normal(size=(5, 6))
    W_q, W_k, W_v = params(6, 6, 4, 3)
    for mask in (None, causal_mask(5)):
        out, w = self_attention(x, W_q, W_k, W_v, mask=mask)
        ref_out, ref_w = loop_attention(x, x, W_q, W_k, W_v, mask)
        np.testing.assert_allclose(w, ref_w, rtol=1e-12)
        np.testing.assert_allclose(out, ref_out, rtol=1e-12)


def test_causal_self_attention_gives_the_first_token_only_itself():
    x = rng.normal(size=(2, 4, 6))
    _, w = self_attention(x, *params(6, 6, 4, 4), mask=causal_mask(4))
    np.testing.assert_array_equal(w[:, 0], [[1, 0, 0, 0]] * 2)
    assert np.all(np.triu(w, k=1) == 0)


def test_cross_attention_has_one_output_row_per_query_and_one_weight_per_key():
    x_q, x_kv = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 7, 6))
    W_q, W_k, W_v = params(6, 6, 4, 5)
    out, w = cross_attention(x_q, x_kv, W_q, W_k, W_v)
    assert out.shape == (2, 3, 5) and w.shape == (2, 3, 7)
    ref_out, ref_w = loop_attention(x_q[1], x_kv[1], W_q, W_k, W_v)
    np.testing.assert_allclose(w[1], ref_w, rtol=1e-12)
    np.testing.assert_allclose(out[1], ref_out, rtol=1e-12)


def test_cross_attention_reads_only_the_key_side_for_values():
    x_q, x_kv = rng.normal(size=(3, 6)), rng.normal(size=(4, 6))
    W_q, W_k, W_v = params(6, 6, 4, 2)
    out_a, _ = cross_attention(x_q, x_kv, W_q, W_k, W_v)
    out_b, _ = cross_attention(x_q + 1.0, x_kv, W_q, W_k, np.zeros((6, 2)))
    assert not np.allclose(out_a, 0) and np.all(out_b == 0)     # values come from x_kv @ W_v only


def test_cross_attention_padding_hides_the_padded_source_keys():
    x_q, x_kv = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 4, 6))
    _, w = cross_attention(x_q, x_kv, *params(6, 6, 4, 4), mask=padding_mask([4, 2], 4))
    assert np.all(w[1, :, 2:] == 0) and np.all(w[0] > 0)
    np.testing.assert_allclose(w.sum(-1), 1.0)


def test_self_attention_is_cross_attention_of_a_sequence_with_itself():
    x = rng.normal(size=(2, 4, 6))
    W_q, W_k, W_v = params(6, 6, 3, 2)
    for a, b in zip(self_attention(x, W_q, W_k, W_v), cross_attention(x, x, W_q, W_k, W_v), strict=True):
        np.testing.assert_array_equal(a, b)


def test_attention_steps_are_named_in_order_and_end_at_self_attention():
    x = rng.normal(size=(4, 6))
    W_q, W_k, W_v = params(6, 6, 4, 3)
    steps = attention_steps(x, W_q, W_k, W_v, mask=causal_mask(4))
    assert [name for name, _ in steps] == ["tokens", "Q/K/V", "scores", "scale and mask", "softmax", "weighted sum"]
    arrays = {label: a for _, group in steps for label, a in group.items()}
    out, w = self_attention(x, W_q, W_k, W_v, mask=causal_mask(4))
    np.testing.assert_allclose(arrays["out"], out, rtol=1e-12)
    np.testing.assert_allclose(arrays["weights"], w, rtol=1e-12)
    np.testing.assert_allclose(arrays["scores"], (x @ W_q) @ (x @ W_k).T, rtol=1e-12)


def test_attention_steps_shapes_and_the_mask_only_in_the_scaled_scores():
    x = rng.normal(size=(2, 5, 6))
    steps = dict(attention_steps(x, *params(6, 6, 4, 3), mask=causal_mask(5)))
    assert steps["tokens"]["x"].shape == (2, 5, 6)
    assert [steps["Q/K/V"][n].shape for n in "qkv"] == [(2, 5, 4), (2, 5, 4), (2, 5, 3)]
    assert steps["scores"]["scores"].shape == (2, 5, 5) and np.all(np.isfinite(steps["scores"]["scores"]))
    scaled = steps["scale and mask"]["scaled scores"]
    assert np.all(np.isneginf(scaled[:, ~causal_mask(5)])) and np.all(np.isfinite(scaled[:, causal_mask(5)]))
    np.testing.assert_allclose(scaled[:, causal_mask(5)], steps["scores"]["scores"][:, causal_mask(5)] / 2.0)
    assert steps["weighted sum"]["out"].shape == (2, 5, 3)


def test_attention_steps_without_a_mask_keeps_every_score_finite():
    steps = dict(attention_steps(rng.normal(size=(3, 6)), *params(6, 6, 4, 4)))
    assert np.all(np.isfinite(steps["scale and mask"]["scaled scores"]))
    np.testing.assert_allclose(steps["softmax"]["weights"].sum(-1), 1.0)


def test_the_library_attention_on_projections_equals_self_attention():
    x = rng.normal(size=(4, 6))
    W_q, W_k, W_v = params(6, 6, 4, 3)
    expected = attention(x @ W_q, x @ W_k, x @ W_v)
    for a, b in zip(self_attention(x, W_q, W_k, W_v), expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
