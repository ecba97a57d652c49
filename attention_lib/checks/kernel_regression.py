"""Checks for lesson 03: Nadaraya–Watson kernel regression."""
from __future__ import annotations

import numpy as np

from ..kernel_regression import kernel_regression as _kernel_regression
from ..kernel_regression import kernel_weights as _kernel_weights
from ._engine import Exercise, Misconception, Probe

_rng = np.random.default_rng(301)                       # the training data every probe shares
_x = np.sort(_rng.uniform(0, 5, 12))                     # (12,)
_y = np.sin(_x) + 0.1 * _rng.normal(size=12)             # (12,)


def _nw(x_query, x_train, y_train, bandwidth, *, scale="divide", normalise="keys"):
    u = x_query[:, None] - x_train[None, :]              # (n_q, n)
    u = u / bandwidth if scale == "divide" else u * bandwidth
    k = np.exp(-u**2 / 2)                                # (n_q, n)
    if normalise == "keys":
        k = k / k.sum(axis=1, keepdims=True)
    elif normalise == "queries":
        k = k / k.sum(axis=0, keepdims=True)
    return k @ y_train                                   # (n_q,)


KERNEL_REGRESSION = Exercise(
    id="kernel_regression",
    signature="kernel_regression(x_query, x_train, y_train, bandwidth)",
    reference=_kernel_regression,
    probes=[
        Probe("5 queries, 12 training points, bandwidth 0.5", (np.linspace(0.2, 4.8, 5), _x, _y, 0.5)),
        Probe("3 queries, bandwidth 2.0", (np.array([0.0, 2.5, 6.0]), _x, _y, 2.0)),
        Probe("12 queries at the training points, bandwidth 0.3", (_x.copy(), _x, _y, 0.3)),
        Probe("one query far from the data, bandwidth 1.0", (np.array([9.0]), _x, _y, 1.0)),
    ],
    misconceptions=[
        Misconception("missing_normalisation", variant=lambda *a: _nw(*a, normalise="none"),
                      detail="Nadaraya–Watson is a weighted *average*: divide by the sum of the kernel values."),
        Misconception("temperature_multiplied", variant=lambda *a: _nw(*a, scale="multiply"),
                      detail="The bandwidth is the RBF temperature: use (x − xᵢ)/h, so a larger h means a wider, "
                             "smoother kernel."),
        Misconception("softmax_wrong_axis", variant=lambda *a: _nw(*a, normalise="queries"),
                      detail="Here the keys are the training points: divide by the sum over the training axis."),
    ],
    forbidden=(_kernel_regression, _kernel_weights),
)

EXERCISES = [KERNEL_REGRESSION]
