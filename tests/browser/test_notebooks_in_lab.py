"""Every notebook, opened in a real JupyterLab in Chromium: Run All completes, nothing errors, widgets render."""

import pytest

from .harness import ROOT, error_outputs, open_notebook, run_all

NOTEBOOKS = [f"{folder}/{p.name}" for folder in ("notebooks", "solutions") for p in sorted((ROOT / folder).glob("*.ipynb"))]


def _count_widget_cells(path):
    import json
    nb = json.loads((ROOT / path).read_text())
    return sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_runs_all_in_jupyterlab(page, lab, path):
    open_notebook(page, lab, path)
    run_all(page)
    assert error_outputs(page) == []
    body = page.inner_text("body")
    assert "Error displaying widget" not in body
    assert "You are reading the fallback text" not in body
    expected_widgets = _count_widget_cells(path)
    rendered = page.locator(".jp-OutputArea-output .widget-vbox, .jp-OutputArea-output .sanity-box").count()
    assert rendered >= expected_widgets, f"{rendered} widget views rendered, {expected_widgets} expected"
    # every figure drew at least once, at the page's device pixel ratio (1 here)
    for canvas in page.locator(".jp-OutputArea-output canvas.chart-canvas").all():
        canvas.scroll_into_view_if_needed()
        width, css_width = canvas.evaluate("e => [e.width, e.getBoundingClientRect().width]")
        assert width > 0 and width == round(css_width)
