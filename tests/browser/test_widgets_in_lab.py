"""Driving every widget in the browser: the readout follows the kernel, the canvas draws numpy's
numbers at the device pixel ratio, and everything can be reached from the keyboard. With the kernel
busy, a slider still moves the figure through numpy's frames sent ahead; a drag's browser preview
agrees with numpy; reduced motion turns the glide off.

The page runs at device scale factor 2 (a HiDPI screen); the notebook tests run at 1.
"""
import json
import re

import numpy as np
import pytest

from attention_lib import softmax, widgets
from attention_lib.data import TOY_KEYS, TOY_QUERY, TOY_VALUES, noisy_sine
from attention_lib.widgets.playground import PLAYGROUND_KEYS, playground_weights

from .ahead import drawn, kernel_busy, next_frame, wait_ahead
from .harness import driven_notebook, kernel_eval, readout, screenshot_output, slider, wait_readout_change

MASK_EDITOR = '''import numpy as np
from attention_lib.widgets import Figure
from attention_lib.widgets._chart import heatmap, panel
tokens = ["the", "cat", "sat", "down"]
mask = np.tril(np.ones((4, 4), bool))
events = []
editor = Figure(label="mask", grid={"height": 300, "max_width": 420})
def redraw():
    editor.show([panel([heatmap(np.where(mask, 1.0, -np.inf), rows=tokens, cols=tokens, interactive=True,
                                 label="mask")])], readout=str(mask.astype(int).tolist()))
def toggle(p, m, row, col):
    events.append((row, col))
    mask[row, col] = not mask[row, col]
    redraw()
editor.on_cell(toggle)
redraw()
editor'''
BUILDERS = [
    "from attention_lib import widgets",
    "w0 = widgets.temperature_explorer(); w0",
    "w1 = widgets.scaling_explorer(); w1",
    "w2 = widgets.similarity_explorer(); w2",
    "w3 = widgets.bandwidth_explorer(); w3",
    "w4 = widgets.query_playground(); w4",
    "w5 = widgets.sanity_check(); w5",
    MASK_EDITOR,
]
DPR = 2


@pytest.fixture(scope="module")
def widget_page(browser, lab, tmp_path_factory):
    with driven_notebook(browser, lab, "widget_drive.ipynb", BUILDERS, dpr=DPR) as page:
        yield page
        for i in range(1, len(BUILDERS)):                          # to look at: crisp at device scale 2?
            screenshot_output(page, i, tmp_path_factory, f"widget_cell{i}_x{DPR}.png")


def _cell(page, i):
    return page.locator(".jp-CodeCell").nth(i)


def _press(page, cell, name, key="ArrowRight"):
    s = slider(page, cell, name)
    s.scroll_into_view_if_needed()
    s.focus()
    s.press(key)


def _kernel_value(page, expr):
    return json.loads(kernel_eval(page, f"import json; print(json.dumps({expr}))"))


def _caught_up(page, name, cell):
    """Wait until the kernel has the state the page shows (the page draws a slider's frame before the kernel
    hears of the move)."""
    shown = readout(page, cell)
    for _ in range(100):
        if _kernel_value(page, f"{name}.readout_text") == shown:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the kernel's {name} never caught up with the page's readout {shown!r}")


def _expected(page, name, builder):
    """The same widget built here, with every control set to the kernel's current value."""
    _caught_up(page, name, 1 + int(name[1:]))
    values = _kernel_value(page, f"{{k: c.value for k, c in {name}.controls.items()}}")
    twin = builder()
    for key, value in values.items():
        twin.controls[key].value = value
    return twin, values


def _drawn(page, cell):
    """What the canvas in this cell drew, once it has drawn the kernel's latest panels."""
    host = _cell(page, cell).locator("[data-test-marks]").first
    return json.loads(host.get_attribute("data-test-marks"))


def test_temperature_slider_step_redraws_numpys_weights(widget_page):
    before = readout(widget_page, 1)
    _press(widget_page, 1, "temperature τ")
    shown = wait_readout_change(widget_page, 1, before)
    expected, values = _expected(widget_page, "w0", widgets.temperature_explorer)
    assert values["tau"] == 1.25 and shown == expected.readout_text
    weights = softmax(np.array([2.0, 1.0, 0.5, 0.0, -1.0]), temperature=1.25)
    widget_page.wait_for_timeout(100)
    np.testing.assert_allclose(_drawn(widget_page, 1)[0][0], weights, rtol=0, atol=1e-12)   # bars as drawn
    label = _cell(widget_page, 1).locator("canvas.chart-canvas").get_attribute("aria-label")
    assert ", ".join(f"{float(f'{w:.3f}'):g}" for w in weights) in label


