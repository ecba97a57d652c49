"""Every widget-wide setting in one place: palettes, fonts and motion.

The palettes are data: the kernel colours marks with them, and the same tables are sent to the
browser (:data:`PALETTES`), where the chart layer colours heatmaps and draws colour bars. There is
no second copy in JavaScript.

Change a setting for the whole course from a notebook::

    from attention_lib import widgets
    widgets.settings.reduce_motion = True      # no animation anywhere
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VIRIDIS = ("#440154", "#48186a", "#472d7b", "#424086", "#3b528b", "#33638d", "#2c728e", "#26828e", "#21918c",
           "#1fa088", "#28ae80", "#3fbc73", "#5ec962", "#84d44b", "#addc30", "#d8e219", "#fde725")
"""viridis at 17 evenly spaced stops (colour-blind safe, ordered); colours in between are interpolated."""
CIVIDIS = ("#00224e", "#002e6a", "#1a386f", "#32436d", "#434e6c", "#535a6d", "#61656f", "#6f7073", "#7d7c78",
           "#8c8878", "#9b9476", "#aba072", "#bcae6c", "#cdbb63", "#dec958", "#f0d846", "#fee838")
"""cividis at 17 evenly spaced stops: colour-blind safe and readable in greyscale."""
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
"""Okabe–Ito categorical colours: distinct for colour-blind readers too."""

PALETTES = {"viridis": VIRIDIS, "cividis": CIVIDIS, "okabe_ito": OKABE_ITO}
"""Every palette by name; the chart layer receives this dictionary as data."""
SEQUENTIAL = "viridis"      # for ordered things (keys coloured by index)
HEATMAP = "cividis"         # for matrices
ACCENT = {"data": VIRIDIS[4], "fit": VIRIDIS[8], "weights": VIRIDIS[12], "highlight": VIRIDIS[16],
          "output": OKABE_ITO[5], "row": OKABE_ITO[5], "query": "#222222", "reference": "#777777"}
"""Named colours for figures whose parts are not ordered."""
FONT_PX = 14
"""Smallest text in a figure, in CSS pixels: readable on a projector."""
FONT = {"font.size": 12}
"""matplotlib settings for the lessons' static figures (``plt.rcParams.update(FONT)``): readable on a projector."""


@dataclass
class Settings:
    """Switches that apply to every widget built after they are set."""

    reduce_motion: bool = False
    """Turn off every animation (the browser's ``prefers-reduced-motion`` is honoured too)."""


settings = Settings()


def hex_to_rgb(colors):
    """``#rrggbb`` strings as an (n, 3) array of floats in [0, 1]."""
    return np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in colors])   # (n, 3)


def palette_colors(name, t):
    """Colours of the palette ``name`` at positions ``t`` in [0, 1], as ``#rrggbb`` strings.

    Linear interpolation between the palette's stops, as the browser does for heatmaps.
    """
    stops = hex_to_rgb(PALETTES[name])                                     # (m, 3)
    where = np.clip(np.asarray(t, float), 0, 1) * (len(stops) - 1)        # (n,)
    rgb = np.stack([np.interp(where, np.arange(len(stops)), stops[:, j]) for j in range(3)], axis=-1)   # (n, 3)
    return ["#%02x%02x%02x" % tuple(int(round(255 * c)) for c in row) for row in rgb]


def sequential_colors(n):
    """``n`` colours from the sequential palette, light enough to read text on."""
    return palette_colors(SEQUENTIAL, np.linspace(0.05, 0.9, n))
