import numpy as np
import pytest

from attention_lib import (
    attention,
    causal_mask,
    init_mha_params,
    merge_heads,
    multi_head_attention,
    padding_mask,
    split_heads,
)

rng = np.random.default_rng(2)


def test_split_heads_gives_head_j_a_contiguous_block_of_features():
    x = np.arange(2 * 3 * 8, dtype=float).reshape(2, 3, 8)
    h = split_heads(x, 4)
    assert h.shape == (2, 4, 3, 2)
    for j in range(4):
        np.testing.assert_array_equal(h[:, j], x[:, :, 2 * j: 2 * j + 2])


def test_merge_heads_undoes_split_heads():
    x = rng.normal(size=(2, 5, 12))
    np.testing.assert_array_equal(merge_heads(split_heads(x, 3)), x)


def test_split_heads_names_the_indivisible_width():
    with pytest.raises(ValueError, match="D = 10 features, which n_heads = 4 does not divide"):
        split_heads(np.ones((1, 2, 10)), 4)


def test_init_mha_params_shapes_and_bias():
    p = init_mha_params(8, np.random.default_rng(0))
    assert sorted(p) == ["W_k", "W_o", "W_q", "W_v"] and all(w.shape == (8, 8) for w in p.values())
    pb = init_mha_params(8, 0, bias=True)
    assert pb["b_o"].shape == (8,) and len(pb) == 8


def test_multi_head_attention_matches_heads_computed_one_by_one():
    B, L_q, L_k, D, h = 2, 3, 5, 8, 2
    x_q, x_kv = rng.normal(size=(B, L_q, D)), rng.normal(size=(B, L_k, D))
    p = init_mha_params(D, 4, bias=True)
    p = {n: w + 0.1 * rng.normal(size=w.shape) for n, w in p.items()}
    out, w = multi_head_attention(x_q, x_kv, p, h)
    assert out.shape == (B, L_q, D) and w.shape == (B, h, L_q, L_k)
    Q, K, V = x_q @ p["W_q"] + p["b_q"], x_kv @ p["W_k"] + p["b_k"], x_kv @ p["W_v"] + p["b_v"]
    heads = []
    for j in range(h):
        cols = slice(j * D // h, (j + 1) * D // h)
        o_j, w_j = attention(Q[..., cols], K[..., cols], V[..., cols])
        np.testing.assert_allclose(w[:, j], w_j)
        heads.append(o_j)
    np.testing.assert_allclose(out, np.concatenate(heads, -1) @ p["W_o"] + p["b_o"])


def test_multi_head_attention_takes_batch_masks_and_adds_the_head_axis():
    x = rng.normal(size=(2, 4, 6))
    p = init_mha_params(6, 0)
    _, w = multi_head_attention(x, x, p, 3, mask=padding_mask([2, 4], 4))
    assert np.all(w[0, :, :, 2:] == 0) and np.all(w[1] > 0)
    _, w = multi_head_attention(x, x, p, 3, mask=causal_mask(4))
    assert np.all(w[..., 0, 1:] == 0)


def test_multi_head_attention_names_mismatched_inputs():
    p = init_mha_params(6, 0)
    with pytest.raises(ValueError, match=r"x_q has shape \(2, 4, 6\) and x_kv has shape \(3, 4, 6\)"):
        multi_head_attention(np.ones((2, 4, 6)), np.ones((3, 4, 6)), p, 2)
    with pytest.raises(ValueError, match=r"params\['W_q'\] must have shape \(4, 4\)"):
        multi_head_attention(np.ones((1, 2, 4)), np.ones((1, 2, 4)), p, 2)
