"""Lesson 01's widget: the similarity explorer."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..data import TOY_ADDITIVE, TOY_KEYS, TOY_QUERY, TOY_VALUES
from ..scoring import SIMILARITIES, additive_scores, cosine_scores, rbf_scores
from ..softmax import softmax
from ..text import fmt
from ._base import Explorer, LiveFigure
from ._style import ACCENT, mpl_style, sequential_colors
from .controls import slider

SIMILARITY_LABELS = {"dot": "dot", "scaled_dot": "scaled dot", "cosine": "cosine", "rbf": "RBF", "additive": "additive"}


def widget_scores(name, q, k, tau):
    """Scores as the similarity explorer uses them: τ is the temperature of each similarity.

    cosine: cos/τ; RBF: −‖q−k‖²/(2τ²) (τ is the bandwidth); dot, scaled dot, additive: score/τ
    (additive with lesson 01's parameters).
    """
    if name == "cosine":
        return cosine_scores(q, k, temperature=tau)
    if name == "rbf":
        return rbf_scores(q, k, temperature=tau)
    if name == "additive":
        return additive_scores(q, k, **TOY_ADDITIVE) / tau
    return SIMILARITIES[name](q, k) / tau


class SimilarityExplorer(Explorer):
    def __init__(self, keys, values, query, similarity, tau):
        self.key_points, self.value_points = np.asarray(keys, float), np.asarray(values, float)
        n = len(self.key_points)
        controls = {
            "similarity": widgets.Dropdown(options=[(v, k) for k, v in SIMILARITY_LABELS.items()], value=similarity,
                                           description="similarity"),
            "qx": slider("query x", float(query[0]), -1.5, 1.5),
            "qy": slider("query y", float(query[1]), -1.5, 1.5),
            "tau": slider("τ", tau, 0.05, 5.0, log=True),
        }
        live = LiveFigure((10, 3.6))
        with mpl_style():
            ax_pts, self.ax_s, self.ax_w = live.fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1, 1]})
            live.fig.subplots_adjust(left=0.05, right=0.98, bottom=0.16, top=0.88, wspace=0.35)
            colors = sequential_colors(n)
            ax_pts.scatter(*self.key_points.T, c=colors, s=80, zorder=3, label="keys")
            for i, (x, y) in enumerate(self.key_points):
                ax_pts.annotate(str(i), (x, y), xytext=(5, 5), textcoords="offset points")
            ax_pts.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), aspect="equal", title="query ★, output ✖")
            self.lines = [ax_pts.plot([], [], color=c, lw=1)[0] for c in colors]
            self.q_dot, = ax_pts.plot([], [], "*", ms=16, color="black", zorder=4)
            self.out_dot, = ax_pts.plot([], [], "X", ms=12, color=ACCENT["output"], zorder=4)
            self.s_bars = self.ax_s.bar(range(n), np.zeros(n), color=colors)
            self.w_bars = self.ax_w.bar(range(n), np.zeros(n), color=colors)
            self.ax_s.axhline(0, color="grey", lw=0.8)
            self.ax_s.set(title="scores (after τ)", xlabel="key")
            self.ax_w.set(title="weights = softmax", xlabel="key", ylim=(0, 1))
        live.animate(*self.lines, self.q_dot, self.out_dot, *self.s_bars, *self.w_bars)
        self._score_lim = None
        super().__init__(controls, live,
                         "Dot product favours long keys; cosine sees only direction; RBF sees distance. "
                         "τ divides the scores (for RBF it is the bandwidth).")
        self.refresh()

    def compute(self):
        c = self.controls
        q = np.array([[c["qx"].value, c["qy"].value]])                      # (1, 2)
        scores = widget_scores(c["similarity"].value, q, self.key_points, c["tau"].value)[0]   # (n,)
        weights = softmax(scores)                                           # (n,)
        return {"query": q[0], "scores": scores, "weights": weights, "output": weights @ self.value_points,
                "similarity": c["similarity"].value, "tau": c["tau"].value}

    def draw(self, v):
        lim = max(1.0, float(np.max(np.abs(v["scores"][np.isfinite(v["scores"])]))) * 1.15)
        if self._score_lim is None or lim > self._score_lim or lim < self._score_lim / 4:
            self._score_lim = lim
            self.ax_s.set_ylim(-lim, lim)
            self.live.invalidate()
        q = v["query"]
        for line, k, w in zip(self.lines, self.key_points, v["weights"], strict=True):
            line.set_data([q[0], k[0]], [q[1], k[1]])
            line.set_linewidth(0.3 + 10 * w)
        self.q_dot.set_data([q[0]], [q[1]])
        self.out_dot.set_data([v["output"][0]], [v["output"][1]])
        for bar, s in zip(self.s_bars, v["scores"], strict=True):
            bar.set_height(s)
        for bar, w in zip(self.w_bars, v["weights"], strict=True):
            bar.set_height(w)

    def describe(self, v):
        return (f"similarity {SIMILARITY_LABELS[v['similarity']]}, τ = {v['tau']:.2f}, query = {fmt(v['query'], 2)}\n"
                f"scores  {fmt(v['scores'])}\nweights {fmt(v['weights'])}\noutput  {fmt(v['output'])}")


def similarity_explorer(keys=TOY_KEYS, values=TOY_VALUES, query=TOY_QUERY, similarity="scaled_dot", tau=1.0):
    """Pick a similarity, move the query, set τ: see scores, weights and the output point."""
    return SimilarityExplorer(keys, values, query, similarity, tau)


__all__ = ["similarity_explorer"]
