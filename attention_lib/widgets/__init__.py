"""Live widgets for the lessons: one-line builders, one module per lesson.

``widgets.similarity_explorer()``, ``widgets.temperature_explorer()`` and the rest
return widgets that can be driven from Python and read back as numbers
(``w.values``) or text (``w.readout_text``). numpy computes every number in the kernel;
the browser draws them with the chart layer (``_chart.py`` and ``static/chart.js``). For a control with a
finite set of values, numpy computes the figure at its other values ahead of time and the browser switches
frames as the hand moves (``_chart.FramesAhead``), so a held slider moves at the screen's frame rate.
Widget-wide switches live in ``widgets.settings`` (for example
``widgets.settings.reduce_motion = True``).
"""
from ._base import Explorer
from ._chart import Figure
from ._figures import show_figure
from ._style import settings
from .efficient import online_softmax_stepper
from .gpt import text_sampler
from .masking import mask_editor
from .multihead import head_viewer
from .playground import query_playground
from .positions import rope_explorer
from .qkv import mechanism_stepper
from .similarity import similarity_explorer, widget_scores
from .soft_knn import bandwidth_explorer
from .temperature import scaling_explorer, temperature_explorer
from .training import training_run
from .welcome import sanity_check

__all__ = ["Explorer", "Figure", "bandwidth_explorer", "head_viewer", "mask_editor", "mechanism_stepper",
           "online_softmax_stepper", "query_playground", "rope_explorer", "sanity_check", "scaling_explorer",
           "settings", "show_figure", "similarity_explorer", "temperature_explorer", "text_sampler", "training_run",
           "widget_scores"]