def test_scaling_slider_and_checkbox_update_the_readout(widget_page):
    before = readout(widget_page, 2)
    _press(widget_page, 2, "dimension d")
    shown = wait_readout_change(widget_page, 2, before)
    expected, values = _expected(widget_page, "w1", widgets.scaling_explorer)
    assert values["d"] == 1024 and shown == expected.readout_text
    _cell(widget_page, 2).get_by_role("checkbox", name="divide by √d").click()
    shown = wait_readout_change(widget_page, 2, shown)
    expected, values = _expected(widget_page, "w1", widgets.scaling_explorer)
    assert values["scaled"] is True and shown == expected.readout_text and "scaled by 1/√d" in shown


def test_similarity_dropdown_switches_the_scores(widget_page):
    before = readout(widget_page, 3)
    _cell(widget_page, 3).get_by_role("combobox", name="similarity").select_option(label="RBF")
    shown = wait_readout_change(widget_page, 3, before)
    expected, values = _expected(widget_page, "w2", widgets.similarity_explorer)
    assert values["similarity"] == "rbf" and shown == expected.readout_text and shown.startswith("similarity RBF")


def test_bandwidth_slider_step_updates_the_prediction(widget_page):
    before = readout(widget_page, 4)
    _press(widget_page, 4, "bandwidth τ")
    shown = wait_readout_change(widget_page, 4, before)
    expected, values = _expected(widget_page, "w3", widgets.bandwidth_explorer)
    assert values["bandwidth"] == 0.6 and shown == expected.readout_text


def test_readout_is_one_stable_live_node_whose_text_changes(widget_page):
    node = _cell(widget_page, 4).locator("pre.attention-readout")
    node.evaluate("e => { e.dataset.testMarker = 'same-node'; }")
    before = node.inner_text()
    _press(widget_page, 4, "query x")
    wait_readout_change(widget_page, 4, before)
    assert node.get_attribute("data-test-marker") == "same-node"
    assert node.get_attribute("aria-live") == "polite"


def test_sliders_are_named_and_announce_values_not_indices(widget_page):
    tau = slider(widget_page, 1, "temperature τ")
    assert tau.get_attribute("aria-valuetext") == "1.25"          # the option's value, not its index
    for cell in (1, 2, 3, 4, 5):
        for s in _cell(widget_page, cell).get_by_role("slider").all():
            text = s.get_attribute("aria-valuetext")
            assert s.evaluate("e => e.labels.length === 1 && e.labels[0].querySelector('span').innerText.trim().length > 0")
            assert len(text) <= 6 and re.fullmatch(r"-?\d+(\.\d{1,4})?", text), text


def test_canvases_are_drawn_at_the_device_pixel_ratio_and_labelled(widget_page):
    for canvas in widget_page.locator("canvas.chart-canvas").all():
        canvas.scroll_into_view_if_needed()
        size = canvas.evaluate("e => [e.width, e.height, e.getBoundingClientRect().width, e.getBoundingClientRect().height]")
        assert size[0] == round(size[2] * DPR) and size[1] == round(size[3] * DPR), size
        assert canvas.get_attribute("role") == "img" and any(ch.isdigit() for ch in canvas.get_attribute("aria-label"))


def test_figures_follow_the_width_of_their_container(widget_page):
    canvas = _cell(widget_page, 3).locator("canvas.chart-canvas")
    wide = canvas.evaluate("e => e.getBoundingClientRect().width")
    widget_page.set_viewport_size({"width": 760, "height": 1000})
    try:
        widget_page.wait_for_function("([e, w]) => e.getBoundingClientRect().width < w - 100", arg=[canvas.element_handle(), wide])
        narrow = canvas.evaluate("e => [e.width, e.getBoundingClientRect().width]")
        assert narrow[0] == round(narrow[1] * DPR)
    finally:
        widget_page.set_viewport_size({"width": 1400, "height": 1000})


def _playground(page):
    cell = _cell(page, 5)
    canvas = cell.locator("canvas.chart-canvas")
    canvas.scroll_into_view_if_needed()
    return cell, canvas


def _browser_weights(cell):
    host = cell.locator("[data-test-weights]").first
    return np.array(json.loads(host.get_attribute("data-test-weights"))), json.loads(host.get_attribute("data-test-query"))


