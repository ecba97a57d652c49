"""A lesson's stated time ("About 60 minutes") agrees with what reading.py estimates from the notebook."""
import json

import pytest

from attention_lib import _paths
from attention_lib.course import lessons, reading

READY = [lesson.slug for lesson in lessons.ready()]


def _notebook(tmp_path, cells):
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text, outputs=()):
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": list(outputs), "execution_count": 1}


def test_175_words_of_prose_take_one_minute(tmp_path):
    path = _notebook(tmp_path, [_md("word " * 100), _md("# A heading\n\n" + "more " * 73)])
    assert reading.estimate(path, run_seconds=0).prose_words == 175
    assert reading.reading_minutes(path, run_seconds=0) == pytest.approx(1.0)


def test_formulas_links_and_tags_count_as_the_rates_say(tmp_path):
    # "$x^2 + y$" is one word, the display formula half a minute, the link's target and the tag nothing
    text = "Take $x^2 + y$ and [the docs](https://example.org/a-b-c) <br> here:\n\n$$a = b + c$$"
    e = reading.estimate(_notebook(tmp_path, [_md(text)]), run_seconds=0)
    assert (e.prose_words, e.equations) == (6, 1)
    assert e.minutes == pytest.approx(6 / 175 + 0.5)


def test_code_lines_output_lines_widgets_and_running_time(tmp_path):
    printed = {"output_type": "stream", "name": "stdout", "text": "a\nb\n\nc\n"}          # 3 lines
    widget = {"output_type": "display_data", "data": {reading.WIDGET_MIME: {}, "text/plain": "x\ny"}}
    cells = [_code("a = 1\n\nb = 2\n# a comment is read too\n", [printed]), _code("w", [widget]),
             _md("```python\nx = 1\ny = 2\n```")]
    e = reading.estimate(_notebook(tmp_path, cells), run_seconds=30)
    assert (e.code_lines, e.output_lines, e.widgets) == (6, 3, 1)
    assert e.minutes == pytest.approx((6 * 6 + 3 * 2 + 30) / 60 + 2)


def test_the_stated_time_is_read_from_the_opening_cell_only(tmp_path):
    opening = _md("# 09 · Positions\n\n*About 45 minutes. You need lesson 05.*")
    assert reading.stated_minutes(_notebook(tmp_path, [opening, _md("About 10 minutes later")])) == 45
    assert reading.stated_minutes(_notebook(tmp_path, [_md("# No time here"), _md("About 10 minutes")])) is None


@pytest.mark.parametrize("slug", READY)
def test_each_lesson_states_the_time_the_estimate_supports(slug):
    path = _paths.NOTEBOOKS / f"{slug}.ipynb"
    stated, estimated = reading.stated_minutes(path), reading.reading_minutes(path)
    assert stated is not None, f"notebooks/{slug}.ipynb states no time ('*About N minutes.*') in its opening cell"
    assert abs(stated - estimated) <= reading.TOLERANCE_MINUTES, (
        f"notebooks/{slug}.ipynb says about {stated:.0f} minutes, but reading.py estimates {estimated:.1f} "
        f"({reading.estimate(path)}); state the estimate rounded to 5 minutes")
