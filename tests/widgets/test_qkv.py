"""Lesson 05's mechanism stepper, driven from Python: every step's matrices and readout are numpy's,
computed here again by hand from the lab's recipe (seed 7, X then W_q, W_k, W_v, causal)."""
import numpy as np
import pytest

from attention_lib import widgets
from attention_lib.widgets.qkv import MATRICES, SAYS, SHOWN, StepControls

TOKENS = ["policy", "raises", "wages", "jobs"]


def _by_hand(mask=True):
    """The lab's example computed without the library: every matrix the stepper can show."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 6))                                   # (4, 6)
    W_q, W_k, W_v = (rng.normal(size=(6, 4)) / np.sqrt(6) for _ in range(3))
    q, k, v = x @ W_q, x @ W_k, x @ W_v                           # (4, 4) each
    s = q @ k.T                                                   # (4, 4)
    allowed = np.tril(np.ones((4, 4), bool)) if mask else np.ones((4, 4), bool)
    scaled = np.where(allowed, s / 2.0, -np.inf)                  # √d = 2
    e = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    a = e / e.sum(axis=1, keepdims=True)
    return {"x": x, "q": q, "k": k, "v": v, "scores": s, "mask": allowed.astype(float), "scaled scores": scaled,
            "weights": a, "out": a @ v}, (x, W_q, W_k, W_v)


def _row(text, prefix):
    line = next(line for line in text.splitlines() if line.startswith(prefix))
    inside = line[line.index("[") + 1: line.index("]")]
    return np.array([float(t) for t in inside.split(",")])


def _heatmaps(w):
    """Every drawn heatmap, as (title, values with blocked cells as -inf, highlighted row)."""
    out = []
    for p in w.figure.panels:
        m = p["marks"][0]
        values = np.array([[-np.inf if c is None else c for c in row] for row in m["values"]])
        out.append((p["title"], values, m["highlight_row"]))
    return out


EXPECTED, _ = _by_hand()
MAIN = {"tokens": "x", "Q/K/V": "q", "scores": "scores", "scale and mask": "scaled scores", "softmax": "weights",
        "weighted sum": "out"}


@pytest.mark.parametrize("step,name", list(enumerate(MAIN)))
def test_each_step_draws_its_matrices_and_reads_out_the_querys_row(step, name):
    w = widgets.mechanism_stepper()
    w.controls["step"].value = step
    w.controls["query"].value = 3                                 # 'jobs'
    drawn = _heatmaps(w)
    assert [title.split("  ")[0] for title, *_ in drawn] == [MATRICES[m].title for m in SHOWN[name]]
    for (title, values, highlight), label in zip(drawn, SHOWN[name], strict=True):
        np.testing.assert_allclose(values, EXPECTED[label], rtol=1e-12, atol=1e-12)
        assert title.endswith(str(EXPECTED[label].shape))
        assert highlight == (3 if label not in ("k", "v") else None)      # keys' rows are not one query's
    text = w.readout_text
    assert text.splitlines()[0].endswith(f"{name}: {SAYS[name]}")
    assert f"shape {EXPECTED[MAIN[name]].shape}" in text
    row = EXPECTED[MAIN[name]][3]
    np.testing.assert_allclose(_row(text, "row 3, query 'jobs'"), row, atol=5e-4)
    assert w.figure.readout == text


def test_the_lessons_query_wages_reads_the_labs_numbers():
    w = widgets.mechanism_stepper(query="wages", step=4)
    assert w.readout_text.splitlines()[0] == "step 4 of 5 · softmax: each row becomes weights that sum to 1"
    assert "row 2, query 'wages': [0.316, 0.406, 0.278, 0.000]" in w.readout_text
    w.controls["step"].value = 3
    assert "[-0.186, 0.064, -0.315, -inf]" in w.readout_text and "1 of 4 keys blocked" in w.readout_text
    w.controls["step"].value = 5
    a = EXPECTED["weights"][2]
    assert " + ".join(f"{wj:.3f}·V[{t}]" for wj, t in zip(a, TOKENS, strict=True)) in w.readout_text


def test_the_first_step_is_the_start_and_the_steps_stop_at_both_ends():
    w = widgets.mechanism_stepper()
    assert w.readout_text.startswith("the start · tokens")
    w.controls["step"].value = 99                                 # what a stale browser might send
    assert w.controls["step"].value == 5 and w.readout_text.startswith("step 5 of 5 · weighted sum")
    w.controls["step"].value = -3
    assert w.controls["step"].value == 0


def test_the_step_controls_name_every_step_of_the_library_in_order():
    w = widgets.mechanism_stepper()
    assert w.controls["step"].steps == list(MAIN)
    assert set(SHOWN) == set(SAYS) == set(MAIN)


def test_the_query_slider_announces_token_names():
    s = widgets.mechanism_stepper().controls["query"]
    assert s.labels == TOKENS and s.options == [0, 1, 2, 3]
    s.value = 1
    assert s.label == "raises"


def test_without_a_mask_there_is_no_mask_panel_and_no_blocked_key():
    unmasked, _ = _by_hand(mask=False)
    w = widgets.mechanism_stepper(mask=None, step=3, query=1)
    titles = [title for title, *_ in _heatmaps(w)]
    assert not any(t.startswith("mask") for t in titles) and len(titles) == 2
    np.testing.assert_allclose(_heatmaps(w)[1][1], unmasked["scaled scores"], rtol=1e-12)
    assert "0 of 4 keys blocked" in w.readout_text
    w.controls["step"].value = 4
    np.testing.assert_allclose(_row(w.readout_text, "row 1"), unmasked["weights"][1], atol=5e-4)
    assert unmasked["weights"][1, 3] > 0.5                        # 'raises' looks ahead to 'jobs' (0.518)


def test_your_own_matrices_and_mask_are_used():
    _, (x, W_q, W_k, W_v) = _by_hand()
    padding = np.array([[True, True, True, False]] * 4)           # the last key hidden from every query
    w = widgets.mechanism_stepper(x[:, ::-1], W_q, W_k, W_v, tokens=list("abcd"), mask=padding, step=2, query="c")
    q, k = x[:, ::-1] @ W_q, x[:, ::-1] @ W_k
    np.testing.assert_allclose(_heatmaps(w)[2][1], q @ k.T, rtol=1e-12)
    assert "row 2, query 'c'" in w.readout_text
    w.controls["step"].value = 3
    np.testing.assert_allclose(_heatmaps(w)[1][1], padding.astype(float))
    assert np.all(np.isneginf(_heatmaps(w)[2][1][:, 3]))


def test_bad_inputs_are_named():
    _, (x, W_q, W_k, W_v) = _by_hand()
    with pytest.raises(ValueError, match=r"x must be \(n, D\) with one token name per row.*4, 6.*3 tokens"):
        widgets.mechanism_stepper(x, W_q, W_k, W_v, tokens=["a", "b", "c"])
    with pytest.raises(ValueError, match="mask must be 'causal', None or a boolean"):
        widgets.mechanism_stepper(mask="future")


def test_a_step_is_one_message_with_panels_layout_and_readout(monkeypatch):
    w = widgets.mechanism_stepper()
    sent = []
    monkeypatch.setattr(w.figure, "_send", lambda msg, buffers=None: sent.append(msg))
    w.controls["step"].value = 4
    assert len(sent) == 1
    state = sent[0]["state"]
    assert state["readout"] == w.readout_text and len(state["panels"]) == 2 and len(state["grid"]["columns"]) == 2


def test_wider_matrices_get_wider_panels():
    w = widgets.mechanism_stepper()
    token_width = w.figure.grid["columns"][0]                     # X has D = 6 columns
    w.controls["step"].value = 1
    assert token_width > w.figure.grid["columns"][0]              # Q has d = 4


def test_reduce_motion_follows_the_setting_and_the_argument(monkeypatch):
    assert widgets.mechanism_stepper().controls["step"].reduce_motion is False
    assert widgets.mechanism_stepper(reduce_motion=True).controls["step"].reduce_motion is True
    monkeypatch.setattr(widgets.settings, "reduce_motion", True)
    w = widgets.mechanism_stepper()
    assert w.controls["step"].reduce_motion is True and w.figure.reduce_motion is True


def test_without_widgets_the_stepper_shows_its_readout():
    w = widgets.mechanism_stepper()
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == w.readout_text and w.readout_text in data["text/markdown"]


def test_step_controls_clamp_to_their_steps():
    c = StepControls(steps=["a", "b", "c"])
    c.value = 7
    assert c.value == 2
