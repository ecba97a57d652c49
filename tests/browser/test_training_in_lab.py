"""Lesson 07's training panel in JupyterLab: set a short run from the keyboard, press Train, and the
figure and readout end up with exactly what the kernel computed; while it trains, the loss curve grows.
Before a run, the settings move through frames numpy sent ahead: where each run would start.

The page runs at device scale factor 2.
"""
import json

import numpy as np
import pytest

from attention_lib import training as tr
from attention_lib import widgets

from .ahead import drawn, kernel_busy, next_frame, wait_ahead
from .harness import driven_notebook, kernel_eval, readout, slider

CELLS = ["from attention_lib import widgets\nfrom attention_lib import training as tr",
         "w = widgets.training_run(tr.RecallConfig(steps=150)); w"]
CELL = 1
DPR = 2


@pytest.fixture(scope="module")
def training_page(browser, lab):
    with driven_notebook(browser, lab, "training_drive.ipynb", CELLS, dpr=DPR, size=(1400, 1100)) as page:
        page.locator(".jp-CodeCell").nth(CELL).locator("canvas.chart-canvas").scroll_into_view_if_needed()
        yield page


def _cell(page):
    return page.locator(".jp-CodeCell").nth(CELL)


def _kernel(page, expr):
    return json.loads(kernel_eval(page, f"import json; print(json.dumps({expr}))").strip().splitlines()[-1])


def _press(page, name, *keys):
    s = slider(page, CELL, name)
    s.focus()
    for key in keys:
        s.press(key)


def _wait_kernel(page, expr, expected, timeout=10_000):
    """Poll the kernel until ``expr`` has the value the keyboard should have given it."""
    deadline = page.evaluate("() => performance.now()") + timeout
    while page.evaluate("() => performance.now()") < deadline:
        value = _kernel(page, expr)
        if value == expected:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"{expr} is {value!r}, expected {expected!r}")


def _wait_trained(page, timeout=120_000):
    page.wait_for_function(
        """(i) => {
            const r = document.querySelectorAll('.jp-CodeCell')[i].querySelector('pre.attention-readout');
            return r && /: (trained|the loss overflowed)/.test(r.innerText.split('\\n')[0]);
        }""", arg=CELL, timeout=timeout)


def _drawn(page):
    host = _cell(page).locator("[data-test-marks]").first
    return json.loads(host.get_attribute("data-test-marks"))


def _probe_weights(params, probe, config):
    """softmax((x_q W_q)(x_kv W_k)ᵀ / √d) of probe 0, by hand."""
    q = probe["x_q"][0] @ params["W_q"]                       # (1, d)
    k = probe["x_kv"][0] @ params["W_k"]                      # (P, d)
    s = (q @ k.T)[0] / (np.sqrt(q.shape[-1]) if config.scaled else 1.0)   # (P,)
    e = np.exp(s - s.max())
    return e / e.sum()


