"""Lesson 07 answers: right ones (``RIGHT``), wrong ones (``@wrong``) and correct-but-unusual ones (``UNUSUAL``).

Written the way learners write them: ``.T`` and ``swapaxes``, einsum, loops over entries with ``np.ndindex`` or
over a flattened view, a softmax of their own or ``al.attention``'s weights, -1e9 instead of -inf.
"""
import numpy as np

import attention_lib as al

from .wrong import wrong

# ---------------------------------------------------------------- right


def softmax_backward(p, dp):
    return p * (dp - np.sum(dp * p, axis=-1, keepdims=True))


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + eps
        up = f(x)
        x[i] = keep - eps
        down = f(x)
        x[i] = keep
        grad[i] = (up - down) / (2 * eps)
    return grad


def attention_backward(q, k, v, d_out, mask=None):
    P = al.attention(q, k, v, mask)[1]
    dv = np.swapaxes(P, -1, -2) @ d_out
    dS = softmax_backward(P, d_out @ np.swapaxes(v, -1, -2))
    scale = np.sqrt(q.shape[-1])
    return dS @ k / scale, np.swapaxes(dS, -1, -2) @ q / scale, dv


RIGHT = {"softmax_backward": softmax_backward, "numerical_gradient": numerical_gradient,
         "attention_backward": attention_backward, "backward_mask_bug": attention_backward}


def _weights(q, k, mask=None, fill=-np.inf, stable=True):
    """A learner's own forward weights: masked scores at ``fill``, then a textbook softmax."""
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, fill)
    e = np.exp(s - s.max(axis=-1, keepdims=True)) if stable else np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def _from_weights(P, q, k, v, d_out):
    dv = np.swapaxes(P, -1, -2) @ d_out
    dS = softmax_backward(P, d_out @ np.swapaxes(v, -1, -2))
    return dS @ k / np.sqrt(q.shape[-1]), np.swapaxes(dS, -1, -2) @ q / np.sqrt(q.shape[-1]), dv


# ---------------------------------------------------------------- softmax_backward
@wrong("softmax_backward", "softmax_grad_diagonal_only")
def sb_diagonal(p, dp):
    return dp * p * (1.0 - p)


@wrong("softmax_backward", "missing_rowsum_term")
def sb_elementwise_only(p, dp):
    ds = np.empty_like(p)
    np.multiply(dp, p, out=ds)                                    # the chain rule, as if softmax were elementwise
    return ds


@wrong("softmax_backward", "softmax_grad_rowsum_over_all")
def sb_one_sum(p, dp):
    return p * (dp - (dp * p).sum())


@wrong("softmax_backward", "missing_keepdims")
def sb_no_keepdims(p, dp):
    inner = np.einsum("...i,...i->...", dp, p)
    return p * (dp - inner)


@wrong("softmax_backward", "softmax_grad_without_p")
def sb_forgot_p(p, dp):
    return dp - np.sum(p * dp, axis=-1, keepdims=True)


@wrong("softmax_backward", "calls_library")
def sb_borrowed(p, dp):
    from attention_lib.backward import softmax_backward as lib_sb
    return lib_sb(p, dp)


