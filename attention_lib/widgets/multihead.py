"""Lesson 06's widget: the head viewer, every head's attention weights side by side.

numpy's :func:`attention_lib.multi_head_attention` computes the weights ``(B, h, n_q, n_k)`` once;
the learner chooses which head is shown large (the head selector) and which query row the readout
prints (the row under the pointer, or under the keyboard focus in any heatmap). The last panel is
the average over the heads, which is what ``torch.nn.MultiheadAttention`` returns by default.
"""
from __future__ import annotations

import numpy as np

from ..data import TWO_HEAD_NAMES, two_head_toy
from ..masking import validate_mask
from ..multihead import _head_mask, multi_head_attention
from ..text import table
from ._base import Explorer
from ._chart import Figure, Source, axis, heatmap, panel
from .controls import choice_slider

ONE_ROW = 4
"""Up to this many panels (heads and the average) stand in one row, the selected head wider."""
WIDER = 1.5
"""How much wider the selected head's panel is than the others, when they share one row."""
COLORBAR_COLUMN = 1.3
"""The width of the column whose panels carry a colour bar, next to the others' 1."""
PANEL_HEIGHT = 400
"""Height of one row of panels, in CSS pixels."""


def head_weights(x, params, n_heads, mask=None):
    """Every head's weights for one sequence, and where each head may attend.

    Parameters
    ----------
    x : array_like, (n, D) or (1, n, D)
        The tokens (self-attention: queries, keys and values all come from ``x``).
    params : dict, from :func:`attention_lib.init_mha_params`
    n_heads : int, divides D
    mask : bool array, optional, as :func:`attention_lib.multi_head_attention` takes it; True = may attend.

    Returns
    -------
    weights : (h, n, n)   allowed : (h, n, n) bool
    """
    x = np.asarray(x, float)
    if x.ndim == 2:
        x = x[None]                                                   # (1, n, D)
    if x.ndim != 3 or x.shape[0] != 1:
        raise ValueError(f"the head viewer shows one sequence: x must have shape (n, D) or (1, n, D), got {x.shape}")
    _, weights = multi_head_attention(x, x, params, n_heads, mask)   # (1, h, n, n)
    if mask is None:
        return weights[0], np.ones(weights.shape[1:], bool)
    allowed = validate_mask(_head_mask(mask), weights.shape)          # broadcastable to (1, h, n, n)
    return weights[0], np.broadcast_to(allowed, weights.shape)[0]     # (h, n, n), (h, n, n)


