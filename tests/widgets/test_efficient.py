"""Lesson 08's online-softmax step-through, driven from Python: every step's numbers against numpy."""
import math
import re

import numpy as np
import pytest

from attention_lib import widgets
from attention_lib.widgets.efficient import STEPPER_SCORES

X = np.array([1.0, 0.5, 3.0, 2.0, 5.0, 4.5])


def _expected(x, j):
    """Step j (1-based) computed directly from its definition, not by the recurrence."""
    seen = x[:j]
    m, m_old = seen.max(), (seen[:-1].max() if j > 1 else -np.inf)
    d_old = np.exp(seen[:-1] - m_old).sum() if j > 1 else 0.0
    return m, m_old, d_old, np.exp(seen - m).sum()


def _marks(w, panel, kind):
    return [m for m in w.figure.panels[panel]["marks"] if m["type"] == kind]


def _numbers_after(text, prefix):
    line = next(row for row in text.splitlines() if row.startswith(prefix))
    return [float(t) for t in re.findall(r"-?\d+\.\d+", line)]


def test_each_step_shows_the_running_max_and_the_sum_rescaled_when_the_max_jumps():
    w = widgets.online_softmax_stepper(X)
    for j in range(1, len(X) + 1):
        w.next()
        m, m_old, d_old, d = _expected(X, j)
        text = w.readout_text
        assert text.startswith(f"step {j} of 6: x_{j} = {X[j - 1]:.3f}")
        rules = {r["label"].split(" = ")[0].split(" ")[0]: r["y"] for r in _marks(w, 0, "rule")}
        assert rules["running"] == m                                    # the drawn max line
        np.testing.assert_allclose(_marks(w, 0, "bars")[0]["y"], X[:j])   # the scores read so far
        if j > 1 and m > m_old:                                         # a jump: the factor is in the readout
            factor = math.exp(m_old - m)
            assert f"{d_old:.3f} × e^({m_old:.3f} − {m:.3f}) = {d_old:.3f} × {factor:.3f} = {d_old * factor:.3f}" in text
            assert rules["old"] == m_old
        elif j > 1:
            assert f"running max m: {m:.3f} (unchanged)" in text and "old" not in rules
        assert text.splitlines()[3].endswith(f"gives ℓ = {d:.3f}")
        sums = {b["label"]: (b["x"], b["y"]) for b in _marks(w, 1, "bars")}
        assert sums["ℓ before"] == ([0], [pytest.approx(d_old, rel=1e-14)])
        rescaled = d_old * math.exp(m_old - m) if j > 1 else 0.0
        assert sums["old terms, rescaled"] == ([1, 2], [pytest.approx(rescaled, rel=1e-14, abs=1e-300)] * 2)
        assert sums["new term"] == ([2], [pytest.approx(d, rel=1e-14)])   # drawn under the rescaled part


def test_the_max_jumps_exactly_where_a_larger_score_arrives():
    w = widgets.online_softmax_stepper(X)
    jumps = []
    for j in range(1, len(X) + 1):
        w.go(j)
        if "the max jumps" in w.readout_text:
            jumps.append(j)
    assert jumps == [3, 5]


def test_the_last_step_draws_the_weights_and_they_are_softmax():
    w = widgets.online_softmax_stepper(X)
    assert _marks(w, 2, "bars") == []                     # no weights before the end
    w.go(len(X))
    e = np.exp(X - X.max())
    expected = e / e.sum()
    np.testing.assert_allclose(_marks(w, 2, "bars")[0]["y"], expected, rtol=1e-14)
    np.testing.assert_allclose(_marks(w, 2, "points")[0]["y"], expected, rtol=1e-14)
    np.testing.assert_allclose(_numbers_after(w.readout_text, "weights")[2:8], np.round(expected, 3))
    assert w.readout_text.endswith("equal to al.softmax(x) within 1e-12: yes")


def test_step_zero_has_read_nothing_and_steps_stay_in_range():
    w = widgets.online_softmax_stepper()
    assert w.step == 0 and w.readout_text.startswith(f"step 0 of {len(STEPPER_SCORES)}: no score read yet")
    w.previous()
    assert w.step == 0
    w.go(99)
    assert w.step == len(STEPPER_SCORES)
    w.next()
    assert w.step == len(STEPPER_SCORES)


def test_minus_inf_scores_give_no_nan_anywhere():
    w = widgets.online_softmax_stepper([-np.inf, 2.0, -np.inf])
    for j in range(4):
        w.go(j)
        assert "nan" not in w.readout_text.lower()
    np.testing.assert_array_equal(w.values["weights"], [0.0, 1.0, 0.0])


def test_stepper_refuses_what_it_cannot_step_through():
    for bad in ([], [[1.0, 2.0]], [1.0, np.nan]):
        with pytest.raises(ValueError, match="a vector of scores"):
            widgets.online_softmax_stepper(bad)


def test_a_step_is_one_message_with_the_figure_and_its_readout(monkeypatch):
    w = widgets.online_softmax_stepper(X)
    sent = []
    monkeypatch.setattr(w.figure, "_send", lambda msg, buffers=None: sent.append(msg))
    w.next()
    assert len(sent) == 1 and sent[0]["state"]["readout"] == w.readout_text and "panels" in sent[0]["state"]


def test_reduce_motion_reaches_the_step_control(monkeypatch):
    assert widgets.online_softmax_stepper().controls["step"].reduce_motion is False
    assert widgets.online_softmax_stepper(reduce_motion=True).controls["step"].reduce_motion is True
    monkeypatch.setattr(widgets.settings, "reduce_motion", True)
    assert widgets.online_softmax_stepper().controls["step"].reduce_motion is True


def test_without_widgets_the_stepper_shows_its_readout():
    w = widgets.online_softmax_stepper(X)
    w.go(3)
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == w.readout_text and "× 0.135" in data["text/plain"]
