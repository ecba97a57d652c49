"""Lesson 01's widget: the similarity explorer."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..data import TOY_ADDITIVE, TOY_KEYS, TOY_QUERY, TOY_VALUES
from ..scoring import SIMILARITIES, additive_scores, cosine_scores, rbf_scores
from ..softmax import softmax
from ..text import fmt
from ._base import Explorer
from ._chart import Figure, arrows, axis, bars, panel, points, rule
from ._style import ACCENT, sequential_colors
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
        self.key_points, self.value_points = np.asarray(keys, float), np.asarray(values, float)   # (n, 2), (n, 2)
        self.colors = sequential_colors(len(self.key_points))
        controls = {
            "similarity": widgets.Dropdown(options=[(v, k) for k, v in SIMILARITY_LABELS.items()], value=similarity,
                                           description="similarity", layout=widgets.Layout(width="240px")),
            "qx": slider("query x", float(query[0]), -1.5, 1.5),
            "qy": slider("query y", float(query[1]), -1.5, 1.5),
            "tau": slider("τ", tau, 0.05, 5.0, log=True),
        }
        figure = Figure(label="Similarity explorer: the query, keys and output in the plane; the scores; the weights",
                        caption="Dot product favours long keys; cosine sees only direction; RBF sees distance. "
                                "τ divides the scores (for RBF it is the bandwidth).",
                        grid={"columns": [1.1, 1, 1], "height": 340, "min_panel_width": 220})
        self._score_lim = None
        super().__init__(controls, figure)
        self.refresh()

    def compute(self):
        c = self.controls
        q = np.array([[c["qx"].value, c["qy"].value]])                      # (1, 2)
        scores = widget_scores(c["similarity"].value, q, self.key_points, c["tau"].value)[0]   # (n,)
        weights = softmax(scores)                                           # (n,)
        return {"query": q[0], "scores": scores, "weights": weights, "output": weights @ self.value_points,
                "similarity": c["similarity"].value, "tau": c["tau"].value}

    def score_limit(self, scores):
        """A symmetric y-limit for the scores that only changes when they outgrow it or shrink a lot."""
        lim = max(1.0, float(np.max(np.abs(scores[np.isfinite(scores)]))) * 1.15)
        if self._score_lim is None or lim > self._score_lim or lim < self._score_lim / 4:
            self._score_lim = lim
        return self._score_lim

    def panels(self, v):
        n, q, k = len(self.key_points), v["query"], self.key_points
        plane = panel([arrows(np.full(n, q[0]), np.full(n, q[1]), k[:, 0], k[:, 1], colors=self.colors,
                              widths=0.3 + 10 * v["weights"], head=False),
                       points(k[:, 0], k[:, 1], colors=self.colors, size=7, labels=range(n), label="keys"),
                       points([q[0]], [q[1]], colors=ACCENT["query"], size=11, marker="star", label="query"),
                       points([v["output"][0]], [v["output"][1]], colors=ACCENT["output"], size=8, marker="cross",
                              label="output")],
                      x=axis("", (-1.6, 1.6)), y=axis("", (-1.6, 1.6)), aspect="equal", title="query ★, output ✖")
        lim = self.score_limit(v["scores"])
        key = axis("key", ticks=range(n), tick_labels=range(n))
        scores = panel([rule(y=0, dash=None, width=1), bars(v["scores"], colors=self.colors)],
                       x=key, y=axis("", (-lim, lim)), title="scores (after τ)")
        weights = panel([bars(v["weights"], colors=self.colors)], x=key, y=axis("", (0, 1)), title="weights = softmax")
        return [plane, scores, weights]

    def describe(self, v):
        return (f"similarity {SIMILARITY_LABELS[v['similarity']]}, τ = {v['tau']:.2f}, query = {fmt(v['query'], 2)}\n"
                f"scores  {fmt(v['scores'])}\nweights {fmt(v['weights'])}\noutput  {fmt(v['output'])}")


def similarity_explorer(keys=TOY_KEYS, values=TOY_VALUES, query=TOY_QUERY, similarity="scaled_dot", tau=1.0):
    """Pick a similarity, move the query, set τ: see scores, weights and the output point."""
    return SimilarityExplorer(keys, values, query, similarity, tau)


__all__ = ["similarity_explorer"]
