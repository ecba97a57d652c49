"""The mask editor in JupyterLab: a click on a mask cell, and the keyboard, change the mask; the readout
becomes exactly what the widget computes in Python, and the weights drawn are numpy's. The preset controls
move through frames numpy sent ahead, even with the kernel busy; a click waits for the kernel.

The page runs at device scale factor 2 (a HiDPI screen).
"""
import json

import numpy as np
import pytest

from attention_lib import widgets
from attention_lib.widgets.masking import MASK_EDITOR_SCORES

from ..widgets.test_masking import reference_mask, reference_weights
from .ahead import kernel_busy, next_frame, until_kernel, wait_ahead
from .harness import driven_notebook, kernel_eval, readout, screenshot_output, slider, wait_readout_change

CELL = 1                                                 # the editor's code cell
DPR = 2


@pytest.fixture(scope="module")
def editor_page(browser, lab, tmp_path_factory):
    cells = ["from attention_lib import widgets", "editor = widgets.mask_editor(); editor"]
    with driven_notebook(browser, lab, "mask_editor.ipynb", cells, dpr=DPR) as page:
        page.locator(".jp-CodeCell").nth(CELL).locator("canvas.chart-canvas").scroll_into_view_if_needed()
        yield page
        screenshot_output(page, CELL, tmp_path_factory, f"mask_editor_x{DPR}.png")


def _cell(page):
    return page.locator(".jp-CodeCell").nth(CELL)


def _mask_cell(page, row, col):
    return _cell(page).locator(f"[data-test-row='{row}'][data-test-col='{col}']")


def _kernel_mask(page):
    return np.array(json.loads(kernel_eval(page, "import json; print(json.dumps(editor.mask.tolist()))")), bool)


def _drawn(page):
    """The numbers the canvas drew: panels -> marks -> values (row-major, null for blocked)."""
    marks = json.loads(_cell(page).locator("[data-test-marks]").first.get_attribute("data-test-marks"))
    return [[np.array([np.nan if v is None else v for v in values], float) if isinstance(values, list) else values
             for values in panel] for panel in marks]


def _wait_drawn(page, mask):
    """Wait until the canvas has drawn the mask the kernel holds (the mask panel: 1, or null for blocked)."""
    page.wait_for_function(
        """([i, want]) => {
            const host = document.querySelectorAll('.jp-CodeCell')[i].querySelector('[data-test-marks]');
            const got = host && JSON.parse(host.dataset.testMarks)[0][0];
            return got && got.length === want.length && got.every((v, k) => v === want[k]);
        }""", arg=[CELL, [1 if m else None for m in mask.ravel().tolist()]], timeout=10_000)


def _fresh(page, **settings):
    """Put the kernel's editor back to a known state (whatever ran before); return its Python twin."""
    twin = widgets.mask_editor(**settings)
    c = twin.controls
    kernel_eval(page, f"editor.controls['preset'].value = {c['preset'].value!r}\n"
                      f"editor.controls['length'].value = {c['length'].value!r}\n"
                      f"editor.controls['side'].value = {c['side'].value!r}\n"
                      "editor.reset()")
    page.wait_for_function(
        """([i, want]) => document.querySelectorAll('.jp-CodeCell')[i].querySelector('pre.attention-readout')
                                  .innerText === want""", arg=[CELL, twin.readout_text], timeout=10_000)
    _wait_drawn(page, twin.mask)
    return twin


def _expect(twin, page, mask):
    """The page shows what the Python twin computes, and draws numpy's weights for ``mask``."""
    assert readout(page, CELL) == twin.readout_text
    # the page draws a click from the frames sent ahead; the kernel hears of it afterwards
    assert until_kernel(page, "editor.mask.tolist()", mask.tolist()) == twin.mask.tolist()
    _wait_drawn(page, mask)
    drawn = _drawn(page)
    weights = reference_weights(MASK_EDITOR_SCORES, mask)
    np.testing.assert_allclose(drawn[1][0].reshape(mask.shape), weights, rtol=0, atol=1e-12)   # the weights heatmap
    np.testing.assert_allclose(drawn[2][0], weights.sum(axis=-1), rtol=0, atol=1e-12)          # the row sums
    empty = [i for i, row in enumerate(mask) if not row.any()]
    assert len(drawn[1]) - 1 == len(empty)               # one outline per fully masked row, nothing else
    label = _cell(page).locator("canvas.chart-canvas").get_attribute("aria-label")
    assert all(f"query {i} is fully masked" in label for i in empty)
    assert f"query {len(mask)} is fully masked" not in label


