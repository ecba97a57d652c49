"""Lesson 10's text sampler in a real JupyterLab, at device scale 1 and 2: the temperature slider, the top-k slider
and the prompt box drive it, the readout is exactly the kernel-side widget's (the text numpy's sampler writes), and
the drawn bars are numpy's next-character probabilities."""
import json

import numpy as np
import pytest

from attention_lib import widgets

from .harness import driven_notebook, kernel_eval, readout, screenshot_output, slider, wait_readout_change

CELL = 1
CELLS = ["from attention_lib import widgets", "w = widgets.text_sampler(); w"]


@pytest.fixture(scope="module", params=[1, 2], ids=["x1", "x2"])
def sampler_page(request, browser, lab, tmp_path_factory):
    dpr = request.param
    with driven_notebook(browser, lab, f"text_sampler_x{dpr}.ipynb", CELLS, dpr=dpr) as page:
        page.locator(".jp-CodeCell").nth(CELL).locator("pre.attention-readout").wait_for()
        yield page
        screenshot_output(page, CELL, tmp_path_factory, f"text_sampler_x{dpr}.png")


@pytest.fixture(scope="module")
def twin():
    return widgets.text_sampler()


def _state(page):
    code = ("import json; c = w.controls; print(json.dumps([c['prompt'].value, c['temperature'].value, "
            "c['top_k'].value, c['seed'].value]))")
    return json.loads(kernel_eval(page, code))


def _twin_readout(twin, prompt, temperature, top_k, seed):
    """The same widget in this process, in the same state: what the page must show."""
    c = twin.controls
    c["prompt"].value, c["temperature"].value, c["top_k"].value, c["seed"].value = prompt, temperature, top_k, seed
    return twin.readout_text


def _drawn_bars(page):
    marks = json.loads(page.locator(".jp-CodeCell").nth(CELL).locator("[data-test-marks]").first
                       .get_attribute("data-test-marks"))
    return marks[0]                                      # the one panel: its marks' numbers


def test_the_page_shows_the_kernels_readout_and_numpys_bars(sampler_page, twin):
    page = sampler_page
    state = _state(page)
    shown = readout(page, CELL)
    assert shown == _twin_readout(twin, *state)
    assert shown.splitlines()[0] == "temperature 0.75, top-k all 73, seed 0"
    page.wait_for_timeout(300)                           # the canvas draws in the next animation frame
    bars = _drawn_bars(page)
    order = twin.values["order"]
    np.testing.assert_allclose(bars[0], twin.values["model_probs"][order], rtol=1e-12)
    np.testing.assert_allclose(bars[1], twin.values["probs"][order], rtol=1e-12)


def test_the_temperature_slider_steps_with_the_keyboard(sampler_page, twin):
    page = sampler_page
    s = slider(page, CELL, "temperature")
    s.focus()
    before = readout(page, CELL)
    page.keyboard.press("ArrowRight")
    shown = wait_readout_change(page, CELL, before, timeout=20_000)
    state = _state(page)
    assert state[1] == 1.0 and shown == _twin_readout(twin, *state)
    page.keyboard.press("Home")
    shown = wait_readout_change(page, CELL, shown, timeout=20_000)
    assert shown.startswith("temperature 0 (greedy)") and shown == _twin_readout(twin, *_state(page))


def test_top_k_drops_characters_from_the_drawn_distribution(sampler_page, twin):
    page = sampler_page
    s = slider(page, CELL, "top-k")
    s.focus()
    before = readout(page, CELL)
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")                     # all 73 -> 20
    page.keyboard.press("ArrowLeft")                     # 20 -> 10
    page.wait_for_function(
        "(i) => document.querySelectorAll('.jp-CodeCell')[i].querySelector('pre.attention-readout')"
        ".innerText.includes('top-k 10,')", arg=CELL, timeout=20_000)
    state = _state(page)
    assert state[2] == 10 and readout(page, CELL) == _twin_readout(twin, *state) != before
    page.wait_for_timeout(300)
    np.testing.assert_allclose(_drawn_bars(page)[1], twin.values["probs"][twin.values["order"]], rtol=1e-12)


def test_a_typed_prompt_is_written_after(sampler_page, twin):
    page = sampler_page
    box = page.locator(".jp-CodeCell").nth(CELL).get_by_role("textbox", name="prompt")
    box.fill("BRUTUS. ")
    before = readout(page, CELL)
    box.press("Enter")                                   # the box sends its value on Enter
    shown = wait_readout_change(page, CELL, before, timeout=20_000)
    state = _state(page)
    assert state[0] == "BRUTUS. " and shown == _twin_readout(twin, *state)
    assert shown.split("---\n", 1)[1].startswith("BRUTUS. ")
