"""Every widget-wide setting in one place: palettes, fonts and motion.

Change a setting for the whole course from a notebook::

    from attention_lib import widgets
    widgets.settings.reduce_motion = True      # no animation anywhere
"""
from __future__ import annotations

from dataclasses import dataclass

SEQUENTIAL = "viridis"      # colour-blind safe, for ordered things (keys coloured by index)
HEATMAP = "cividis"         # colour-blind safe, also readable in greyscale
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
"""Okabe–Ito categorical colours: distinct for colour-blind readers too."""
ACCENT = {"data": "#3b528b", "fit": "#21918c", "weights": "#5ec962", "highlight": "#fde725", "output": "crimson"}
"""Named viridis stops, for figures whose parts are not ordered."""
FONT = {"font.size": 12}    # readable on a projector


@dataclass
class Settings:
    """Switches that apply to every widget built after they are set."""

    reduce_motion: bool = False
    """Turn off every animation (the browser's ``prefers-reduced-motion`` is honoured too)."""


settings = Settings()


def sequential_colors(n):
    """``n`` colours from the sequential palette, light enough to read text on."""
    import numpy as np
    from matplotlib import colormaps

    return [colormaps[SEQUENTIAL](t) for t in np.linspace(0.05, 0.9, n)]


def mpl_style():
    """A context manager applying the course's matplotlib settings."""
    import matplotlib

    return matplotlib.rc_context(FONT)
