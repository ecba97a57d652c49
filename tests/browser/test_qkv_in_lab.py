"""Lesson 05's mechanism stepper in JupyterLab: the Next button and the keyboard step it, the readout
follows the kernel, the canvas draws numpy's matrices (from frames sent ahead, even with the kernel busy),
and Play honours reduced motion.

The page runs at device scale factor 2 (a HiDPI screen).
"""
import json

import numpy as np
import pytest

from attention_lib import widgets

from .ahead import kernel_busy, next_frame, until_kernel, wait_ahead
from .harness import driven_notebook, kernel_eval, readout, screenshot_output, slider, wait_readout, wait_readout_change

CELLS = [
    "from attention_lib import widgets",
    "w = widgets.mechanism_stepper(); w",
    "w_still = widgets.mechanism_stepper(reduce_motion=True, query=0); w_still",
    "w_kept = widgets.mechanism_stepper(query=1); w_kept",
]
STEPPER, STILL, KEPT = 1, 2, 3
LABELS = {0: ["x"], 1: ["q", "k", "v"], 2: ["q", "k", "scores"], 3: ["scores", "mask", "scaled scores"],
          4: ["scaled scores", "weights"], 5: ["weights", "v", "out"]}


def _by_hand():
    """The lab's example without the library: seed 7, X then W_q, W_k, W_v (÷√6), causal, ÷√4."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 6))                                   # (4, 6)
    W_q, W_k, W_v = (rng.normal(size=(6, 4)) / np.sqrt(6) for _ in range(3))
    q, k, v = x @ W_q, x @ W_k, x @ W_v                           # (4, 4) each
    causal = np.tril(np.ones((4, 4), bool))
    scaled = np.where(causal, q @ k.T / 2.0, np.nan)              # blocked cells arrive as null
    e = np.exp(np.nan_to_num(scaled, nan=-np.inf) - np.nanmax(scaled, axis=1, keepdims=True))
    a = e / e.sum(axis=1, keepdims=True)
    return {"x": x, "q": q, "k": k, "v": v, "scores": q @ k.T, "mask": causal.astype(float),
            "scaled scores": scaled, "weights": a, "out": a @ v}


NUMPY = _by_hand()


@pytest.fixture(scope="module")
def stepper_page(browser, lab, tmp_path_factory):
    with driven_notebook(browser, lab, "mechanism_stepper_drive.ipynb", CELLS, dpr=2) as page:
        yield page
        screenshot_output(page, STEPPER, tmp_path_factory, "mechanism_stepper_x2.png")


def _cell(page, i):
    return page.locator(".jp-CodeCell").nth(i)


def _button(page, cell, name):
    return _cell(page, cell).get_by_role("button", name=name, exact=True)


def _kernel(page, expr):
    return json.loads(kernel_eval(page, f"import json; print(json.dumps({expr}))"))


def _twin(step, query):
    """The stepper built here, set to the kernel's step and query: its readout is what the page must show."""
    twin = widgets.mechanism_stepper()
    twin.controls["query"].value = query
    twin.controls["step"].value = step
    return twin.readout_text


def _drawn(page, cell):
    """The matrices the canvas drew (null = blocked), once it has drawn the kernel's latest panels."""
    host = _cell(page, cell).locator("[data-test-marks]").first
    return [np.array(p[0], dtype=float) for p in json.loads(host.get_attribute("data-test-marks"))]


def _assert_draws_numpy(page, cell, step):
    page.wait_for_function("([i, n]) => { const h = document.querySelectorAll('.jp-CodeCell')[i]"
                           ".querySelector('[data-test-marks]'); return h && JSON.parse(h.dataset.testMarks).length === n; }",
                           arg=[cell, len(LABELS[step])], timeout=10_000)
    drawn = _drawn(page, cell)
    assert len(drawn) == len(LABELS[step])
    for values, label in zip(drawn, LABELS[step], strict=True):
        np.testing.assert_allclose(values, NUMPY[label].ravel(), rtol=1e-12, atol=1e-12, equal_nan=True)


def _wait_step(page, cell, value):
    """Wait until the stepper of code cell ``cell`` shows step ``value``."""
    page.wait_for_function("([i, v]) => document.querySelectorAll('.jp-CodeCell')[i].querySelector('[data-test-step]')"
                           ".dataset.testStep === String(v)", arg=[cell, value], timeout=10_000)


def _set_step(page, value):
    """Start a test from a known state: this step, with the lesson's query 'wages'."""
    kernel_eval(page, f"w.controls['query'].value = 2; w.controls['step'].value = {value}")
    _wait_step(page, STEPPER, value)
    assert wait_readout(page, STEPPER, _twin(value, 2)) == _twin(value, 2)   # the query's reset drawn too


