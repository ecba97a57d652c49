"""A figure of measured data says its numbers in alt text computed from them, never in words typed once.

A timing or memory figure changes with every run, so alt text written by hand goes stale the first time the
notebook is re-run. This test finds every ``show_figure`` / ``render_figure`` call in ``notebooks/`` and
``solutions/`` whose cell plots measured data (``tests/notebook_code.py`` follows measured values from the cell
that measured them, through the names they were stored in) and fails when its ``alt`` is literal text. A figure
of fixed, seeded data may keep literal alt text: its numbers cannot change without its code changing.
"""
import json

import pytest

from attention_lib import _paths

from .notebook_code import alt_argument, analyse, is_literal_text

NOTEBOOKS = sorted([*_paths.NOTEBOOKS.glob("*.ipynb"), *(_paths.ROOT / "solutions").glob("*.ipynb")])


def literal_alt_on_measured_figures(path, name=None):
    name = name or path.relative_to(_paths.ROOT)
    found = []
    for cell, call, measured in analyse(path).figures:
        alt = alt_argument(call)
        if measured and (alt is None or is_literal_text(alt)):
            found.append(f"{name} cell {cell.index}, line {call.lineno}: a figure of measured data with literal "
                         f"alt text; build the alt text from the numbers it plots (an f-string)")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_measured_figures_have_alt_text_computed_from_their_numbers(path):
    found = literal_alt_on_measured_figures(path)
    assert found == [], "\n".join(found)


def test_the_lessons_measured_figures_are_found():
    """Lesson 05's time-and-memory figure plots measurements; lesson 08's tile diagram and lesson 04's masks do not."""
    figures = {path.stem: [m for _, _, m in analyse(path).figures] for path in NOTEBOOKS if path.parent == _paths.NOTEBOOKS}
    assert figures["05_qkv_self_cross"].count(True) == 1
    assert figures["08_efficient_attention"] == [False]
    assert figures["04_masking"] == [False, False]


# The checker itself, on small notebooks written here.

def _notebook(tmp_path, *sources):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": s, "execution_count": 1, "outputs": []}
                    for s in sources], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


TIMED = ("seconds = []\nfor n in sizes:\n    start = time.perf_counter()\n    al.attention(*qkv[n])\n"
         "    seconds.append(time.perf_counter() - start)")
PLOT = "fig, ax = plt.subplots()\nax.loglog(sizes, seconds)\n"


@pytest.mark.parametrize("alt", [
    'alt="Time grows with slope near 2."',
    'alt=("Time grows " "with slope 2.")',
    'alt=f"Time grows with slope near 2."',
    'alt="Time grows " + "with slope 2."',
])
def test_literal_alt_text_on_a_timing_figure_is_reported(tmp_path, alt):
    path = _notebook(tmp_path, TIMED, PLOT + f"widgets.show_figure(fig, {alt})")
    assert literal_alt_on_measured_figures(path, "lesson") == [
        "lesson cell 1, line 3: a figure of measured data with literal alt text; build the alt text from the "
        "numbers it plots (an f-string)"]


@pytest.mark.parametrize("alt", [
    'alt=f"Time grows with slope {slope(sizes, seconds):.2f}."',
    'alt="Time: " + ", ".join(f"{s:.3f}" for s in seconds)',
    "alt=describe(seconds)",
])
def test_alt_text_computed_from_the_numbers_passes(tmp_path, alt):
    path = _notebook(tmp_path, TIMED, PLOT + f"widgets.show_figure(fig, {alt})")
    assert literal_alt_on_measured_figures(path, "lesson") == []


def test_a_figure_of_fixed_data_may_keep_literal_alt_text(tmp_path):
    path = _notebook(tmp_path, "keys = np.eye(3)", "fig, ax = plt.subplots()\nax.imshow(keys)\n"
                     'widgets.show_figure(fig, alt="The 3-by-3 identity.")')
    assert literal_alt_on_measured_figures(path, "lesson") == []


def test_measured_data_is_followed_through_a_helper_and_a_copy(tmp_path):
    helper = "def peak(fn):\n    tracemalloc.start()\n    fn()\n    return tracemalloc.get_traced_memory()[1]"
    measure = "peaks = [peak(lambda: al.attention(*qkv[n])) for n in sizes]"
    copy = "mib = np.array(peaks) / 2**20"
    plot = 'fig, ax = plt.subplots()\nax.plot(sizes, mib)\nwidgets.render_figure(fig, "Memory grows.")'
    found = literal_alt_on_measured_figures(_notebook(tmp_path, helper, measure, copy, plot), "lesson")
    assert [f.split(",")[0] for f in found] == ["lesson cell 3"]


def test_a_name_assigned_afresh_is_no_longer_measured(tmp_path):
    reuse = "seconds = np.array([1.0, 2.0])"
    path = _notebook(tmp_path, TIMED, reuse, PLOT + 'widgets.show_figure(fig, alt="Two fixed bars.")')
    assert literal_alt_on_measured_figures(path, "lesson") == []
