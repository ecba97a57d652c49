"""Lesson 03's query playground (anywidget): drag the query, watch it blend its neighbours.

The playground computes and draws in the browser, so dragging the query stays
within one frame; the query is synced back to Python, where numpy's
:func:`attention_lib.attention` computes the same weights for the readout.
"""
from __future__ import annotations

from functools import partial

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

from .._paths import STATIC
from ..attention import attention
from ..scoring import rbf_scores
from ..text import fmt
from ._style import OKABE_ITO, settings
from .controls import caption, readout, show, slider

PLAYGROUND_KEYS = np.array([[-0.4, 0.3], [0.3, 0.5], [1.4, 1.3], [0.5, -0.3], [1.2, -1.2], [-0.9, -0.7], [-1.4, 0.4]])
"""Keys of very different lengths, so RBF (nearest wins) and dot product (longest in the query's
direction wins) differ."""


def hex_to_rgb(colors):
    return np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in colors])   # (n, 3)


def playground_weights(query, keys, similarity, tau):
    """The playground's weights, by numpy: RBF −‖q−k‖²/(2τ²), or dot q·k/τ, then softmax."""
    q = np.asarray(query, float)[None, :]                # (1, 2)
    k = np.asarray(keys, float)                          # (n, 2)
    if similarity == "rbf":
        _, w = attention(q, k, k, similarity=partial(rbf_scores, temperature=tau))
    else:
        _, w = attention(q, k, k, similarity="dot", temperature=tau)
    return w[0]                                          # (n,)


class PlaygroundCanvas(anywidget.AnyWidget):
    _esm = STATIC / "playground.js"
    _css = STATIC / "playground.css"
    points = traitlets.List().tag(sync=True)         # key positions (n, 2)
    colors = traitlets.List().tag(sync=True)
    query = traitlets.List([0.0, 0.0]).tag(sync=True)
    similarity = traitlets.Unicode("rbf").tag(sync=True)
    tau = traitlets.Float(0.5).tag(sync=True)
    reduce_motion = traitlets.Bool(False).tag(sync=True)


class QueryPlayground(widgets.VBox):
    """Drag the query; it takes the blended colour of its neighbours (the attention output)."""

    def __init__(self, keys, colors, query, similarity, tau, reduce_motion):
        self.key_points = np.asarray(keys, float)
        self.rgb = hex_to_rgb(colors)                    # (n, 3), the values
        self.controls = {
            "similarity": widgets.ToggleButtons(options=[("RBF (distance)", "rbf"), ("dot product", "dot")],
                                                value=similarity,
                                                description="similarity"),
            "tau": slider("τ", tau, 0.03, 5.0, log=True),
        }
        self.canvas = PlaygroundCanvas(points=self.key_points.tolist(), colors=list(colors),
                                       query=[float(x) for x in query], similarity=similarity,
                                       tau=self.controls["tau"].value, reduce_motion=reduce_motion)
        widgets.link((self.controls["similarity"], "value"), (self.canvas, "similarity"))
        widgets.link((self.controls["tau"], "value"), (self.canvas, "tau"))
        self.readout = readout()
        self.values: dict = {}
        notes = caption("Drag the ring. Line widths are the weights; the ring's fill is the weighted average of the "
                        "key colours. With dot product, far keys in the query's direction win; "
                        "with RBF, near keys win.")
        super().__init__([widgets.HBox(list(self.controls.values())), self.canvas, notes, self.readout])
        self.canvas.observe(self.refresh, names=["query", "similarity", "tau"])
        self.refresh()

    def set_query(self, x, y):
        self.canvas.query = [float(x), float(y)]

    def refresh(self, change=None):
        c = self.canvas
        w = playground_weights(c.query, self.key_points, c.similarity, c.tau)     # (n,)
        self.values = {"query": np.array(c.query), "weights": w, "color": w @ self.rgb,
                       "similarity": c.similarity, "tau": c.tau}
        show(self.readout, self.readout_text)

    @property
    def readout_text(self):
        v = self.values
        return (f"numpy: query = {fmt(v['query'], 2)}, {v['similarity']}, τ = {v['tau']:.2f}\n"
                f"weights {fmt(v['weights'])}\nblended colour (r, g, b) = {fmt(v['color'])}")


def query_playground(keys=PLAYGROUND_KEYS, colors=OKABE_ITO, query=(0.0, 0.0), similarity="rbf", tau=0.5,
                     reduce_motion=None):
    """The drag-the-query demo, computed and drawn in the browser, mirrored by numpy."""
    motion = settings.reduce_motion if reduce_motion is None else reduce_motion
    return QueryPlayground(keys, list(colors)[: len(keys)], query, similarity, tau, motion)


__all__ = ["query_playground"]
