"""Lesson 03's query playground: drag the query, watch it blend its neighbours.

Dragging has to follow the pointer at frame rate, so the browser computes a preview of the
weights as you drag (the chart layer's ``attention`` preview) and draws it. The query's position
is synced back to Python, where numpy's :func:`attention_lib.attention` computes the same weights
for the readout shown beside it. The τ slider and the similarity toggle have frames ahead: numpy's
readout and the preview's parameters for each of their values, at the query's position.
"""
from __future__ import annotations

from functools import partial

import ipywidgets as widgets
import numpy as np

from ..attention import attention
from ..scoring import rbf_scores
from ..text import fmt
from ._chart import Figure, FramesAhead, axis, panel, with_text_fallback
from ._style import OKABE_ITO, hex_to_rgb, settings
from .controls import frame_source, slider

PLAYGROUND_KEYS = np.array([[-0.4, 0.3], [0.3, 0.5], [1.4, 1.3], [0.5, -0.3], [1.2, -1.2], [-0.9, -0.7], [-1.4, 0.4]])
"""Keys of very different lengths, so RBF (nearest wins) and dot product (longest in the query's
direction wins) differ."""
SPAN = 1.6
"""The plane shown runs from −SPAN to SPAN on both axes."""


def playground_weights(query, keys, similarity, tau):
    """The playground's weights, by numpy: RBF −‖q−k‖²/(2τ²), or dot q·k/τ, then softmax."""
    q = np.asarray(query, float)[None, :]                # (1, 2)
    k = np.asarray(keys, float)                          # (n, 2)
    if similarity == "rbf":
        _, w = attention(q, k, k, similarity=partial(rbf_scores, temperature=tau))
    else:
        _, w = attention(q, k, k, similarity="dot", temperature=tau)
    return w[0]                                          # (n,)


class QueryPlayground(widgets.VBox):
    """Drag the query; it takes the blended colour of its neighbours (the attention output)."""

    def __init__(self, keys, colors, query, similarity, tau, reduce_motion):
        self.key_points = np.asarray(keys, float)        # (n, 2)
        self.key_colors = list(colors)
        self.rgb = hex_to_rgb(colors)                    # (n, 3), the values
        self.controls = {
            "similarity": widgets.ToggleButtons(options=[("RBF (distance)", "rbf"), ("dot product", "dot")],
                                                value=similarity, description="similarity"),
            "tau": slider("τ", tau, 0.03, 5.0, log=True),
        }
        plane = axis("", (-SPAN, SPAN))
        self.canvas = Figure(label="Query playground: the query ring, the keys 0 to "
                                   f"{len(self.key_points) - 1}, and lines as wide as the weights",
                             caption="Drag the ring. Line widths are the weights; the ring's fill is the weighted "
                                     "average of the key colours. With dot product, far keys in the query's "
                                     "direction win; with RBF, near keys win.",
                             panels=[panel([], x=plane, y=plane, aspect="equal")],
                             grid={"aspect": 1.0, "max_width": 440, "key_step": 0.05},
                             handles={"query": [float(x) for x in query]}, preview=self._preview(similarity, tau),
                             reduce_motion=reduce_motion)
        self.values: dict = {}
        super().__init__([widgets.HBox(list(self.controls.values())), self.canvas])
        self.ahead = FramesAhead(self.canvas, {name: frame_source(c) for name, c in self.controls.items()},
                                 self._render, lambda: self.settings)
        self.canvas.observe(self._moved, names="handles")
        for control in self.controls.values():
            control.observe(self.refresh, names="value")
        self.refresh()

    def _preview(self, similarity, tau):
        return {"kind": "attention", "handle": "query", "panel": 0, "keys": self.key_points.tolist(),
                "colors": self.key_colors, "similarity": similarity, "tau": tau}

    @property
    def settings(self):
        """The controls' values now, by name."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def query(self):
        """Where the query is now, as the browser last reported it (or Python set it)."""
        return np.array(self.canvas.handles["query"], float)        # (2,)

    def set_query(self, x, y):
        self.canvas.handles = {**self.canvas.handles, "query": [float(x), float(y)]}

    def compute(self, s):
        """numpy's weights and blended colour at the query now, for the settings ``s``."""
        w = playground_weights(self.query, self.key_points, s["similarity"], s["tau"])     # (n,)
        return {"query": self.query, "weights": w, "color": w @ self.rgb, "similarity": s["similarity"],
                "tau": s["tau"]}

    def _render(self, s):
        return {"panels": self.canvas.panels, "readout": self.describe(self.compute(s)),
                "preview": self._preview(s["similarity"], s["tau"])}

    def _moved(self, change=None):
        self.ahead.invalidate()                                    # every frame's readout was for the old query
        self.refresh()

    def refresh(self, change=None):
        self.values = self.compute(self.settings)
        self.canvas.show(**self._render(self.settings), state=self.ahead.state())
        if change is not None:
            self.ahead.changed(next((n for n, c in self.controls.items() if c is change["owner"]), None))

    @property
    def readout_text(self):
        return self.describe(self.values)

    @staticmethod
    def describe(v):
        kind = "RBF with bandwidth" if v["similarity"] == "rbf" else "dot product at temperature"
        return (f"numpy: query = {fmt(v['query'], 2)}, {kind} τ = {v['tau']:.2f}\n"
                f"weights {fmt(v['weights'])}\nblended colour (r, g, b) = {fmt(v['color'])}")

    def _repr_mimebundle_(self, **kwargs):
        return with_text_fallback(super()._repr_mimebundle_(**kwargs), self.readout_text, self.canvas.caption)


def query_playground(keys=PLAYGROUND_KEYS, colors=OKABE_ITO, query=(0.0, 0.0), similarity="rbf", tau=0.5,
                     reduce_motion=None):
    """The drag-the-query demo, previewed in the browser as you drag, mirrored by numpy."""
    motion = settings.reduce_motion if reduce_motion is None else reduce_motion
    return QueryPlayground(keys, list(colors)[: len(keys)], query, similarity, tau, motion)


__all__ = ["query_playground"]
