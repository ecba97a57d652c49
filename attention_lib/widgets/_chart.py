"""The Python half of the chart layer: numpy computes every number, the browser only draws.

A figure is a list of panels; a panel has two axes and a list of marks. The builders below
return plain dictionaries that :class:`Figure` sends to ``static/chart.js`` in one message
per update. Matrices larger than :data:`BUFFER_CELLS` travel as binary buffers::

    fig = Figure(label="softmax weights")
    fig.show([panel([bars(weights)], y=axis("weight", (0, 1)))], readout="weights [0.7, 0.2, 0.1]")

Marks: :func:`bars`, :func:`heatmap`, :func:`points`, :func:`line`, :func:`arrows`, :func:`rule`.
A heatmap made with ``interactive=True`` has cells that can be clicked or toggled from the
keyboard; :meth:`Figure.on_cell` receives their ``(row, col)``. One made with ``row_focus=True``
has rows that follow the pointer and the keyboard (arrow keys move between rows); the row is the
figure's ``row`` trait and :meth:`Figure.on_row` receives it. A points mark made with
``handle="name"`` can be dragged (pointer or arrow keys); its position is the ``handles`` trait,
and a ``preview`` named in the figure lets the browser redraw at frame rate while numpy follows.

Frames ahead (:class:`FramesAhead`): for a control with a finite set of values (a slider's steps,
a drop-down, a head index, a row, a step), numpy computes the figure at every value, or at a window
of values around the current one that is refilled as the hand moves, and sends them in one message.
The browser switches to the frame of the control's new value on each input event, without waiting
for the kernel; every number drawn was still computed by numpy.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import anywidget
import ipywidgets
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
    row = traitlets.Int(-1, help="the row of a row_focus heatmap pointed at or focused (-1: none yet); the view "
                                 "writes it").tag(sync=True, echo_update=False)
    sources = traitlets.Dict(help="name -> {model, attr, values}: the controls whose frames are sent ahead"
                             ).tag(sync=True, **ipywidgets.widget_serialization)
    at = traitlets.Dict(help="{version, state, key} of the panels now: the data version, each source's position "
                             "and a digest of the content").tag(sync=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("palettes", {k: list(v) for k, v in PALETTES.items()})
        kwargs.setdefault("reduce_motion", settings.reduce_motion)
        super().__init__(**kwargs)
        self.data_version = 0
        self._cell_callbacks, self._row_callbacks, self._ahead_callbacks = [], [], []
        self.on_msg(self._message)
        self.observe(self._row_moved, names="row")

    def show(self, panels, readout=None, *, state=None, **traits):
        """Replace the panels (and the readout, and any other trait) in one message.

        ``state`` is the position of each source (see :class:`FramesAhead`) these panels belong to.
        """
        with self.hold_sync():
            self.panels = panels
            if readout is not None:
                self.readout = readout
            for name, value in traits.items():
                setattr(self, name, value)
            shown = {name: getattr(self, name) for name in FRAME_TRAITS if name == "panels" or name in traits
                     or (name == "readout" and readout is not None)}
            self.at = {"version": self.data_version, "key": digest(shown),
                       "state": self.at.get("state", {}) if state is None else dict(state)}

    def on_cell(self, callback):
        """Call ``callback(panel, mark, row, col)`` when the learner clicks or toggles a heatmap cell."""
        self._cell_callbacks.append(callback)

    def on_row(self, callback):
        """Call ``callback(row)`` when the pointer enters, or the keyboard focus moves to, a row of a heatmap
        made with ``row_focus=True`` (the view writes the ``row`` trait)."""
        self._row_callbacks.append(callback)

    def on_ahead(self, callback):
        """Call ``callback(full=..., state=...)`` when a view asks for frames ahead: when it opens (``full``: it
        holds none yet), when the hand rests, and after the data changed; ``state`` is where its sources are."""
        self._ahead_callbacks.append(callback)

    def send_frames(self, message, buffers):
        """Send frames ahead to every view (a message, not a trait: a saved notebook does not keep them)."""
        self.send({"frames": message}, buffers)

    def _row_moved(self, change):
        for callback in self._row_callbacks:
            callback(change["new"])

    def _message(self, _widget, content, _buffers):
        if content.get("event") == "cell":
            for callback in self._cell_callbacks:
                callback(content["panel"], content["mark"], content["row"], content["col"])
        elif content.get("event") == "row":                  # older views send the row as an event
            self.row = int(content["row"])
        elif content.get("event") == "ahead":
            for callback in self._ahead_callbacks:
                callback(full=bool(content.get("full")), state=content.get("state"))

    def _repr_mimebundle_(self, **kwargs):
        return with_text_fallback(super()._repr_mimebundle_(**kwargs), self.readout, self.caption)


def with_text_fallback(bundle, readout, caption=""):
    """A widget's mime bundle with its readout as text/plain and text/markdown, for frontends without widgets."""
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    data["text/plain"] = readout
    data["text/markdown"] = (f"*{caption}*\n\n" if caption else "") + f"```text\n{readout}\n```"
    return bundle


