"""Checks for lesson 01: similarity scores."""
from __future__ import annotations

import math

import numpy as np

from .. import scoring as lib
from ._engine import Exercise, Misconception, Probe, randn


def _t(x):
    return np.swapaxes(x, -1, -2)


_SHAPES = [
    ("q (3, 6) and k (5, 6)", (3, 6), (5, 6), "2-D"),
    ("a batch: q (2, 3, 8) and k (2, 5, 8)", (2, 3, 8), (2, 5, 8), "batched"),
    ("q (4, 9) and k (4, 9) (as many queries as keys)", (4, 9), (4, 9), "square"),
    ("heads: q (2, 3, 4, 5) and k (2, 3, 7, 5)", (2, 3, 4, 5), (2, 3, 7, 5), "heads"),
]


def _qk_probes(seed, extra=()):
    """Non-square on purpose: n_q, n_k, d and the batch all differ, and no d makes √d, d, d/2 and 2 meet.
    Probe i uses seed ``seed + i``."""
    return [Probe(label, randn(seed + i, q, k) + extra, purpose=purpose)
            for i, (label, q, k, purpose) in enumerate(_SHAPES)]


def _sizes(probe) -> dict:
    q, k = probe.args[0], probe.args[1]
    tau = probe.args[2] if len(probe.args) > 2 else 1.0
    return {"d": q.shape[-1], "n_q": q.shape[-2], "n_k": k.shape[-2], "lead": q.shape[0], "tau": tau}


def _transposed(parts):
    """The transposition mistakes, for scores of the form ``A Bᵀ / scale`` with ``parts(q, k, *a) -> (A, B, scale)``."""
    return [
        Misconception("transposed_kq", variant=lambda q, k, *a: (lambda A, B, c: B @ _t(A) / c)(*parts(q, k, *a))),
        Misconception("transposed_qtk", variant=lambda q, k, *a: (lambda A, B, c: _t(A) @ B / c)(*parts(q, k, *a))),
        Misconception("transpose_all_axes", variant=lambda q, k, *a: (lambda A, B, c: A @ B.T / c)(*parts(q, k, *a))),
    ]


# ---------------------------------------------------------------- scaled dot product


def scaled_dot_scores(q, k):
    d = q.shape[-1]                     # role[size]: d is the feature size of one query or key
    s = q @ np.swapaxes(k, -1, -2)      # (..., n_q, n_k) role[scores]: every query meets every key, feature by feature
    # role[scale]: dividing by √d keeps the scores' spread the same whatever d is
    return s / np.sqrt(d)               # (..., n_q, n_k)


def _dot_factors(probe) -> dict:
    """Learner ÷ reference for each way of getting the scale wrong (the reference divides by √d)."""
    s = _sizes(probe)
    root = math.sqrt(s["d"])
    return {
        "none": root, "d": 1 / root, "times": s["d"], "precedence": 2 / root, "precedence2": 1 / (2 * root),
        "n_k": root / math.sqrt(s["n_k"]), "n_q": root / math.sqrt(s["n_q"]), "lead": root / math.sqrt(s["lead"]),
        "n_k_plain": root / s["n_k"], "twice": 1 / root, "size": root / math.sqrt(probe.args[0].size),
    }


_SCALE_CODES = {
    "factor:none": ("no_sqrt_d_scaling", ""),
    "factor:d": ("scaled_by_d", ""),
    "factor:times": ("sqrt_d_multiplied", ""),
    "factor:precedence": ("power_precedence", ""),
    "factor:precedence2": ("power_precedence", ""),
    "factor:n_k": ("scaled_by_wrong_dimension", ""),
    "factor:n_q": ("scaled_by_wrong_dimension", ""),
    "factor:lead": ("scaled_by_wrong_dimension", ""),
    "factor:n_k_plain": ("scaled_by_wrong_dimension", ""),
    "factor:size": ("scaled_by_wrong_dimension", ""),
}

