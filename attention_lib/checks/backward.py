"""Checks for lesson 07: the backward pass of attention, written by hand, and the gradient check.

The reference of every exercise is the library's own function (:mod:`attention_lib.backward`). The
wrong implementations are the lesson's own ("The classic mistakes, caught"), built here from one
parametrised backward pass so that every combination of up to two slips is recognised.

``numerical_gradient`` is judged on how close it comes to the *exact* gradient: a one-sided difference
agrees with it to about 1e-6, closer than the engine's float32-friendly tolerance (1e-4) can tell, so
its answers are first sorted into "accurate" (relative error below 1e-8) and "not accurate enough"
(:func:`_judged`).
"""
from __future__ import annotations

import numpy as np

from .. import backward as lib
from ..attention import attention as _attention
from ..masking import causal_mask, padding_mask
from ..softmax import softmax as _softmax
from ._compare import as_array
from ._engine import Exercise, Misconception, Probe, family, randn

# --------------------------------------------------------------------------- softmax_backward (easy)


def _rows(seed, shape, scale=1.0, blocked=()):
    """(p, dp): softmax outputs of seeded scores (``blocked`` entries of the last axis at −∞) and a gradient."""
    s, dp = randn(seed, shape, shape)                    # (..., n) each
    s = scale * s
    s[..., list(blocked)] = -np.inf
    return _softmax(s, axis=-1), dp                      # (..., n), (..., n)


def _constant_upstream(seed):
    p, _ = _rows(seed, (3, 5))                           # (3, 5)
    return p, np.repeat(np.array([[2.0], [-1.0], [0.5]]), 5, axis=1)   # (3, 5): one value per row


def _vjp(p, dp, inner, times_p=True):
    """A softmax backward pass with a chosen ``inner`` term, times p or not."""
    ds = dp - inner                                      # (..., n)
    return p * ds if times_p else ds


SOFTMAX_BACKWARD = Exercise(
    id="softmax_backward",
    signature="softmax_backward(p, dp)",
    reference=lib.softmax_backward,
    probes=[
        Probe("one row p, dp (5,)", _rows(701, (5,)), purpose="1-D"),
        Probe("three rows p, dp (3, 6)", _rows(702, (3, 6)), purpose="2-D"),
        Probe("a batch p, dp (2, 4, 7)", _rows(703, (2, 4, 7)), purpose="batched"),
        Probe("a row (6,) whose keys 1 and 4 are masked (p = 0 there)", _rows(704, (6,), blocked=(1, 4)),
              purpose="masked_keys"),
        Probe("saturated rows (2, 5): scores 30 times larger, p almost one-hot", _rows(705, (2, 5), scale=30.0),
              purpose="saturated"),
        Probe("rows (3, 5) whose upstream gradient is constant along each row", _constant_upstream(706),
              purpose="constant_dp"),
    ],
    misconceptions=[
        Misconception("softmax_grad_diagonal_only", variant=lambda p, dp: p * (1 - p) * dp),
        Misconception("missing_rowsum_term", variant=lambda p, dp: _vjp(p, dp, 0.0)),
        Misconception("softmax_grad_rowsum_over_all", variant=lambda p, dp: _vjp(p, dp, np.sum(dp * p))),
        Misconception("missing_keepdims", variant=lambda p, dp: _vjp(p, dp, np.sum(dp * p, axis=-1))),
        Misconception("softmax_grad_without_p",
                      variant=lambda p, dp: _vjp(p, dp, np.sum(dp * p, axis=-1, keepdims=True), times_p=False)),
    ],
    forbidden=(lib.softmax_backward,),
    output="values",
)

# --------------------------------------------------------------------------- numerical_gradient (medium)
# Each probe: a function, a point and the exact gradient there (closed form, or the library's backward pass).

_Q, _K, _V, _R = randn(711, (3, 4), (5, 4), (5, 2), (3, 2))   # (3, 4), (5, 4), (5, 2), (3, 2)


def _exp3(x):
    return np.sum(np.exp(3 * x))


def _cube(x):
    return np.sum(x ** 3)


def _attention_loss(q):
    return np.sum(_attention(q, _K, _V)[0] * _R)         # O (3, 2) against fixed weights


def _sin_x2(x):
    return np.sum(np.sin(x) * x ** 2)


_X3 = randn(712, (2, 2, 3))[0]                           # (2, 2, 3)
_LINE = np.linspace(0.5, 1.0, 4)                         # (4,)
_INTS = np.array([1, 2, 3])                              # (3,), integer on purpose

_EXACT = {   # x's shape -> the exact gradient at the probe's point
    (4,): 3 * np.exp(3 * _LINE),
    (3,): 3.0 * _INTS ** 2,
    (3, 4): lib.attention_backward(_Q, _K, _V, _R)[0],
    (2, 2, 3): np.cos(_X3) * _X3 ** 2 + 2 * _X3 * np.sin(_X3),
}
ACCURATE = 1e-8
"""Largest relative error ‖a − b‖ / (‖a‖ + ‖b‖) from the exact gradient that counts as right."""