def test_query_playground_drag_browser_weights_equal_numpy(widget_page):
    cell, canvas = _playground(widget_page)
    box = canvas.bounding_box()
    before = readout(widget_page, 5)
    widget_page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    widget_page.mouse.down()
    for t in np.linspace(0, 1, 8):
        widget_page.mouse.move(box["x"] + box["width"] * (0.5 + 0.25 * t), box["y"] + box["height"] * (0.5 - 0.2 * t))
    widget_page.mouse.up()
    wait_readout_change(widget_page, 5, before)
    widget_page.wait_for_timeout(300)
    js_weights, js_query = _browser_weights(cell)
    tau = _kernel_value(widget_page, "w4.controls['tau'].value")
    np.testing.assert_allclose(js_weights, playground_weights(js_query, PLAYGROUND_KEYS, "rbf", tau), atol=1e-6)
    assert js_query[0] > 0.3 and js_query[1] > 0.3            # the drag moved the query up and right
    kernel_query = _kernel_value(widget_page, "w4.query.tolist()")
    np.testing.assert_allclose(kernel_query, js_query, atol=1e-12)   # synced back to Python
    expected = widgets.query_playground()
    expected.set_query(*kernel_query)
    assert readout(widget_page, 5) == expected.readout_text


def test_query_playground_moves_with_the_arrow_keys(widget_page):
    cell, canvas = _playground(widget_page)
    _, start = _browser_weights(cell)
    before = readout(widget_page, 5)
    canvas.focus()
    for key in ("ArrowLeft", "ArrowLeft", "ArrowDown"):
        canvas.press(key)
    wait_readout_change(widget_page, 5, before)
    widget_page.wait_for_timeout(300)
    js_weights, js_query = _browser_weights(cell)
    np.testing.assert_allclose(js_query, [start[0] - 0.1, start[1] - 0.05], atol=1e-9)
    np.testing.assert_allclose(_kernel_value(widget_page, "w4.query.tolist()"), js_query, atol=1e-12)
    tau = _kernel_value(widget_page, "w4.controls['tau'].value")
    np.testing.assert_allclose(js_weights, playground_weights(js_query, PLAYGROUND_KEYS, "rbf", tau), atol=1e-6)


def test_query_playground_toggle_switches_to_dot_product(widget_page):
    cell, _ = _playground(widget_page)
    before = readout(widget_page, 5)
    cell.get_by_role("button", name="dot product").click()
    shown = wait_readout_change(widget_page, 5, before)
    widget_page.wait_for_timeout(300)
    js_weights, js_query = _browser_weights(cell)
    tau = _kernel_value(widget_page, "w4.controls['tau'].value")
    np.testing.assert_allclose(js_weights, playground_weights(js_query, PLAYGROUND_KEYS, "dot", tau), atol=1e-6)
    assert "dot product at temperature τ" in shown


def test_sanity_check_round_trips_through_the_kernel(widget_page):
    cell = _cell(widget_page, 6)
    assert "Widgets are working" in cell.inner_text()
    cell.locator("button.sanity-ping").click()
    widget_page.wait_for_function(
        "() => [...document.querySelectorAll('.sanity-reply')].some(e => e.innerText.includes('1² = 1'))", timeout=10_000)
    assert cell.locator("[data-test-rendered='true']").count() == 1


def test_heatmap_cells_toggle_by_click_and_by_keyboard(widget_page):
    cell = _cell(widget_page, 7)
    cell.scroll_into_view_if_needed()
    before = readout(widget_page, 7)
    cell.locator("[data-test-row='0'][data-test-col='2']").click()
    shown = wait_readout_change(widget_page, 7, before)
    first = cell.locator("[data-test-row='0'][data-test-col='0']")
    first.focus()
    for key in ("ArrowDown", "ArrowRight", "ArrowRight"):  # roving focus: (0, 0) -> (1, 0) -> (1, 1) -> (1, 2)
        widget_page.keyboard.press(key)
    widget_page.keyboard.press("Space")
    wait_readout_change(widget_page, 7, shown)
    assert _kernel_value(widget_page, "events") == [[0, 2], [1, 2]]
    assert _kernel_value(widget_page, "bool(mask[0, 2] and mask[1, 2] and not mask[1, 3])") is True
    focused = widget_page.evaluate("() => [document.activeElement.dataset.testRow, document.activeElement.dataset.testCol]")
    assert focused == ["1", "2"]                # the redraw kept the learner's place
    assert cell.locator("[data-test-row='1'][data-test-col='2']").get_attribute("aria-label") == "row cat, column sat: 1.00"
    assert cell.locator("[data-test-row='1'][data-test-col='3']").get_attribute("aria-label") == "row cat, column down: blocked"


