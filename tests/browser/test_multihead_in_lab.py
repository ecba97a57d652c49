"""The head viewer in JupyterLab: driven by its head selector, by the pointer over a row and by the
keyboard on a row, its readout is exactly the kernel-side widget's and its heatmaps are numpy's weights,
from frames sent ahead (even with the kernel busy).

The page runs at device scale factor 2 (a HiDPI screen).
"""
import json

import numpy as np
import pytest

from attention_lib import widgets
from attention_lib.data import two_head_toy
from tests.widgets.test_multihead import loop_weights

from .ahead import kernel_busy, next_frame, until_kernel, wait_ahead
from .harness import (
    driven_notebook,
    kernel_eval,
    readout,
    screenshot_output,
    slider,
    wait_readout,
    wait_readout_change,
)
from .test_chart_module import chart  # noqa: F401 (the fixture that imports chart.js into a page)

CELL = 1
BUILDERS = ["from attention_lib import widgets", "w = widgets.head_viewer(query=6); w"]
DPR = 2


@pytest.fixture(scope="module")
def viewer(browser, lab, tmp_path_factory):
    with driven_notebook(browser, lab, "head_viewer.ipynb", BUILDERS, dpr=DPR) as page:
        page.locator(".jp-CodeCell").nth(CELL).locator(".chart-band").first.wait_for()
        yield page
        screenshot_output(page, CELL, tmp_path_factory, f"head_viewer_x{DPR}.png")


@pytest.fixture(scope="module")
def toy_weights():
    x, params, mask, _ = two_head_toy()
    w = loop_weights(x, params, 2, mask)                            # (2, 8, 8), independent of the widget
    return [np.where(mask, m, np.nan) for m in (*w, w.mean(axis=0))]


def _cell(page):
    return page.locator(".jp-CodeCell").nth(CELL)


def _state(page):
    """The kernel's head and query row."""
    return json.loads(kernel_eval(page, "import json; print(json.dumps([w.controls['head'].value, w.query]))"))


def _kernel_hears(page, head, query):
    """Wait until the kernel's head and query row are these (the page draws first, from frames sent ahead; the
    kernel hears of the change afterwards)."""
    return until_kernel(page, "[w.controls['head'].value, w.query]", [head, query])


def _twin(head, query):
    """The same widget built here, on the same head and row: its readout is what the page must show."""
    twin = widgets.head_viewer(head=head, query=query)
    return twin.readout_text


def _band(page, panel, row):
    return _cell(page).locator(".chart-rows").nth(panel).locator(f"[data-test-row='{row}']")


def _drawn(page):
    """Each panel's heatmap as drawn (null = blocked), read back from the canvas's test hook."""
    marks = json.loads(_cell(page).locator("[data-test-marks]").first.get_attribute("data-test-marks"))
    return [np.array([np.nan if v is None else v for v in panel[0]]).reshape(8, 8) for panel in marks]


def _settle(page):
    """Wait until the canvas has drawn the kernel's latest panels (aria-label and test hooks follow the draw)."""
    page.wait_for_timeout(200)


def test_head_selector_steps_the_readout_and_widens_the_head(viewer, toy_weights):
    head, query = _state(viewer)
    key = "ArrowRight" if head == 0 else "ArrowLeft"
    before = readout(viewer, CELL)
    s = slider(viewer, CELL, "head")
    s.scroll_into_view_if_needed()
    s.focus()
    s.press(key)
    shown = wait_readout_change(viewer, CELL, before)
    new_head, new_query = _kernel_hears(viewer, 1 - head, query)
    assert shown == _twin(new_head, query)
    assert s.get_attribute("aria-valuetext") == ["0: previous token", "1: same type"][new_head]
    _settle(viewer)
    for drawn, want in zip(_drawn(viewer), toy_weights, strict=True):
        np.testing.assert_allclose(drawn, want, atol=1e-12, equal_nan=True)
    label = _cell(viewer).locator("canvas.chart-canvas").get_attribute("aria-label")
    assert f"head {new_head}: {['previous token', 'same type'][new_head]}  ◀ selected" in label
    widths = [_band(viewer, p, 0).bounding_box()["width"] for p in (0, 1)]
    assert widths[new_head] > 1.3 * widths[1 - new_head]           # the selected head is drawn wider