def test_a_click_on_a_mask_cell_updates_readout_weights_and_row_sums(editor_page):
    page, twin = editor_page, _fresh(editor_page)
    mask = twin.mask.copy()
    _expect(twin, page, mask)                            # the start: rows 0 and 1 are fully masked
    assert "fully masked rows 0, 1" in readout(page, CELL)
    before = readout(page, CELL)
    target = _mask_cell(page, 1, 1)
    box = target.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)   # a click where the cell is drawn
    wait_readout_change(page, CELL, before)
    twin.toggle(1, 1)
    mask[1, 1] = True
    _expect(twin, page, mask)
    assert "fully masked row 0:" in readout(page, CELL)
    assert _mask_cell(page, 1, 1).get_attribute("aria-label") == "row 1, column 1: 1"
    assert _mask_cell(page, 1, 2).get_attribute("aria-label") == "row 1, column 2: blocked"


def test_mask_cells_toggle_from_the_keyboard(editor_page):
    page, twin = editor_page, _fresh(editor_page)
    mask = twin.mask.copy()
    before = readout(page, CELL)
    _mask_cell(page, 0, 0).focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowDown", "ArrowDown", "ArrowDown"):
        page.keyboard.press(key)                         # (0, 0) -> (0, 3) -> (3, 3)
    page.keyboard.press("Enter")                         # block query 3's own key
    shown = wait_readout_change(page, CELL, before)
    twin.toggle(3, 3)
    mask[3, 3] = False
    _expect(twin, page, mask)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    page.keyboard.press(" ")                             # (2, 2) with Space: query 2 loses its only key
    wait_readout_change(page, CELL, shown)
    twin.toggle(2, 2)
    mask[2, 2] = False
    _expect(twin, page, mask)
    assert "fully masked rows 0, 1, 2:" in readout(page, CELL)
    focused = page.evaluate("() => [document.activeElement.dataset.testRow, document.activeElement.dataset.testCol]")
    assert focused == ["2", "2"]                         # the redraw kept the learner's place


def test_reset_slider_and_side_work_from_the_keyboard(editor_page):
    page, twin = editor_page, _fresh(editor_page)
    kernel_eval(page, "editor.toggle(1, 1)")            # a click to be undone
    clicked = twin.mask.copy()
    clicked[1, 1] = True
    _wait_drawn(page, clicked)
    before = readout(page, CELL)
    reset = _cell(page).get_by_role("button", name="reset the clicks")
    reset.focus()
    page.keyboard.press("Space")
    shown = wait_readout_change(page, CELL, before)
    _expect(twin, page, twin.mask.copy())                # the clicks are gone
    length = slider(page, CELL, "real tokens")
    length.focus()
    length.press("ArrowRight")                           # 4 real tokens
    shown = wait_readout_change(page, CELL, shown)
    twin.controls["length"].value = 4
    _expect(twin, page, twin.mask.copy())
    assert length.get_attribute("aria-valuetext") == "4" and "fully masked row 0:" in shown
    _cell(page).get_by_role("button", name="right").focus()
    page.keyboard.press("Space")
    shown = wait_readout_change(page, CELL, shown)
    twin.controls["side"].value = "right"
    _expect(twin, page, twin.mask.copy())
    assert "no fully masked rows" in shown


