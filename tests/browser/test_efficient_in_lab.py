"""Lesson 08's online-softmax step-through in a real JupyterLab: the next button and the keyboard step it,
the readout is exactly what the kernel-side widget computes, and the drawn max, sums and weights are numpy's
(from frames sent ahead, even with the kernel busy).

The page runs at device scale factor 2 (a HiDPI screen).
"""
import json

import numpy as np
import pytest

from attention_lib import widgets

from .ahead import kernel_busy, next_frame, until_kernel, wait_ahead
from .harness import driven_notebook, kernel_eval, readout, screenshot_output, wait_readout_change

X = [1.0, 0.5, 3.0, 2.0, 5.0, 4.5]
BUILD = f"widgets.online_softmax_stepper(np.array({X}){{}})"
CELLS = [
    "import numpy as np\nfrom attention_lib import widgets",
    f"w_next = {BUILD.format('')}; w_next",
    f"w_keys = {BUILD.format('')}; w_keys",
    f"w_play = {BUILD.format(', interval_ms=120')}\nplayed = []\n"
    "w_play.controls['step'].observe(lambda c: played.append(c['new']), 'value')\nw_play",
    f"w_still = {BUILD.format(', reduce_motion=True')}\nstill = []\n"
    "w_still.controls['step'].observe(lambda c: still.append(c['new']), 'value')\nw_still",
]
NEXT, KEYS, PLAY, STILL = 1, 2, 3, 4
DPR = 2


@pytest.fixture(scope="module")
def stepper_page(browser, lab, tmp_path_factory):
    with driven_notebook(browser, lab, "online_softmax_drive.ipynb", CELLS, dpr=DPR) as page:
        yield page
        for i in (NEXT, KEYS):
            screenshot_output(page, i, tmp_path_factory, f"stepper_cell{i}_x{DPR}.png")


def _cell(page, i):
    return page.locator(".jp-CodeCell").nth(i)


def _button(page, cell, name):
    return _cell(page, cell).get_by_role("button", name=name, exact=True)


def _twin(step, **kwargs):
    """The same widget built in this process, at the same step: what the readout must say."""
    w = widgets.online_softmax_stepper(np.array(X), **kwargs)
    w.go(step)
    return w.readout_text


def _drawn(page, cell):
    """What the canvas drew: panels -> marks -> numbers (bars: heights, rules: the line's y)."""
    return json.loads(_cell(page, cell).locator("[data-test-marks]").first.get_attribute("data-test-marks"))


def _wait_drawn_step(page, cell, step):
    """Wait until the canvas has drawn `step` scores (the first panel's bars)."""
    page.wait_for_function(
        """([i, step]) => {
            const host = document.querySelectorAll('.jp-CodeCell')[i].querySelector('[data-test-marks]');
            if (!host) return false;
            const marks = JSON.parse(host.dataset.testMarks)[0];
            return step === 0 ? marks.length === 0 : marks.length > 0 && marks[0].length === step;
        }""", arg=[cell, step], timeout=10_000)
    return _drawn(page, cell)


def _kernel(page, expr):
    return json.loads(kernel_eval(page, f"import json; print(json.dumps({expr}))"))


def _expected_step(j):
    """Step j from the definitions, with numpy: the running max before and after, and the sums."""
    x = np.array(X)
    m = x[:j].max()
    m_old = x[: j - 1].max() if j > 1 else -np.inf
    d_old = np.exp(x[: j - 1] - m_old).sum() if j > 1 else 0.0
    return m, m_old, d_old, d_old * np.exp(m_old - m), np.exp(x[:j] - m).sum()


def test_the_next_button_steps_and_the_figure_draws_numpys_max_and_sums(stepper_page):
    page = stepper_page
    next_button = _button(page, NEXT, "next step")
    next_button.scroll_into_view_if_needed()
    for j in range(1, 4):
        before = readout(page, NEXT)
        next_button.click()
        shown = wait_readout_change(page, NEXT, before)
        assert shown == _twin(j)
        scores, sums, _weights = _wait_drawn_step(page, NEXT, j)
        m, m_old, d_old, rescaled, d = _expected_step(j)
        np.testing.assert_allclose(scores[0], X[:j], rtol=0, atol=1e-12)       # the bars read so far
        assert scores[-1] == [m]                                                # the running max line
        # the sum panel: d before, the rescaled old terms (alone and under the new term), d after
        np.testing.assert_allclose([sums[0][0], sums[1][0], *sums[2]], [d_old, d, rescaled, rescaled], rtol=1e-13)
    assert scores[-2] == [1.0]                          # step 3: the old max is drawn where the line jumped from
    assert "1.607 × e^(1.000 − 3.000) = 1.607 × 0.135 = 0.217 (rescaled)" in shown
    label = _cell(page, NEXT).locator("canvas.chart-canvas").get_attribute("aria-label")
    assert "old max 1.00: a reference line at y = 1" in label and "running max 3.00: a reference line at y = 3" in label
    assert _kernel(page, "w_next.step") == 3


