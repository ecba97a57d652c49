"""The mask editor, driven from Python: clicks, presets and reset change the mask; the readout and the
drawn weights follow an independent numpy computation."""
import re

import numpy as np
import pytest

from attention_lib import widgets
from attention_lib.widgets.masking import MASK_EDITOR_SCORES

N = 5


def reference_weights(scores, mask):
    """Softmax over the allowed keys only, written out; a row with no allowed key gets zeros."""
    e = np.where(mask, np.exp(scores - scores.max(axis=-1, keepdims=True)), 0.0)    # (n_q, n_k)
    total = e.sum(axis=-1, keepdims=True)                                          # (n_q, 1)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def reference_mask(causal, length=None, side="right", n=N):
    i, j = np.indices((n, n))
    keep = j <= i if causal else np.ones((n, n), bool)
    if length is not None:
        keep &= (j >= n - length) if side == "left" else (j < length)
    return keep


def readout_rows(text):
    """query i -> (weights, sum, fully masked?) as the readout prints them."""
    rows = {}
    for m in re.finditer(r"^query (\d+): weights \[([^\]]*)\]  sum (\S+)(   fully masked: no key to see)?$", text, re.M):
        rows[int(m[1])] = (np.array([float(x) for x in m[2].split(",")]), float(m[3]), bool(m[4]))
    return rows


def assert_readout_follows(w, mask):
    expected = reference_weights(MASK_EDITOR_SCORES, mask)
    rows = readout_rows(w.readout_text)
    assert sorted(rows) == list(range(N))
    for i, (weights, total, empty) in rows.items():
        np.testing.assert_allclose(weights, expected[i], atol=5e-4)
        assert total == pytest.approx(expected[i].sum(), abs=5e-4)
        assert empty == (not mask[i].any())
    grid = w.readout_text.splitlines()[2:2 + N]
    assert [[c == "■" for c in line[9:].split()] for line in grid] == mask.tolist()


def click(w, row, col, panel=0):
    """What a click on a cell in the browser sends to the kernel."""
    w.figure._handle_custom_msg({"event": "cell", "panel": panel, "mark": 0, "row": row, "col": col}, [])


def test_default_is_the_lessons_left_padded_causal_mask_with_two_empty_rows():
    w = widgets.mask_editor()
    mask = reference_mask(causal=True, length=3, side="left")
    assert_readout_follows(w, mask)
    assert w.readout_text.splitlines()[0] == "mask: causal + padding, 3 real tokens of 5, padding on the left"
    assert w.readout_text.splitlines()[-1] == "fully masked rows 0, 1: al.softmax gives zeros (a plain softmax would give NaN)"


def test_a_click_on_a_mask_cell_toggles_it_and_the_weights_follow():
    w = widgets.mask_editor()
    mask = reference_mask(causal=True, length=3, side="left")
    click(w, 1, 1)                                       # let padded query 1 see itself
    mask[1, 1] = True
    assert_readout_follows(w, mask)
    assert w.readout_text.splitlines()[0].endswith("; 1 cell toggled by hand")
    assert "fully masked row 0:" in w.readout_text
    click(w, 4, 2)                                       # block query 4's view of key 2
    mask[4, 2] = False
    assert_readout_follows(w, mask)
    assert w.readout_text.splitlines()[0].endswith("; 2 cells toggled by hand")
    click(w, 1, 1)                                       # a second click undoes the first
    mask[1, 1] = False
    assert_readout_follows(w, mask)


def test_clicks_on_the_weights_or_sums_do_not_change_the_mask():
    w = widgets.mask_editor()
    before = w.readout_text
    click(w, 3, 3, panel=1)
    click(w, 3, 0, panel=2)
    assert w.readout_text == before


