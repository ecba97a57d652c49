import numpy as np
import pytest

from attention_lib import (
    attention,
    causal_mask,
    grouped_query_attention,
    init_gqa_params,
    init_mha_params,
    mean_pool_kv_heads,
    merge_heads,
    multi_head_attention,
    multi_head_cost,
    multi_query_attention,
    padding_mask,
    repeat_kv_heads,
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


# ------------------------------------------------------------------ grouped-query and multi-query attention

def test_repeat_kv_heads_gives_query_head_i_the_kv_head_i_floordiv_group_size():
    kv = rng.normal(size=(2, 2, 3, 4))                    # (B, g=2, n, d)
    out = repeat_kv_heads(kv, 8)
    assert out.shape == (2, 8, 3, 4)
    for i in range(8):
        np.testing.assert_array_equal(out[:, i], kv[:, i // 4])
    assert not np.array_equal(out, np.tile(kv, (1, 4, 1, 1))), "tiling (0, 1, 0, 1, ...) is a different mapping"


def test_repeat_kv_heads_names_a_group_count_that_does_not_divide_the_heads():
    with pytest.raises(ValueError, match="n_kv_heads = 3 does not divide n_heads = 8"):
        repeat_kv_heads(np.ones((1, 3, 2, 4)), 8)


def test_init_gqa_params_gives_keys_and_values_one_column_block_per_kv_head():
    p = init_gqa_params(12, 6, 2, 0, bias=True)
    assert p["W_q"].shape == p["W_o"].shape == (12, 12)
    assert p["W_k"].shape == p["W_v"].shape == (12, 4)    # 2 KV heads of width 12/6 = 2
    assert p["b_k"].shape == (4,) and p["b_q"].shape == (12,)


def test_grouped_query_attention_matches_a_loop_where_query_head_i_reads_kv_head_i_floordiv_r():
    B, n_q, n_k, D, h, g = 2, 3, 5, 8, 4, 2
    d, r = D // h, h // g
    x_q, x_kv = rng.normal(size=(B, n_q, D)), rng.normal(size=(B, n_k, D))
    p = init_gqa_params(D, h, g, 7)
    out, w = grouped_query_attention(x_q, x_kv, p, h, g)
    assert out.shape == (B, n_q, D) and w.shape == (B, h, n_q, n_k)
    heads = []
    for i in range(h):
        kv_cols = slice((i // r) * d, (i // r + 1) * d)
        o_i, w_i = attention(x_q @ p["W_q"][:, i * d:(i + 1) * d], x_kv @ p["W_k"][:, kv_cols], x_kv @ p["W_v"][:, kv_cols])
        np.testing.assert_allclose(w[:, i], w_i)
        heads.append(o_i)
    np.testing.assert_allclose(out, np.concatenate(heads, -1) @ p["W_o"])


def test_grouped_query_attention_with_as_many_kv_heads_as_query_heads_is_multi_head_attention():
    x_q, x_kv = rng.normal(size=(2, 3, 8)), rng.normal(size=(2, 6, 8))
    p = init_mha_params(8, 3, bias=True)
    p = {n: w + 0.1 for n, w in p.items()}                # non-zero biases
    mask = padding_mask([4, 6], 6)
    for got, want in zip(grouped_query_attention(x_q, x_kv, p, 4, 4, mask), multi_head_attention(x_q, x_kv, p, 4, mask),
                         strict=True):
        np.testing.assert_allclose(got, want)


def test_multi_query_attention_shares_one_key_and_value_head_across_all_query_heads():
    B, n, D, h = 2, 4, 8, 4
    d = D // h
    x = rng.normal(size=(B, n, D))
    p = init_gqa_params(D, h, 1, 5)
    k, v = x @ p["W_k"], x @ p["W_v"]                     # (B, n, d): one head each
    q = (x @ p["W_q"]).reshape(B, n, h, d).transpose(0, 2, 1, 3)   # (B, h, n, d)
    s = q @ k[:, None].swapaxes(-1, -2) / np.sqrt(d)      # (B, h, n, n), broadcast over heads
    s = np.where(causal_mask(n), s, -np.inf)
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    o = (a @ v[:, None]).transpose(0, 2, 1, 3).reshape(B, n, D) @ p["W_o"]
    out, w = multi_query_attention(x, x, p, h, mask=causal_mask(n))
    np.testing.assert_allclose(w, a)
    np.testing.assert_allclose(out, o)
    assert np.abs(w[:, 0] - w[:, 1]).max() > 0.01, "queries are not shared: each head has its own weights"


def test_grouped_query_attention_names_wrongly_shaped_key_projections():
    p = init_mha_params(8, 0)
    with pytest.raises(ValueError, match=r"params\['W_k'\] must have shape \(8, 4\), got \(8, 8\)"):
        grouped_query_attention(np.ones((1, 2, 8)), np.ones((1, 2, 8)), p, 4, 2)
    with pytest.raises(ValueError, match="n_kv_heads = 3 does not divide n_heads = 4"):
        grouped_query_attention(np.ones((1, 2, 8)), np.ones((1, 2, 8)), p, 4, 3)


def test_mean_pool_kv_heads_averages_the_key_and_value_blocks_of_each_group():
    D, h, g = 8, 4, 2
    d = D // h
    p = init_mha_params(D, 11, bias=True)
    p["b_v"] = rng.normal(size=D)
    pooled = mean_pool_kv_heads(p, h, g)
    assert pooled["W_k"].shape == (D, g * d)
    for j in range(g):
        members = [p["W_k"][:, i * d:(i + 1) * d] for i in range(j * 2, j * 2 + 2)]
        np.testing.assert_allclose(pooled["W_k"][:, j * d:(j + 1) * d], (members[0] + members[1]) / 2)
        np.testing.assert_allclose(pooled["b_v"][j * d:(j + 1) * d], (p["b_v"][j * 4:j * 4 + 2] + p["b_v"][j * 4 + 2:j * 4 + 4]) / 2)
    np.testing.assert_array_equal(pooled["W_q"], p["W_q"])
    np.testing.assert_array_equal(mean_pool_kv_heads(p, h, h)["W_v"], p["W_v"])
    assert pooled["W_q"] is not p["W_q"], "the input params are not shared with the result"


# ------------------------------------------------------------------ cost

def _counted_mha(x, params, h, macs):
    """Multi-head self-attention whose every matrix product adds its multiply-adds to ``macs``."""
    def mm(a, b):
        macs.append(int(np.prod(a.shape[:-1])) * a.shape[-1] * b.shape[-1])
        return a @ b
    B, n, D = x.shape
    q, k, v = (mm(x, params[f"W_{w}"]).reshape(B, n, h, D // h).transpose(0, 2, 1, 3) for w in "qkv")
    a = np.exp(mm(q, k.swapaxes(-1, -2)))
    return mm(mm(a / a.sum(-1, keepdims=True), v).transpose(0, 2, 1, 3).reshape(B, n, D), params["W_o"])


@pytest.mark.parametrize("h", [1, 2, 8])
def test_multi_head_cost_counts_what_the_matrix_products_do(h):
    n, D = 6, 16
    macs = []
    _counted_mha(rng.normal(size=(1, n, D)), init_mha_params(D, 0), h, macs)
    cost = multi_head_cost(n, n, D, h)
    assert cost["projection_macs"] + cost["qk_macs"] + cost["pv_macs"] == sum(macs)
    assert cost["score_entries"] == h * n * n and cost["parameters"] == 4 * D * D


def test_multi_head_cost_reproduces_the_flop_count_torch_measured_for_n128_d512():
    # torch.utils.flop_counter on n = 128, D = 512 counted 301,989,888 FLOPs (2 per multiply-add) for h = 1 and h = 8.
    for h, entries in [(1, 16_384), (8, 131_072)]:
        c = multi_head_cost(128, 128, 512, h)
        assert 2 * (c["projection_macs"] + c["qk_macs"] + c["pv_macs"]) == 301_989_888
        assert c["score_entries"] == entries


def test_multi_head_cost_with_fewer_kv_heads_shrinks_only_the_key_value_projections():
    mha, gqa = multi_head_cost(10, 10, 64, 8), multi_head_cost(10, 10, 64, 8, n_kv_heads=2)
    assert gqa["qk_macs"] == mha["qk_macs"] and gqa["score_entries"] == mha["score_entries"]
    assert gqa["parameters"] == 2 * 64 * 64 + 2 * 64 * 16

