"""Driving every widget in the browser moves its readout to what the kernel-side widget computes."""
import json

import numpy as np
import pytest

from attention_lib import widgets
from attention_lib.widgets.playground import PLAYGROUND_KEYS, playground_weights

from .harness import kernel_eval, open_notebook, readout, run_all, wait_readout_change, write_notebook

BUILDERS = [
    "from attention_lib import widgets",
    "w0 = widgets.temperature_explorer(); w0",
    "w1 = widgets.scaling_explorer(); w1",
    "w2 = widgets.similarity_explorer(); w2",
    "w3 = widgets.bandwidth_explorer(); w3",
    "w4 = widgets.query_playground(); w4",
    "w5 = widgets.sanity_check(); w5",
]


@pytest.fixture(scope="module")
def widget_page(browser, lab):
    write_notebook(lab.root / "widget_drive.ipynb", BUILDERS)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_notebook(page, lab, "widget_drive.ipynb")
    run_all(page)
    yield page
    context.close()


def _press_right(page, cell, handle=0):
    h = page.locator(".jp-CodeCell").nth(cell).locator(".noUi-handle").nth(handle)
    h.focus()
    h.press("ArrowRight")


def _kernel_value(page, expr):
    return json.loads(kernel_eval(page, f"import json; print(json.dumps({expr}))"))


def _expected(page, name, builder):
    """The same widget built here, with every control set to the kernel's current value."""
    values = _kernel_value(page, f"{{k: c.value for k, c in {name}.controls.items()}}")
    twin = builder()
    for key, value in values.items():
        twin.controls[key].value = value
    return twin, values


def test_temperature_slider_step_updates_the_entropy_readout(widget_page):
    before = readout(widget_page, 1)
    _press_right(widget_page, 1)
    shown = wait_readout_change(widget_page, 1, before)
    expected, values = _expected(widget_page, "w0", widgets.temperature_explorer)
    assert values["tau"] > 1.0
    assert shown == expected.readout_text


def test_scaling_slider_and_checkbox_update_the_readout(widget_page):
    before = readout(widget_page, 2)
    _press_right(widget_page, 2)
    shown = wait_readout_change(widget_page, 2, before)
    expected, values = _expected(widget_page, "w1", widgets.scaling_explorer)
    assert values["d"] == 1024 and shown == expected.readout_text
    widget_page.locator(".jp-CodeCell").nth(2).locator("input[type=checkbox]").click()
    shown = wait_readout_change(widget_page, 2, shown)
    expected, values = _expected(widget_page, "w1", widgets.scaling_explorer)
    assert values["scaled"] is True and shown == expected.readout_text and "scaled by 1/√d" in shown


def test_similarity_dropdown_switches_the_scores(widget_page):
    before = readout(widget_page, 3)
    widget_page.locator(".jp-CodeCell").nth(3).locator("select").select_option(label="RBF")
    shown = wait_readout_change(widget_page, 3, before)
    expected, values = _expected(widget_page, "w2", widgets.similarity_explorer)
    assert values["similarity"] == "rbf" and shown == expected.readout_text and shown.startswith("similarity RBF")


def test_bandwidth_slider_step_updates_the_prediction(widget_page):
    before = readout(widget_page, 4)
    _press_right(widget_page, 4)
    shown = wait_readout_change(widget_page, 4, before)
    expected, values = _expected(widget_page, "w3", widgets.bandwidth_explorer)
    assert values["bandwidth"] > 0.5 and shown == expected.readout_text


def test_query_playground_drag_browser_weights_equal_numpy(widget_page):
    cell = widget_page.locator(".jp-CodeCell").nth(5)
    canvas = cell.locator("canvas.playground-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    before = readout(widget_page, 5)
    widget_page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    widget_page.mouse.down()
    for t in np.linspace(0, 1, 8):
        widget_page.mouse.move(box["x"] + box["width"] * (0.5 + 0.3 * t), box["y"] + box["height"] * (0.5 - 0.25 * t))
    widget_page.mouse.up()
    shown = wait_readout_change(widget_page, 5, before)
    host = cell.locator("[data-test-weights]").first
    widget_page.wait_for_timeout(300)
    js_weights = np.array(json.loads(host.get_attribute("data-test-weights")))
    js_query = json.loads(host.get_attribute("data-test-query"))
    tau = _kernel_value(widget_page, "w4.canvas.tau")
    numpy_weights = playground_weights(js_query, PLAYGROUND_KEYS, "rbf", tau)
    np.testing.assert_allclose(js_weights, numpy_weights, atol=1e-6)
    assert js_query[0] > 0.3 and js_query[1] > 0.3            # the drag moved the query up and right
    shown = readout(widget_page, 5)
    kernel_query = _kernel_value(widget_page, "w4.canvas.query")
    np.testing.assert_allclose(kernel_query, js_query, atol=1e-12)   # synced back to Python
    expected = widgets.query_playground()
    expected.set_query(*kernel_query)
    assert shown == expected.readout_text


def test_query_playground_toggle_switches_to_dot_product(widget_page):
    cell = widget_page.locator(".jp-CodeCell").nth(5)
    before = readout(widget_page, 5)
    cell.get_by_role("button", name="dot product").click()
    shown = wait_readout_change(widget_page, 5, before)
    widget_page.wait_for_timeout(300)
    host = cell.locator("[data-test-weights]").first
    js_weights = np.array(json.loads(host.get_attribute("data-test-weights")))
    js_query = json.loads(host.get_attribute("data-test-query"))
    np.testing.assert_allclose(js_weights, playground_weights(js_query, PLAYGROUND_KEYS, "dot", _kernel_value(widget_page, "w4.canvas.tau")), atol=1e-6)
    assert ", dot," in shown


def test_sanity_check_round_trips_through_the_kernel(widget_page):
    cell = widget_page.locator(".jp-CodeCell").nth(6)
    assert "Widgets are working" in cell.inner_text()
    cell.locator("button.sanity-ping").click()
    widget_page.wait_for_function(
        "() => [...document.querySelectorAll('.sanity-reply')].some(e => e.innerText.includes('1² = 1'))", timeout=10_000)
    assert cell.locator("[data-test-rendered='true']").count() == 1
