"""Every lesson carries slide metadata that a slideshow tool reads: headings start slides."""
import json
import re
import subprocess
import sys

import pytest

from attention_lib import _paths
from attention_lib.course import lessons
from attention_lib.course.passes import stamp_slides

READY = [lesson.slug for lesson in lessons.ready()]


def _cells(slug):
    return json.loads((_paths.NOTEBOOKS / f"{slug}.ipynb").read_text(encoding="utf-8"))["cells"]


def _text(cell):
    return "".join(cell["source"]).lstrip()


@pytest.mark.parametrize("slug", READY)
def test_headings_start_slides_and_nothing_but_setup_is_skipped(slug):
    cells = _cells(slug)
    kinds = [c["metadata"].get("slideshow", {}).get("slide_type") for c in cells]
    assert set(kinds) <= {"slide", "subslide", "-", "skip"}, "run `make instructor`"
    assert kinds[0] == "slide"
    for cell, kind in zip(cells, kinds, strict=True):
        heading = re.match(r"(#+) ", _text(cell)) if cell["cell_type"] == "markdown" else None
        if heading:
            assert kind == ("slide" if len(heading.group(1)) <= 2 else "subslide"), _text(cell)[:60]
        if kind == "skip":                                           # only imports: nothing to show
            assert cell["cell_type"] == "code" and not any("display_data" == o["output_type"] for o in cell["outputs"])
            assert all(line.startswith(("import", "from", "#", "warnings", "plt.", "np.", "%")) or not line.strip()
                       for line in _text(cell).splitlines())
    assert kinds.count("skip") <= 1 and kinds.count("slide") + kinds.count("subslide") >= 5


@pytest.mark.parametrize("slug", READY)
def test_stamping_again_changes_nothing(slug):
    nb = json.loads((_paths.NOTEBOOKS / f"{slug}.ipynb").read_text(encoding="utf-8"))
    assert stamp_slides(nb) == nb


def test_nbconvert_makes_one_section_per_slide_and_subslide(tmp_path):
    slug = READY[0]
    tops = sum(1 for c in _cells(slug) if c["cell_type"] == "markdown" and re.match(r"#{1,2} ", _text(c)))
    subs = sum(1 for c in _cells(slug) if c["cell_type"] == "markdown" and re.match(r"### ", _text(c)))
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", "--output-dir", str(tmp_path),
                    str(_paths.NOTEBOOKS / f"{slug}.ipynb")], check=True, capture_output=True, timeout=120)
    html = (tmp_path / f"{slug}.slides.html").read_text(encoding="utf-8")
    # reveal.js stacks vertically: a slide is a column (<section>) whose first sub-slide is its own <section>
    assert html.count("<section") == 2 * tops + subs
