"""The Python half of the chart layer: numpy computes every number, the browser only draws.

A figure is a list of panels; a panel has two axes and a list of marks. The builders below
return plain dictionaries that :class:`Figure` sends to ``static/chart.js`` in one message
per update. Matrices larger than :data:`BUFFER_CELLS` travel as binary buffers::

    fig = Figure(label="softmax weights")
    fig.show([panel([bars(weights)], y=axis("weight", (0, 1)))], readout="weights [0.7, 0.2, 0.1]")

Marks: :func:`bars`, :func:`heatmap`, :func:`points`, :func:`line`, :func:`arrows`, :func:`rule`.
A heatmap made with ``interactive=True`` has cells that can be clicked or toggled from the
keyboard; :meth:`Figure.on_cell` receives their ``(row, col)``. One made with ``row_focus=True``
has rows that follow the pointer and the keyboard (arrow keys move between rows);
:meth:`Figure.on_row` receives the row pointed at or focused. A points mark made with
``handle="name"`` can be dragged (pointer or arrow keys); its position is the ``handles`` trait,
and a ``preview`` named in the figure lets the browser redraw at frame rate while numpy follows.
"""
from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from .._paths import STATIC
from ._style import ACCENT, FONT_PX, HEATMAP, PALETTES, settings

BUFFER_CELLS = 256
"""Arrays with more numbers than this are sent as binary buffers instead of JSON lists."""


def numbers(a):
    """An array for the browser: a JSON list (None for inf/nan), or a binary buffer if large.

    Parameters
    ----------
    a : array_like of float, any shape.

    Returns
    -------
    list (nested like ``a``), or ``{"dtype": "float64", "shape": [...], "buffer": memoryview}``.
    """
    a = np.asarray(a, dtype=float)
    if a.size > BUFFER_CELLS:
        little = np.ascontiguousarray(a, dtype="<f8")
        return {"dtype": "float64", "shape": list(a.shape), "buffer": memoryview(little.tobytes())}
    if np.all(np.isfinite(a)):
        return a.tolist()
    return np.where(np.isfinite(a), a, None).tolist()            # JSON has no inf or nan


def axis(label="", lim=None, *, scale="linear", ticks=None, tick_labels=None, visible=True):
    """An axis: ``lim`` (lo, hi) in data units, ``scale`` "linear" or "log", optional fixed ticks."""
    if scale not in ("linear", "log"):
        raise ValueError(f"axis scale must be 'linear' or 'log', not {scale!r}")
    spec = {"label": label, "scale": scale, "visible": visible}
    if lim is not None:
        spec["lim"] = [float(lim[0]), float(lim[1])]
    if ticks is not None:
        spec["ticks"] = [float(t) for t in ticks]
    if tick_labels is not None:
        spec["tick_labels"] = [str(t) for t in tick_labels]
    return spec


def panel(marks, *, x=None, y=None, title="", aspect=None, legend=None):
    """One plot: ``marks`` drawn over axes ``x`` and ``y``; ``aspect="equal"`` for geometry;
    ``legend`` is a corner ("upper right", "lower left", ...) for the marks that have a label."""
    return {"title": title, "x": x or axis(), "y": y or axis(), "marks": list(marks), "aspect": aspect,
            "legend": legend}


def bars(heights, *, x=None, colors=ACCENT["data"], width=0.8, label=None):
    """Vertical bars of ``heights`` (n,) at positions ``x`` (default 0 … n−1); a colour or n colours."""
    heights = np.asarray(heights, float)                          # (n,)
    x = np.arange(len(heights)) if x is None else np.asarray(x, float)   # (n,)
    return {"type": "bars", "x": numbers(x), "y": numbers(heights), "colors": colors, "width": float(width),
            "label": label}


def heatmap(values, *, rows=None, cols=None, palette=HEATMAP, vmin=None, vmax=None, highlight_row=None,
            cell_labels=None, interactive=False, row_focus=False, colorbar=True, label=None, decimals=2):
    """A matrix (n_rows, n_cols) as coloured cells, row 0 at the top.

    ``rows``/``cols`` name the rows and columns (token names); ``cell_labels`` writes each value in
    its cell (default: when there are at most 100 cells); ``interactive`` makes the cells focusable
    and clickable (see :meth:`Figure.on_cell`); ``row_focus`` makes the rows follow the pointer and
    the keyboard (see :meth:`Figure.on_row`); inf and nan cells are drawn as blocked.
    """
    values = np.asarray(values, float)                             # (n_rows, n_cols)
    if values.ndim != 2:
        raise ValueError(f"a heatmap needs a matrix (n_rows, n_cols), got shape {values.shape}")
    if interactive and row_focus:
        raise ValueError("a heatmap's cells are either interactive (clicked, toggled) or its rows follow the "
                         "pointer (row_focus), not both")
    if palette not in PALETTES:
        raise ValueError(f"unknown palette {palette!r}: choose one of {sorted(PALETTES)}")
    finite = values[np.isfinite(values)]
    lo = float(finite.min()) if vmin is None and finite.size else float(vmin if vmin is not None else 0.0)
    hi = float(finite.max()) if vmax is None and finite.size else float(vmax if vmax is not None else 1.0)
    return {"type": "heatmap", "values": numbers(values), "shape": list(values.shape),
            "rows": None if rows is None else [str(r) for r in rows],
            "cols": None if cols is None else [str(c) for c in cols],
            "palette": palette, "vmin": lo, "vmax": hi if hi > lo else lo + 1.0,
            "highlight_row": None if highlight_row is None else int(highlight_row), "highlight_color": ACCENT["row"],
            "cell_labels": values.size <= 100 if cell_labels is None else bool(cell_labels),
            "interactive": bool(interactive), "row_focus": bool(row_focus), "colorbar": bool(colorbar), "label": label,
            "decimals": int(decimals)}


