"""Sliders for the widgets: native range inputs that announce their value, and snap in Python too.

A slider steps through a list of values (``options``), each with the text it shows and announces
(``labels``): a screen reader hears "0.5", never an option's index, and never float noise.
Any value set from Python snaps to the nearest option first, so the printed numbers and the
widget in the browser always agree. Logarithmic sliders step through readable values
(…, 0.4, 0.5, 0.6, 0.75, 1, 1.25, …).
"""
from __future__ import annotations

import math

import anywidget
import ipywidgets
import traitlets

from .._paths import STATIC
from ._chart import Source

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


class Slider(anywidget.AnyWidget):
    """A labelled range input over ``options``; ``value`` is always one of them."""

    _esm = STATIC / "slider.js"
    _css = STATIC / "slider.css"
    description = traitlets.Unicode(help="the slider's accessible name, shown before it").tag(sync=True)
    options = traitlets.List(help="the values, in order").tag(sync=True)
    labels = traitlets.List(traitlets.Unicode(), help="each value as shown and announced").tag(sync=True)
    value = traitlets.Any(help="the current value, one of the options").tag(sync=True, echo_update=False)
    # no echo: the browser only ever sends one of the options, so the kernel never has to correct it
    log = traitlets.Bool(False, help="snap to the nearest option on a log scale")

    @traitlets.validate("value")
    def _snap(self, proposal):
        x = float(proposal["value"])
        if self.log:
            return min(self.options, key=lambda v: abs(math.log(v) - math.log(max(x, 1e-300))))
        return min(self.options, key=lambda v: abs(v - x))

    @property
    def label(self):
        """The current value as the slider shows it."""
        return self.labels[self.options.index(self.value)]

    def frame_source(self):
        """The browser holds one of the options in ``value``: each option is a frame."""
        return Source(self, "value", list(self.options), list(self.options))


def slider(description, value, lo, hi, step=0.01, log=False):
    """A slider from ``lo`` to ``hi`` starting at ``value``: on the grid ``lo + k·step``, or, with
    ``log``, over :func:`nice_values`."""
    if log:
        options = nice_values(lo, hi)
        labels = [f"{v:g}" for v in options]
    else:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        options = [on_grid(lo + k * step, lo, step) for k in range(int(round((hi - lo) / step)) + 1)]
        labels = [f"{v:.{decimals}f}" for v in options]
    return choice_slider(description, options, value, labels=labels, log=log)


def choice_slider(description, options, value, labels=None, log=False):
    """A slider over given ``options`` (e.g. the dimensions 4, 16, 64, …), shown as ``labels``."""
    s = Slider(description=description, options=list(options), labels=labels or [str(v) for v in options], log=log,
               value=options[0])
    s.value = value
    return s


def frame_source(control):
    """The :class:`~attention_lib.widgets._chart.Source` of a control with a finite set of values, else None.

    A control that defines ``frame_source()`` says it itself (the course's sliders and steppers). Of
    ipywidgets' own: a selection (drop-down, toggle buttons, radio buttons) moves its ``index``; a checkbox or
    toggle button holds False or True; an integer slider steps from ``min`` to ``max``. Any other control (a
    text box, a float slider) changes the data: the kernel answers it.
    """
    if hasattr(control, "frame_source"):
        return control.frame_source()
    if isinstance(control, ipywidgets.widgets.widget_selection._Selection):
        n = len(control._options_values)
        return Source(control, "index", list(range(n)), list(control._options_values))
    if isinstance(control, (ipywidgets.Checkbox, ipywidgets.ToggleButton)):
        return Source(control, "value", [False, True], [False, True])
    if isinstance(control, ipywidgets.IntSlider):
        values = list(range(control.min, control.max + 1, control.step))
        return Source(control, "value", values, values)
    return None
