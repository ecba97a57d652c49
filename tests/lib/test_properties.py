"""Invariants of attention, each checked on at least 200 generated examples."""
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_lib import (
    attention,
    causal_mask,
    dot_scores,
    init_mha_params,
    multi_head_attention,
    rbf_scores,
    scaled_dot_scores,
    softmax,
)

EXAMPLES = settings(max_examples=200, deadline=None)
finite = st.floats(-30, 30, allow_nan=False, allow_infinity=False, width=64)
sizes = st.integers(1, 6)


@st.composite
def qkv(draw, self_attention=False, dtype=np.float64):
    b, n_q, n_k, d, d_v = (draw(sizes) for _ in range(5))
    elements = st.floats(-3, 3, allow_nan=False, width=32 if dtype == np.float32 else 64)
    if self_attention:
        x = draw(arrays(dtype, (b, n_k, d), elements=elements))
        return x, x, x
    q = draw(arrays(dtype, (b, n_q, d), elements=elements))
    k = draw(arrays(dtype, (b, n_k, d), elements=elements))
    v = draw(arrays(dtype, (b, n_k, d_v), elements=elements))
    return q, k, v


@EXAMPLES
@given(arrays(np.float64, st.tuples(sizes, sizes, sizes), elements=finite))
def test_softmax_rows_sum_to_one(x):
    np.testing.assert_allclose(softmax(x).sum(-1), 1.0, rtol=1e-12)


@EXAMPLES
@given(qkv())
def test_attention_rows_sum_to_one(t):
    _, w = attention(*t)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-12)


@EXAMPLES
@given(arrays(np.float64, st.tuples(sizes, sizes), elements=finite), finite)
def test_softmax_is_invariant_to_a_constant_shift(x, c):
    np.testing.assert_allclose(softmax(x + c), softmax(x), atol=1e-12)


@EXAMPLES
@given(arrays(np.float64, st.integers(2, 8), elements=st.floats(-5, 5)), st.data())
def test_temperature_to_zero_tends_to_argmax(x, data):
    winner = data.draw(st.integers(0, len(x) - 1))
    x = x.copy()
    x[winner] = x.max() + data.draw(st.floats(0.01, 5))  # a unique winner, by at least 0.01
    w = softmax(x, temperature=1e-4)
    assert w[winner] > 1 - 1e-9


@st.composite
def queries_and_sphere_keys(draw):
    """Queries, and keys that all have the same length (radius), sharing one feature size d."""
    d = draw(st.integers(2, 5))
    q = draw(arrays(np.float64, (draw(sizes), d), elements=st.floats(-3, 3)))
    directions = draw(arrays(np.float64, (draw(sizes), d), elements=st.floats(-3, 3)))
    norms = np.linalg.norm(directions, axis=-1, keepdims=True)
    directions = np.where(norms > 1e-3, directions, 1.0)   # a zero row has no direction: use (1, …, 1)
    radius = draw(st.floats(0.1, 3))
    return q, radius * directions / np.linalg.norm(directions, axis=-1, keepdims=True)


@EXAMPLES
@given(queries_and_sphere_keys())
def test_rbf_and_dot_agree_when_all_keys_have_equal_norm(qk):
    q, k = qk
    # -‖q-k‖²/2 = q·k - ‖q‖²/2 - ‖k‖²/2: the last two terms are constant along a row
    np.testing.assert_allclose(softmax(rbf_scores(q, k)), softmax(dot_scores(q, k)), atol=1e-9)


@EXAMPLES
@given(qkv(self_attention=True), st.randoms(use_true_random=False))
def test_self_attention_is_permutation_equivariant(t, rnd):
    x = t[0]
    perm = np.array(rnd.sample(range(x.shape[1]), x.shape[1]))
    out, _ = attention(x, x, x)
    xp = x[:, perm]
    out_p, _ = attention(xp, xp, xp)
    np.testing.assert_allclose(out_p, out[:, perm], atol=1e-10)


@EXAMPLES
@given(qkv(self_attention=True), st.data())
def test_causal_attention_never_reads_the_future(t, data):
    x = t[0]
    n = x.shape[1]
    cut = data.draw(st.integers(0, n - 1))
    noise = data.draw(arrays(np.float64, x.shape, elements=st.floats(-5, 5)))
    x2 = x.copy()
    x2[:, cut + 1:] += noise[:, cut + 1:]
    out, _ = attention(x, x, x, causal_mask(n))
    out2, _ = attention(x2, x2, x2, causal_mask(n))
    np.testing.assert_allclose(out2[:, : cut + 1], out[:, : cut + 1], atol=1e-12)


@EXAMPLES
@given(qkv(), st.integers(0, 2**32 - 1))
def test_one_head_equals_single_head_attention_with_the_same_projections(t, seed):
    x_q, x_kv = t[0], t[1]
    d = x_q.shape[-1]
    p = init_mha_params(d, seed, bias=True)
    out, w = multi_head_attention(x_q, x_kv, p, 1)
    ref, ref_w = attention(x_q @ p["W_q"], x_kv @ p["W_k"], x_kv @ p["W_v"])
    np.testing.assert_allclose(w[:, 0], ref_w, atol=1e-10)
    np.testing.assert_allclose(out, ref @ p["W_o"], atol=1e-10)


@EXAMPLES
@given(qkv(dtype=np.float32), st.sampled_from(["dot", "scaled_dot", "cosine", "rbf"]), st.booleans())
def test_float32_in_gives_float32_out(t, similarity, masked):
    mask = causal_mask(t[0].shape[1], max(t[0].shape[1], t[1].shape[1])) if masked else None
    if masked:
        n = mask.shape[1]
        t = (t[0], np.resize(t[1], (t[1].shape[0], n, t[1].shape[2])),
             np.resize(t[2], (t[2].shape[0], n, t[2].shape[2])))
    out, w = attention(*t, mask=mask, similarity=similarity, temperature=0.7)
    assert out.dtype == np.float32 and w.dtype == np.float32
    assert scaled_dot_scores(t[0], t[1]).dtype == np.float32
    assert math.isfinite(float(np.abs(out).sum()))