def test_the_keyboard_steps_and_the_last_step_draws_softmax(stepper_page):
    page = stepper_page
    next_button = _button(page, KEYS, "next step")
    next_button.scroll_into_view_if_needed()
    next_button.focus()
    before = readout(page, KEYS)
    page.keyboard.press("Enter")                        # presses the focused button
    shown = wait_readout_change(page, KEYS, before)
    assert shown == _twin(1)
    page.keyboard.press("ArrowRight")                   # the arrow keys step anywhere in the group
    shown = wait_readout_change(page, KEYS, shown)
    assert shown == _twin(2)
    page.keyboard.press("End")
    shown = wait_readout_change(page, KEYS, shown)
    assert shown == _twin(len(X)) and shown.endswith("equal to al.softmax(x) within 1e-12: yes")
    _, _, weights = _wait_drawn_step(page, KEYS, len(X))
    e = np.exp(np.array(X) - max(X))
    np.testing.assert_allclose(weights[0], e / e.sum(), rtol=1e-13)           # the drawn weights are softmax
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "next step"   # focus kept
    assert next_button.get_attribute("aria-disabled") == "true"
    page.keyboard.press("Home")
    shown = wait_readout_change(page, KEYS, shown)
    assert shown == _twin(0)
    page.keyboard.press("ArrowLeft")                    # nothing before step 0
    page.wait_for_timeout(300)
    assert readout(page, KEYS) == shown and _kernel(page, "w_keys.step") == 0
    group = _cell(page, KEYS).get_by_role("group", name="online softmax: step through the scores")
    assert group.count() == 1


def test_play_visits_every_step_in_order_and_stops_at_the_end(stepper_page):
    page = stepper_page
    _button(page, PLAY, "play").click()
    page.wait_for_function(
        "(i) => document.querySelectorAll('.jp-CodeCell')[i].querySelector('pre.attention-readout')"
        ".innerText.startsWith('step 6 of 6')", arg=PLAY, timeout=15_000)
    page.wait_for_timeout(400)
    assert _kernel(page, "played") == [1, 2, 3, 4, 5, 6]
    assert readout(page, PLAY) == _twin(len(X))
    assert _button(page, PLAY, "play").get_attribute("aria-pressed") == "false"      # stopped by itself


def test_with_reduced_motion_play_goes_to_the_last_step_at_once(stepper_page):
    page = stepper_page
    before = readout(page, STILL)
    _button(page, STILL, "play").click()
    shown = wait_readout_change(page, STILL, before)
    assert shown == _twin(len(X), reduce_motion=True)
    page.wait_for_timeout(400)
    assert _kernel(page, "still") == [len(X)]           # the same last state, no slide show through the others


def test_the_canvas_is_drawn_at_the_device_pixel_ratio_and_labelled_with_numbers(stepper_page):
    canvas = _cell(stepper_page, NEXT).locator("canvas.chart-canvas")
    canvas.scroll_into_view_if_needed()
    width, height, css_width, css_height = canvas.evaluate(
        "e => [e.width, e.height, e.getBoundingClientRect().width, e.getBoundingClientRect().height]")
    assert width == round(css_width * DPR) and height == round(css_height * DPR)
    assert canvas.get_attribute("role") == "img"
    assert _cell(stepper_page, NEXT).locator("pre.attention-readout").get_attribute("aria-live") == "polite"


def test_with_the_kernel_busy_the_steps_draw_numpys_max_and_sums(stepper_page):
    page = stepper_page
    kernel_eval(page, "w_next.go(0)")
    _wait_drawn_step(page, NEXT, 0)
    wait_ahead(page, NEXT)
    next_button = _button(page, NEXT, "next step")
    next_button.scroll_into_view_if_needed()
    next_button.focus()
    with kernel_busy(page):
        for key, j in (("Enter", 1), ("ArrowRight", 2), ("ArrowRight", 3), ("End", len(X)), ("ArrowLeft", len(X) - 1)):
            page.keyboard.press(key)
            next_frame(page)
            assert readout(page, NEXT) == _twin(j)
            scores, sums, _ = _wait_drawn_step(page, NEXT, j)
            m, m_old, d_old, rescaled, d = _expected_step(j)
            np.testing.assert_allclose(scores[0], X[:j], rtol=0, atol=1e-12)
            assert scores[-1] == [m]
            np.testing.assert_allclose([sums[0][0], sums[1][0], *sums[2]], [d_old, d, rescaled, rescaled], rtol=1e-13)
    until_kernel(page, "w_next.step", len(X) - 1)