def test_a_short_run_set_from_the_keyboard_ends_with_what_the_kernel_computed(training_page):
    page = training_page
    cell = _cell(page)
    _press(page, "steps", "Home")                                    # the shortest run: 10 steps
    _press(page, "learning rate", "ArrowRight")                      # 0.005 -> 0.006
    _press(page, "seed", "ArrowRight", "ArrowRight")                 # seed 2
    sgd, adam = cell.get_by_role("button", name="SGD", exact=True), cell.get_by_role("button", name="Adam", exact=True)
    sgd.focus()
    sgd.press("Enter")
    _wait_kernel(page, "w.controls['optimizer'].value", "sgd")
    adam.focus()
    adam.press("Space")                                              # and back to Adam
    box = cell.get_by_role("checkbox", name="divide scores by √d")
    box.focus()
    box.press("Space")                                               # no ÷√d
    _wait_kernel(page, "[w.config.steps, w.config.lr, w.config.seed, w.config.optimizer, w.config.scaled]",
                 [10, 0.006, 2, "adam", False])
    button = cell.get_by_role("button", name="Train")
    button.focus()
    button.press("Enter")
    _wait_trained(page)
    page.wait_for_timeout(300)                                       # the last frame is drawn after the message

    config = tr.RecallConfig(steps=10, lr=0.006, seed=2, scaled=False)
    history = tr.train(config)                                       # here, in the test process, with numpy
    twin = widgets.training_run(tr.RecallConfig(steps=150))
    for name, value in (("steps", 10), ("lr", 0.006), ("seed", 2), ("scaled", False)):
        twin.controls[name].value = value
    twin.run()
    shown = readout(page, CELL)
    assert shown == twin.readout_text == _kernel(page, "w.readout_text")
    assert "Held-out accuracy" in shown and "10 steps, seed 2" in shown

    drawn = _drawn(page)
    curve = drawn[0][-1]                                             # the loss panel's last mark: this run
    assert len(curve) == 10
    np.testing.assert_allclose(curve, history["loss"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(drawn[3][0], _probe_weights(history["params"], history["probe"], config),
                               rtol=0, atol=1e-12)               # the "after" strip, from the final weights
    label = cell.locator("canvas.chart-canvas").get_attribute("aria-label")
    assert "this run: a line through 10 points" in label and "after training: step 10" in label

    bar = cell.get_by_role("progressbar")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "10"
    assert "step 10 of 10" in bar.get_attribute("aria-label")
    assert button.is_enabled()


def test_the_curve_grows_while_the_kernel_trains_at_most_ten_frames_a_second(training_page):
    page = training_page
    kernel_eval(page, "w.controls['seed'].value = 2; w.controls['scaled'].value = False\n"
                      "w.controls['optimizer'].value = 'adam'")        # whatever the test before left
    _press(page, "steps", "Home", *["ArrowRight"] * 4)               # 150 steps
    rates = widgets.training_run(tr.RecallConfig(steps=150)).controls["lr"].options
    _press(page, "learning rate", "Home", *["ArrowRight"] * rates.index(0.005))   # 0.005, whatever came before
    _wait_kernel(page, "[w.config.steps, w.config.lr, w.config.seed, w.config.scaled]", [150, 0.005, 2, False])
    page.evaluate("""(i) => {
        const cell = document.querySelectorAll('.jp-CodeCell')[i];
        const host = cell.querySelector('[data-test-frames]'), button = [...cell.querySelectorAll('button')].find((b) => b.innerText.trim() === 'Train');
        const canvas = cell.querySelector('canvas.chart-canvas');
        const log = window.__training = {points: [], frames: [], disabled: false, done: false};
        const tick = () => {
            const frame = host.dataset.testFrames;
            if (log.frames[log.frames.length - 1]?.[1] !== frame) {
                const match = canvas.getAttribute('aria-label').match(/this run: a line through (\\d+) points/);
                log.frames.push([performance.now(), frame]);
                log.points.push(match ? Number(match[1]) : 0);
            }
            log.disabled = log.disabled || button.disabled;
            if (!log.done) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
    }""", CELL)
    _cell(page).get_by_role("button", name="Train").click()
    _wait_trained(page)
    page.wait_for_timeout(300)
    log = page.evaluate("() => { window.__training.done = true; return window.__training; }")

    during = [n for n in log["points"] if 0 < n < 150]
    assert len(set(during)) >= 2, log["points"]                      # it grew while training, not only at the end
    assert log["points"][-1] == 150 and log["disabled"]
    seconds = (log["frames"][-1][0] - log["frames"][0][0]) / 1000
    assert len(log["frames"]) <= 10 * seconds + 4, (len(log["frames"]), seconds)
    history = tr.train(tr.RecallConfig(steps=150, seed=2, scaled=False))
    np.testing.assert_allclose(_drawn(page)[0][-1], history["loss"], rtol=0, atol=1e-12)


def test_canvas_is_drawn_at_the_device_pixel_ratio(training_page):
    canvas = _cell(training_page).locator("canvas.chart-canvas")
    size = canvas.evaluate("e => [e.width, e.height, e.getBoundingClientRect().width, e.getBoundingClientRect().height]")
    assert size[0] == round(size[2] * DPR) and size[1] == round(size[3] * DPR), size
    assert canvas.get_attribute("role") == "img"


def test_with_the_kernel_busy_the_seed_slider_draws_where_each_run_starts(training_page):
    page = training_page
    kernel_eval(page, "w.controls['seed'].value = 0; w.controls['steps'].value = 150; w.controls['lr'].value = 0.005\n"
                      "w.controls['scaled'].value = True; w.controls['optimizer'].value = 'adam'")
    _wait_kernel(page, "[w.config.seed, w.config.steps, w.config.scaled]", [0, 150, True])
    wait_ahead(page, CELL)
    s = slider(page, CELL, "seed")
    s.scroll_into_view_if_needed()
    s.focus()
    with kernel_busy(page):
        for key, seed in (("ArrowRight", 1), ("ArrowRight", 2), ("End", 9)):
            s.press(key)
            next_frame(page)
            config = tr.RecallConfig(steps=150, seed=seed)
            start = tr.train(tr.RecallConfig(steps=0, seed=seed))             # the weights a run starts from
            np.testing.assert_allclose(drawn(page, CELL)[1][0], _probe_weights(start["params"], start["probe"], config),
                                       rtol=0, atol=1e-12)
            assert readout(page, CELL).startswith(f"Adam, lr 0.005, ÷√d, 150 steps, seed {seed}: not trained yet")
    _wait_kernel(page, "w.config.seed", 9)
    kernel_eval(page, "w.controls['seed'].value = 0")
    _wait_kernel(page, "w.config.seed", 0)
