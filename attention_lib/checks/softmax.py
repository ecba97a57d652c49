"""Checks for lesson 02: softmax and temperature."""
from __future__ import annotations

import numpy as np

from ..softmax import softmax as _softmax
from ._engine import Exercise, Misconception, Probe, randn


def _softmax_probes():
    return [
        Probe("a (3, 5) score matrix", randn(201, (3, 5)), purpose="2-D"),
        Probe("a batch of shape (2, 3, 4)", randn(202, (2, 3, 4)), purpose="batched"),
        Probe("a square (4, 4) matrix", randn(203, (4, 4)), purpose="2-D"),
        Probe("a 1-D vector of 6 scores", randn(204, 6), purpose="1-D"),
        Probe("large logits around 1000", (np.array([[1000.0, 1001.0, 998.0], [-5.0, 800.0, 790.0]]),),
              purpose="large"),
        Probe("one row near +1000 and one near −1000",
              (np.array([[1000.0, 1001.0, 998.0], [-1000.0, -1002.0, -999.0]]),), purpose="far_rows large"),
        Probe("a row with one score 1000 above three zeros",     # its mean is 750 below its max: a shift by the
              (np.array([[0.0, 0.0, 0.0, 1000.0], [1.0, 2.0, 3.0, 4.0]]),), purpose="large"),   # mean overflows
        Probe("a (4, 3) matrix with axis=0", randn(205, (4, 3)), {"axis": 0}, purpose="axis0"),
        Probe("a batch (2, 3, 4) with axis=1", randn(206, (2, 3, 4)), {"axis": 1}, purpose="middle_axis axis0"),
    ]


def softmax(x, axis=-1):
    z = x - x.max(axis=axis, keepdims=True)     # (..., n_k) role[shift]: each row's own maximum keeps exp finite
    e = np.exp(z)                               # (..., n_k)
    return e / e.sum(axis=axis, keepdims=True)  # (..., n_k) role[normalise]: each row's weights sum to 1 along `axis`


def _axis(probe) -> int:
    return probe.kwargs.get("axis", -1)


SOFTMAX_MISCONCEPTIONS = [
    Misconception("missing_exp", variant=lambda x, axis=-1: x / np.sum(x, axis=axis, keepdims=True)),
    Misconception("missing_exp", variant=lambda x, axis=-1: (lambda z: z / np.sum(z, axis=axis, keepdims=True))(
        x - np.min(x, axis=axis, keepdims=True))),
    Misconception("axis_restored_at_end", patch=(
        ("x - x.max(axis=axis, keepdims=True)", "x - x.max(axis=axis)[..., None]"),
        ("e.sum(axis=axis, keepdims=True)", "e.sum(axis=axis)[..., None]"))),
]

_SOFTMAX_RELATIONS = {"log": ("log_applied", "")}

SOFTMAX = Exercise(
    id="softmax",
    signature="softmax(x, axis=-1)",
    reference=_softmax,
    teaching=softmax,
    probes=_softmax_probes,
    misconceptions=SOFTMAX_MISCONCEPTIONS,
    forbidden=(_softmax,),
    output="weights",
    weights_axis=_axis,
    relations=_SOFTMAX_RELATIONS,
    purposes={"far_rows": ("global_max_subtraction", ""), "large": ("no_max_subtraction", ""),
              "axis0": ("axis_argument_ignored", "")},
)

def _tau_probes():
    return [
        Probe("a (3, 5) matrix with temperature 0.5", (*randn(211, (3, 5)), 0.5), purpose="temperature"),
        Probe("a batch (2, 3, 4) with temperature 2.0", (*randn(212, (2, 3, 4)), 2.0), purpose="batched"),
        Probe("large logits with temperature 0.1", (np.array([[300.0, 290.0, 310.0]]), 0.1), purpose="large"),
        Probe("a 1-D vector with temperature 3.0", (*randn(213, 5), 3.0), purpose="1-D"),
        Probe("a row spread from −500 to 500 and a row near −500, temperature 0.5",
              (np.array([[500.0, -500.0, 0.0], [-500.0, -501.0, -499.5]]), 0.5), purpose="far_rows large"),
    ]

_EFFECTIVE = {  # τ as the learner's function effectively used it -> (code, detail)
    "tau2": (lambda t: t**2, "temperature_misapplied", "Yours divides by τ twice (τ²)."),
    "sqrt": (lambda t: np.sqrt(t), "temperature_misapplied", "Yours divides by √τ."),
    "double": (lambda t: 2 * t, "temperature_misapplied", "Yours divides by 2τ."),
    "half": (lambda t: t / 2, "temperature_misapplied", "Yours divides by τ/2."),
}

def softmax_temperature(x, temperature):
    # role[temperature]: the temperature divides every score first
    s = x / temperature                         # (..., n_k)
    z = s - s.max(axis=-1, keepdims=True)       # (..., n_k) role[shift]: each row's own maximum keeps exp finite
    e = np.exp(z)                               # (..., n_k)
    return e / e.sum(axis=-1, keepdims=True)    # (..., n_k) role[normalise]: each row's weights sum to 1


SOFTMAX_TEMPERATURE = Exercise(
    id="softmax_temperature",
    signature="softmax_temperature(x, temperature)",
    reference=lambda x, temperature: _softmax(x, axis=-1, temperature=temperature),
    teaching=softmax_temperature,
    probes=_tau_probes,
    misconceptions=[
        Misconception("temperature_after_softmax", variant=lambda x, tau: _softmax(x) / tau),
        *(Misconception(code, variant=lambda x, tau, f=f: _softmax(np.asarray(x) / f(tau)), detail=detail)
          for f, code, detail in _EFFECTIVE.values()),
    ],
    forbidden=(_softmax,),
    output="weights",
    relations={**_SOFTMAX_RELATIONS,
               "unnormalised": ("missing_normalisation", "With a temperature, both the numerator and the denominator "
                                                         "use exp(x / τ).")},
    purposes={"large": ("no_max_subtraction", "With a temperature, subtract the maximum of `x / temperature`.")},
)

EXERCISES = [SOFTMAX, SOFTMAX_TEMPERATURE]