def _judged(grad):
    """An accurate gradient becomes the exact one. Any other becomes ``(grad, direction, size)``: the direction
    of its error (a unit array) and the size (log10 of its relative error), both to one decimal, so rounding
    noise does not tell two answers with the same mistake apart. That tuple can never match the
    reference, and it matches a variant only when both err the same way: a one-sided difference and a central
    one with a large step are both off by about 1e-6, but in different directions."""
    arr = as_array(grad)
    exact = _EXACT.get(np.shape(arr)) if arr is not None else None
    if exact is None:
        return grad
    arr = arr.astype(np.float64)
    error = arr - exact                                  # same shape as x
    size = np.linalg.norm(error)
    if not np.isfinite(size) or lib.relative_error(arr, exact) < ACCURATE:
        return exact if np.isfinite(size) else grad
    return arr, np.round(error / size, 1), round(float(np.log10(size / np.linalg.norm(exact))), 1)


def _differences(f, x, eps=1e-6, dtype=np.float64, central=True, divide=2.0, restore=True):
    """A finite-difference loop with every choice a learner makes spelled out (the variants)."""
    x = np.array(x, dtype=dtype)                         # a private copy
    grad = np.zeros(x.shape)                             # same shape as x
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps if central else old
        down = f(x)
        grad[i] = (up - down) / ((divide if central else 1.0) * eps)
        if restore:
            x[i] = old
        elif central:
            x[i] = old - eps                             # left where the second evaluation put it
    return grad


def _fd(**choices):
    return lambda f, x, eps=1e-6: _judged(_differences(f, x, **{"eps": eps, **choices}))


def _imprecise(mine, want, probes):
    """Not a known variant, but every answer has the right shape and some are not accurate enough."""
    loose = [m.value for m in mine if not m.raised and isinstance(m.value, tuple) and len(m.value) == 3]
    if not loose or any(m.raised for m in mine):
        return False
    worst = max(lib.relative_error(g, _EXACT[g.shape]) for g, _, _ in loose)
    if worst > 1e-2:                                     # not imprecise: a different quantity
        return False
    return (f"Its largest relative error from the exact gradient is {worst:.1e}; central differences in float64 "
            f"with a step near 1e-6 stay below {ACCURATE:.0e}.")


def _one_slope_everywhere(mine, want, probes):
    """Every entry of the estimate holds the same number where the exact gradient does not."""
    loose = [m.value[0] for m in mine if not m.raised and isinstance(m.value, tuple) and len(m.value) == 3]
    varied = [g for g in loose if np.ptp(_EXACT[g.shape]) > 1e-6]
    return bool(varied) and all(np.ptp(g) <= 1e-9 * max(1.0, float(np.max(np.abs(g)))) for g in varied)


def _flattened(mine, want, probes):
    for m, probe in zip(mine, probes, strict=True):
        arr = None if m.raised else as_array(m.value)
        x = probe.args[1]
        if arr is not None and arr.size == np.size(x) and arr.shape != np.shape(x):
            return f"One value per entry of x, in x's shape: on {probe.label} yours has shape {arr.shape}."
    return False


NUMERICAL_GRADIENT = Exercise(
    id="numerical_gradient",
    signature="numerical_gradient(f, x, eps=1e-6)",
    reference=lib.numerical_gradient,
    probes=[
        Probe("f(x) = Σ exp(3x) at x = linspace(0.5, 1.0, 4)", (_exp3, _LINE), purpose="curvature"),
        Probe("f(x) = Σ x³ at the integer array x = [1, 2, 3]", (_cube, _INTS), purpose="integer_input"),
        Probe("the lesson's attention loss Σ attention(q, k, v)[0] ∘ C at q (3, 4)", (_attention_loss, _Q),
              purpose="coupled"),
        Probe("f(x) = Σ sin(x) x² at x (2, 2, 3)", (_sin_x2, _X3), purpose="any_shape"),
    ],
    misconceptions=[
        Misconception("fd_one_sided", variant=_fd(central=False)),
        Misconception("fd_step_not_doubled", variant=_fd(divide=1.0)),
        Misconception("fd_in_float32", variant=_fd(dtype=np.float32)),
        Misconception("fd_integer_copy", variant=_fd(dtype=None)),
        Misconception("fd_entry_not_restored", variant=_fd(restore=False),
                      detail="Only the probe whose entries interact (the attention loss) shows it."),
        Misconception("fd_step_too_small", variant=lambda f, x, eps=1e-6: _judged(_differences(f, x, eps=1e-12))),
        Misconception("wrong_shape", test=_flattened),
        Misconception("fd_all_entries_at_once", test=_one_slope_everywhere),
        Misconception("fd_inaccurate", test=_imprecise),
    ],
    forbidden=(lib.numerical_gradient, lib.finite_difference),
    output="values",
    canonical=_judged,
)

