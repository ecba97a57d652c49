"""Lesson 09's RoPE explorer in a real JupyterLab, at device scale 1 and 2: the sliders move the positions from the
keyboard, the readout is exactly what the kernel-side widget computes, and the drawn arrows, parts and score marker
are numpy's numbers; moving both positions together leaves the score where it was."""
import json
import math

import numpy as np
import pytest

from attention_lib import widgets
from attention_lib.positions import apply_rope
from attention_lib.widgets.positions import explorer_vectors

from .ahead import until_kernel
from .harness import driven_notebook, kernel_eval, readout, screenshot_output, slider, wait_readout, wait_readout_change

CELLS = ["from attention_lib import widgets", "w = widgets.rope_explorer(m=6, n=2, s=0); w"]
CELL = 1


@pytest.fixture(scope="module", params=[1, 2], ids=lambda dpr: f"x{dpr}")
def explorer_page(browser, lab, tmp_path_factory, request):
    dpr = request.param
    with driven_notebook(browser, lab, f"rope_explorer_x{dpr}.ipynb", CELLS, dpr=dpr, size=(1400, 1100)) as page:
        yield page, dpr
        screenshot_output(page, CELL, tmp_path_factory, f"rope_explorer_x{dpr}.png")


def _press(page, name, key="ArrowRight", times=1):
    s = slider(page, CELL, name)
    s.scroll_into_view_if_needed()
    s.focus()
    for _ in range(times):
        s.press(key)


def _twin(m, n, s):
    w = widgets.rope_explorer(m=m, n=n, s=s)
    return w.readout_text, w.values


def _drawn(page):
    host = page.locator(".jp-CodeCell").nth(CELL).locator("[data-test-marks]").first
    return json.loads(host.get_attribute("data-test-marks"))


def _wait_drawn(page, distance, score):
    """Wait until the canvas has drawn the score marker at this distance and score."""
    page.wait_for_function(
        """([i, distance, score]) => {
            const host = document.querySelectorAll('.jp-CodeCell')[i].querySelector('[data-test-marks]');
            if (!host) return false;
            const marker = JSON.parse(host.dataset.testMarks)[5][3];
            return marker.x[0] === distance && Math.abs(marker.y[0] - score) < 1e-12;
        }""", arg=[CELL, distance, score], timeout=10_000)
    return _drawn(page)


def _kernel(page, expr):
    return json.loads(kernel_eval(page, f"import json; print(json.dumps({expr}))"))


def test_shifting_both_positions_turns_the_drawn_arrows_and_keeps_the_score(explorer_page):
    page, _ = explorer_page
    _, v0 = _twin(6, 2, 0)
    _press(page, "shift both by s", times=3)
    s = int(slider(page, CELL, "shift both by s").get_attribute("aria-valuetext"))   # the page draws it at once
    until_kernel(page, "w.controls['s'].value", s)                                      # the kernel hears afterwards
    expected_text, v = _twin(6, 2, s)
    shown = wait_readout(page, CELL, expected_text)
    assert shown == expected_text and s >= 1
    assert v["score"] == pytest.approx(v0["score"], abs=1e-12) and ", the same" in shown
    drawn = _wait_drawn(page, 4, v["score"])
    q, k = explorer_vectors()
    q_rot, k_rot = apply_rope(q[None], [6 + s])[0], apply_rope(k[None], [2 + s])[0]
    for i in range(4):                                   # the arrow tips of every pair, as drawn
        tips = drawn[i][1]
        np.testing.assert_allclose([tips["x"][0], tips["y"][0]], q_rot[[i, i + 4]], rtol=0, atol=1e-12)
        np.testing.assert_allclose([tips["x"][1], tips["y"][1]], k_rot[[i, i + 4]], rtol=0, atol=1e-12)
    parts = drawn[4][1]
    np.testing.assert_allclose(parts[:4], v["parts"], atol=1e-12)
    assert parts[4] == pytest.approx(v["score"], abs=1e-12)


def test_changing_the_query_position_moves_the_marker_along_the_curve(explorer_page):
    page, _ = explorer_page
    before = readout(page, CELL)
    _press(page, "query position m", key="ArrowRight")
    shown = wait_readout_change(page, CELL, before)
    until_kernel(page, "w.controls['m'].value", int(slider(page, CELL, "query position m").get_attribute("aria-valuetext")))
    m, n, s = (_kernel(page, f"w.controls['{c}'].value") for c in "mns")
    expected_text, v = _twin(m, n, s)
    assert shown == expected_text and m - n == 5
    drawn = _wait_drawn(page, 5, v["score"])
    curve = drawn[5][1]
    q, k = explorer_vectors()
    at_five = apply_rope(q[None], [5])[0] @ k / math.sqrt(8)       # key at 0: the curve's point at distance 5
    assert curve[45] == pytest.approx(at_five, abs=1e-12) and drawn[5][2] == [5]


def test_the_canvas_is_drawn_at_the_device_pixel_ratio_and_labelled_with_numbers(explorer_page):
    page, dpr = explorer_page
    canvas = page.locator(".jp-CodeCell").nth(CELL).locator("canvas.chart-canvas")
    canvas.scroll_into_view_if_needed()
    width, height, css_width, css_height = canvas.evaluate(
        "e => [e.width, e.height, e.getBoundingClientRect().width, e.getBoundingClientRect().height]")
    assert width == round(css_width * dpr) and height == round(css_height * dpr)
    label = canvas.get_attribute("aria-label")
    assert canvas.get_attribute("role") == "img" and "score against distance:" in label and "pair 3" in label
    live = page.locator(".jp-CodeCell").nth(CELL).locator("pre.attention-readout")
    assert live.get_attribute("aria-live") == "polite"
