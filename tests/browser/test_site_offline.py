"""The reading copy (make html) in Chromium, opened from file:// with every other request refused: the maths is
typeset, every stored figure is drawn, and nothing asks the network for anything."""
import shutil

import nbformat
import pytest

from attention_lib import _paths
from attention_lib.course import lessons
from attention_lib.course.runner import execute
from attention_lib.course.site import build_site

READY = lessons.ready()
INK = """(el) => {
  const c = el.querySelector('canvas'); if (!c || !c.width) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && Math.min(d[i], d[i + 1], d[i + 2]) < 230) n++;
  return n / (c.width * c.height);
}"""



@pytest.fixture
def offline(browser):
    """A page whose requests other than file:// are refused and listed, with its script errors."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    asked, errors = [], []

    def route(r):
        if r.request.url.startswith("file://"):
            return r.continue_()
        asked.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, asked, errors
    context.close()


def test_every_page_typesets_its_maths_and_draws_every_figure_offline(site, offline):
    page, asked, errors = offline
    for path in sorted(site.rglob("*.html")):
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        name = str(path.relative_to(site))
        if path.name != "index.html":
            assert page.locator(".katex").count() > 0, f"{name}: no maths typeset"
        assert page.locator(".katex-error").count() == 0, name
        figures = page.locator(".site-figure")
        for i in range(figures.count()):
            assert figures.nth(i).evaluate(INK) > 0.01, f"{name}: figure {i} is blank"
        assert page.locator(".site-widget:has(.site-figure):not(.site-drawn)").count() == 0, name
        assert page.locator(".site-live-note").count() == page.locator(".site-widget").count(), name
    assert asked == [] and errors == []


def test_a_figure_sent_as_a_binary_buffer_is_drawn_from_its_stored_bytes(tmp_path, offline):
    """A matrix larger than BUFFER_CELLS travels as bytes; nbclient stores them base64 beside the state."""
    lesson = READY[0]
    for kind in ("notebooks", "exercises"):
        (tmp_path / kind).mkdir()
    shutil.copy(_paths.EXERCISES / f"{lesson.slug}.ipynb", tmp_path / "exercises")
    notebook = tmp_path / "notebooks" / f"{lesson.slug}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import numpy as np\n"
        "from attention_lib.widgets._chart import Figure, heatmap, panel\n"
        "fig = Figure(label='a 20 by 20 ramp')\n"
        "fig.show([panel([heatmap(np.arange(400.0).reshape(20, 20), cell_labels=False)])], readout='0 … 399')\n"
        "fig")]), notebook)
    execute(notebook, save=True)
    state = nbformat.read(notebook, as_version=4).metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    assert any(m.get("buffers") for m in state["state"].values()), "the figure was expected to travel as a buffer"
    build_site(tmp_path / "site", [lesson], tmp_path)
    page, asked, errors = offline
    page.goto((tmp_path / "site" / "notebooks" / f"{lesson.slug}.html").as_uri())
    figure = page.locator(".site-figure")
    page.wait_for_function("() => document.querySelector('.site-figure[data-test-marks]')")
    drawn = figure.evaluate("(el) => JSON.parse(el.dataset.testMarks)[0][0]")   # the heatmap's numbers, as drawn
    assert drawn == list(range(400))
    assert figure.evaluate(INK) > 0.2 and asked == [] and errors == []