# ---------------------------------------------------------------- frames ahead: no round trip per step

def _softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def _tau(page, cell, name):
    return float(slider(page, cell, name).get_attribute("aria-valuetext"))


def test_with_the_kernel_busy_the_temperature_slider_draws_numpys_weights_at_every_step(widget_page):
    page, scores = widget_page, np.array([2.0, 1.0, 0.5, 0.0, -1.0])
    kernel_eval(page, "w0.controls['tau'].value = 1.25")
    page.wait_for_function("() => document.querySelectorAll('.jp-CodeCell')[1].querySelector('input[type=range]')"
                           ".getAttribute('aria-valuetext') === '1.25'", timeout=10_000)
    wait_ahead(page, 1)
    s = slider(page, 1, "temperature τ")
    s.scroll_into_view_if_needed()
    s.focus()
    seen = []
    with kernel_busy(page):
        for key in ("ArrowRight", "ArrowRight", "ArrowRight", "End", "Home", "ArrowRight"):
            s.press(key)
            next_frame(page)
            tau = _tau(page, 1, "temperature τ")
            weights = _softmax(scores / tau)                         # numpy, here, by the definition
            np.testing.assert_allclose(drawn(page, 1)[0][0], weights, rtol=0, atol=1e-12)
            assert readout(page, 1).splitlines()[:2] == [f"τ = {tau:.2f}", f"weights [{', '.join(f'{w:.3f}' for w in weights)}]"]
            label = _cell(page, 1).locator("canvas.chart-canvas").get_attribute("aria-label")
            assert ", ".join(f"{float(f'{w:.3f}'):g}" for w in weights) in label
            seen.append(tau)
    assert seen == [1.5, 2.0, 2.5, 20.0, 0.05, 0.06]
    _caught_up(page, "w0", 1)
    assert _kernel_value(page, "w0.controls['tau'].value") == 0.06     # the kernel heard of it afterwards
    kernel_eval(page, "w0.controls['tau'].value = 1.25")                 # as the other tests left it


def test_with_the_kernel_busy_the_similarity_query_slider_draws_numpys_scores_and_output(widget_page):
    page = widget_page
    wait_ahead(page, 3)
    s = slider(page, 3, "query x")
    s.scroll_into_view_if_needed()
    s.focus()
    similarity, qy, tau = _kernel_value(page, "[w2.controls[k].value for k in ('similarity', 'qy', 'tau')]")
    with kernel_busy(page):
        for key in ("ArrowRight", "ArrowRight", "ArrowLeft", "PageDown"):
            s.press(key)
            next_frame(page)
            q = np.array([_tau(page, 3, "query x"), qy])
            if similarity == "rbf":                                      # by hand: −‖q − k‖² / (2τ²)
                scores = -np.sum((TOY_KEYS - q) ** 2, axis=1) / (2 * tau**2)
            else:                                                        # q·k / √2 / τ
                scores = TOY_KEYS @ q / np.sqrt(2) / tau
            weights = _softmax(scores)
            plane, bars_scores, bars_weights = drawn(page, 3)
            np.testing.assert_allclose(bars_scores[1], scores, rtol=0, atol=1e-12)
            np.testing.assert_allclose(bars_weights[0], weights, rtol=0, atol=1e-12)
            np.testing.assert_allclose([plane[3]["x"][0], plane[3]["y"][0]], weights @ TOY_VALUES, atol=1e-12)
            assert f"query = [{q[0]:.2f}, {q[1]:.2f}]" in readout(page, 3)
    _caught_up(page, "w2", 3)
    assert np.isclose(TOY_QUERY[1], qy)


def test_with_the_kernel_busy_the_bandwidth_and_query_sliders_draw_numpys_fit(widget_page):
    page = widget_page
    x, y = noisy_sine()
    for name, keys in (("bandwidth τ", ("ArrowLeft", "ArrowLeft")), ("query x", ("ArrowRight", "ArrowRight"))):
        wait_ahead(page, 4)                                              # the other slider's frames, refilled
        s = slider(page, 4, name)
        s.scroll_into_view_if_needed()
        s.focus()
        with kernel_busy(page):
            for key in keys:
                s.press(key)
                next_frame(page)
                h, xq = _tau(page, 4, "bandwidth τ"), _tau(page, 4, "query x")
                w = _softmax(-((xq - x) ** 2) / (2 * h**2))                # Nadaraya–Watson weights, by hand
                fit, stems = drawn(page, 4)
                np.testing.assert_allclose(stems[0], w, rtol=0, atol=1e-12)
                np.testing.assert_allclose(fit[3]["y"], [w @ y], rtol=0, atol=1e-12)
                assert fit[2] == [xq] and readout(page, 4).startswith(f"τ = {h:.2f}, query x = {xq:.2f}: prediction {w @ y:.3f}")
        _caught_up(page, "w3", 4)