def test_next_button_walks_the_five_steps_and_the_readout_and_matrices_follow_numpy(stepper_page):
    page = stepper_page
    _set_step(page, 0)
    _assert_draws_numpy(page, STEPPER, 0)
    nxt = _button(page, STEPPER, "Next")
    nxt.scroll_into_view_if_needed()
    shown = readout(page, STEPPER)
    for step in range(1, 6):
        nxt.click()
        shown = wait_readout_change(page, STEPPER, shown)
        assert _kernel(page, "w.controls['step'].value") == step
        assert shown == _twin(step, 2)
        assert shown.splitlines()[0].startswith(f"step {step} of 5")
        _assert_draws_numpy(page, STEPPER, step)
    row = NUMPY["out"][2]
    assert f"row 2, query 'wages': [{', '.join(f'{v:.3f}' for v in row)}]" in shown
    assert _cell(page, STEPPER).locator("[aria-current='step']").inner_text() == "weighted sum"
    assert nxt.get_attribute("aria-disabled") == "true"
    nxt.click(force=True)                                         # at the last step: nothing to send
    page.wait_for_timeout(300)
    assert _kernel(page, "w.controls['step'].value") == 5 and readout(page, STEPPER) == shown


def test_arrow_keys_home_and_end_step_while_a_button_has_focus(stepper_page):
    page = stepper_page
    _set_step(page, 2)
    prev = _button(page, STEPPER, "Previous")
    prev.focus()
    shown = readout(page, STEPPER)
    for key, step in (("ArrowRight", 3), ("ArrowRight", 4), ("ArrowLeft", 3), ("End", 5), ("Home", 0)):
        page.keyboard.press(key)
        shown = wait_readout_change(page, STEPPER, shown)
        assert _kernel(page, "w.controls['step'].value") == step and shown == _twin(step, 2)
    _assert_draws_numpy(page, STEPPER, 0)
    assert page.evaluate("() => document.activeElement.innerText.trim()").endswith("Previous")   # focus kept
    page.keyboard.press("Tab")                                    # the buttons are in the tab order
    assert page.evaluate("() => document.activeElement.innerText.trim()").endswith("Play")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.innerText.trim()").startswith("Next")
    page.keyboard.press("Enter")                                  # a focused button works from the keyboard
    shown = wait_readout_change(page, STEPPER, shown)
    assert shown == _twin(1, 2)
    assert page.locator(".jp-Notebook.jp-mod-editMode").count() == 0   # no notebook shortcut took the keys


def test_query_slider_moves_the_outlined_row(stepper_page):
    page = stepper_page
    _set_step(page, 4)
    shown = readout(page, STEPPER)
    s = slider(page, STEPPER, "query row")
    s.focus()
    s.press("ArrowRight")
    shown = wait_readout(page, STEPPER, _twin(4, 3))
    assert s.get_attribute("aria-valuetext") == "jobs"
    assert shown == _twin(4, 3) and "row 3, query 'jobs'" in shown
    label = _cell(page, STEPPER).locator("canvas.chart-canvas").get_attribute("aria-label")
    jobs = ", ".join(f"{float(f'{v:.2f}'):g}" for v in NUMPY["weights"][3])    # as drawn: 2 decimals
    assert "row 3 highlighted" in label and f"row jobs: {jobs}" in label


def test_play_advances_to_the_end_with_the_bar_filling(stepper_page):
    page = stepper_page
    kernel_eval(page, "w.controls['step'].interval_ms = 400")
    _set_step(page, 2)
    play = _button(page, STEPPER, "Play")
    play.click()
    assert _button(page, STEPPER, "Pause").get_attribute("aria-pressed") == "true"
    fill = _cell(page, STEPPER).locator(".stepper-progress-fill")
    assert fill.evaluate("e => getComputedStyle(e).transitionDuration") == "0.4s"      # it glides
    page.wait_for_function("() => document.querySelectorAll('.jp-CodeCell')[1].querySelector('[data-test-playing]')"
                           ".dataset.testPlaying === 'false'", timeout=10_000)
    assert _kernel(page, "w.controls['step'].value") == 5 and readout(page, STEPPER) == _twin(5, 2)
    assert _button(page, STEPPER, "Play").get_attribute("aria-pressed") == "false"


def test_reduced_motion_plays_the_same_steps_with_nothing_moving(stepper_page):
    page = stepper_page
    cell = _cell(page, STILL)
    cell.scroll_into_view_if_needed()
    kernel_eval(page, "w_still.controls['step'].interval_ms = 300")
    steps = page.evaluate("""() => {
        const host = document.querySelectorAll('.jp-CodeCell')[2].querySelector('[data-test-step]');
        window.__steps = [];
        new MutationObserver(() => window.__steps.push(host.dataset.testStep))
          .observe(host, {attributes: true, attributeFilter: ['data-test-step']});
        return host.dataset.testStep;
    }""")
    assert steps == "0"
    _button(page, STILL, "Play").click()
    assert cell.locator(".stepper-progress").evaluate("e => getComputedStyle(e).display") == "none"
    assert cell.locator(".stepper-step").first.evaluate("e => getComputedStyle(e).transitionDuration") == "0s"
    page.wait_for_function("() => document.querySelectorAll('.jp-CodeCell')[2].querySelector('[data-test-playing]')"
                           ".dataset.testPlaying === 'false'", timeout=10_000)
    seen = [int(s) for s in dict.fromkeys(page.evaluate("() => window.__steps"))]
    assert seen == [0, 1, 2, 3, 4, 5]                             # every state, in order, none skipped
    assert _kernel(page, "w_still.controls['step'].value") == 5 and readout(page, STILL) == _twin(5, 0)
    _assert_draws_numpy(page, STILL, 5)