def test_pointer_over_a_row_prints_that_row(viewer, toy_weights):
    head, query = _state(viewer)
    row = 3 if query != 3 else 4
    before = readout(viewer, CELL)
    band = _band(viewer, 0, row)
    band.scroll_into_view_if_needed()
    _settle(viewer)                                                 # the scroll ends before the box is read
    box = band.bounding_box()
    viewer.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    shown = wait_readout_change(viewer, CELL, before)
    viewer.mouse.move(0, 0)                                         # leave the heatmaps before the next test
    assert _kernel_hears(viewer, head, row) == [head, row] and shown == _twin(head, row)
    _settle(viewer)
    assert band.get_attribute("aria-selected") == "true"
    label = band.get_attribute("aria-label")                       # the row, as numpy computed it
    assert label.startswith(f"row {['A0', 'B1', 'A2', 'C3', 'B4'][row]}: A0 ")
    assert label.count("blocked") == 7 - row
    assert f"row {row} highlighted" in _cell(viewer).locator("canvas.chart-canvas").get_attribute("aria-label")


def test_arrow_keys_move_the_focused_row_and_the_readout(viewer):
    head, _ = _state(viewer)
    first = _band(viewer, 2, 1)                                    # the average's heatmap, row B1
    first.scroll_into_view_if_needed()
    first.focus()
    assert wait_readout(viewer, CELL, _twin(head, 1)) == _twin(head, 1)   # focus selects the row
    for key, row in [("ArrowDown", 2), ("ArrowDown", 3), ("End", 7), ("ArrowUp", 6), ("Home", 0)]:
        viewer.keyboard.press(key)
        assert wait_readout(viewer, CELL, _twin(head, row)) == _twin(head, row)
        assert _kernel_hears(viewer, head, row) == [head, row]
        focused = viewer.evaluate("() => [document.activeElement.className, document.activeElement.dataset.testRow]")
        assert focused == ["chart-band", str(row)]                 # the redraw kept the learner's place
    viewer.keyboard.press("ArrowUp")                                # already at the top: stays
    assert viewer.evaluate("() => document.activeElement.dataset.testRow") == "0"


def test_tab_reaches_the_selector_and_then_the_rows(viewer):
    s = slider(viewer, CELL, "head")
    s.focus()
    viewer.keyboard.press("Tab")
    active = viewer.evaluate("() => [document.activeElement.className, document.activeElement.getAttribute('role'), "
                             "document.activeElement.parentElement.getAttribute('aria-label')]")
    assert active[:2] == ["chart-band", "option"]
    assert active[2].startswith("head 0: previous token weights: one row at a time")


def test_rows_are_named_and_their_bands_cover_the_cells(chart):  # noqa: F811
    cells = [{"x": 10 + 20 * c, "y": 5 + 30 * r, "w": 20, "h": 30} for r in range(3) for c in range(4)]
    bands = chart("return chart.rowBands(args[0], 3, 4);", cells)
    assert bands == [{"x": 10, "y": 5 + 30 * r, "w": 80, "h": 30} for r in range(3)]
    moves = chart("return ['ArrowUp', 'ArrowDown', 'Home', 'End', 'PageDown', 'PageUp', 'a'].map((k) => chart.nextRow(k, 0, 8));")
    assert moves == [0, 1, 0, 7, 5, 0, None]


def test_with_the_kernel_busy_the_head_selector_and_the_rows_draw_numpys_weights(viewer, toy_weights):
    page = viewer
    wait_ahead(page, CELL)
    head, query = _state(page)
    s = slider(page, CELL, "head")
    s.scroll_into_view_if_needed()
    s.focus()
    with kernel_busy(page):
        for key in ("ArrowRight", "ArrowLeft", "End"):
            s.press(key)
            next_frame(page)
            shown = int(s.get_attribute("aria-valuetext")[0])
            assert readout(page, CELL) == _twin(shown, query)
            for drawn, want in zip(_drawn(page), toy_weights, strict=True):
                np.testing.assert_allclose(drawn, want, atol=1e-12, equal_nan=True)
            label = _cell(page).locator("canvas.chart-canvas").get_attribute("aria-label")
            assert f"{['previous token', 'same type'][shown]}  ◀ selected" in label
    until_kernel(page, "w.controls['head'].value", 1)
    wait_ahead(page, CELL)                                          # the rows' frames for head 1
    with kernel_busy(page):
        for row in (2, 5, 0):
            band = _band(page, 1, row)
            box = band.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            next_frame(page)
            assert readout(page, CELL) == _twin(1, row)
            assert band.get_attribute("aria-selected") == "true"
            assert f"row {row} highlighted" in _cell(page).locator("canvas.chart-canvas").get_attribute("aria-label")
    page.mouse.move(0, 0)
