"""The shared machinery of the kernel-side explorers: controls, and a chart-layer figure kept in step.

Every builder returns an :class:`Explorer` (an ``ipywidgets.VBox``) that can be driven from
Python: set ``w.controls["tau"].value`` and read ``w.values`` (numbers) or ``w.readout_text``
(the same numbers as text, also shown under the figure for screen readers and tests). On each
change numpy recomputes the numbers and the figure receives its new panels and readout in one
message; the browser draws them (``static/chart.js``).

Frames ahead: an explorer whose ``compute`` takes the settings (``compute(self, s)``) also lets numpy
compute the figure at the other values of every control with a finite set of values (see
:class:`~attention_lib.widgets._chart.FramesAhead`), so the browser switches frames as the hand moves,
without waiting for the kernel.
"""
from __future__ import annotations

import inspect

import ipywidgets as widgets

from ._chart import Figure, FramesAhead, with_text_fallback
from .controls import frame_source


def _takes_settings(compute) -> bool:
    """Whether ``compute`` takes the settings (``compute(self, s)``): then frames can be computed ahead."""
    return len(inspect.signature(compute).parameters) >= 1


class Explorer(widgets.VBox):
    """Controls over a live figure with its caption and text readout, kept in step.

    Subclasses fill in ``compute(s)`` (numpy, from ``s``, each control's value by name, and the widget's
    fixed data: nothing else), ``panels(values)`` and ``describe(values)``, and may override ``frame``
    (other figure traits that change, e.g. ``grid``) and ``now`` (what the figure shows now, when a click or
    a run adds to what the controls say). ``pointers`` names positions the figure itself holds (a row under
    the pointer), as :class:`~attention_lib.widgets._chart.Source` objects on the figure.
    """

    ahead_controls: tuple | None = None
    """The controls whose other values are computed ahead (default: every control with a finite set of
    values). A widget whose frame takes long to compute names the few that matter; the others are data."""

    def __init__(self, controls: dict, figure: Figure, *, pointers: dict | None = None):
        self.controls = controls
        self.figure = figure
        self.pointers = dict(pointers or {})
        self.values: dict = {}
        row = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        super().__init__([row, figure])
        for control in controls.values():
            control.observe(self._changed, names="value")
        for source in self.pointers.values():
            figure.observe(self._changed, names=source.attr)
        self.ahead = None
        if _takes_settings(self.compute):
            sources = {name: s for name, c in controls.items() if (s := frame_source(c)) is not None
                       and (self.ahead_controls is None or name in self.ahead_controls)}
            sources.update(self.pointers)
            if sources:
                clicks = self.clicks if type(self).clicks is not Explorer.clicks else None
                self.ahead = FramesAhead(figure, sources, self._render, lambda: self.settings, clicks)

    @property
    def settings(self) -> dict:
        """Every control's value now, by name (and each pointer's position)."""
        s = {name: control.value for name, control in self.controls.items()}
        s.update({name: getattr(self.figure, source.attr) for name, source in self.pointers.items()})
        return s

    def _source_name(self, change):
        """The name of the control (or pointer) that changed."""
        if change is None:
            return None
        owner = change["owner"]
        if owner is self.figure:
            return next((n for n, s in self.pointers.items() if s.attr == change["name"]), None)
        return next((n for n, c in self.controls.items() if c is owner), None)

    def _changed(self, change=None):
        hot = self._source_name(change)
        if self.ahead is not None and hot not in self.ahead.sources:
            self.invalidate()               # a control without a finite set of values (a text box) is data
        self.refresh(hot=hot)

    def refresh(self, hot=None):
        """Recompute with numpy, then send the panels and the readout in one message; ``hot`` names the control
        that moved, whose frames ahead are refilled if the hand nears their edge."""
        self.values = self.now()
        state = None if self.ahead is None else self.ahead.state()
        self.figure.show(**self.frame(self.values), state=state)
        if self.ahead is not None:
            self.ahead.changed(hot)

    def invalidate(self):
        """The widget's data changed (a click, a run): frames computed ahead are stale."""
        if self.ahead is not None:
            self.ahead.invalidate()

    def now(self) -> dict:
        """The numbers the figure shows now."""
        return self.compute(self.settings) if _takes_settings(self.compute) else self.compute()

    def clicks(self) -> dict:
        """What each click on the figure would show now, by the key the view sends (override for a figure whose
        clicks change the data: the view shows the frame at once, and the kernel confirms)."""
        return {}

    def frame(self, values: dict) -> dict:
        """The figure's traits for ``values``: panels and readout (override to add e.g. ``grid``)."""
        return {"panels": self.panels(values), "readout": self.describe(values)}

    def _render(self, s: dict) -> dict:
        return self.frame(self.compute(s))

    @property
    def readout_text(self) -> str:
        return self.describe(self.values)

    def _repr_mimebundle_(self, **kwargs):
        return with_text_fallback(super()._repr_mimebundle_(**kwargs), self.readout_text, self.figure.caption)

    # subclasses fill these in
    def compute(self, s: dict) -> dict: ...
    def panels(self, values: dict) -> list: ...
    def describe(self, values: dict) -> str: ...