def test_figure_draws_numpys_weights_and_row_sums_and_outlines_only_empty_rows():
    w = widgets.mask_editor(preset="causal", length=5)
    w.toggle(0, 0)                                       # query 0 now sees nothing
    mask = reference_mask(causal=True)
    mask[0, 0] = False
    expected = reference_weights(MASK_EDITOR_SCORES, mask)
    cells, weights, sums = (p["marks"][0] for p in w.figure.panels)
    assert cells["interactive"] and not weights["interactive"]
    assert (np.array(cells["values"], dtype=float) == 1.0).tolist() == mask.tolist()    # None (blocked) -> nan
    np.testing.assert_allclose(weights["values"], expected, atol=1e-12)
    np.testing.assert_allclose(np.array(sums["values"])[:, 0], [0, 1, 1, 1, 1], atol=1e-12)
    for p in w.figure.panels[1:]:
        outlines = [m for m in p["marks"] if m["type"] == "line"]
        assert [m["label"] for m in outlines] == ["query 0 is fully masked"]
        assert min(outlines[0]["y"]) > -0.5 and max(outlines[0]["y"]) < 0.5              # around row 0 only
    assert widgets.mask_editor(preset="causal").figure.panels[1]["marks"][1:] == []


@pytest.mark.parametrize("side", ["right", "left"])
def test_presets_and_lengths_rebuild_the_mask(side):
    w = widgets.mask_editor(preset="none")
    assert_readout_follows(w, np.ones((N, N), bool))
    assert "no fully masked rows: every row sums to 1" in w.readout_text
    w.controls["side"].value = side
    w.controls["preset"].value = "padding"
    w.controls["length"].value = 2
    assert_readout_follows(w, reference_mask(causal=False, length=2, side=side))
    w.controls["preset"].value = "causal+padding"
    assert_readout_follows(w, reference_mask(causal=True, length=2, side=side))
    empty = 3 if side == "left" else 0                   # left padding empties the padded queries' rows
    assert sum(not row.any() for row in w.values["mask"]) == empty
    w.controls["length"].value = 0                       # an all-padding sequence: every row is empty
    assert_readout_follows(w, np.zeros((N, N), bool))
    assert "fully masked rows 0, 1, 2, 3, 4:" in w.readout_text


def test_a_new_preset_and_the_reset_button_drop_the_clicks():
    w = widgets.mask_editor(preset="causal")
    w.toggle(0, 3)
    w.toggle(2, 2)
    assert "2 cells toggled by hand" in w.readout_text
    w.reset_button.click()
    assert_readout_follows(w, reference_mask(causal=True))
    assert w.readout_text.splitlines()[0] == "mask: causal"
    w.toggle(0, 3)
    w.controls["preset"].value = "none"
    assert_readout_follows(w, np.ones((N, N), bool))


def test_fewer_queries_than_keys_align_the_causal_triangle_bottom_right():
    scores = np.arange(12.0).reshape(2, 6) / 4           # (n_q=2, n_k=6)
    w = widgets.mask_editor(scores, preset="causal")
    expected = np.array([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]], bool)
    assert w.values["mask"].tolist() == expected.tolist()
    np.testing.assert_allclose(w.values["weights"], reference_weights(scores, expected), atol=1e-12)


def test_a_click_is_one_message_with_the_panels_and_the_readout(monkeypatch):
    w = widgets.mask_editor()
    sent = []
    monkeypatch.setattr(w.figure, "_send", lambda msg, buffers=None: sent.append(msg))
    click(w, 2, 0)
    assert len(sent) == 1 and sent[0]["state"]["readout"] == w.readout_text and "panels" in sent[0]["state"]


def test_without_widgets_the_editor_shows_its_readout():
    w = widgets.mask_editor()
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == w.readout_text and w.readout_text in data["text/markdown"]


def test_the_editor_names_what_it_cannot_do():
    with pytest.raises(ValueError, match=r"n_k >= n_q .* got shape \(4, 2\)"):
        widgets.mask_editor(np.zeros((4, 2)))
    with pytest.raises(IndexError, match=r"cell \(5, 0\) is outside the 5 × 5 mask"):
        widgets.mask_editor().toggle(5, 0)
    with pytest.raises(ValueError, match="unknown preset 'diagonal'"):
        widgets.masking.preset_mask("diagonal", 3, 3, 3, "right")
