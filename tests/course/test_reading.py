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


def _md(text, tags=()):
    return {"cell_type": "markdown", "metadata": {"tags": list(tags)}, "source": text}


def _code(text, outputs=(), tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": text, "outputs": list(outputs),
            "execution_count": 1}


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


def test_an_optional_part_is_counted_apart_from_the_core(tmp_path):
    # 350 core words (2 minutes) and the running time; 175 optional words and 10 optional code lines (2 minutes)
    cells = [_md("core " * 175), _md("optional " * 175, tags=["optional"]),
             _code("x = 1\n" * 10, tags=["optional", "nbval-ignore-output"]), _md("core " * 175)]
    path = _notebook(tmp_path, cells)
    assert reading.estimate(path, part="core").prose_words == 350
    assert reading.reading_minutes(path, part="core") == pytest.approx(2 + reading.RUN_SECONDS / 60)
    optional = reading.estimate(path, part="optional")
    assert (optional.prose_words, optional.code_lines, optional.run_seconds) == (175, 10, 0)
    assert reading.reading_minutes(path, part="optional") == pytest.approx(2.0)
    assert reading.reading_minutes(path, part="all") == pytest.approx(4 + reading.RUN_SECONDS / 60)
    with pytest.raises(ValueError, match="part must be one of"):
        reading.estimate(path, part="stretch")


def test_the_optional_time_is_read_from_the_opening_cell(tmp_path):
    both = _md("# 07 · Training\n\n*About 60 minutes, plus 20 for the optional part on induction heads.*")
    path = _notebook(tmp_path, [both])
    assert (reading.stated_minutes(path), reading.stated_optional_minutes(path)) == (60, 20)
    core_only = _notebook(tmp_path, [_md("*About 45 minutes. Then 20 for the optional part.*")])
    assert (reading.stated_minutes(core_only), reading.stated_optional_minutes(core_only)) == (45, None)


@pytest.mark.parametrize("slug", READY)
def test_each_lesson_states_the_time_the_estimate_supports(slug):
    path = _paths.NOTEBOOKS / f"{slug}.ipynb"
    stated, estimated = reading.stated_minutes(path), reading.reading_minutes(path, part="core")
    assert stated is not None, f"notebooks/{slug}.ipynb states no time ('*About N minutes.*') in its opening cell"
    assert abs(stated - estimated) <= reading.TOLERANCE_MINUTES, (
        f"notebooks/{slug}.ipynb says about {stated:.0f} minutes, but reading.py estimates {estimated:.1f} "
        f"({reading.estimate(path, part='core')}); state the estimate rounded to 5 minutes")


@pytest.mark.parametrize("slug", READY)
def test_a_lesson_with_an_optional_part_states_its_time_too(slug):
    path = _paths.NOTEBOOKS / f"{slug}.ipynb"
    tagged = any(reading.is_optional(cell) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"])
    stated = reading.stated_optional_minutes(path)
    if not tagged:
        assert stated is None, f"notebooks/{slug}.ipynb states a time for an optional part but tags no cell 'optional'"
        return
    optional = reading.estimate(path, part="optional")
    assert stated is not None, (f"notebooks/{slug}.ipynb has cells tagged 'optional' but its opening cell does not "
                                f"say '*About N minutes, plus M for the optional part …*'")
    assert abs(stated - optional.minutes) <= reading.TOLERANCE_MINUTES, (
        f"notebooks/{slug}.ipynb says {stated:.0f} minutes for its optional part, but reading.py estimates "
        f"{optional.minutes:.1f} ({optional}); state the estimate rounded to 5 minutes")
