"""Lesson 03's widget: the bandwidth explorer (kernel regression as attention)."""
from __future__ import annotations

import numpy as np

from ..data import noisy_sine
from ..kernel_regression import kernel_weights
from ._base import Explorer
from ._chart import Figure, axis, bars, line, panel, points, rule
from ._style import ACCENT
from .controls import slider


class BandwidthExplorer(Explorer):
    def __init__(self, x_train, y_train, bandwidth, x_query):
        self.x, self.y = np.asarray(x_train, float), np.asarray(y_train, float)     # (n,), (n,)
        self.grid = np.linspace(self.x.min() - 0.5, self.x.max() + 0.5, 200)         # (200,)
        self._curves = {}
        controls = {"bandwidth": slider("bandwidth τ", bandwidth, 0.02, 5, log=True),
                    "x_query": slider("query x", x_query, round(float(self.grid[0]), 1),
                                      round(float(self.grid[-1]), 1))}
        figure = Figure(label="Kernel regression: training points, the Nadaraya–Watson fit and the prediction at "
                              "the query; below, each training point's weight",
                        caption="Small τ: wiggly, close to 1-nearest-neighbour. "
                                "Large τ: smooth, towards the mean of y.",
                        grid={"rows": [2.2, 1], "height": 440, "max_width": 860})
        super().__init__(controls, figure)
        self.refresh()

    def curve(self, tau):
        """The fit over the grid for bandwidth ``tau`` (kept: the query slider's frames share it)."""
        if tau not in self._curves:
            self._curves[tau] = kernel_weights(self.grid, self.x, tau) @ self.y    # (200, n) @ (n,) -> (200,)
        return self._curves[tau]

    def compute(self, s):
        tau, xq = s["bandwidth"], s["x_query"]
        w = kernel_weights([xq], self.x, tau)[0]                       # (n,)
        return {"bandwidth": tau, "x_query": xq, "curve": self.curve(tau), "weights": w,
                "prediction": float(w @ self.y), "effective_neighbours": float(1 / np.sum(w**2)),
                "nearest_label": float(self.y[np.argmin(np.abs(self.x - xq))])}

    def panels(self, v):
        x_lim = (float(self.grid[0]), float(self.grid[-1]))
        fit = panel([points(self.x, self.y, colors=ACCENT["data"], size=4, label="training points (keys, values)"),
                     line(self.grid, v["curve"], color=ACCENT["fit"], width=3, label="Nadaraya–Watson fit"),
                     rule(x=v["x_query"], dash=(2, 4)),
                     points([v["x_query"]], [v["prediction"]], colors=ACCENT["highlight"], size=8,
                            label="prediction at the query")],
                    x=axis("", x_lim), y=axis("", (-2, 2)), title="kernel regression = attention with RBF scores",
                    legend="lower left")
        stems = panel([bars(v["weights"], x=self.x, colors=ACCENT["weights"], width=0.12),
                       rule(x=v["x_query"], dash=(2, 4))],
                      x=axis("x", x_lim), y=axis("weight", (0, 1)))
        return [fit, stems]

    def describe(self, v):
        return (f"τ = {v['bandwidth']:.2f}, query x = {v['x_query']:.2f}: prediction {v['prediction']:.3f} "
                f"(nearest point's label {v['nearest_label']:.3f}), "
                f"effective neighbours {v['effective_neighbours']:.1f}")


def bandwidth_explorer(x_train=None, y_train=None, bandwidth=0.5, x_query=2.0):
    """Nadaraya–Watson regression on 1-D data, with bandwidth and query sliders."""
    if x_train is None:
        x_train, y_train = noisy_sine()
    return BandwidthExplorer(x_train, y_train, bandwidth, x_query)


__all__ = ["bandwidth_explorer"]