_NOT_WEIGHTS = "This function returns the scores; the exponential belongs to the softmax, later."


def _fixed_scale(mine, want, probes):
    """The dot products divided by one number that does not change with d."""
    scales = []
    for got, probe in zip(mine, probes, strict=True):
        y = None if got.error is not None else np.asarray(got.value, dtype=float)
        dots = probe.args[0] @ _t(probe.args[1])                  # (..., n_q, n_k)
        if y is None or y.shape != dots.shape:
            return False
        scale = float(np.vdot(dots, dots) / np.vdot(y, dots))
        if not np.allclose(y * scale, dots, rtol=1e-6, atol=1e-9):
            return False
        scales.append(scale)
    ds = [math.sqrt(p.args[0].shape[-1]) for p in probes]
    fixed = np.allclose(scales, scales[0], rtol=1e-6)
    return fixed and not np.allclose(scales, ds, rtol=1e-6) and not np.isclose(scales[0], 1.0)

SCALED_DOT = Exercise(
    id="scaled_dot_scores",
    signature="scaled_dot_scores(q, k)",
    arguments={"q": 0, "k": 1},
    reference=lib.scaled_dot_scores,
    teaching=scaled_dot_scores,
    equivalent={"size: q.shape[-1] → k.shape[-1]": "The contract gives queries and keys the same d."},
    probes=lambda: _qk_probes(101),
    misconceptions=[
        Misconception("no_sqrt_d_scaling", variant=lambda q, k: q @ _t(k)),
        Misconception("scaled_by_d", variant=lambda q, k: q @ _t(k) / q.shape[-1]),
        Misconception("scaled_by_wrong_dimension", variant=lambda q, k: q @ _t(k) / math.sqrt(k.shape[-2])),
        Misconception("scaled_by_wrong_dimension", variant=lambda q, k: q @ _t(k) / math.sqrt(q.shape[-2])),
        Misconception("scaled_by_wrong_dimension", variant=lambda q, k: q @ _t(k) / math.sqrt(q.shape[0])),
        *_transposed(lambda q, k: (q, k, math.sqrt(q.shape[-1]))),
        Misconception("scale_hard_coded", test=_fixed_scale),
    ],
    forbidden=(lib.scaled_dot_scores, lib.dot_scores),
    factors=_dot_factors,
    relations={**_SCALE_CODES, "transposed": ("transposed_kq", ""), "exp": ("exp_applied", _NOT_WEIGHTS),
               "softmax": ("softmax_applied", "")},
)


# ---------------------------------------------------------------- cosine


def cosine_scores(q, k, temperature):
    q_len = np.linalg.norm(q, axis=-1, keepdims=True)   # (..., n_q, 1) role[length]: each query has its own length
    k_len = np.linalg.norm(k, axis=-1, keepdims=True)   # (..., n_k, 1) role[length]: each key has its own length
    # role[unit]: a unit vector keeps the direction only (+ε for zeros)
    q_unit = q / (q_len + 1e-9)         # (..., n_q, d)
    # role[unit]: a unit vector keeps the direction only (+ε for zeros)
    k_unit = k / (k_len + 1e-9)         # (..., n_k, d)
    s = q_unit @ np.swapaxes(k_unit, -1, -2)   # (..., n_q, n_k) role[scores]: the cosine of every query with every key
    return s / temperature              # (..., n_q, n_k) role[temperature]: the temperature divides every score


def _length(x, how):
    """One 'length' per vector (or per matrix), as a learner might compute it."""
    if how == "l2":
        return np.linalg.norm(x, axis=-1, keepdims=True)
    if how == "none":
        return np.ones(x.shape[:-1] + (1,))
    if how == "matrix":
        return np.linalg.norm(x, axis=(-2, -1), keepdims=True)
    if how == "all":
        return np.linalg.norm(x)
    if how == "columns":
        return np.linalg.norm(x, axis=-2, keepdims=True)
    if how == "first":
        return np.linalg.norm(x, axis=0, keepdims=True)
    if how == "squared":
        return np.sum(x * x, axis=-1, keepdims=True)
    if how == "l1":
        return np.sum(np.abs(x), axis=-1, keepdims=True)
    return np.max(np.abs(x), axis=-1, keepdims=True)                 # "max"