# ------------------------------------------------------------------ frames ahead

FRAME_TRAITS = ("panels", "readout", "grid", "preview")
"""What one frame may set: the figure's traits that change with a control."""
FULL = 64
"""A control with at most this many values sends a frame for every value."""
WINDOW = 48
"""A control with more values sends this many either side of the current one..."""
MARGIN = 24
"""...and is refilled, centred on the current value, when that comes within this many of the window's edge."""
MAX_BYTES = 1_000_000
"""The most one widget may send ahead (JSON and binary buffers together)."""


def _hash(data) -> str:
    return hashlib.blake2b(data.encode() if isinstance(data, str) else bytes(data), digest_size=8).hexdigest()


class Nodes:
    """Frames for the wire: every dictionary (a frame, a panel, a mark) is sent once however many frames share
    it, and binary buffers go beside the JSON. A dictionary is named by a digest of its content.

    A dictionary is replaced by ``{"$": digest}`` (``nodes[digest]`` is the dictionary, its own dictionaries
    replaced the same way), a buffer by ``{"$b": digest}`` (``buffers[digest]``). A dictionary that holds no
    other dictionary (an axis, most marks) is one node, keyed by its JSON; lists are taken to hold one kind
    of thing.
    """

    def __init__(self):
        self.nodes, self.buffers = {}, {}

    def _node(self, wire, key: str):
        digest_ = _hash(key)
        self.nodes.setdefault(digest_, wire)
        return {"$": digest_}, "#" + digest_

    def add(self, x):
        """``(x for the wire, x's digest)``."""
        if isinstance(x, dict):
            if not any(isinstance(v, dict) or (isinstance(v, (list, tuple)) and v and isinstance(v[0], dict))
                       for v in x.values()):
                if not any(isinstance(v, _BYTES) for v in x.values()):
                    return self._node(x, json.dumps(x, sort_keys=True, separators=(",", ":")))
            wire, key = {}, {}
            for name, value in x.items():
                wire[name], key[name] = self.add(value)
            return self._node(wire, json.dumps(key, sort_keys=True, separators=(",", ":")))
        if isinstance(x, (list, tuple)) and x and isinstance(x[0], dict):
            pairs = [self.add(v) for v in x]
            return [w for w, _ in pairs], [k for _, k in pairs]
        if isinstance(x, _BYTES):
            digest_ = _hash(x)
            self.buffers.setdefault(digest_, x)
            return {"$b": digest_}, "b" + digest_
        return x, x


_BYTES = (memoryview, bytes, bytearray)


def digest(frame) -> str:
    """A short digest of a frame's content (a dict): equal content, equal digest (the browser redraws only on a
    new one)."""
    return Nodes().add(frame)[0]["$"]


def count_numbers(x) -> int:
    """How many numbers ``x`` holds (a frame on the wire: its JSON numbers, and float64 buffers as 8 bytes each)."""
    if isinstance(x, dict):                  # {"$": id} and {"$b": index} are references, not numbers
        return sum(count_numbers(v) for k, v in x.items() if k not in ("$", "$b"))
    if isinstance(x, (list, tuple)):
        return sum(count_numbers(v) for v in x)
    if isinstance(x, _BYTES):
        return len(bytes(x)) // 8
    return int(isinstance(x, (int, float)) and not isinstance(x, bool))


@dataclass
class Source:
    """A control the browser may move without asking the kernel.

    ``model`` is the control's widget (or ``"self"`` for a trait of the figure itself), ``attr`` the trait that
    holds its position in the browser, ``values`` what that trait holds at each position, and ``python`` the
    control's value in Python at each position (what the widget's ``compute`` receives).
    """

    model: object
    attr: str
    values: list
    python: list

    def position(self, value) -> int:
        """The position of a Python value (the nearest, for a float that is not quite one of the values)."""
        try:
            return self.python.index(value)
        except ValueError:
            return min(range(len(self.python)), key=lambda i: abs(float(self.python[i]) - float(value)))

    def spec(self) -> dict:
        return {"model": self.model, "attr": self.attr, "values": list(self.values)}