# ---------------------------------------------------------------- numerical_gradient
@wrong("numerical_gradient", "fd_all_entries_at_once")
def numgrad_whole_array(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    slope = (f(x + eps) - f(x - eps)) / (2 * eps)               # every entry moved together
    return slope * np.ones_like(x)


@wrong("numerical_gradient", "fd_one_sided")
def ng_forward(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    f0, grad = f(x), np.zeros(x.shape)
    for i in np.ndindex(*x.shape):
        x_up = x.copy()
        x_up[i] += eps
        grad[i] = (f(x_up) - f0) / eps
    return grad


@wrong("numerical_gradient", "fd_step_not_doubled")
def ng_eps(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / eps
    return grad


@wrong("numerical_gradient", "fd_in_float32")
def ng_float32(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float32)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


@wrong("numerical_gradient", "fd_integer_copy")
def ng_int_copy(f, x, eps=1e-6):
    x = np.array(x)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


@wrong("numerical_gradient", "fd_entry_not_restored")
def ng_not_restored(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += eps
        up = f(x)
        x[i] -= 2 * eps
        grad[i] = (up - f(x)) / (2 * eps)
    return grad


@wrong("numerical_gradient", "fd_step_too_small")
def ng_tiny_step(f, x, eps=1e-6):
    h = 1e-12
    x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


@wrong("numerical_gradient", "wrong_shape")
def ng_flat(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    flat = x.ravel()                                     # a view: nudging flat nudges x
    grad = []
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f(x)
        flat[i] = old - eps
        down = f(x)
        flat[i] = old
        grad.append((up - down) / (2 * eps))
    return np.array(grad)


@wrong("numerical_gradient", "fd_inaccurate")
def ng_step_floor(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    h = max(eps, 3e-4)                     # a step never below 3e-4, "to be safe from rounding"
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


@wrong("numerical_gradient", "argument_ignored")
def ng_step_1e3(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = 1e-3
        grad[i] = (f(x + e) - f(x - e)) / 2e-3
    return grad


@wrong("numerical_gradient", "mutates_input")
def ng_in_place(f, x, eps=1e-6):
    grad = np.zeros(np.shape(x))
    for i in np.ndindex(grad.shape):
        x[i] += eps
        up = f(x)
        x[i] -= 2 * eps
        grad[i] = (up - f(x)) / (2 * eps)
    return grad


# ---------------------------------------------------------------- attention_backward
@wrong("attention_backward", "missing_rowsum_term")
def ab_no_rowsum(q, k, v, d_out, mask=None):
    P = al.attention(q, k, v, mask)[1]
    dS = P * (d_out @ np.swapaxes(v, -1, -2))
    d = q.shape[-1]
    return dS @ k / d ** 0.5, np.swapaxes(dS, -1, -2) @ q / d ** 0.5, np.swapaxes(P, -1, -2) @ d_out


@wrong("attention_backward", "softmax_backward_skipped")
def ab_no_softmax(q, k, v, d_out, mask=None):
    P = al.attention(q, k, v, mask)[1]
    dP = np.einsum("...qe,...ke->...qk", d_out, v)
    d = q.shape[-1]
    return dP @ k / np.sqrt(d), np.swapaxes(dP, -1, -2) @ q / np.sqrt(d), np.einsum("...qk,...qe->...ke", P, d_out)


@wrong("attention_backward", "transposed_dk")
def ab_dk_no_transpose(q, k, v, d_out, mask=None):
    P = al.attention(q, k, v, mask)[1]
    dS = softmax_backward(P, d_out @ np.swapaxes(v, -1, -2))
    tau = 1 / np.sqrt(q.shape[-1])
    return tau * dS @ k, tau * dS @ q, np.swapaxes(P, -1, -2) @ d_out


@wrong("attention_backward", "dv_not_transposed")
def ab_dv_p(q, k, v, d_out, mask=None):
    P = al.attention(q, k, v, mask)[1]
    dS = softmax_backward(P, d_out @ np.swapaxes(v, -1, -2))
    tau = 1 / np.sqrt(q.shape[-1])
    return tau * dS @ k, tau * np.swapaxes(dS, -1, -2) @ q, P @ d_out


@wrong("attention_backward", "backward_missing_scale")
def ab_no_scale(q, k, v, d_out, mask=None):
    P = al.attention(q, k, v, mask)[1]
    dS = softmax_backward(P, d_out @ np.swapaxes(v, -1, -2))
    return dS @ k, np.swapaxes(dS, -1, -2) @ q, np.swapaxes(P, -1, -2) @ d_out


@wrong("attention_backward", "scaled_by_d")
def ab_by_d(q, k, v, d_out, mask=None):
    P = al.attention(q, k, v, mask)[1]
    dS = softmax_backward(P, d_out @ np.swapaxes(v, -1, -2))
    d = q.shape[-1]
    return dS @ k / d, np.swapaxes(dS, -1, -2) @ q / d, np.swapaxes(P, -1, -2) @ d_out


@wrong("attention_backward", "gradient_through_masked")
def ab_unmasked_weights(q, k, v, d_out, mask=None):
    return _from_weights(al.attention(q, k, v)[1], q, k, v, d_out)


@wrong("attention_backward", "transpose_all_axes")
def ab_dot_T(q, k, v, d_out, mask=None):
    P = _weights(q, k, mask).copy()
    P[np.isnan(P)] = 0.0
    dS = softmax_backward(P, d_out @ v.T)
    d = q.shape[-1]
    return dS @ k / np.sqrt(d), dS.T @ q / np.sqrt(d), P.T @ d_out


@wrong("attention_backward", "fully_masked_row_nan")
def ab_nan_rows(q, k, v, d_out, mask=None):
    return _from_weights(_weights(q, k, mask), q, k, v, d_out)


@wrong("attention_backward", "no_max_subtraction")
def ab_overflow(q, k, v, d_out, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s)                                                  # no shift: overflows on large scores
    P = np.where(np.isnan(e / e.sum(axis=-1, keepdims=True)), 0.0, e / e.sum(axis=-1, keepdims=True))
    return _from_weights(P, q, k, v, d_out)


# ---------------------------------------------------------------- backward_mask_bug
@wrong("backward_mask_bug", "gradient_through_masked")
def mbug_unchanged(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    P = P / P.sum(axis=-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ d_out
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ k / np.sqrt(d), np.swapaxes(dS, -1, -2) @ q / np.sqrt(d), dv


@wrong("backward_mask_bug", "fully_masked_row_nan")
def mbug_masked_scores_nan(q, k, v, d_out, mask=None):
    return _from_weights(_weights(q, k, mask), q, k, v, d_out)


@wrong("backward_mask_bug", "fully_masked_row_uniform")
def mbug_minus_1e9(q, k, v, d_out, mask=None):
    return _from_weights(_weights(q, k, mask, fill=-1e9), q, k, v, d_out)


@wrong("backward_mask_bug", "masked_grads_zeroed_afterwards")
def mbug_zero_masked_keys(q, k, v, d_out, mask=None):
    dq, dk, dv = mbug_unchanged(q, k, v, d_out)
    if mask is not None:
        seen = np.any(mask, axis=-2)[..., None]          # (..., n_k, 1): some query may see the key
        dk, dv = dk * seen, dv * seen
    return dq, dk, dv


@wrong("backward_mask_bug", "mask_after_softmax")
def mbug_mask_times_weights(q, k, v, d_out, mask=None):
    P = _weights(q, k)
    if mask is not None:
        P = P * mask
    return _from_weights(P, q, k, v, d_out)


@wrong("backward_mask_bug", "masked_to_zero")
def mbug_scores_times_mask(q, k, v, d_out, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = s * mask
    P = np.exp(s - s.max(axis=-1, keepdims=True))
    return _from_weights(P / P.sum(axis=-1, keepdims=True), q, k, v, d_out)


@wrong("backward_mask_bug", "mask_polarity_inverted")
def mbug_inverted(q, k, v, d_out, mask=None):
    return _from_weights(al.attention(q, k, v, None if mask is None else ~mask)[1], q, k, v, d_out)


# ---------------------------------------------------------------- correct, but unusual
def sb_einsum_float32(p, dp):
    p, dp = np.float32(p), np.float32(dp)
    return p * dp - p * np.einsum("...j,...j->...", dp, p)[..., None]


def ng_flat_view(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64).copy()
    grad, flat = np.empty(x.size), x.reshape(-1)
    for i in range(x.size):
        saved = flat[i]
        flat[i] = saved + eps
        up = f(x)
        flat[i] = saved - eps
        grad[i] = (up - f(x)) / (2 * eps)
        flat[i] = saved
    return grad.reshape(x.shape)


def ab_loops_over_rows(q, k, v, d_out, mask=None):
    P = al.attention(q, k, v, mask)[1]
    dP = d_out @ np.swapaxes(v, -1, -2)
    dS = np.zeros_like(P)
    for idx in np.ndindex(P.shape[:-1]):                 # one query row at a time
        p, g = P[idx], dP[idx]
        dS[idx] = (np.diag(p) - np.outer(p, p)) @ g      # the full Jacobian of one row, small here
    tau = q.shape[-1] ** -0.5
    return tau * dS @ k, tau * np.swapaxes(dS, -1, -2) @ q, (np.swapaxes(P, -1, -2) @ d_out).tolist()


def mbug_fixed_with_guard(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    P = np.exp(s - np.where(np.isfinite(top), top, 0.0))
    total = P.sum(axis=-1, keepdims=True)
    P = np.divide(P, total, out=np.zeros_like(P), where=total > 0)
    return _from_weights(P, q, k, v, d_out)


UNUSUAL = [("softmax_backward", sb_einsum_float32), ("numerical_gradient", ng_flat_view),
           ("attention_backward", ab_loops_over_rows), ("backward_mask_bug", mbug_fixed_with_guard),
           ("attention_backward", mbug_fixed_with_guard)]