# --------------------------------------------------------------------------- attention_backward (hard)


def _problem(label, seed, shapes, mask=None, purpose="basic", scale=1.0):
    """q, k, v and d_out of the given shapes from one seed; q and k times ``scale``."""
    q, k, v, d_out = randn(seed, *shapes)
    kwargs = {} if mask is None else {"mask": mask}
    return Probe(label, (scale * q, scale * k, v, d_out), kwargs, purpose=purpose)


def _one_blind_query():
    mask = np.ones((3, 5), dtype=bool)                   # (3, 5)
    mask[0] = False                                      # query 0 sees nothing
    mask[1, 3:] = False
    return mask


PROBES = [
    _problem("cross-attention q (3, 4), k (5, 4), v (5, 2)", 721, [(3, 4), (5, 4), (5, 2), (3, 2)], purpose="cross"),
    _problem("self-attention shapes q, k (5, 4), v (5, 3)", 722, [(5, 4), (5, 4), (5, 3), (5, 3)], purpose="square"),
    _problem("a batch q (2, 3, 4), k (2, 6, 4), v (2, 6, 2)", 723, [(2, 3, 4), (2, 6, 4), (2, 6, 2), (2, 3, 2)],
             purpose="batched"),
    _problem("heads q (2, 2, 3, 4), k (2, 2, 5, 4), v (2, 2, 5, 3)", 724,
             [(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3), (2, 2, 3, 3)], purpose="heads"),
    _problem("q, k (2, 5, 4), v (2, 5, 3) with padding_mask([5, 3], 5)", 725,
             [(2, 5, 4), (2, 5, 4), (2, 5, 3), (2, 5, 3)], padding_mask(np.array([5, 3]), 5), purpose="padding"),
    _problem("q (4, 4), k (6, 4), v (6, 2) with causal_mask(4, 6)", 726, [(4, 4), (6, 4), (6, 2), (4, 2)],
             causal_mask(4, 6), purpose="causal"),
    _problem("q (3, 4), k (5, 4), v (5, 2) with a (3, 5) mask whose query 0 sees no key", 727,
             [(3, 4), (5, 4), (5, 2), (3, 2)], _one_blind_query(), purpose="fully_masked"),
    _problem("large scores: q (3, 4) and k (5, 4) times 30, v (5, 2)", 728, [(3, 4), (5, 4), (5, 2), (3, 2)],
             purpose="large", scale=30.0),
]


def _stable_softmax(s):
    """The textbook softmax: a row with every score at −∞ gives 0/0 = NaN."""
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _overflowing_softmax(s):
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def _library_softmax(s):
    return _softmax(s, axis=-1)


def _swap(x):
    return np.swapaxes(x, -1, -2)


def _dot_T(x):
    return x.T


def _backward(ds="right", dk="right", dv="right", scale="sqrt", weights="masked", swap=_swap,
              norm=_library_softmax):
    """A backward pass of attention with one choice per stage (the right one by default)."""
    def attention_backward(q, k, v, d_out, mask=None):
        d = q.shape[-1]
        s = q @ swap(k) / np.sqrt(d)                     # (..., n_q, n_k)
        if mask is not None and weights == "masked":
            s = np.where(mask, s, -np.inf)
        P = norm(s)                                      # (..., n_q, n_k)
        dP = d_out @ swap(v)                             # (..., n_q, n_k)
        dS = {"right": lambda: P * (dP - np.sum(dP * P, axis=-1, keepdims=True)),
              "no_rowsum": lambda: P * dP, "skipped": lambda: dP}[ds]()
        tau = {"sqrt": 1 / np.sqrt(d), "none": 1.0, "d": 1 / d}[scale]
        dq = tau * dS @ k                                # (..., n_q, d)
        dk_ = tau * (dS if dk == "transposed" else swap(dS)) @ q     # (..., n_k, d)
        dv_ = (P if dv == "P" else swap(P)) @ d_out      # (..., n_k, d_v)
        return dq, dk_, dv_
    return attention_backward


