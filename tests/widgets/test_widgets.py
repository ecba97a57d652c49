"""Every widget, driven from Python: change an input, the readout and the figure's numbers follow."""
import math

import numpy as np
import pytest

import attention_lib as al
from attention_lib import widgets
from attention_lib.data import TOY_KEYS, TOY_QUERY, TOY_VALUES, noisy_sine
from attention_lib.widgets._style import OKABE_ITO, hex_to_rgb
from attention_lib.widgets.playground import PLAYGROUND_KEYS


def _line(text, prefix):
    return next(line for line in text.splitlines() if line.startswith(prefix))


def _numbers(line):
    inside = line[line.index("[") + 1: line.index("]")]
    return np.array([float(x) for x in inside.split(",")])


def _marks(w, panel, kind):
    return [m for m in w.figure.panels[panel]["marks"] if m["type"] == kind]


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


def test_similarity_figure_draws_numpys_scores_weights_and_output():
    w = widgets.similarity_explorer(similarity="cosine", tau=0.5)
    cos = al.cosine_scores(TOY_QUERY[None], TOY_KEYS)[0] / 0.5
    weights = al.softmax(cos)
    np.testing.assert_allclose(_marks(w, 1, "bars")[0]["y"], cos)
    np.testing.assert_allclose(_marks(w, 2, "bars")[0]["y"], weights)
    output = next(m for m in _marks(w, 0, "points") if m["label"] == "output")
    np.testing.assert_allclose([output["x"][0], output["y"][0]], weights @ TOY_VALUES)
    np.testing.assert_allclose(_marks(w, 0, "arrows")[0]["widths"], 0.3 + 10 * weights)


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
        np.testing.assert_allclose(_marks(w, 0, "bars")[0]["y"], p)
        assert w.figure.readout == w.readout_text


def test_scaling_explorer_collapses_unscaled_and_not_scaled():
    w = widgets.scaling_explorer(d=4096)
    assert w.values["top_weight"] > 0.99 and w.values["score_std"] > 30
    w.controls["scaled"].value = True
    assert w.values["entropy"] > 3.0 and 0.7 < w.values["score_std"] < 1.4
    assert f"entropy {w.values['entropy']:.3f} of {math.log(64):.3f}" in w.readout_text
    heights = _marks(w, 0, "bars")[0]["y"]
    assert len(heights) == 64 and heights == sorted(heights, reverse=True)
    assert w.readout_text.startswith("d = 4096, scaled")            # an int, as the lesson prints it


def test_bandwidth_explorer_prediction_is_kernel_regression():
    x, y = noisy_sine()
    w = widgets.bandwidth_explorer()
    w.controls["x_query"].value = 3.0
    w.controls["bandwidth"].value = 0.3
    tau = w.controls["bandwidth"].value
    expected = al.kernel_regression([3.0], x, y, tau)[0]
    assert f"prediction {expected:.3f}" in w.readout_text
    fit = _marks(w, 0, "line")[0]
    np.testing.assert_allclose(fit["y"], al.kernel_regression(fit["x"], x, y, tau))
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
    assert w.canvas.preview["similarity"] == "dot"        # the toggle drives the browser's preview
    dot = np.exp(PLAYGROUND_KEYS @ [0.35, 0.45] / tau)
    np.testing.assert_allclose(w.values["weights"], dot / dot.sum())
    assert np.argmax(w.values["weights"]) != np.argmax(rbf)   # the point of the toggle


def test_query_playground_follows_a_query_the_browser_reports():
    w = widgets.query_playground()
    w.canvas.handles = {"query": [-0.9, -0.6]}          # what a drag in the browser writes
    assert w.readout_text.startswith("numpy: query = [-0.90, -0.60], RBF with bandwidth τ")
    assert np.argmax(w.values["weights"]) == 5           # key 5 at (-0.9, -0.7) is the nearest


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


BUILDERS = [widgets.similarity_explorer, widgets.temperature_explorer, widgets.scaling_explorer,
            widgets.bandwidth_explorer, widgets.query_playground]


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_without_widgets_a_figure_shows_its_readout_not_a_widget_repr(build):
    w = build()
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == w.readout_text
    assert w.readout_text in data["text/markdown"] and "children=" not in data["text/markdown"]
    assert "application/vnd.jupyter.widget-view+json" in data


@pytest.mark.parametrize("build,control,value", [
    (widgets.similarity_explorer, "qx", -0.7),
    (widgets.temperature_explorer, "tau", 0.2),
    (widgets.scaling_explorer, "d", 16),
    (widgets.bandwidth_explorer, "bandwidth", 2.0),
    (widgets.query_playground, "tau", 2.0),
])
def test_an_update_is_one_message_with_the_figure_and_its_readout(build, control, value, monkeypatch):
    w = build()
    figure = w.canvas if hasattr(w, "canvas") else w.figure
    sent = []
    monkeypatch.setattr(figure, "_send", lambda msg, buffers=None: sent.append(msg))
    w.controls[control].value = value
    assert len(sent) == 1, f"{len(sent)} messages for one update"
    state = sent[0]["state"]
    assert state["readout"] == w.readout_text
    assert {"panels", "preview"} & set(state)


def test_values_set_from_python_are_values_the_browser_slider_keeps():
    w = widgets.bandwidth_explorer()
    w.controls["bandwidth"].value = 3.0
    w.controls["x_query"].value = 2.2
    assert w.controls["bandwidth"].value == 3.0 and 3.0 in w.controls["bandwidth"].options
    w.controls["bandwidth"].value = 0.47                 # between options: the nearest readable one
    assert w.controls["bandwidth"].value == 0.5
    x = w.controls["x_query"]
    assert x.value in x.options and x.label == "2.20"


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_sliders_announce_values_without_float_noise(build):
    for control in build().controls.values():
        if not isinstance(control, widgets.controls.Slider):
            continue
        assert control.description
        assert len(control.labels) == len(control.options)
        for label, value in zip(control.labels, control.options, strict=True):
            assert len(label) <= 6 and abs(float(label) - value) < 1e-9, (control.description, label, value)


def test_log_slider_announces_the_value_not_its_index():
    s = widgets.temperature_explorer().controls["tau"]
    s.value = 0.5
    assert s.label == "0.5" and s.options.index(0.5) != 0.5