def points(x, y, *, colors=ACCENT["data"], size=6, marker="circle", labels=None, label=None, handle=None):
    """Points at (x, y): ``marker`` circle, ring, star or cross; ``labels`` written beside each point;
    ``handle`` names a point the learner may drag (one point)."""
    return {"type": "points", "x": numbers(x), "y": numbers(y), "colors": colors, "size": float(size),
            "marker": marker, "labels": None if labels is None else [str(t) for t in labels], "label": label,
            "handle": handle}


def line(x, y, *, color=ACCENT["fit"], width=2.5, dash=None, label=None):
    """A polyline through (x, y); ``dash`` like [6, 4]."""
    return {"type": "line", "x": numbers(x), "y": numbers(y), "color": color, "width": float(width),
            "dash": dash, "label": label}


def arrows(x0, y0, x1, y1, *, colors=ACCENT["data"], widths=1.5, head=True, label=None):
    """Segments from (x0, y0) to (x1, y1), one colour and width each (or one for all), with arrow heads."""
    return {"type": "arrows", "x0": numbers(x0), "y0": numbers(y0), "x1": numbers(x1), "y1": numbers(y1),
            "colors": colors, "widths": widths if np.isscalar(widths) else numbers(widths), "head": bool(head),
            "label": label}


def rule(*, x=None, y=None, color=ACCENT["reference"], width=1.5, dash=(6, 4), label=None):
    """A reference line across the panel: vertical at ``x`` or horizontal at ``y``."""
    if (x is None) == (y is None):
        raise ValueError("a rule needs exactly one of x= (vertical) or y= (horizontal)")
    return {"type": "rule", "x": None if x is None else float(x), "y": None if y is None else float(y),
            "color": color, "width": float(width), "dash": None if dash is None else list(dash), "label": label}


class Figure(anywidget.AnyWidget):
    """Panels drawn on a canvas at the device pixel ratio, with a caption and a live text readout.

    ``readout`` is announced to screen readers (the text changes inside a stable ``aria-live`` node).
    Update with :meth:`show`, which sends panels and readout in one message.
    """

    _esm = STATIC / "chart.js"
    _css = STATIC / "chart.css"
    panels = traitlets.List(help="the panels, from the builders in this module").tag(sync=True)
    grid = traitlets.Dict(help="columns (width ratios), rows (height ratios), height or aspect, max_width"
                          ).tag(sync=True)
    label = traitlets.Unicode(help="what the figure shows; the canvas's aria-label starts with it").tag(sync=True)
    caption = traitlets.Unicode(help="a short caption under the figure").tag(sync=True)
    readout = traitlets.Unicode(help="every number the figure shows, as text").tag(sync=True)
    palettes = traitlets.Dict(help="palette name -> colour stops, from _style").tag(sync=True)
    font_px = traitlets.Int(FONT_PX).tag(sync=True)
    handles = traitlets.Dict(help="name -> [x, y] of draggable points; the view writes it when dragged"
                             ).tag(sync=True, echo_update=False)      # a drag sends no message back
    preview = traitlets.Dict(help="an in-browser preview: {'kind': ..., parameters}").tag(sync=True)
    reduce_motion = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("palettes", {k: list(v) for k, v in PALETTES.items()})
        kwargs.setdefault("reduce_motion", settings.reduce_motion)
        super().__init__(**kwargs)
        self._cell_callbacks, self._row_callbacks = [], []
        self.on_msg(self._message)

    def show(self, panels, readout=None, **traits):
        """Replace the panels (and the readout, and any other trait) in one message."""
        with self.hold_sync():
            self.panels = panels
            if readout is not None:
                self.readout = readout
            for name, value in traits.items():
                setattr(self, name, value)

    def on_cell(self, callback):
        """Call ``callback(panel, mark, row, col)`` when the learner clicks or toggles a heatmap cell."""
        self._cell_callbacks.append(callback)

    def on_row(self, callback):
        """Call ``callback(panel, mark, row)`` when the pointer enters, or the keyboard focus moves to, a row
        of a heatmap made with ``row_focus=True``."""
        self._row_callbacks.append(callback)

    def _message(self, _widget, content, _buffers):
        if content.get("event") == "cell":
            for callback in self._cell_callbacks:
                callback(content["panel"], content["mark"], content["row"], content["col"])
        elif content.get("event") == "row":
            for callback in self._row_callbacks:
                callback(content["panel"], content["mark"], content["row"])

    def _repr_mimebundle_(self, **kwargs):
        return with_text_fallback(super()._repr_mimebundle_(**kwargs), self.readout, self.caption)


def with_text_fallback(bundle, readout, caption=""):
    """A widget's mime bundle with its readout as text/plain and text/markdown, for frontends without widgets."""
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data["text/plain"] = readout
    data["text/markdown"] = (f"*{caption}*\n\n" if caption else "") + f"```text\n{readout}\n```"
    return bundle
