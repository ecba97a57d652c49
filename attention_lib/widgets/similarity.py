"""Lesson 01's widget: the similarity explorer."""
from __future__ import annotations

import math

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

SCORE_STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0)
"""The scores panel's y-limit is one of these times a power of ten."""
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
        super().__init__(controls, figure)
        self.refresh()

    def compute(self, s):
        q = np.array([[s["qx"], s["qy"]]])                                  # (1, 2)
        scores = widget_scores(s["similarity"], q, self.key_points, s["tau"])[0]   # (n,)
        weights = softmax(scores)                                           # (n,)
        return {"query": q[0], "scores": scores, "weights": weights, "output": weights @ self.value_points,
                "similarity": s["similarity"], "tau": s["tau"]}

    @staticmethod
    def score_limit(scores):
        """A symmetric y-limit for the scores: the first of 1, 1.5, 2, 3, 5, 7.5, 10, 15, … at least 1.15 × the
        largest, so it moves in a few steps as the query moves (and is the same whichever way the query got
        there: a frame computed ahead must not depend on the path)."""
        top = max(1.0, float(np.max(np.abs(scores[np.isfinite(scores)]))) * 1.15)
        decade = 10.0 ** math.floor(math.log10(top))
        return next(m * decade for m in SCORE_STEPS if m * decade >= top * (1 - 1e-12))

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