def test_preset_selector_switches_the_mask(editor_page):
    page, twin = editor_page, _fresh(editor_page, length=4, side="right")
    before = readout(page, CELL)
    _cell(page).get_by_role("combobox", name="preset").select_option(label="padding")
    wait_readout_change(page, CELL, before)
    twin.controls["preset"].value = "padding"
    _expect(twin, page, twin.mask.copy())
    assert readout(page, CELL).startswith("mask: padding, 4 real tokens of 5, padding on the right")


def test_canvas_is_drawn_at_the_device_pixel_ratio_with_a_labelled_cell_grid(editor_page):
    canvas = _cell(editor_page).locator("canvas.chart-canvas")
    size = canvas.evaluate("e => [e.width, e.height, e.getBoundingClientRect().width, e.getBoundingClientRect().height]")
    assert size[0] == round(size[2] * DPR) and size[1] == round(size[3] * DPR), size
    assert canvas.get_attribute("role") == "img"
    grid = _cell(editor_page).get_by_role("grid")
    assert grid.count() == 1 and "Enter or Space toggles a cell" in grid.get_attribute("aria-label")
    assert _cell(editor_page).get_by_role("gridcell").count() == 25


def test_with_the_kernel_busy_the_real_tokens_slider_draws_numpys_weights_at_every_length(editor_page):
    page, twin = editor_page, _fresh(editor_page)       # causal + padding on the left, 3 real tokens of 5
    wait_ahead(page, CELL)
    length = slider(page, CELL, "real tokens")
    length.focus()
    with kernel_busy(page):
        for key, n_real in (("ArrowRight", 4), ("ArrowRight", 5), ("Home", 0), ("ArrowRight", 1), ("End", 5)):
            length.press(key)
            next_frame(page)
            mask = reference_mask(True, n_real, "left")
            drawn = _drawn(page)
            np.testing.assert_array_equal(np.isnan(drawn[0][0]).reshape(mask.shape), ~mask)   # hatched = blocked
            weights = reference_weights(MASK_EDITOR_SCORES, mask)
            np.testing.assert_allclose(drawn[1][0].reshape(mask.shape), weights, rtol=0, atol=1e-12)
            np.testing.assert_allclose(drawn[2][0], weights.sum(axis=-1), rtol=0, atol=1e-12)
            assert len(drawn[1]) - 1 == sum(not row.any() for row in mask)            # one outline per empty row
            assert readout(page, CELL).splitlines()[0] == f"mask: causal + padding, {n_real} real tokens of 5, " \
                                                          "padding on the left"
    twin.controls["length"].value = 5
    until_kernel(page, "editor.readout_text", twin.readout_text)       # the kernel heard of it afterwards
    assert _kernel_mask(page).tolist() == reference_mask(True, 5, "left").tolist()


def test_a_click_after_a_slider_move_waits_for_numpy_and_draws_its_weights(editor_page):
    page, twin = editor_page, _fresh(editor_page, length=4)
    wait_ahead(page, CELL)
    before = readout(page, CELL)
    box = _mask_cell(page, 3, 0).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)   # allow a padding key by hand
    wait_readout_change(page, CELL, before)
    twin.toggle(3, 0)
    mask = reference_mask(True, 4, "left")
    mask[3, 0] = True
    _expect(twin, page, mask)


def test_with_the_kernel_busy_a_click_draws_numpys_weights_for_the_new_mask_at_once(editor_page):
    page, twin = editor_page, _fresh(editor_page)
    wait_ahead(page, CELL)
    mask = twin.mask.copy()
    box = _mask_cell(page, 1, 1).bounding_box()
    with kernel_busy(page):
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        next_frame(page)
        mask[1, 1] = True
        drawn = _drawn(page)
        weights = reference_weights(MASK_EDITOR_SCORES, mask)
        np.testing.assert_allclose(drawn[1][0].reshape(mask.shape), weights, rtol=0, atol=1e-12)
        np.testing.assert_allclose(drawn[2][0], weights.sum(axis=-1), rtol=0, atol=1e-12)
        twin.toggle(1, 1)
        assert readout(page, CELL) == twin.readout_text
    _expect(twin, page, mask)                                            # numpy in the kernel did the same
