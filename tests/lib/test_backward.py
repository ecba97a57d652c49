"""The hand-written backward pass, checked against central differences in float64.

Every analytic gradient must agree with :func:`numerical_gradient` to a relative error
below 1e-6. Four wrong backward passes, written here from the lesson's list of classic
mistakes, must each fail that same check: that is the proof the check can fail.
"""
import math

import numpy as np
import pytest

from attention_lib import causal_mask, padding_mask
from attention_lib.backward import (
    attention_backward,
    attention_layer_backward,
    attention_layer_forward,
    finite_difference,
    init_attention_layer,
    numerical_gradient,
    project,
    relative_error,
    softmax_backward,
    weight_gradient,
)

TOL = 1e-6


def reference_attention(q, k, v, mask=None, scale=None):
    """Forward pass written out independently: scores, -inf where blocked, softmax, average."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = scale * np.einsum("...id,...jd->...ij", q, k)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = np.max(s, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(s - top)
    total = e.sum(-1, keepdims=True)
    p = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return np.einsum("...ij,...jd->...id", p, v)


def problem(batch=(), n_q=4, n_k=5, d=3, d_v=2, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=batch + (n_q, d))
    k = rng.normal(size=batch + (n_k, d))
    v = rng.normal(size=batch + (n_k, d_v))
    r = rng.normal(size=batch + (n_q, d_v))   # loss = sum(out * r), so d_out = r
    return q, k, v, r


def numerical_qkv_grads(q, k, v, r, mask=None):
    def loss(q_, k_, v_):
        return float(np.sum(reference_attention(q_, k_, v_, mask) * r))
    return (numerical_gradient(lambda x: loss(x, k, v), q),
            numerical_gradient(lambda x: loss(q, x, v), k),
            numerical_gradient(lambda x: loss(q, k, x), v))


MASKS = {
    "no mask": lambda batch, n_q, n_k: None,
    "causal": lambda batch, n_q, n_k: causal_mask(n_q, n_k),
    "padding": lambda batch, n_q, n_k: padding_mask(np.array([n_k - 2, n_k, 1][: batch[0]]), n_k)
    .reshape((batch[0],) + (1,) * (len(batch) - 1) + (1, n_k)),
}


# --------------------------------------------------------------------------- the helpers themselves


def test_numerical_gradient_of_a_known_function():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    g = numerical_gradient(lambda a: np.sum(np.sin(a) * a**2), x)
    np.testing.assert_allclose(g, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-8)


def test_numerical_gradient_leaves_its_input_untouched():
    x = np.array([1.0, 2.0, 3.0])
    numerical_gradient(lambda a: np.sum(a**2), x)
    assert np.array_equal(x, [1.0, 2.0, 3.0])


def test_finite_difference_central_float64_is_the_numerical_gradient():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    f = lambda a: np.sum(np.sin(a) * a**2)             # noqa: E731
    assert np.array_equal(finite_difference(f, x, 1e-6), numerical_gradient(f, x))
    assert np.array_equal(x, [[0.3, -1.2], [2.0, 0.5]])


def test_one_sided_differences_err_by_about_half_the_step_times_the_curvature():
    x = np.array([0.5, 1.0, 2.0])                       # f = Σ x³: f' = 3x², f'' = 6x
    g = finite_difference(lambda a: np.sum(a**3), x, 1e-4, central=False)
    np.testing.assert_allclose(g - 3 * x**2, 0.5 * 1e-4 * 6 * x, rtol=1e-3)


def test_float32_differences_compute_in_float32_and_lose_a_tiny_step():
    x = np.array([1.0, 2.0])
    seen = []
    g = finite_difference(lambda a: seen.append(a.dtype) or np.sum(a**2), x, 1e-9, dtype=np.float32)
    assert g.dtype == np.float32 and set(seen) == {np.dtype(np.float32)}
    assert np.array_equal(g, [0.0, 0.0])                 # 1 + 1e-9 rounds back to 1 in float32


def test_relative_error_is_zero_for_equal_and_one_for_opposite():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match=r"a has shape \(3,\) and b has shape \(2,\)"):
        relative_error(a, a[:2])


def test_softmax_backward_equals_jacobian_transpose_times_dp():
    rng = np.random.default_rng(3)
    s, dp = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    p = np.exp(s) / np.exp(s).sum(-1, keepdims=True)
    for row in range(2):
        jac = np.diag(p[row]) - np.outer(p[row], p[row])
        np.testing.assert_allclose(softmax_backward(p, dp)[row], jac.T @ dp[row], atol=1e-15)


def test_softmax_backward_matches_central_differences_of_softmax():
    rng = np.random.default_rng(4)
    s, dp = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    def softmax(x):
        return np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)
    numeric = numerical_gradient(lambda x: np.sum(softmax(x) * dp), s)
    assert relative_error(softmax_backward(softmax(s), dp), numeric) < TOL


def test_softmax_backward_names_both_shapes():
    with pytest.raises(ValueError, match=r"p has shape \(2, 3\) and dp has shape \(3, 2\)"):
        softmax_backward(np.ones((2, 3)) / 3, np.ones((3, 2)))


# --------------------------------------------------------------------------- dq, dk, dv


@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("batch", [(2,), (3, 2)], ids=["batch (2,)", "batch (3, 2)"])
def test_attention_gradients_pass_the_gradient_check(mask_name, batch):
    q, k, v, r = problem(batch, seed=len(batch))
    mask = MASKS[mask_name](batch, 4, 5)
    dq, dk, dv = attention_backward(q, k, v, r, mask=mask)
    for name, analytic, numeric in zip("qkv", (dq, dk, dv), numerical_qkv_grads(q, k, v, r, mask), strict=True):
        assert relative_error(analytic, numeric) < TOL, f"d{name} with {mask_name}, batch {batch}"


def test_attention_gradients_without_batch_axes():
    q, k, v, r = problem((), n_q=3, n_k=6, seed=7)
    for analytic, numeric in zip(attention_backward(q, k, v, r), numerical_qkv_grads(q, k, v, r), strict=True):
        assert relative_error(analytic, numeric) < TOL


def test_passing_the_forward_weights_gives_the_same_gradients():
    q, k, v, r = problem((2,), seed=8)
    mask = causal_mask(4, 5)
    s = np.where(mask, q @ np.swapaxes(k, -1, -2) / math.sqrt(3), -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    for a, b in zip(attention_backward(q, k, v, r, mask), attention_backward(q, k, v, r, mask, weights=p), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_masked_keys_get_exactly_zero_gradient():
    q, k, v, r = problem((2,), n_q=3, n_k=5, seed=9)
    mask = padding_mask(np.array([3, 5]), 5)             # sequence 0: keys 3 and 4 are padding
    _, dk, dv = attention_backward(q, k, v, r, mask=mask)
    assert np.all(dk[0, 3:] == 0) and np.all(dv[0, 3:] == 0)
    assert np.all(dk[1, 3:] != 0)


def test_fully_masked_query_gets_zero_gradient_not_nan():
    q, k, v, r = problem((), n_q=2, n_k=3, seed=10)
    mask = np.array([[False, False, False], [True, True, False]])
    dq, dk, dv = attention_backward(q, k, v, r, mask=mask)
    assert np.all(np.isfinite(dq)) and np.all(dq[0] == 0)
    for analytic, numeric in zip((dq, dk, dv), numerical_qkv_grads(q, k, v, r, mask), strict=True):
        assert relative_error(analytic, numeric) < TOL


def test_keys_shared_across_the_batch_get_the_summed_gradient():
    rng = np.random.default_rng(11)
    q, k, v, r = rng.normal(size=(3, 4, 2)), rng.normal(size=(5, 2)), rng.normal(size=(5, 3)), rng.normal(size=(3, 4, 3))
    dq, dk, dv = attention_backward(q, k, v, r)
    assert dq.shape == (3, 4, 2) and dk.shape == (5, 2) and dv.shape == (5, 3)
    _, dk_numeric, dv_numeric = numerical_qkv_grads(q, k, v, r)
    assert relative_error(dk, dk_numeric) < TOL and relative_error(dv, dv_numeric) < TOL


def test_an_explicit_scale_is_used_in_the_gradients():
    q, k, v, r = problem((), seed=12)
    dq, _, _ = attention_backward(q, k, v, r, scale=1.0)
    numeric = numerical_gradient(lambda x: np.sum(reference_attention(x, k, v, scale=1.0) * r), q)
    assert relative_error(dq, numeric) < TOL


def test_d_out_of_the_wrong_shape_is_refused_with_both_shapes():
    q, k, v, _ = problem((), n_q=4, n_k=5, d_v=2)
    with pytest.raises(ValueError, match=r"d_out has shape \(4, 3\) but the attention output has shape \(4, 2\)"):
        attention_backward(q, k, v, np.ones((4, 3)))


# --------------------------------------------------------------------------- classic mistakes


def _weights(q, k, mask):
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def backward_missing_rowsum(q, k, v, d_out, mask=None):
    """Uses only the diagonal of the softmax Jacobian: dS = P ∘ dP."""
    p = _weights(q, k, mask)
    ds = p * (d_out @ np.swapaxes(v, -1, -2))
    tau = 1 / math.sqrt(q.shape[-1])
    return tau * ds @ k, tau * np.swapaxes(ds, -1, -2) @ q, np.swapaxes(p, -1, -2) @ d_out


def backward_transposed_dk(q, k, v, d_out, mask=None):
    """dK = tau dS Q instead of tau dSᵀ Q (the shapes agree only when n_q = n_k)."""
    p = _weights(q, k, mask)
    dp = d_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(dp * p, -1, keepdims=True))
    tau = 1 / math.sqrt(q.shape[-1])
    return tau * ds @ k, tau * ds @ q, np.swapaxes(p, -1, -2) @ d_out


def backward_forgot_scale(q, k, v, d_out, mask=None):
    """The forward pass divides by sqrt(d); this backward pass forgets to."""
    p = _weights(q, k, mask)
    dp = d_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(dp * p, -1, keepdims=True))
    return ds @ k, np.swapaxes(ds, -1, -2) @ q, np.swapaxes(p, -1, -2) @ d_out


def backward_through_masked_entries(q, k, v, d_out, mask=None):
    """Recomputes the weights without the mask, so gradient leaks into blocked keys."""
    p = _weights(q, k, None)
    dp = d_out @ np.swapaxes(v, -1, -2)
    ds = p * (dp - np.sum(dp * p, -1, keepdims=True))
    tau = 1 / math.sqrt(q.shape[-1])
    return tau * ds @ k, tau * np.swapaxes(ds, -1, -2) @ q, np.swapaxes(p, -1, -2) @ d_out


MISTAKES = {
    "missing rowsum term": (backward_missing_rowsum, "no mask"),
    "transposed dK": (backward_transposed_dk, "no mask"),
    "forgotten 1/sqrt(d)": (backward_forgot_scale, "no mask"),
    "gradient through masked entries": (backward_through_masked_entries, "padding"),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_the_gradient_check_catches_each_classic_mistake(name):
    wrong, mask_name = MISTAKES[name]
    batch = (2,)
    q, k, v, r = problem(batch, n_q=5, n_k=5, d=4, seed=13)  # square, so a transposed dK still has its shape
    mask = MASKS[mask_name](batch, 5, 5)
    numeric = numerical_qkv_grads(q, k, v, r, mask)
    errors = [relative_error(a, n) for a, n in zip(wrong(q, k, v, r, mask), numeric, strict=True)]
    assert max(errors) > 1e-2, f"{name}: the gradient check missed it (errors {errors})"
    right = [relative_error(a, n) for a, n in zip(attention_backward(q, k, v, r, mask), numeric, strict=True)]
    assert max(right) < TOL


# --------------------------------------------------------------------------- layer with projections


def layer_problem(batch=(2,), n_q=3, n_k=4, d_q=5, d_kv=6, d=3, d_out=2, seed=20):
    rng = np.random.default_rng(seed)
    x_q = rng.normal(size=batch + (n_q, d_q))
    x_kv = rng.normal(size=batch + (n_k, d_kv))
    params = init_attention_layer(d_q, d_kv, d, d_out, rng, d_v=4)
    r = rng.normal(size=batch + (n_q, d_out))
    return x_q, x_kv, params, r


def reference_layer(x_q, x_kv, params, mask=None):
    q, k, v = x_q @ params["W_q"], x_kv @ params["W_k"], x_kv @ params["W_v"]
    return reference_attention(q, k, v, mask) @ params["W_o"]


@pytest.mark.parametrize("mask_name", list(MASKS))
def test_layer_gradients_pass_the_gradient_check(mask_name):
    x_q, x_kv, params, r = layer_problem()
    mask = MASKS[mask_name]((2,), 3, 4)
    out, cache = attention_layer_forward(x_q, x_kv, params, mask)
    np.testing.assert_allclose(out, reference_layer(x_q, x_kv, params, mask), rtol=1e-12, atol=1e-14)
    grads = attention_layer_backward(r, cache)
    for name in ("W_q", "W_k", "W_v", "W_o"):
        def loss(w, name=name):
            return np.sum(reference_layer(x_q, x_kv, {**params, name: w}, mask) * r)
        assert relative_error(grads[name], numerical_gradient(loss, params[name])) < TOL, name
    numeric_xq = numerical_gradient(lambda x: np.sum(reference_layer(x, x_kv, params, mask) * r), x_q)
    numeric_xkv = numerical_gradient(lambda x: np.sum(reference_layer(x_q, x, params, mask) * r), x_kv)
    assert relative_error(grads["x_q"], numeric_xq) < TOL
    assert relative_error(grads["x_kv"], numeric_xkv) < TOL


def test_self_attention_input_gradient_is_the_sum_of_both_paths():
    x, _, params, r = layer_problem(batch=(2,), n_q=4, d_q=5)
    params = init_attention_layer(5, 5, 3, 2, 21)
    mask = causal_mask(4)
    _, cache = attention_layer_forward(x, x, params, mask)
    grads = attention_layer_backward(r, cache)
    numeric = numerical_gradient(lambda a: np.sum(reference_layer(a, a, params, mask) * r), x)
    assert relative_error(grads["x_q"] + grads["x_kv"], numeric) < TOL


@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_weight_gradient_sums_x_transpose_dy_over_the_batch(batch):
    rng = np.random.default_rng(22)
    x, dy = rng.normal(size=batch + (5, 3)), rng.normal(size=batch + (5, 2))
    expected = sum(xi.T @ di for xi, di in zip(x.reshape(-1, 5, 3), dy.reshape(-1, 5, 2), strict=True))
    np.testing.assert_allclose(weight_gradient(x, dy), expected, rtol=1e-12)


def test_layer_weights_of_the_wrong_shape_are_named():
    x_q, x_kv, params, _ = layer_problem()
    with pytest.raises(ValueError, match=r"W_k has shape \(5, 3\) but x_kv has shape \(2, 4, 6\)"):
        attention_layer_forward(x_q, x_kv, {**params, "W_k": np.ones((5, 3))})
    with pytest.raises(ValueError, match=r"params is missing \['W_o'\]"):
        attention_layer_forward(x_q, x_kv, {n: params[n] for n in ("W_q", "W_k", "W_v")})


@pytest.mark.parametrize("shape", [(7, 5), (3, 50, 64), (2, 3, 40, 64)], ids=["2-D", "rows span several blocks", "two batch axes"])
def test_project_multiplies_every_row_by_w(shape):
    rng = np.random.default_rng(23)
    x, W = rng.normal(size=shape), rng.normal(size=(shape[-1], 48))
    y = project(x, W)
    assert y.shape == shape[:-1] + (48,)
    np.testing.assert_allclose(y, np.einsum("...i,ij->...j", x, W), rtol=1e-12, atol=1e-12)


def test_weight_gradient_sums_over_rows_in_several_blocks():
    rng = np.random.default_rng(24)
    x, dy = rng.normal(size=(3, 50, 64)), rng.normal(size=(3, 50, 64))   # 150 rows, blocks of 64 rows
    expected = np.einsum("bli,blj->ij", x, dy)
    np.testing.assert_allclose(weight_gradient(x, dy), expected, rtol=1e-12, atol=1e-12)


def test_layer_backward_without_input_gradients_gives_the_same_weight_gradients():
    x_q, x_kv, params, r = layer_problem()
    _, cache = attention_layer_forward(x_q, x_kv, params, causal_mask(3, 4))
    full = attention_layer_backward(r, cache)
    weights_only = attention_layer_backward(r, cache, input_grads=False)
    assert set(weights_only) == {"W_q", "W_k", "W_v", "W_o"}
    for name, g in weights_only.items():
        np.testing.assert_array_equal(g, full[name])