class FramesAhead:
    """A figure's frames ahead: for each source, the figure at its other values, the other sources staying put.

    Parameters
    ----------
    figure : Figure
    sources : dict, name -> :class:`Source`
    render : callable, settings -> frame
        ``settings`` gives every control's Python value; the frame is a dict of :data:`FRAME_TRAITS`, what the
        figure shows just after a control was moved to those settings. It must depend on the settings and the
        widget's data only (call :meth:`invalidate` when the data change).
    settings : callable, () -> the controls' Python values now.
    clicks : callable, () -> {key: frame}, optional
        What the figure shows after each click it can take now, by the key the view sends with the click
        (``"cell:panel:mark:row:col"`` for a cell of an ``interactive`` heatmap): a click changes the data, and
        the view shows its frame at once while the kernel does the same with numpy. Computed when the hand
        rests and after each click, for the panels shown then.

    Nothing is computed until a browser view asks (:meth:`Figure.on_ahead`): a notebook run without a browser
    (nbval, the tests) pays nothing. A source with at most :data:`FULL` values sends them all; a longer one sends
    :data:`WINDOW` values either side of the current one, refilled as the hand moves (:meth:`changed`); frames
    already computed for the same settings are kept. When the hand rests, the view asks again and the other
    sources are filled for the new settings. Each frame is encoded once (:class:`Nodes`), and a message carries
    only the nodes the views have not had since the last full message.
    """

    def __init__(self, figure, sources, render, settings, clicks=None):
        self.figure, self.sources, self.render, self.settings = figure, dict(sources), render, settings
        self.clicks = clicks
        self.axes: dict = {}            # name -> {"base": the other sources' positions, "window": the positions sent,
        #                                         "frames": {position: Frame}, the window and some kept around it}
        self.after_click = None         # (the digest of the panels shown now, {key: Frame}) for self.clicks
        self.wanted = False             # a view has asked: keep its frames filled
        self.known: set = set()         # digests of the nodes and buffers the views hold
        self.last = ({"version": figure.data_version, "reset": True, "axes": {}, "nodes": {}, "buffers": []}, [])
        figure.sources = {name: s.spec() for name, s in self.sources.items()}
        figure.on_ahead(self.request)

    def state(self, settings=None) -> dict:
        """Each source's position for ``settings`` (default: now)."""
        s = self.settings() if settings is None else settings
        return {name: source.position(s[name]) for name, source in self.sources.items()}

    def window(self, name, i) -> range:
        """The positions of source ``name`` sent ahead when it is at position ``i``."""
        n = len(self.sources[name].python)
        if n <= FULL:
            return range(n)
        lo = min(max(i - WINDOW, 0), n - 2 * WINDOW - 1)
        return range(lo, lo + 2 * WINDOW + 1)

    def _belongs(self, name, state) -> bool:
        axis = self.axes.get(name)
        return axis is not None and all(axis["base"][k] == v for k, v in state.items() if k != name)

    def covers(self, name, state) -> bool:
        """Whether the frames of ``name`` belong to ``state`` (the other sources where they were) and reach far
        enough either side of its position."""
        if not self._belongs(name, state):
            return False
        sent, i, last = self.axes[name]["window"], state[name], len(self.sources[name].python) - 1
        return all(j in sent for j in range(max(0, i - MARGIN), min(last, i + MARGIN) + 1))

    def fill(self, names, state=None):
        """Compute the frames of the sources ``names`` for the positions ``state`` (default: now), keeping those
        already there (a window's worth either side of the new window, for a hand that comes back)."""
        state = self.state() if state is None else state
        s = {**self.settings(), **{name: self.sources[name].python[i] for name, i in state.items()}}
        for name in names:
            python = self.sources[name].python
            have = self.axes[name]["frames"] if self._belongs(name, state) else {}
            window = self.window(name, state[name])
            frames = {i: f for i, f in have.items() if window.start - len(window) <= i < window.stop + len(window)}
            for i in window:
                frames[i] = frames.get(i) or Frame(self.render({**s, name: python[i]}))
            self.axes[name] = {"base": {k: v for k, v in state.items() if k != name}, "frames": frames,
                               "window": window}

    def changed(self, name):
        """Source ``name`` moved (in the browser or from Python), and the figure shows where it is now: refill its
        window if the hand nears the edge. The other sources wait until the hand rests and the view asks.
        ``name`` None: a click changed the data; the next clicks' frames are computed and sent."""
        if not self.wanted:
            return
        if name in self.sources and not self.covers(name, self.state()):
            self.fill([name])
            self.push()
        elif name is None and self.clicks is not None:
            self.fill_clicks()
            self.push()

    def fill_clicks(self):
        """Compute what each click would show, from the panels shown now."""
        here = self.figure.at.get("key")
        if self.clicks is not None and (self.after_click is None or self.after_click[0] != here):
            self.after_click = (here, {key: Frame(frame) for key, frame in self.clicks().items()})

    def request(self, full=False, state=None):
        """A view asks (``full``: it has nothing yet; else the hand rested or the data changed): fill what does
        not belong to the positions ``state`` the view is at (default: the kernel's), and send.

        The view's positions may be ahead of the kernel's: a control's own messages can still be on their way
        (ipywidgets sends one at a time per control) when the figure's request arrives."""
        self.wanted = True
        here = self.state()
        if state is None or set(state) != set(here) or not all(
                isinstance(i, int) and 0 <= i < len(self.sources[n].python) for n, i in state.items()):
            state = here
        self.fill([name for name in self.sources if not self.covers(name, state)], state)
        if state == here:
            self.fill_clicks()
        self.push(full, answer=True)

    def invalidate(self):
        """The widget's data changed (not a control): every frame is stale. The figure's next ``show`` carries
        the new data version, so views drop what they hold and ask again once the hand rests."""
        self.figure.data_version += 1
        self.axes.clear()
        self.after_click = None

    def message(self, full=False):
        """Every source's frames, each with the positions of the other sources they belong to, encoded:
        ``(message, buffers)``. Without ``full``, only the nodes not sent since the last full message."""
        axes, nodes, buffers = {}, {}, {}
        for name, axis in self.axes.items():
            frames = [axis["frames"][i] for i in axis["window"]]
            axes[name] = {"base": axis["base"], "lo": axis["window"].start, "frames": [f.digest for f in frames]}
            for f in frames:
                nodes.update(f.nodes)
                buffers.update(f.buffers)
        clicks = None
        if self.after_click is not None and self.after_click[0] == self.figure.at.get("key"):
            clicks = {"for": self.after_click[0], "frames": {k: f.digest for k, f in self.after_click[1].items()}}
            for f in self.after_click[1].values():
                nodes.update(f.nodes)
                buffers.update(f.buffers)
        known = set() if full else self.known
        if len(known) > 4 * (len(nodes) + len(buffers)):       # the views hold mostly old frames: start again
            full, known = True, set()
        new_nodes = {d: n for d, n in nodes.items() if d not in known}
        new_buffers = [d for d in buffers if d not in known]
        message = {"version": self.figure.data_version, "reset": full, "axes": axes, "clicks": clicks,
                   "nodes": new_nodes, "buffers": new_buffers}
        return message, [buffers[d] for d in new_buffers]

    def push(self, full=False, answer=False):
        """Send the frames that belong to the settings now (``answer``: to a view that asked)."""
        message, buffers = self.message(full)
        message["answer"] = answer
        if message["reset"]:
            self.known = set()
        self.known.update(message["nodes"], message["buffers"])
        self.last = message, buffers
        self.figure.send_frames(message, buffers)

    def stats(self) -> dict:
        """What the views hold ahead now (what a full message would send): frames, numbers, and bytes (JSON and
        binary buffers)."""
        message, buffers = self.message(full=True)
        clicks = len(message["clicks"]["frames"]) if message["clicks"] else 0
        return {"frames": sum(len(a["frames"]) for a in message["axes"].values()) + clicks,
                "numbers": count_numbers(message["nodes"]) + sum(len(bytes(b)) // 8 for b in buffers),
                "bytes": len(json.dumps(message, separators=(",", ":"))) + sum(len(bytes(b)) for b in buffers)}


class Frame:
    """One frame, encoded once for the wire: its digest, its dictionaries and its buffers (see :class:`Nodes`)."""

    __slots__ = ("digest", "nodes", "buffers")

    def __init__(self, content: dict):
        encoded = Nodes()
        self.digest = encoded.add(content)[0]["$"]
        self.nodes, self.buffers = encoded.nodes, encoded.buffers