_LENGTH_CODES = {"none": "cosine_not_unit", "matrix": "norm_no_axis", "all": "norm_no_axis",
                 "columns": "norm_wrong_axis", "first": "norm_wrong_axis", "squared": "cosine_squared_norm",
                 "l1": "wrong_norm", "max": "wrong_norm"}


def _cosine(q_len, k_len, tau_use, eps=1e-9, inside=False):
    def variant(q, k, tau):
        if inside:                                                   # eps under the square root
            qn = q / np.sqrt(np.sum(q * q, axis=-1, keepdims=True) + eps)
            kn = k / np.sqrt(np.sum(k * k, axis=-1, keepdims=True) + eps)
        else:
            qn = q / (_length(q, q_len) + eps)                       # (..., n_q, d)
            kn = k / (_length(k, k_len) + eps)                       # (..., n_k, d)
        s = qn @ _t(kn)                                              # (..., n_q, n_k)
        if tau_use == "distance":
            return (1 - s) / tau
        if tau_use == "angle":
            return np.arccos(np.clip(s, -1, 1)) / tau
        return {"divide": s / tau, "multiply": s * tau, "none": s, "twice": s / tau**2}[tau_use]
    return variant


_TAU_CODES = {"multiply": "temperature_multiplied", "none": "temperature_ignored", "twice": "temperature_misapplied",
              "distance": "cosine_distance", "angle": "cosine_distance"}


def _cosine_family() -> list[Misconception]:
    """Slips in the length (on both sides, or on one) and in the use of τ, alone or a length slip with a τ slip."""
    out = [Misconception(code, variant=_cosine("l2", "l2", tau_use)) for tau_use, code in _TAU_CODES.items()]
    for length, code in _LENGTH_CODES.items():
        out += [Misconception(code, variant=_cosine(length, length, tau_use)) for tau_use in ("divide", *_TAU_CODES)]
        one_side = "cosine_one_side" if length == "none" else code      # one side left as it is: only one normalised
        out += [Misconception(one_side, variant=_cosine(length, "l2", "divide")),
                Misconception(one_side, variant=_cosine("l2", length, "divide"))]
    return out


def _cosine_factors(probe) -> dict:
    s = _sizes(probe)
    return {"tau2": s["tau"] ** 2, "tau": s["tau"], "inv_tau": 1 / s["tau"], "sqrt_d": 1 / math.sqrt(s["d"])}


def _unit(x, eps=1e-9):
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + eps)


def _cosine_probes():
    zero_rows, zero_keys = randn(111, (3, 5), (6, 5))
    zero_rows[1] = 0.0
    zero_keys[2] = 0.0
    long, short = randn(112, (2, 3), (4, 3))
    return _qk_probes(121, (0.5,)) + [
        Probe("a zero query and a zero key, temperature 2.0", (zero_rows, zero_keys, 2.0), purpose="zero_vector"),
        Probe("vectors of very different lengths, temperature 1.0", (100 * long, 0.1 * short, 1.0), purpose="lengths"),
    ]


