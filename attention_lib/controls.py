"""Slider factory shared by the widgets: ranges and start values on the step grid."""
from __future__ import annotations

import math

import ipywidgets as widgets

LOG_STEP = 0.02


def on_grid(x, step):
    return round(round(x / step) * step, 10)


def slider(description, value, lo, hi, step=0.01, log=False):
    """A slider whose range and start lie on its step grid, so the browser never snaps (and re-sends) the value."""
    kw = dict(description=description, continuous_update=True, readout_format=".2f",
              style={"description_width": "initial"}, layout=widgets.Layout(width="260px"))
    if log:
        lo_e, hi_e, v_e = (on_grid(math.log10(x), LOG_STEP) for x in (lo, hi, value))
        return widgets.FloatLogSlider(base=10, min=lo_e, max=hi_e, step=LOG_STEP, value=10**v_e, **kw)
    return widgets.FloatSlider(min=lo, max=hi, step=step, value=lo + on_grid(value - lo, step), **kw)
