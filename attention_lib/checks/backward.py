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

from typing import NamedTuple

import numpy as np

from .. import backward as lib
from ..attention import attention as _attention
from ..masking import causal_mask, padding_mask
from ..softmax import softmax as _softmax
from ._compare import as_array
from ._engine import Exercise, Misconception, Probe, randn
from ._probes import near_1000

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


def softmax_backward(p, dp):
    inner = np.sum(p * dp, axis=-1, keepdims=True)  # (..., 1) role[rowsum]: each row's own Σ p·dp, over its last axis
    return p * (dp - inner)             # (..., n) role[vjp]: ds = p ∘ (dp − Σ p·dp), zero wherever p is zero


SOFTMAX_BACKWARD = Exercise(
    id="softmax_backward",
    signature="softmax_backward(p, dp)",
    reference=lib.softmax_backward,
    teaching=softmax_backward,
    codes={("rowsum", "axis", "whole"): "softmax_grad_rowsum_over_all", ("vjp", "drop", "sub"): "missing_rowsum_term",
           ("vjp", "drop", "mul-left"): "softmax_grad_without_p"},
    probes=lambda: [
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
_X32 = randn(713, (2, 3))[0].astype(np.float32)          # (2, 3), float32 on purpose: the copy must be float64
_LINE = np.linspace(0.5, 1.0, 4)                         # (4,)
_INTS = np.array([1, 2, 3])                              # (3,), integer on purpose

_EXACT = {   # x's shape -> the exact gradient at the probe's point
    (4,): 3 * np.exp(3 * _LINE),
    (3,): 3.0 * _INTS ** 2,
    (3, 4): lib.attention_backward(_Q, _K, _V, _R)[0],
    (2, 2, 3): np.cos(_X3) * _X3 ** 2 + 2 * _X3 * np.sin(_X3),
    (2, 3): np.cos(_X32.astype(float)) * _X32.astype(float) ** 2 + 2 * _X32.astype(float) * np.sin(_X32.astype(float)),
}
ACCURATE = 1e-8
"""Largest relative error ‖a − b‖ / (‖a‖ + ‖b‖) from the exact gradient that counts as right."""


class Judged(NamedTuple):
    """A gradient that is not accurate enough: the estimate, the direction of its error, and log10 of its size."""

    grad: np.ndarray
    direction: np.ndarray
    size: float

    def explain(self, where: str) -> tuple[str, str]:
        """What to tell a learner whose answer is this (it has the right shape: the numbers are what is off)."""
        exact = _EXACT[self.grad.shape]
        if exact.ndim > 1:                               # a whole row nudged at once gives each entry the row's sum
            rows = exact.reshape(len(exact), -1).sum(axis=1, keepdims=True)     # (n_rows, 1)
            if np.allclose(self.grad.reshape(len(exact), -1), rows, rtol=1e-4, atol=1e-6):
                return "first_axis_only", (f"{where}, every entry of a row of yours holds the sum of that row's "
                                           "slopes: each step nudged the whole row x[i] together.")
        if self.size > -2:
            return "wrong_values", (f"{where}, your estimate is far from the exact gradient (a relative error of "
                                    f"about {10 ** self.size:.0e}), more than any step size explains: check what "
                                    "each step nudges, and what the difference is divided by.")
        return "fd_inaccurate", (f"{where}, its relative error from the exact gradient is about "
                                 f"{10 ** self.size:.0e}; central differences in float64 with the step asked for "
                                 "stay far closer.")


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
    return Judged(arr, np.round(error / size, 1), round(float(np.log10(size / np.linalg.norm(exact))), 1))


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


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)        # role[copy]: a private float copy, which a nudge of eps can change
    grad = np.zeros(x.shape)            # role[shape]: one partial derivative per entry of x, in x's shape
    for i in np.ndindex(x.shape):       # role[every]: every entry in turn, whatever the number of axes
        old = x[i]
        x[i] = old + eps                # role[nudge]: one entry nudged up by eps
        up = f(x)
        x[i] = old - eps                # role[nudge]: the same entry nudged down by eps
        down = f(x)
        grad[i] = (up - down) / (2 * eps)   # role[central]: the central difference divides by 2·eps
        x[i] = old                      # role[restore]: the entry goes back before the next one is nudged
    return grad


NUMERICAL_GRADIENT = Exercise(
    id="numerical_gradient",
    signature="numerical_gradient(f, x, eps=1e-6)",
    reference=lambda f, x, eps=1e-6: _judged(lib.numerical_gradient(f, x, eps)),
    teaching=numerical_gradient,
    equivalent={"reset: x = np.array(x, dtype=float) → (in the loop)": "Every entry is put back after its nudge, "
                                                                       "so a fresh copy holds the same numbers.",
                "order: grad[i] = (up - down) / (2 * eps) → x[i] = old": "The difference is computed from up and down "
                                                                        "alone, so restoring the entry first changes "
                                                                        "nothing."},
    codes={("central", "constant"): "fd_step_not_doubled", ("central", "drop", "mul-left"): "fd_step_not_doubled",
           ("nudge", "drop", "sub"): "fd_one_sided", ("copy", "cast"): "fd_integer_copy",
           ("restore", "update"): "fd_entry_not_restored"},
    probes=lambda: [
        Probe("f(x) = Σ exp(3x) at x = linspace(0.5, 1.0, 4)", (_exp3, _LINE), purpose="curvature"),
        Probe("f(x) = Σ x³ at the integer array x = [1, 2, 3]", (_cube, _INTS), purpose="integer_input"),
        Probe("the lesson's attention loss Σ attention(q, k, v)[0] ∘ C at q (3, 4)", (_attention_loss, _Q),
              purpose="coupled"),
        Probe("f(x) = Σ sin(x) x² at x (2, 2, 3)", (_sin_x2, _X3), purpose="any_shape"),
        Probe("f(x) = Σ exp(3x) at x = linspace(0.5, 1.0, 4), with eps = 1e-3", (_exp3, _LINE), {"eps": 1e-3},
              purpose="keywords"),
        Probe("f(x) = Σ sin(x) x² at a float32 x (2, 3)", (_sin_x2, _X32), purpose="float32"),
    ],
    misconceptions=[
        Misconception("fd_one_sided", patch=(("x[i] = old - eps", "x[i] = old"),
                                             ("(up - down) / (2 * eps)", "(up - down) / eps"))),
        Misconception("fd_in_float32", patch=(("x = np.array(x, dtype=float)", "x = np.array(x, dtype=np.float32)"),)),
        Misconception("fd_in_float32", patch=(("x = np.array(x, dtype=float)", "x = x + 0.0"),),
                      detail="Here a float32 x stays float32 in your copy (`x + 0.0` or `x.copy()` keep its dtype): "
                             "copy with `np.array(x, dtype=np.float64)`."),
        Misconception("fd_step_too_small", patch=(("    grad = np.zeros(x.shape)", "    eps = 1e-12\n"
                                                                             "    grad = np.zeros(x.shape)"),)),
        Misconception("wrong_shape", test=_flattened),
        Misconception("fd_all_entries_at_once", test=_one_slope_everywhere),
        Misconception("fd_inaccurate", test=_imprecise, late=True),
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


def _backward_probes():
    """n_q, n_k, d and d_v kept apart (d never 4, where √d = d/2 = 2)."""
    return [
        _problem("cross-attention q (3, 6), k (5, 6), v (5, 2)", 721, [(3, 6), (5, 6), (5, 2), (3, 2)],
                 purpose="cross"),
        _problem("self-attention shapes q, k (5, 6), v (5, 3)", 722, [(5, 6), (5, 6), (5, 3), (5, 3)],
                 purpose="square"),
        _problem("a batch q (2, 3, 6), k (2, 7, 6), v (2, 7, 2)", 723, [(2, 3, 6), (2, 7, 6), (2, 7, 2), (2, 3, 2)],
                 purpose="batched"),
        _problem("heads q (2, 2, 3, 5), k (2, 2, 6, 5), v (2, 2, 6, 3)", 724,
                 [(2, 2, 3, 5), (2, 2, 6, 5), (2, 2, 6, 3), (2, 2, 3, 3)], purpose="heads"),
        _problem("q, k (2, 5, 6), v (2, 5, 3) with padding_mask([5, 3], 5)", 725,
                 [(2, 5, 6), (2, 5, 6), (2, 5, 3), (2, 5, 3)], padding_mask(np.array([5, 3]), 5), purpose="padding"),
        _problem("q (4, 5), k (6, 5), v (6, 2) with causal_mask(4, 6)", 726, [(4, 5), (6, 5), (6, 2), (4, 2)],
                 causal_mask(4, 6), purpose="causal"),
        _problem("q (3, 6), k (5, 6), v (5, 2) with a (3, 5) mask whose query 0 sees no key", 727,
                 [(3, 6), (5, 6), (5, 2), (3, 2)], _one_blind_query(), purpose="fully_masked"),
        _problem("large scores: q (3, 6) and k (5, 6) times 30, v (5, 2)", 728, [(3, 6), (5, 6), (5, 2), (3, 2)],
                 purpose="large", scale=30.0),
        Probe("scores near +1000 (sequence 0) and −1000 (sequence 1): q, k (2, 4, 5), v (2, 4, 2)",
              (*near_1000(729, 4, 5, 2), *randn(730, (2, 4, 2))), purpose="large far_rows"),
    ]


def attention_backward(q, k, v, d_out, mask=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)     # (..., n_q, n_k) role[scale]: the forward pass divides by √d
    if mask is not None:
        # role[mask]: the forward pass blocks a key with −∞, so its weight, and every gradient through it, is 0
        s = np.where(mask, s, -np.inf)              # (..., n_q, n_k)
    top = s.max(axis=-1, keepdims=True)             # (..., n_q, 1) role[shift]: each row's own maximum keeps exp finite
    # role[empty]: a query that sees no key is shifted by 0
    top = np.where(np.isfinite(top), top, 0.0)      # (..., n_q, 1)
    # role[shift]: each row's own maximum keeps exp finite
    e = np.exp(s - top)                             # (..., n_q, n_k)
    total = e.sum(axis=-1, keepdims=True)           # (..., n_q, 1) role[normalise]: each query's weights sum to 1
    P = e / np.where(total > 0, total, 1.0)         # (..., n_q, n_k) role[empty]: a query that sees no key has P = 0
    dv = np.swapaxes(P, -1, -2) @ d_out             # (..., n_k, d_v) role[dv]: dV = Pᵀ dO, one row per key
    dP = d_out @ np.swapaxes(v, -1, -2)             # (..., n_q, n_k) role[dp]: dP = dO Vᵀ, one entry per query and key
    # role[rowsum]: the softmax's backward pass, dS = P ∘ (dP − rowsum(dP ∘ P)), the rowsum over each query's keys
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))     # (..., n_q, n_k)
    dq = dS @ k / np.sqrt(d)                        # (..., n_q, d) role[dq]: dQ = dS K / √d, the forward pass's scale
    dk = np.swapaxes(dS, -1, -2) @ q / np.sqrt(d)   # (..., n_k, d) role[dk]: dK = dSᵀ Q / √d, one row per key
    return dq, dk, dv


_BACKWARD = {   # what q3 and q4 share: the same reference, probes and forbidden functions
    "arguments": {"q": 0, "k": 1, "v": 2},
    "reference": lib.attention_backward,
    "teaching": attention_backward,
    "probes": _backward_probes,
    "forbidden": (lib.attention_backward, lib.attention_layer_backward),
    "output": "values",
    "returns": "tuple",                  # (dq, dk, dv): the diagnosis studies the first part that is off
    "parts": ("dq", "dk", "dv"),
    "codes": {("dk", "transpose", "dropped"): "transposed_dk", ("dv", "transpose", "dropped"): "dv_not_transposed",
              ("dq", "drop", "div"): "backward_missing_scale", ("dk", "drop", "div"): "backward_missing_scale",
              ("rowsum", "drop", "sub"): "missing_rowsum_term", ("rowsum", "drop", "mul"): "softmax_backward_skipped",
              ("everywhere", "drop", "div"): "backward_missing_scale", ("everywhere", "scale", "value"): "scaled_by_d",
              ("everywhere", "transpose", "all"): "transpose_all_axes", ("mask", "polarity"): "gradient_through_masked",
              ("mask", "polarity", "where"): "mask_polarity_inverted",
              ("dq", "name", "dP-for-dS"): "softmax_backward_skipped",
              ("dk", "name", "dP-for-dS"): "softmax_backward_skipped",
              ("everywhere", "name", "dP-for-dS"): "softmax_backward_skipped"},
    "equivalent": {"size: q.shape[-1] → k.shape[-1]": "Queries and keys share d."},
}
_NAN = "0 × NaN = NaN: NaN weights poison every key's dv, even where that query's d_out is 0."

ATTENTION_BACKWARD = Exercise(
    id="attention_backward",
    signature="attention_backward(q, k, v, d_out, mask=None)",
    misconceptions=[Misconception("fully_masked_row_nan", detail=_NAN, patch=(
        ("top = np.where(np.isfinite(top), top, 0.0)", "top = top"), ("e / np.where(total > 0, total, 1.0)",
                                                                     "e / total")))],
    **_BACKWARD,
    purposes={"large": ("no_max_subtraction", "")},
)

# --------------------------------------------------------------------------- backward_mask_bug (find the bug)
# The learner receives the backward pass without a mask: it passes a gradient check without one and ignores the
# mask altogether. The teaching reference is the repaired function, attention_backward; its bugs are patches.

MASK_BUGS = {
    "A": {"patch": [("        s = np.where(mask, s, -np.inf)", "        pass")], "code": "gradient_through_masked",
          "left": "your backward pass still ignores `mask`: the unmasked probes pass, the masked ones do not",
          "fixed": "masked the scores before the softmax, so every query that sees at least one key is right"},
    "C": {"patch": [("top = np.where(np.isfinite(top), top, 0.0)", "top = top"),
                    ("e / np.where(total > 0, total, 1.0)", "e / total")],
          "code": "fully_masked_row_nan", "left": "a query that sees no key gets NaN weights, and " + _NAN[:1].lower()
          + _NAN[1:], "fixed": "given a query that sees no key zero weights", "hidden_by": "A",
          "hidden": "One more bug can only show once the mask reaches the scores."},
}


def _zeroed_afterwards(q, k, v, d_out, mask=None):
    dq, dk, dv = attention_backward(q, k, v, d_out)
    if mask is None:
        return dq, dk, dv
    seen = np.any(mask, axis=-2)[..., None]              # (..., n_k, 1): True where some query may see the key
    return dq, np.where(seen, dk, 0.0), np.where(seen, dv, 0.0)


BACKWARD_MASK_BUG = Exercise(
    id="backward_mask_bug",
    signature="backward_mask_bug(q, k, v, d_out, mask=None)",
    bugs=MASK_BUGS,
    misconceptions=[
        Misconception("masked_grads_zeroed_afterwards", variant=_zeroed_afterwards),
        Misconception("mask_after_softmax", detail="In the backward pass too: the weights the forward pass used are "
                                                   "renormalised over the keys each query may see.",
                      patch=(("        s = np.where(mask, s, -np.inf)", "        pass"),
                             ("    dv = np.swapaxes(P, -1, -2) @ d_out", "    P = P if mask is None else P * mask\n"
                                                                        "    dv = np.swapaxes(P, -1, -2) @ d_out"))),
    ],
    **_BACKWARD,
)

EXERCISES = [SOFTMAX_BACKWARD, NUMERICAL_GRADIENT, ATTENTION_BACKWARD, BACKWARD_MASK_BUG]