COSINE = Exercise(
    id="cosine_scores",
    signature="cosine_scores(q, k, temperature)",
    arguments={"q": 0, "k": 1},
    reference=lib.cosine_scores,
    teaching=cosine_scores,
    probes=_cosine_probes,
    misconceptions=[
        Misconception("cosine_no_eps", variant=_cosine("l2", "l2", "divide", eps=0.0)),
        *(Misconception("eps_too_large", variant=_cosine("l2", "l2", "divide", eps=m * 10.0**e, inside=inside))
          for e in range(-5, 1) for m in (1, 2, 3, 5) for inside in (False, True)),
        *_cosine_family(),
        *_transposed(lambda q, k, t: (_unit(q), _unit(k), t)),
    ],
    forbidden=(lib.cosine_scores,),
    factors=_cosine_factors,
    relations={"factor:tau2": ("temperature_multiplied", ""), "factor:tau": ("temperature_ignored", ""),
               "factor:inv_tau": ("temperature_misapplied", "Here τ divides twice."),
               "factor:sqrt_d": ("extra_sqrt_d_scaling", "Cosine scores already lie between −1 and 1."),
               "transposed": ("transposed_kq", ""), "softmax": ("softmax_applied", ""),
               "exp": ("exp_applied", _NOT_WEIGHTS)},
    purposes={"zero_vector": ("cosine_no_eps", ""), "lengths": ("eps_too_large", "")},
    rtol=1e-4, atol=1e-6,
)


# ---------------------------------------------------------------- RBF


def rbf_scores(q, k, temperature):
    diff = q[..., :, None, :] - k[..., None, :, :]   # (..., n_q, n_k, d) role[pairs]: every query minus every key
    d2 = np.sum(diff ** 2, axis=-1)     # (..., n_q, n_k) role[distance]: the squared distance sums over the features
    # role[bandwidth]: the score is −‖q − k‖² / (2τ²): near is similar
    return -d2 / (2 * temperature ** 2)   # (..., n_q, n_k)


def _distance(q, k, how):
    diff = q[..., :, None, :] - k[..., None, :, :]                    # (..., n_q, n_k, d)
    if how == "sq":
        return np.sum(diff**2, axis=-1)                              # (..., n_q, n_k)
    if how == "l2":
        return np.sqrt(np.sum(diff**2, axis=-1))
    if how == "l1":
        return np.sum(np.abs(diff), axis=-1)
    return np.mean(diff**2, axis=-1)                                 # "mean"


def _expansion(q, k, cross, with_k=True):
    q2 = np.sum(q * q, axis=-1)[..., :, None]                        # (..., n_q, 1)
    k2 = np.sum(k * k, axis=-1)[..., None, :] if with_k else 0.0     # (..., 1, n_k)
    return q2 + k2 + cross * (q @ _t(k))                             # (..., n_q, n_k)


_DENOMINATORS = {"2tau2": lambda t: 2 * t**2, "tau2": lambda t: t**2, "2tau": lambda t: 2 * t,
                 "4tau2": lambda t: 4 * t**2, "one": lambda t: 1.0, "half": lambda t: 2.0,
                 "times": lambda t: 2 / t**2, "tau": lambda t: t}
_DENOMINATOR_CODES = {"tau2": "rbf_missing_two", "2tau": "rbf_tau_not_squared", "4tau2": "rbf_two_tau_squared",
                      "one": "rbf_missing_denominator", "half": "temperature_ignored",
                      "times": "temperature_multiplied", "tau": "rbf_tau_not_squared"}
_DISTANCE_CODES = {"l2": "rbf_not_squared", "l1": "rbf_wrong_distance", "mean": "rbf_mean_not_sum"}


def _rbf(sign, distance, denominator):
    def variant(q, k, t):
        d2 = _distance(q, k, distance) if not isinstance(distance, tuple) else _expansion(q, k, *distance)
        return sign * d2 / _DENOMINATORS[denominator](t)             # (..., n_q, n_k)
    return variant


def _rbf_family() -> list[Misconception]:
    """Sign, distance (or a slip in the expansion) and denominator: every combination of up to two slips."""
    distances = [("sq", None), *_DISTANCE_CODES.items(),
                 *(((c, w), "rbf_expansion_wrong") for c in (-1.0, 1.0, 2.0, 0.0) for w in (True, False)),
                 ((-2.0, False), "rbf_expansion_wrong")]
    out = []
    for sign in (-1.0, 1.0):
        for distance, d_code in distances:
            for denominator in ("2tau2", *_DENOMINATOR_CODES):
                slips = [c for c in ("rbf_positive_sign" if sign > 0 else None, d_code,
                                     _DENOMINATOR_CODES.get(denominator)) if c]
                if 1 <= len(slips) <= 2:
                    out.append(Misconception(slips[0], variant=_rbf(sign, distance, denominator)))
    return out