class HeadViewer(Explorer):
    """All heads' weights side by side; a head selector; a readout of one query row."""

    def __init__(self, weights, allowed, tokens, head_names, head, query):
        self.weights, self.allowed = weights, allowed                 # (h, n, n), (h, n, n)
        self.average = weights.mean(axis=0)                           # (n, n): nn.MultiheadAttention's default
        self.average_allowed = allowed.any(axis=0)                    # (n, n): blocked only if blocked for every head
        self.tokens, self.head_names = [str(t) for t in tokens], list(head_names)
        h, rows = len(weights), list(range(len(tokens)))
        labels = [f"{j}: {name}" if name else str(j) for j, name in enumerate(self.head_names)]
        figure = Figure(label=f"Head viewer: the attention weights of each of the {h} heads, then their average; "
                              "rows are queries (looking), columns keys (looked at)",
                        caption="Each row is one query's weights over the keys; hatched cells are masked. The "
                                "selected head is marked ◀ (and drawn wider when the panels fit in one row); the "
                                "last panel averages the heads, as nn.MultiheadAttention does by default. Point "
                                "at a row, or focus a heatmap and use the arrow keys, to print that row below.",
                        row=int(query))
        # the row pointed at is the figure's own `row`: the browser moves it, and frames for every row go ahead
        super().__init__({"head": choice_slider("head", list(range(h)), head, labels=labels)}, figure,
                         pointers={"query": Source("self", "row", rows, rows)})
        self.refresh()

    @property
    def query(self) -> int:
        """The query row the readout prints (the row pointed at or focused last)."""
        return self.figure.row

    def set_query(self, row):
        """Show query ``row`` in the readout (what pointing at or focusing a row does)."""
        row = int(row)
        if not 0 <= row < len(self.tokens):
            raise ValueError(f"query row must be in 0 … {len(self.tokens) - 1}, got {row}")
        with self.figure.hold_sync():                                # the row and what it shows: one message
            self.figure.row = row                                    # the same row again: nothing happens

    def frame(self, v):
        """Panels, layout (the selected head wider) and readout."""
        return {**super().frame(v), "grid": self.grid(v["head"])}

    def compute(self, s):
        head, i = s["head"], s["query"]
        return {"head": head, "query": i, "token": self.tokens[i],
                "heads": np.where(self.allowed[:, i], self.weights[:, i], np.nan),        # (h, n)
                "average": np.where(self.average_allowed[i], self.average[i], np.nan)}    # (n,)

    def grid(self, head):
        """One row of panels with the selected head wider, or rows of equal panels when there are many heads."""
        n_panels = len(self.weights) + 1
        if n_panels <= ONE_ROW:
            columns = [WIDER if j == head else 1.0 for j in range(n_panels - 1)] + [COLORBAR_COLUMN]
            return {"columns": columns, "height": PANEL_HEIGHT, "max_width": 1120, "min_panel_width": 200}
        rows = -(-n_panels // ONE_ROW)
        columns = [COLORBAR_COLUMN if j == (n_panels - 1) % ONE_ROW else 1.0 for j in range(ONE_ROW)]
        return {"columns": columns, "rows": [1.0] * rows, "height": 0.75 * PANEL_HEIGHT * rows,
                "max_width": 1120, "min_panel_width": 150}

    def _heatmap_panel(self, values, allowed, title, label, first, colorbar, query):
        cells = heatmap(np.where(allowed, values, np.nan), rows=self.tokens, cols=self.tokens, vmin=0.0, vmax=1.0,
                        highlight_row=query, row_focus=True, colorbar=colorbar, label=label)
        return panel([cells], title=title, x=axis("key (looked at)"), y=axis("query (looking)" if first else ""))

    def panels(self, v):
        h, columns = len(self.weights), len(self.grid(v["head"])["columns"])
        bar = [j % columns == h % columns for j in range(h + 1)]     # the average's column: its panels align
        out = []
        for j in range(h):
            title = self.head_title(j) + ("  ◀ selected" if j == v["head"] else "")
            out.append(self._heatmap_panel(self.weights[j], self.allowed[j], title, f"{self.head_title(j)} weights",
                                           j % columns == 0, colorbar=bar[j], query=v["query"]))
        out.append(self._heatmap_panel(self.average, self.average_allowed, "average over the heads",
                                       "average over the heads", h % columns == 0, colorbar=True, query=v["query"]))
        return out

    def head_title(self, j):
        """``head 1: same type``, or ``head 1`` for a head without a name."""
        return f"head {j}: {self.head_names[j]}" if self.head_names[j] else f"head {j}"

    def describe(self, v):
        h, j = len(self.weights), v["head"]
        names = [f"{'▶' if k == j else ' '} {self.head_title(k)}" for k in range(h)]
        rows = [[name, *cells] for name, cells in zip(names, _cells(v["heads"]), strict=True)]
        rows.append([f"  average of the {h} heads", *_cells(v["average"])[0]])
        masked = "– = masked; " if np.isnan(v["heads"]).any() else ""
        return (f"query {v['token']} (row {v['query']}), selected {self.head_title(j)}; weights over the keys:\n"
                f"{table(['', *self.tokens], rows, align='left')}\n"
                f"({masked}the average is what nn.MultiheadAttention returns by default)")


def _cells(rows):
    """Weights as table cells with 3 decimals; masked (nan) as –."""
    return [[f"{x:.3f}" if np.isfinite(x) else "  –" for x in row] for row in np.atleast_2d(rows)]


def head_viewer(x=None, params=None, n_heads=2, mask=None, tokens=None, head_names=None, head=0, query=None):
    """Every head's attention weights side by side, a head selector, and a readout of one query's row.

    With no ``x`` and ``params``: lesson 06's two hand-built heads on ``ABACBBAC``
    (:func:`attention_lib.data.two_head_toy`). Otherwise self-attention on ``x`` (n, D) or (1, n, D)
    with ``params`` from :func:`attention_lib.init_mha_params`; ``tokens`` names the n tokens,
    ``head_names`` the heads; ``query`` is the row the readout starts on (default: the last).
    """
    if (x is None) != (params is None):
        raise ValueError("give both x and params (or neither, for lesson 06's two-head toy)")
    if x is None:
        x, params, mask, tokens = two_head_toy()
        n_heads, head_names = 2, head_names or TWO_HEAD_NAMES
    weights, allowed = head_weights(x, params, n_heads, mask)          # (h, n, n), (h, n, n)
    h, n = weights.shape[:2]
    tokens = list(range(n)) if tokens is None else list(tokens)
    head_names = [""] * h if head_names is None else list(head_names)
    query = n - 1 if query is None else query
    if len(tokens) != n or len(head_names) != h:
        raise ValueError(f"{n} tokens and {h} heads, but {len(tokens)} token names and {len(head_names)} head names")
    if not (0 <= head < h and 0 <= query < n):
        raise ValueError(f"head must be in 0 … {h - 1} and query in 0 … {n - 1}, got head {head}, query {query}")
    return HeadViewer(weights, allowed, tokens, head_names, head, query)


__all__ = ["head_viewer"]
