"""Lesson 03's widget: the bandwidth explorer (kernel regression as attention)."""
from __future__ import annotations

import numpy as np

from ..data import noisy_sine
from ..kernel_regression import kernel_weights
from ._base import Explorer, LiveFigure
from ._style import ACCENT, mpl_style
from .controls import slider


class BandwidthExplorer(Explorer):
    def __init__(self, x_train, y_train, bandwidth, x_query):
        self.x, self.y = np.asarray(x_train, float), np.asarray(y_train, float)
        self.grid = np.linspace(self.x.min() - 0.5, self.x.max() + 0.5, 200)
        live = LiveFigure((8, 4.2))
        with mpl_style():
            self.ax, self.ax_w = live.fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
            live.fig.subplots_adjust(left=0.09, right=0.97, bottom=0.12, top=0.92, hspace=0.12)
            self.ax.scatter(self.x, self.y, s=25, color=ACCENT["data"], label="training points (keys, values)")
            self.curve, = self.ax.plot([], [], color=ACCENT["fit"], lw=2.5, label="Nadaraya–Watson fit")
            self.q_line = self.ax.axvline(x_query, color="grey", ls=":")
            self.q_dot, = self.ax.plot([], [], "o", ms=10, color=ACCENT["highlight"], mec="black",
                                       label="prediction at the query")
            self.ax.set(ylim=(-2, 2), title="kernel regression = attention with RBF scores")
            self.ax.legend(loc="lower left", fontsize=10)
            self.stems = self.ax_w.bar(self.x, np.zeros_like(self.x), width=0.12, color=ACCENT["weights"])
            self.ax_w.set(ylim=(0, 1), ylabel="weight", xlabel="x")
        live.animate(self.curve, self.q_line, self.q_dot, *self.stems)
        controls = {"bandwidth": slider("bandwidth h", bandwidth, 0.02, 5, log=True),
                    "x_query": slider("query x", x_query, round(float(self.grid[0]), 1),
                                      round(float(self.grid[-1]), 1))}
        super().__init__(controls, live,
                         "Small h: wiggly, close to 1-nearest-neighbour. Large h: smooth, towards the mean of y.")
        self.refresh()

    def compute(self):
        h, xq = self.controls["bandwidth"].value, self.controls["x_query"].value
        w_grid = kernel_weights(self.grid, self.x, h)                  # (200, n)
        w = kernel_weights([xq], self.x, h)[0]                         # (n,)
        return {"bandwidth": h, "x_query": xq, "curve": w_grid @ self.y, "weights": w,
                "prediction": float(w @ self.y), "effective_neighbours": float(1 / np.sum(w**2)),
                "nearest_label": float(self.y[np.argmin(np.abs(self.x - xq))])}

    def draw(self, v):
        self.curve.set_data(self.grid, v["curve"])
        self.q_line.set_xdata([v["x_query"]])
        self.q_dot.set_data([v["x_query"]], [v["prediction"]])
        for bar, w in zip(self.stems, v["weights"], strict=True):
            bar.set_height(w)

    def describe(self, v):
        return (f"h = {v['bandwidth']:.2f}, query x = {v['x_query']:.2f}: prediction {v['prediction']:.3f} "
                f"(nearest point's label {v['nearest_label']:.3f}), "
                f"effective neighbours {v['effective_neighbours']:.1f}")


def bandwidth_explorer(x_train=None, y_train=None, bandwidth=0.5, x_query=2.0):
    """Nadaraya–Watson regression on 1-D data, with bandwidth and query sliders."""
    if x_train is None:
        x_train, y_train = noisy_sine()
    return BandwidthExplorer(x_train, y_train, bandwidth, x_query)


__all__ = ["bandwidth_explorer"]