def _rbf_factors(probe) -> dict:
    s = _sizes(probe)
    t = s["tau"]
    return {"two": 2.0, "tau": t, "half": 0.5, "tau2": t**2, "tau4": t**4, "2tau2": 2 * t**2, "mean": 1 / s["d"],
            "sqrt_d": 1 / math.sqrt(s["d"]), "2tau": 2 * t}


def _d2(q, k):
    return np.sum((q[..., :, None, :] - k[..., None, :, :]) ** 2, axis=-1)   # (..., n_q, n_k)


RBF = Exercise(
    id="rbf_scores",
    signature="rbf_scores(q, k, temperature)",
    arguments={"q": 0, "k": 1},
    reference=lib.rbf_scores,
    teaching=rbf_scores,
    equivalent={"swap: q[..., :, None, :] - k[..., None, :, :] → k[..., None, :, :] - q[..., :, None, :]":
                "(k − q)² is (q − k)²: the squared distance does not depend on the order."},
    codes={"constant: temperature ** 2 → temperature ** 1": "rbf_tau_not_squared",
           "constant: 2 * temperature ** 2 → 1 * temperature ** 2": "rbf_missing_two"},
    probes=lambda: _qk_probes(131, (0.7,)) + [
        Probe("q (2, 3), k (3, 3), temperature 2.0", randn(135, (2, 3), (3, 3)) + (2.0,), purpose="temperature"),
    ],
    misconceptions=[
        Misconception("rbf_positive_sign", variant=lambda q, k, t: _d2(q, k) / (2 * t**2)),
        Misconception("rbf_not_squared", variant=lambda q, k, t: -np.sqrt(_d2(q, k)) / (2 * t**2)),
        Misconception("rbf_missing_two", variant=lambda q, k, t: -_d2(q, k) / t**2),
        Misconception("rbf_tau_not_squared", variant=lambda q, k, t: -_d2(q, k) / (2 * t)),
        Misconception("temperature_multiplied", variant=lambda q, k, t: -_d2(q, k) * t**2 / 2),
        Misconception("transposed_kq", variant=lambda q, k, t: _t(-_d2(q, k) / (2 * t**2))),
        *_rbf_family(),
    ],
    forbidden=(lib.rbf_scores, lib.squared_distances),
    factors=_rbf_factors,
    relations={"factor:two": ("rbf_missing_two", ""), "factor:tau": ("rbf_tau_not_squared", ""),
               "factor:half": ("rbf_two_tau_squared", ""), "factor:tau2": ("temperature_ignored", ""),
               "factor:tau4": ("temperature_multiplied", ""), "factor:2tau2": ("rbf_missing_denominator", ""),
               "factor:mean": ("rbf_mean_not_sum", ""),
               "factor:sqrt_d": ("extra_sqrt_d_scaling", "RBF scores are scaled by 2τ² alone."),
               "factor:2tau": ("rbf_tau_not_squared", ""),
               "sign": ("rbf_positive_sign", ""), "transposed": ("transposed_kq", ""),
               "exp": ("exp_applied", "You returned the Gaussian kernel exp(−‖q−k‖²/(2τ²)); the score is its "
                                      "logarithm, −‖q−k‖²/(2τ²), and the softmax exponentiates it later."),
               "softmax": ("softmax_applied", ""),
               "monotone": ("rbf_wrong_distance", "")},
    errors={"could not be broadcast": "broadcast_mismatch"},
)

EXERCISES = [SCALED_DOT, COSINE, RBF]
