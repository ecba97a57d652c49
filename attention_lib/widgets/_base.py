"""The shared machinery of the kernel-side explorers: controls, and a chart-layer figure kept in step.

Every builder returns an :class:`Explorer` (an ``ipywidgets.VBox``) that can be driven from
Python: set ``w.controls["tau"].value`` and read ``w.values`` (numbers) or ``w.readout_text``
(the same numbers as text, also shown under the figure for screen readers and tests). On each
change numpy recomputes the numbers and the figure receives its new panels and readout in one
message; the browser draws them (``static/chart.js``).
"""
from __future__ import annotations

import ipywidgets as widgets

from ._chart import Figure, with_text_fallback


class Explorer(widgets.VBox):
    """Controls over a live figure with its caption and text readout, kept in step."""

    def __init__(self, controls: dict, figure: Figure):
        self.controls = controls
        self.figure = figure
        self.values: dict = {}
        row = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        super().__init__([row, figure])
        for control in controls.values():
            control.observe(self._changed, names="value")

    def _changed(self, change=None):
        self.refresh()

    def refresh(self):
        """Recompute with numpy, then send the panels and the readout in one message."""
        self.values = self.compute()
        self.figure.show(self.panels(self.values), readout=self.readout_text)

    @property
    def readout_text(self) -> str:
        return self.describe(self.values)

    def _repr_mimebundle_(self, **kwargs):
        return with_text_fallback(super()._repr_mimebundle_(**kwargs), self.readout_text, self.figure.caption)

    # subclasses fill these in
    def compute(self) -> dict: ...
    def panels(self, values: dict) -> list: ...
    def describe(self, values: dict) -> str: ...
