"""Every widget, driven from Python: change an input, the readout and the picture follow."""
import io
import math

import numpy as np
import pytest
from PIL import Image

import attention_lib as al
from attention_lib import widgets
from attention_lib.data import TOY_KEYS, TOY_QUERY, TOY_VALUES, noisy_sine
from attention_lib.widgets._style import OKABE_ITO
from attention_lib.widgets.playground import PLAYGROUND_KEYS, hex_to_rgb


def _pixels(w):
    return np.asarray(Image.open(io.BytesIO(w.live.image.value)).convert("RGB"), dtype=int)


def _line(text, prefix):
    return next(line for line in text.splitlines() if line.startswith(prefix))


def _numbers(line):
    inside = line[line.index("[") + 1: line.index("]")]
    return np.array([float(x) for x in inside.split(",")])


def test_similarity_explorer_readout_follows_every_control():
    w = widgets.similarity_explorer()
    w.controls["similarity"].value = "rbf"
    w.controls["tau"].value = 0.5
    w.controls["qx"].value, w.controls["qy"].value = 0.8, 0.15
    _, expected = al.attention(TOY_QUERY[None], TOY_KEYS, TOY_VALUES, similarity=lambda q, k: al.rbf_scores(q, k, temperature=0.5))
    np.testing.assert_allclose(_numbers(_line(w.readout_text, "weights")), expected[0], atol=5e-4)
    w.controls["similarity"].value = "cosine"
    cos = al.softmax(al.cosine_scores(TOY_QUERY[None], TOY_KEYS) / 0.5)[0]
    np.testing.assert_allclose(_numbers(_line(w.readout_text, "weights")), cos, atol=5e-4)
    np.testing.assert_allclose(_numbers(_line(w.readout_text, "output")), cos @ TOY_VALUES, atol=5e-4)
    assert w.readout_text.startswith("similarity cosine, τ = 0.50")


def test_similarity_explorer_additive_and_dot_are_divided_by_tau():
    w = widgets.similarity_explorer(similarity="dot", tau=2.0)
    expected = al.softmax(al.dot_scores(TOY_QUERY[None], TOY_KEYS)[0] / 2.0)
    np.testing.assert_allclose(w.values["weights"], expected)
    w.controls["similarity"].value = "additive"
    assert np.isclose(w.values["weights"].sum(), 1)


def test_temperature_explorer_entropy_readout():
    w = widgets.temperature_explorer(scores=(3.0, 1.0, 0.0))
    for tau in (0.1, 1.0, 10.0):
        w.controls["tau"].value = tau
        p = np.exp(np.array([3.0, 1.0, 0.0]) / w.controls["tau"].value)
        p /= p.sum()
        h = -np.sum(p * np.log(p))
        assert f"entropy {h:.3f} of max ln 3 = {math.log(3):.3f}" in w.readout_text
        assert f"top weight {p.max():.3f}" in w.readout_text


def test_scaling_explorer_collapses_unscaled_and_not_scaled():
    w = widgets.scaling_explorer(d=4096)
    assert w.values["top_weight"] > 0.99 and w.values["score_std"] > 30
    w.controls["scaled"].value = True
    assert w.values["entropy"] > 3.0 and 0.7 < w.values["score_std"] < 1.4
    assert f"entropy {w.values['entropy']:.3f} of {math.log(64):.3f}" in w.readout_text


def test_bandwidth_explorer_prediction_is_kernel_regression():
    x, y = noisy_sine()
    w = widgets.bandwidth_explorer()
    w.controls["x_query"].value = 3.0
    w.controls["bandwidth"].value = 0.3
    h = w.controls["bandwidth"].value
    expected = al.kernel_regression([3.0], x, y, h)[0]
    assert f"prediction {expected:.3f}" in w.readout_text
    w.controls["bandwidth"].value = 0.02                  # tiny: close to the nearest label
    nearest = y[np.argmin(np.abs(x - 3.0))]
    assert f"(nearest point's label {nearest:.3f})" in w.readout_text
    assert abs(w.values["prediction"] - nearest) < 0.01


def test_query_playground_readout_is_numpy_attention():
    w = widgets.query_playground()
    w.set_query(0.35, 0.45)
    tau = w.controls["tau"].value
    d2 = np.sum((PLAYGROUND_KEYS - [0.35, 0.45]) ** 2, axis=1)
    rbf = np.exp(-d2 / (2 * tau**2))
    rbf /= rbf.sum()
    np.testing.assert_allclose(_numbers(_line(w.readout_text, "weights")), rbf, atol=5e-4)
    rgb = rbf @ hex_to_rgb(OKABE_ITO[: len(PLAYGROUND_KEYS)])
    np.testing.assert_allclose(_numbers(_line(w.readout_text, "blended")), rgb, atol=5e-4)
    w.controls["similarity"].value = "dot"
    assert w.canvas.similarity == "dot"                  # the toggle drives the browser side
    dot = np.exp(PLAYGROUND_KEYS @ [0.35, 0.45] / tau)
    np.testing.assert_allclose(w.values["weights"], dot / dot.sum())
    assert np.argmax(w.values["weights"]) != np.argmax(rbf)   # the point of the toggle


def test_playground_reduce_motion_flag(monkeypatch):
    assert widgets.query_playground().canvas.reduce_motion is False
    assert widgets.query_playground(reduce_motion=True).canvas.reduce_motion is True
    monkeypatch.setattr(widgets.settings, "reduce_motion", True)
    assert widgets.query_playground().canvas.reduce_motion is True


def test_sanity_check_answers_pings_and_has_a_text_fallback():
    w = widgets.sanity_check()
    w.pings = 3
    assert w.reply == "kernel answered ping 3: 3² = 9"
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "Restart Kernel" in data["text/markdown"]


@pytest.mark.parametrize("build,control,value", [
    (widgets.similarity_explorer, "qx", -0.7),
    (widgets.temperature_explorer, "tau", 0.2),
    (widgets.scaling_explorer, "d", 16),
    (widgets.bandwidth_explorer, "bandwidth", 2.0),
])
def test_in_place_update_draws_exactly_what_a_full_redraw_draws(build, control, value):
    w = build()
    first = _pixels(w)
    w.controls[control].value = value                    # blitted update
    blitted = _pixels(w)
    assert np.any(blitted != first), "the picture did not change"
    w.live.invalidate()
    w.refresh()                                          # full redraw of the same state
    assert np.array_equal(blitted, _pixels(w))


def test_values_set_from_python_are_values_the_browser_slider_keeps():
    w = widgets.bandwidth_explorer()
    w.controls["bandwidth"].value = 3.0
    w.controls["x_query"].value = 2.2
    assert w.controls["bandwidth"].value == 3.0 and 3.0 in [v for _, v in w.controls["bandwidth"]._options_full]
    w.controls["bandwidth"].value = 0.47                 # between options: the nearest readable one
    assert w.controls["bandwidth"].value == 0.5
    x = w.controls["x_query"]
    assert abs((x.value - x.min) / x.step - round((x.value - x.min) / x.step)) < 1e-9


def test_png_bytes_is_lossless():
    rgb = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(widgets.png_bytes(rgb))).convert("RGB"))
    assert np.array_equal(decoded, rgb)
