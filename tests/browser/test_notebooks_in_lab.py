"""Every lesson, opened in a real JupyterLab in Chromium: Run All completes, nothing errors, every output equals
the one stored in the file by nbval's strict rules (tests/stored_outputs_compare.py: this is the lessons' only run
in make test), widgets render and draw; and on each lesson, run once for all of it, axe-core finds no violation in
the course's own content.

The axe scan covers what the course wrote: the rendered Markdown cells and the outputs (text, figures, widgets).
JupyterLab's own parts (toolbar, prompts, code editors) are not the course's to fix, and are not scanned: scanning
every syntax-highlighted token of the code editors took over half of each scan's time.
"""
import json

import pytest

from attention_lib.course.site import npm_ci

from ..stored_outputs_compare import differences
from .harness import ROOT, close_documents, error_outputs, kernel_eval, open_notebook, run_all

# The lessons, run here and nowhere else in make test. The solution notebooks hold no widget (a test below says
# so): nbval runs each of them strictly in make test, and tests/browser/test_exercise_feedback_in_lab.py shows a
# check's verdict rendered in JupyterLab.
NOTEBOOKS = [f"notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
AXE_DIR = ROOT / "tests" / "browser" / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"

SCAN_JS = """async () => {
  const ours = ['.jp-RenderedHTMLCommon', '.jp-OutputArea-output'];
  const result = await axe.run({include: ours.map((s) => [s])}, {resultTypes: ['violations']});
  const inOurs = (el) => !!el && !!el.closest(ours.join(', '));
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => {
      const el = document.querySelector(n.target[0]);
      return {target: n.target.join(' '), ours: inOurs(el), html: n.html.slice(0, 160)};
    }),
  }));
}"""


@pytest.fixture(scope="session")
def axe_source():
    npm_ci(AXE_DIR, AXE)                                  # the one place axe is installed: its lockfile
    return AXE.read_text(encoding="utf-8")


def _stored(path):
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


def _count_widget_cells(nb):
    return sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


def _assert_no_axe_violation_of_ours(page, axe_source, name, tmp_path_factory):
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(SCAN_JS)
    ours = [(v["id"], v["impact"], v["help"], n["target"], n["html"])
            for v in violations for n in v["nodes"] if n["ours"]]
    theirs = sorted({(v["id"], v["impact"]) for v in violations for n in v["nodes"] if not n["ours"]})
    report = tmp_path_factory.getbasetemp() / "axe" / f"{name}.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps({"course": ours, "jupyterlab": theirs}, indent=1))
    assert not ours, f"{name}: axe violations in the course's own content (JupyterLab's: {theirs}):\n" + \
        "\n".join(f"  {i} ({impact}): {help_} at {target}: {html}" for i, impact, help_, target, html in ours)


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_runs_all_in_jupyterlab(page, lab, path, axe_source, tmp_path_factory):
    open_notebook(page, lab, path)
    run_all(page)
    assert error_outputs(page) == []
    ran = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")
    stored = _stored(path)
    differ = differences(stored["cells"], ran["cells"])
    assert differ == [], f"{path}: outputs differ from the stored ones:\n" + "\n".join(differ)
    body = page.inner_text("body")
    assert "Error displaying widget" not in body
    assert "You are reading the fallback text" not in body
    expected_widgets = _count_widget_cells(stored)
    rendered = page.locator(".jp-OutputArea-output .widget-vbox, .jp-OutputArea-output .sanity-box").count()
    assert rendered >= expected_widgets, f"{rendered} widget views rendered, {expected_widgets} expected"
    # every figure drew at least once, at the page's device pixel ratio (1 here)
    for canvas in page.locator(".jp-OutputArea-output canvas.chart-canvas").all():
        canvas.scroll_into_view_if_needed()
        width, css_width = canvas.evaluate("e => [e.width, e.getBoundingClientRect().width]")
        assert width > 0 and width == round(css_width)
    _assert_no_axe_violation_of_ours(page, axe_source, path.split("/")[1], tmp_path_factory)


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.name for p in SOLUTIONS])
def test_a_solution_notebook_has_no_widget_so_nbval_covers_what_it_shows(path):
    assert _count_widget_cells(_stored(path)) == 0


def test_the_axe_scan_finds_a_violation_planted_in_markdown_and_in_an_output(page, lab, axe_source, tmp_path_factory):
    open_notebook(page, lab, "notebooks/00_welcome.ipynb")
    page.evaluate("""() => {
      document.querySelector('.jp-RenderedHTMLCommon').insertAdjacentHTML('beforeend', '<img src="planted-a.png">');
      document.querySelector('.jp-OutputArea-output').insertAdjacentHTML('beforeend', '<img src="planted-b.png">');
    }""")
    with pytest.raises(AssertionError) as caught:
        _assert_no_axe_violation_of_ours(page, axe_source, "planted", tmp_path_factory)
    assert "image-alt" in str(caught.value)
    assert "planted-a.png" in str(caught.value) and "planted-b.png" in str(caught.value)


def test_a_notebook_opened_after_its_kernels_were_shut_down_starts_a_fresh_kernel(page, lab):
    """What the page fixture does between tests: the next test's notebook opens in the same JupyterLab, and its
    kernel holds nothing of the last test's."""
    open_notebook(page, lab, "notebooks/00_welcome.ipynb")
    kernel_eval(page, "left_behind = 42")
    assert kernel_eval(page, "print('left_behind' in globals())").strip() == "True"
    close_documents(page, lab)
    assert lab.shutdown_kernels() >= 1
    open_notebook(page, lab, "notebooks/00_welcome.ipynb")
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path") == "notebooks/00_welcome.ipynb"
    assert kernel_eval(page, "print('left_behind' in globals())").strip() == "False"
    assert page.locator(".jp-NotebookPanel").count() == 1       # the closed notebook's view is gone