def test_with_the_kernel_busy_the_playground_tau_slider_switches_preview_and_numpys_readout(widget_page):
    page = widget_page
    cell, _ = _playground(page)
    wait_ahead(page, 5)
    query = _kernel_value(page, "w4.query.tolist()")
    s = slider(page, 5, "τ")
    s.focus()
    with kernel_busy(page):
        for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):
            s.press(key)
            next_frame(page)
            tau = _tau(page, 5, "τ")
            js_weights, js_query = _browser_weights(cell)
            numpy = playground_weights(js_query, PLAYGROUND_KEYS, _kernel_similarity(page), tau)
            np.testing.assert_allclose(js_query, query, atol=1e-12)
            np.testing.assert_allclose(js_weights, numpy, rtol=0, atol=1e-6)   # the preview at the new τ
            assert f"τ = {tau:.2f}" in readout(page, 5) and f"weights [{', '.join(f'{v:.3f}' for v in numpy)}]" in readout(page, 5)
    _caught_up(page, "w4", 5)


def _kernel_similarity(page):
    return "dot" if "dot product" in readout(page, 5) else "rbf"


def test_a_drag_previews_in_the_browser_what_numpy_then_confirms_to_1e_6(widget_page):
    page = widget_page
    cell, canvas = _playground(page)
    kernel_eval(page, "w4.set_query(0.0, 0.0)")
    page.wait_for_function("() => document.querySelectorAll('.jp-CodeCell')[5].querySelector('[data-test-query]')"
                           ".dataset.testQuery === '[0,0]'", timeout=10_000)
    box = canvas.bounding_box()
    sx, sy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(sx, sy)
    page.mouse.down()
    similarity, tau = _kernel_similarity(page), _kernel_value(page, "w4.controls['tau'].value")
    for t in (0.1, 0.2, 0.3, 0.4):                                       # during the drag: the browser's preview
        page.mouse.move(sx - box["width"] * t, sy + box["height"] * t * 0.5)
        next_frame(page)
        js_weights, js_query = _browser_weights(cell)
        np.testing.assert_allclose(js_weights, playground_weights(js_query, PLAYGROUND_KEYS, similarity, tau), atol=1e-6)
    page.mouse.up()
    for _ in range(100):                                                 # numpy, in the kernel, confirms
        kernel = _kernel_value(page, "[w4.query.tolist(), w4.values['weights'].tolist()]")
        if np.allclose(kernel[0], js_query, atol=1e-12):
            break
        page.wait_for_timeout(100)
    np.testing.assert_allclose(kernel[0], js_query, atol=1e-12)
    np.testing.assert_allclose(js_weights, kernel[1], rtol=0, atol=1e-6)


def _drawn_queries_after(page, code):
    """Run ``code`` in the kernel and collect every query position the playground draws for 600 ms after."""
    page.evaluate("""() => {
        const host = document.querySelectorAll('.jp-CodeCell')[5].querySelector('[data-test-drawn]');
        const seen = window.__queries = [];
        const tick = () => { seen.push(host.dataset.testQuery); if (seen.length < 200) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
    }""")
    kernel_eval(page, code)
    page.wait_for_timeout(600)
    return list(dict.fromkeys(page.evaluate("() => window.__queries")))


def test_reduced_motion_puts_the_query_where_python_says_with_no_glide(widget_page):
    page = widget_page
    _playground(page)
    page.emulate_media(reduced_motion="reduce")
    try:
        still = _drawn_queries_after(page, "w4.set_query(-0.8, 0.6)")
    finally:
        page.emulate_media(reduced_motion="no-preference")
    glide = _drawn_queries_after(page, "w4.set_query(0.8, -0.6)")
    assert json.loads(still[-1]) == [-0.8, 0.6] and len(still) == 2    # where it was, then where Python put it
    assert json.loads(glide[-1]) == [0.8, -0.6] and len(glide) > 4     # without the setting it glides there