def test_the_browsers_reduced_motion_setting_hides_the_moving_bar(stepper_page):
    page = stepper_page
    page.emulate_media(reduced_motion="reduce")
    try:
        bar = _cell(page, STEPPER).locator(".stepper-progress")
        assert bar.evaluate("e => getComputedStyle(e).display") == "none"
        assert _cell(page, STEPPER).locator(".stepper-step").first.evaluate(
            "e => getComputedStyle(e).transitionDuration") == "0s"
    finally:
        page.emulate_media(reduced_motion="no-preference")
    assert bar.evaluate("e => getComputedStyle(e).display") == "block"


def test_with_the_kernel_busy_next_and_the_query_slider_draw_numpys_matrices(stepper_page):
    page = stepper_page
    _set_step(page, 0)
    wait_ahead(page, STEPPER)
    nxt = _button(page, STEPPER, "Next")
    nxt.scroll_into_view_if_needed()
    with kernel_busy(page):
        for step in range(1, 6):
            nxt.click()
            next_frame(page)
            _assert_draws_numpy(page, STEPPER, step)
            assert readout(page, STEPPER) == _twin(step, 2)
    until_kernel(page, "w.controls['step'].value", 5)            # the kernel hears of the steps afterwards
    wait_ahead(page, STEPPER)                                     # the hand rested: the query's frames for step 5
    s = slider(page, STEPPER, "query row")
    s.focus()
    with kernel_busy(page):
        for key, row in (("ArrowRight", 3), ("Home", 0), ("End", 3)):
            s.press(key)
            next_frame(page)
            assert readout(page, STEPPER) == _twin(5, row)
            label = _cell(page, STEPPER).locator("canvas.chart-canvas").get_attribute("aria-label")
            assert f"row {row} highlighted" in label
            _assert_draws_numpy(page, STEPPER, 5)


# What the canvas of code cell i shows now: a digest of its pixels, its size, and whether the frame was copied
# back from a kept bitmap.
CANVAS_JS = """(i) => {
  const c = document.querySelectorAll('.jp-CodeCell')[i].querySelector('canvas.chart-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h1 = 0, h2 = 0, ink = 0;
  for (let k = 0; k < d.length; k++) { h1 = (h1 * 31 + d[k]) >>> 0; h2 = (h2 * 131 + d[k] + k) >>> 0; ink += d[k] > 0; }
  const host = c.closest('[data-test-drawn]');
  return {pixels: [h1, h2], ink, size: [c.width, c.height], kept: host.dataset.testKept, drawn: host.dataset.testDrawn};
}"""


def _step_and_look(page, key):
    drawn = page.evaluate(CANVAS_JS, KEPT)["drawn"]
    page.keyboard.press(key)
    page.wait_for_function("([i, d]) => document.querySelectorAll('.jp-CodeCell')[i].querySelector('[data-test-drawn]')"
                           ".dataset.testDrawn !== d", arg=[KEPT, drawn], timeout=10_000)
    next_frame(page)
    return page.evaluate(CANVAS_JS, KEPT)


def test_a_step_the_hand_comes_back_to_is_copied_back_pixel_for_pixel_without_resizing_the_canvas(stepper_page):
    page = stepper_page
    kernel_eval(page, "w_kept.controls['step'].value = 1")       # a three-matrix step: the widest canvas
    _wait_step(page, KEPT, 1)
    kernel_eval(page, "w_kept.figure.font_px = 15; w_kept.controls['step'].value = 0")   # nothing kept at this font
    _wait_step(page, KEPT, 0)
    wait_ahead(page, KEPT)
    nxt = _button(page, KEPT, "Next")
    nxt.scroll_into_view_if_needed()
    nxt.focus()
    laps = {}
    with kernel_busy(page):                                       # frames sent ahead only: no kernel answer
        for lap, keys in enumerate((["ArrowRight"] * 5 + ["ArrowLeft"] * 5, ["ArrowRight"] * 5 + ["ArrowLeft"] * 5,
                                    ["ArrowRight"] * 5)):
            step = 0
            for key in keys:
                step += 1 if key == "ArrowRight" else -1
                shown = _step_and_look(page, key)
                laps.setdefault(step, []).append((lap, shown))
                _assert_draws_numpy(page, KEPT, step)             # the numbers drawn stay numpy's
    sizes = {tuple(shown["size"]) for seen in laps.values() for _, shown in seen}
    assert len(sizes) == 1, f"the canvas was resized while stepping: {sizes}"
    for step, seen in laps.items():
        first, *later = [shown for _, shown in seen]
        assert first["kept"] == "0" and first["ink"] > 10_000, f"step {step} was not drawn afresh at first"
        assert later[-1]["kept"] == "1", f"step {step} was drawn again on the last lap instead of copied back"
        for shown in later:
            assert shown["pixels"] == first["pixels"], f"step {step} looks different when it comes back ({shown['kept']})"
