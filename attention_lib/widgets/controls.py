"""Controls and text readouts shared by the widgets; sliders snap on the Python side too.

A browser slider only keeps values on its own grid and sends the snapped value back
to the kernel. These sliders snap first, so a value set from Python is already the
value the browser keeps, and the printed numbers and the widget always agree.
Logarithmic sliders step through readable values (…, 0.4, 0.5, 0.6, 0.75, 1, 1.25, …).
"""
from __future__ import annotations

import html
import math

import ipywidgets as widgets
import traitlets

NICE = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5)


def nice_values(lo, hi):
    """Readable values from ``lo`` to ``hi``, evenly spread on a log scale."""
    out = []
    for decade in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        out += [round(m * 10.0**decade, 10) for m in NICE if lo - 1e-12 <= m * 10.0**decade <= hi + 1e-12]
    return out


def on_grid(x, lo, step):
    """``x`` rounded to the grid ``lo + k * step``."""
    return round(lo + round((x - lo) / step) * step, 10)


class GridSlider(widgets.FloatSlider):
    @traitlets.validate("value")
    def _validate_value(self, proposal):  # replaces the parent's clamp-only validator
        return min(max(on_grid(proposal["value"], self.min, self.step), self.min), self.max)


class NiceLogSlider(widgets.SelectionSlider):
    """A log-scale slider over :func:`nice_values`; any value set snaps to the nearest one."""

    @traitlets.validate("value")
    def _validate_value(self, proposal):  # replaces "must be one of the options"
        values = [v for _, v in self._options_full]
        return min(values, key=lambda v: abs(math.log(v) - math.log(max(proposal["value"], 1e-300))))


def slider(description, value, lo, hi, step=0.01, log=False):
    """A slider from ``lo`` to ``hi`` starting at ``value``; ``log`` for a logarithmic scale."""
    kw = dict(description=description, continuous_update=True,
              style={"description_width": "initial"}, layout=widgets.Layout(width="260px"))
    if log:
        options = [(f"{v:g}", v) for v in nice_values(lo, hi)]
        s = NiceLogSlider(options=options, **kw)
        s.value = value
        return s
    return GridSlider(min=lo, max=hi, step=step, value=value, readout_format=".2f", **kw)


def readout():
    """The text readout under a widget: every number it shows, for readers, screen readers and tests."""
    w = widgets.HTML(layout=widgets.Layout(margin="4px 0"))
    w.add_class("attention-readout")
    return w


def show(readout_widget, text):
    """Put ``text`` into a readout, announced politely to screen readers."""
    readout_widget.value = f"<pre aria-live='polite' style='margin:0;font-size:0.95em'>{html.escape(text)}</pre>"


def caption(text):
    """A short caption under a figure."""
    return widgets.HTML(f"<div style='font-size:0.9em;color:#444'>{text}</div>")
