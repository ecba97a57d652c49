"""A stored timing or memory output is never older than the library code it measured.

Every code cell of ``notebooks/`` and ``solutions/`` that measures time or memory (see ``tests/notebook_code.py``
for what counts) prints ``attention_lib.text.measured_with(...)``: the functions it measured and a hash of their
source. This test (a) fails when such a cell's stored output has no stamp, and (b) recomputes every stamp from
the functions it names and fails when the library has changed since the output was stored.
"""
import importlib
import json
import re

import pytest

from attention_lib import _paths, text

from .notebook_code import analyse, code_cells

STAMP = re.compile(r"measured with (?P<names>\S.*?) \(code (?P<code>[0-9a-f]{8})\)")
NOTEBOOKS = sorted([*_paths.NOTEBOOKS.glob("*.ipynb"), *(_paths.ROOT / "solutions").glob("*.ipynb")])


def resolve(dotted):
    """The function named ``module.qualname``: the longest importable prefix is the module."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"no module in {dotted!r}")


def stamp_problems(path, name=None):
    """What is wrong with the stamps of one notebook: missing, naming what the cell does not call, or stale."""
    name = name or path.relative_to(_paths.ROOT)
    analysis = analyse(path)
    measuring = {cell.index for cell in analysis.measuring}
    found = []
    for cell in analysis.cells:
        stamps = list(STAMP.finditer(cell.text))
        if cell.index in measuring and not stamps:
            found.append(f"{name} cell {cell.index}: it measures time or memory but its stored output has no "
                         f"'measured with ...' line; print attention_lib.text.measured_with(<the functions it "
                         f"measures>) and re-run it with make notebooks")
        for stamp in stamps:
            names = [n.strip() for n in stamp["names"].split(",")]
            try:
                functions = [resolve(n) for n in names]
            except (ImportError, AttributeError) as err:
                found.append(f"{name} cell {cell.index}: its stamp names {stamp['names']!r}, which does not "
                             f"resolve ({err}); re-run it with make notebooks")
                continue
            absent = [n for n, fn in zip(names, functions, strict=True) if fn.__name__ not in cell.source]
            if absent:
                found.append(f"{name} cell {cell.index}: its stamp names {', '.join(absent)}, which the cell "
                             f"never calls")
            now = text.code_hash(*functions)
            if now != stamp["code"]:
                found.append(f"{name} cell {cell.index}: its stored output measured code {stamp['code']} of "
                             f"{stamp['names']}, and that code is now {now}: the output is older than the library; "
                             f"re-run it with make notebooks")
    return found


def test_the_lessons_measuring_cells_are_found():
    """The detector is not vacuous: lesson 05 times and traces memory, 08 traces memory, 01 times two scores."""
    measuring = {path.stem: [c.index for c in analyse(path).measuring] for path in NOTEBOOKS
                 if path.parent == _paths.NOTEBOOKS}
    assert measuring["01_similarity"] and measuring["05_qkv_self_cross"]
    assert len(measuring["08_efficient_attention"]) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_measurement_is_stamped_and_its_stamp_is_current(path):
    found = stamp_problems(path)
    assert found == [], "\n".join(found)


# The checker itself, on small notebooks written here.

def _notebook(tmp_path, *cells):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": source, "execution_count": 1,
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": printed}]}
                    for source, printed in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


HELPER = ("def median_seconds(fn):\n    start = time.perf_counter()\n    fn()\n    return time.perf_counter() - start",
          "")


def test_a_measuring_cell_without_a_stamp_is_reported_but_a_cell_that_only_defines_a_helper_is_not(tmp_path):
    path = _notebook(tmp_path, HELPER, ("t = median_seconds(lambda: al.softmax(x))\nprint(t)", "0.001\n"))
    assert [p.split(":")[0] for p in stamp_problems(path, "lesson")] == ["lesson cell 1"]
    assert "re-run it with make notebooks" in stamp_problems(path, "lesson")[0]


@pytest.mark.parametrize("source", [
    "import timeit\nt = timeit.timeit(lambda: al.softmax(x), number=3)",
    "tracemalloc.start()\nal.softmax(x)\npeak = tracemalloc.get_traced_memory()[1]",
    "%timeit al.softmax(x)",
    "start = time.process_time()\nal.softmax(x)",
])
def test_each_way_of_measuring_is_detected(tmp_path, source):
    assert stamp_problems(_notebook(tmp_path, (source, "")), "lesson")


def test_a_current_stamp_passes_and_a_stale_one_names_the_cell(tmp_path):
    import attention_lib as al

    line = text.measured_with(al.softmax)
    fresh = _notebook(tmp_path, HELPER, ("t = median_seconds(lambda: al.softmax(x))\nprint(stamp)", line + "\n"))
    assert stamp_problems(fresh, "lesson") == []
    stale = _notebook(tmp_path, HELPER, ("t = median_seconds(lambda: al.softmax(x))", line.rsplit(" (code ", 1)[0] + " (code 0badc0de)\n"))
    found = stamp_problems(stale, "lesson")
    assert len(found) == 1 and found[0].startswith("lesson cell 1: ") and "re-run it with make notebooks" in found[0]
    assert "0badc0de" in found[0] and text.code_hash(al.softmax) in found[0]


def test_a_stamp_that_names_a_function_the_cell_does_not_call_is_reported(tmp_path):
    import attention_lib as al

    path = _notebook(tmp_path, HELPER, ("t = median_seconds(lambda: al.softmax(x))", text.measured_with(al.attention)))
    assert stamp_problems(path, "lesson") == ["lesson cell 1: its stamp names attention_lib.attention.attention, "
                                              "which the cell never calls"]


def test_a_stamp_of_a_function_that_no_longer_exists_is_reported(tmp_path):
    path = _notebook(tmp_path, ("import time\nt = time.perf_counter()",
                                "measured with attention_lib.attention.gone (code 12345678)\n"))
    found = stamp_problems(path, "lesson")
    assert len(found) == 1 and "does not resolve" in found[0]


def test_magic_lines_do_not_break_the_reading_of_a_cell(tmp_path):
    cells = code_cells(_notebook(tmp_path, ("!pip list\nif True:\n    %time y = 2", "")))
    assert len(cells) == 1 and cells[0].tree.body
