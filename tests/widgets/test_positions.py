"""The RoPE explorer, driven from Python: what it draws and prints is RoPE's score, which depends on m − n only."""
import math
import re

import numpy as np
import pytest

from attention_lib import widgets
from attention_lib.widgets.positions import BASES, DISTANCES, POSITIONS, explorer_vectors


def rotated(x, position, base):
    """Half-split RoPE written with explicit 2 × 2 rotation matrices, one pair at a time."""
    d = len(x)
    out = np.empty(d)
    for i in range(d // 2):
        a = position * base ** (-2 * i / d)
        R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        out[[i, i + d // 2]] = R @ x[[i, i + d // 2]]
    return out


def score(m, n, base=10000.0):
    q, k = explorer_vectors()
    return rotated(q, m, base) @ rotated(k, n, base) / math.sqrt(8)


def _marks(w, panel, kind):
    return [m for m in w.figure.panels[panel]["marks"] if m["type"] == kind]


def _score_in_readout(text):
    return float(re.search(r"/ √8 = ([+-]\d+\.\d{3})", text).group(1))


def test_moving_both_positions_together_turns_the_arrows_but_keeps_the_score():
    w = widgets.rope_explorer(m=7, n=3, s=0)
    before = w.values["score"]
    tips = [_marks(w, i, "arrows")[0]["x1"] for i in range(4)]
    for s in (1, 5, 17, 40):
        w.controls["s"].value = s
        assert w.values["score"] == pytest.approx(before, abs=1e-12)
        assert w.values["q_at"] == 7 + s and w.values["k_at"] == 3 + s
        assert _score_in_readout(w.readout_text) == round(score(7 + s, 3 + s), 3)
        assert "with s = 0: " in w.readout_text and ", the same" in w.readout_text
    assert _marks(w, 0, "arrows")[0]["x1"] != tips[0]                  # the fastest pair did turn


def test_changing_the_distance_moves_the_score_along_the_drawn_curve():
    w = widgets.rope_explorer(m=0, n=0)
    curve = _marks(w, 5, "line")[0]
    np.testing.assert_allclose(curve["x"], DISTANCES)
    np.testing.assert_allclose(curve["y"], [score(d, 0) for d in DISTANCES], rtol=1e-12, atol=1e-12)
    for m, n in [(4, 0), (0, 4), (12, 30), (40, 0)]:
        w.controls["m"].value, w.controls["n"].value = m, n
        marker = _marks(w, 5, "points")[0]
        assert marker["x"] == [m - n]
        assert marker["y"][0] == pytest.approx(curve["y"][list(DISTANCES).index(m - n)], abs=1e-12)
        assert w.values["score"] == pytest.approx(score(m, n), abs=1e-12)
    assert w.values["score"] != pytest.approx(score(0, 0))             # the distance matters


def test_each_pair_turns_by_its_position_times_its_frequency_and_the_parts_add_up():
    w = widgets.rope_explorer(m=9, n=2, s=3, base=100.0)
    q, k = explorer_vectors()
    q_rot, k_rot = rotated(q, 12, 100.0), rotated(k, 5, 100.0)
    for i in range(4):
        arrow = _marks(w, i, "arrows")[0]
        np.testing.assert_allclose([arrow["x1"][0], arrow["y1"][0]], q_rot[[i, i + 4]], rtol=1e-12)
        np.testing.assert_allclose([arrow["x1"][1], arrow["y1"][1]], k_rot[[i, i + 4]], rtol=1e-12)
    parts = _marks(w, 4, "bars")[0]["y"]
    np.testing.assert_allclose(parts[:4], [q_rot[[i, i + 4]] @ k_rot[[i, i + 4]] / math.sqrt(8) for i in range(4)])
    assert parts[4] == pytest.approx(sum(parts[:4]))
    line = w.readout_text.splitlines()[2]
    assert line.startswith("pair 1 (features 1, 5), ω = 0.3162: turned 3.795 and 1.581 rad, angle between ")
    assert line.endswith(f"part {parts[1]:+.3f}")


def test_the_base_sets_the_frequencies():
    w = widgets.rope_explorer()
    for base in BASES:
        w.controls["base"].value = base
        np.testing.assert_allclose(w.values["omega"], base ** (-np.arange(0, 8, 2) / 8))
    assert w.controls["base"].label == "100,000"


def test_the_sliders_offer_a_finite_list_of_positions():
    w = widgets.rope_explorer()
    for name in ("m", "n", "s"):
        assert w.controls[name].options == list(POSITIONS) and len(POSITIONS) == 41
    w.controls["m"].value = 1000                                        # snaps to the last position
    assert w.values["m"] == 40


def test_the_figure_carries_the_numbers_for_screen_readers():
    w = widgets.rope_explorer(m=6, n=2)
    titles = [p["title"] for p in w.figure.panels]
    assert titles[5] == f"score against distance: +4 gives {score(6, 2):+.3f}"
    assert w.figure.readout == w.readout_text and "distance m − n = +4" in w.readout_text


def test_vectors_of_another_size_are_refused():
    with pytest.raises(ValueError, match=r"vectors of 8 features \(4 pairs\); got q \(6,\)"):
        widgets.rope_explorer(q=np.ones(6), k=np.ones(8))


def test_an_update_is_one_message_with_the_figure_and_its_readout(monkeypatch):
    w = widgets.rope_explorer()
    sent = []
    monkeypatch.setattr(w.figure, "_send", lambda msg, buffers=None: sent.append(msg))
    w.controls["s"].value = 3
    assert len(sent) == 1 and sent[0]["state"]["readout"] == w.readout_text and "panels" in sent[0]["state"]


def test_without_widgets_the_explorer_shows_its_readout():
    w = widgets.rope_explorer()
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == w.readout_text and w.readout_text in data["text/markdown"]