_NAN = "0 × NaN = NaN: NaN weights poison every key's dv, even where that query's d_out is 0."
_STAGES = {   # each stage of the backward pass -> its options (option, code, detail); the first is right
    "ds": [("right", None, ""), ("no_rowsum", "missing_rowsum_term", ""), ("skipped", "softmax_backward_skipped", "")],
    "dk": [("right", None, ""), ("transposed", "transposed_dk", "")],
    "dv": [("right", None, ""), ("P", "dv_not_transposed", "")],
    "scale": [("sqrt", None, ""), ("none", "backward_missing_scale", ""),
              ("d", "scaled_by_d", "In the backward pass: the forward pass divides by √d, so dQ and dK do too.")],
    "weights": [("masked", None, ""), ("unmasked", "gradient_through_masked", "")],
    "swap": [(_swap, None, ""), (_dot_T, "transpose_all_axes", "")],
    "norm": [(_library_softmax, None, ""), (_stable_softmax, "fully_masked_row_nan", _NAN),
             (_overflowing_softmax, "no_max_subtraction", "")],
}

_BACKWARD = {   # what q3 and q4 share: the same reference, probes and forbidden functions
    "arguments": {"q": 0, "k": 1, "v": 2},
    "reference": lib.attention_backward,
    "probes": PROBES,
    "forbidden": (lib.attention_backward, lib.attention_layer_backward),
    "output": "values",
    "returns": "tuple",                  # (dq, dk, dv): the diagnosis studies the first part that is off
    "parts": ("dq", "dk", "dv"),
}

ATTENTION_BACKWARD = Exercise(
    id="attention_backward",
    signature="attention_backward(q, k, v, d_out, mask=None)",
    misconceptions=family(_backward, _STAGES),
    **_BACKWARD,
    purposes={"large": ("no_max_subtraction", "")},
)

# --------------------------------------------------------------------------- backward_mask_bug (find the bug)
# The learner receives `_backward(weights="unmasked", norm=_stable_softmax)`: it passes a gradient check without a
# mask and ignores the mask altogether. Each state below is a partial or mistaken repair.


def _key_seen(mask, shape):
    """(..., n_k, 1): True where at least one query may see the key."""
    return np.broadcast_to(np.any(mask, axis=-2)[..., None], shape)


def _zeroed_afterwards(q, k, v, d_out, mask=None):
    dq, dk, dv = _backward(weights="unmasked", norm=_stable_softmax)(q, k, v, d_out)
    if mask is None:
        return dq, dk, dv
    return dq, np.where(_key_seen(mask, dk.shape), dk, 0.0), np.where(_key_seen(mask, dv.shape), dv, 0.0)


def _repair(fill=-np.inf, invert=False, when="before", norm=_stable_softmax):
    """The given function with the mask put in at ``when``, blocked scores at ``fill``, ``True`` read as blocked."""
    def attention_backward(q, k, v, d_out, mask=None):
        d = q.shape[-1]
        s = q @ _swap(k) / np.sqrt(d)                    # (..., n_q, n_k)
        allowed = None if mask is None else (~np.asarray(mask) if invert else np.asarray(mask))
        if allowed is not None and when == "before":
            s = np.where(allowed, s, fill)
        if allowed is not None and when == "times":
            s = s * allowed
        P = norm(s)                                      # (..., n_q, n_k)
        if allowed is not None and when == "after":
            P = P * allowed                              # not renormalised
        dv = _swap(P) @ d_out                            # (..., n_k, d_v)
        dP = d_out @ _swap(v)                            # (..., n_q, n_k)
        dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
        return dS @ k / np.sqrt(d), _swap(dS) @ q / np.sqrt(d), dv
    return attention_backward


_NOW = "You now mask the scores before the softmax, so every query that sees at least one key is right. Left: "
_FIXES = [   # (code, detail, the function in that state)
    ("gradient_through_masked", "Your backward pass still ignores `mask`: the unmasked probes pass, the masked ones "
                                "do not.", _backward(weights="unmasked", norm=_stable_softmax)),
    ("fully_masked_row_nan", _NOW + "a query that sees no key gets NaN weights, and " + _NAN, _repair()),
    ("fully_masked_row_uniform", _NOW + "a query that sees no key must get zero weights, not uniform ones.",
     _repair(fill=-1e9)),
    ("masked_grads_zeroed_afterwards", "", _zeroed_afterwards),
    ("mask_after_softmax", "In the backward pass too: the weights the forward pass used are renormalised over the "
                           "keys each query may see.", _repair(when="after")),
    ("masked_to_zero", "", _repair(when="times")),
    ("mask_polarity_inverted", "", _repair(invert=True)),
    ("mask_polarity_inverted", "", _repair(invert=True, norm=_library_softmax)),
    ("mask_polarity_inverted", "", _repair(invert=True, fill=-1e9)),
]

BACKWARD_MASK_BUG = Exercise(
    id="backward_mask_bug",
    signature="backward_mask_bug(q, k, v, d_out, mask=None)",
    misconceptions=[Misconception(code, variant=fn, detail=detail) for code, detail, fn in _FIXES],
    **_BACKWARD,
)

EXERCISES = [SOFTMAX_BACKWARD, NUMERICAL_GRADIENT, ATTENTION_BACKWARD, BACKWARD_MASK_BUG]
