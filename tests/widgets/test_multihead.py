"""The head viewer, driven from Python: its readout and drawn matrices are numpy's multi-head weights."""
import re

import numpy as np
import pytest

import attention_lib as al
from attention_lib import widgets
from attention_lib.data import two_head_toy


def loop_weights(x, params, n_heads, allowed):
    """Each head's weights by a plain loop: its own column slices of W_q and W_k, its own masked softmax."""
    x = x[0]                                                        # (n, D)
    d = x.shape[1] // n_heads
    out = []
    for j in range(n_heads):
        cols = slice(j * d, (j + 1) * d)
        s = (x @ params["W_q"][:, cols]) @ (x @ params["W_k"][:, cols]).T / np.sqrt(d)   # (n, n)
        s = np.where(allowed, s, -np.inf)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        out.append(e / e.sum(axis=1, keepdims=True))
    return np.array(out)                                            # (h, n, n)


@pytest.fixture(scope="module")
def toy():
    x, params, mask, labels = two_head_toy()
    return x, params, mask, labels, loop_weights(x, params, 2, mask)


def readout_rows(text):
    """The readout's table as numbers (nan for a masked key), one row per head and the average last."""
    rows = [re.findall(r"\d\.\d{3}|–", line) for line in text.splitlines()[2:-1]]
    return np.array([[np.nan if c == "–" else float(c) for c in row] for row in rows])


def drawn(w, panel):
    """The matrix the figure sends for a panel's heatmap (None = blocked becomes nan)."""
    mark = w.figure.panels[panel]["marks"][0]
    return np.array([[np.nan if c is None else c for c in row] for row in mark["values"]]), mark


def test_readout_follows_the_head_selector_and_the_query_row(toy):
    *_, mask, labels, expected = toy
    w = widgets.head_viewer(query=6)
    for head, row in [(0, 6), (1, 6), (1, 2), (0, 7)]:
        w.controls["head"].value = head
        w.set_query(row)
        text = w.readout_text
        assert text.startswith(f"query {labels[row]} (row {row}), selected head {head}: ")
        assert text.splitlines()[2 + head].startswith("▶ head")       # the selected head is marked
        shown = readout_rows(text)
        want = np.where(mask[row], expected[:, row], np.nan)            # (2, 8)
        np.testing.assert_allclose(shown[:2], want, atol=5e-4, equal_nan=True)
        np.testing.assert_allclose(shown[2], np.where(mask[row], expected[:, row].mean(axis=0), np.nan), atol=5e-4,
                                   equal_nan=True)


def test_the_average_row_is_what_pytorch_returns_by_default(toy):
    *_, expected = toy
    w = widgets.head_viewer(query=6)
    assert "0.167  0.000  0.167  0.000  0.000  0.499  0.167" in w.readout_text
    np.testing.assert_allclose(w.values["average"][:7], (expected[0, 6] + expected[1, 6])[:7] / 2)


def test_every_panel_draws_numpys_weights_with_masked_cells_blocked(toy):
    *_, mask, labels, expected = toy
    w = widgets.head_viewer(head=1, query=3)
    for panel, want in enumerate([*expected, expected.mean(axis=0)]):
        values, mark = drawn(w, panel)
        np.testing.assert_allclose(values, np.where(mask, want, np.nan), atol=1e-12, equal_nan=True)
        assert mark["rows"] == mark["cols"] == labels and mark["highlight_row"] == 3 and mark["row_focus"]
        assert (mark["vmin"], mark["vmax"]) == (0.0, 1.0)
    titles = [p["title"] for p in w.figure.panels]
    assert titles == ["head 0: previous token", "head 1: same type  ◀ selected", "average over the heads"]
    assert [m["marks"][0]["colorbar"] for m in w.figure.panels] == [False, False, True]


def test_the_selected_head_is_drawn_wider(toy):
    w = widgets.head_viewer(head=0)
    columns = w.figure.grid["columns"]
    assert columns[0] > columns[1]
    w.controls["head"].value = 1
    assert w.figure.grid["columns"][1] > w.figure.grid["columns"][0]


def test_a_row_pointed_at_in_the_browser_moves_the_readout(toy):
    w = widgets.head_viewer(query=6)
    w.figure._handle_custom_msg({"event": "row", "panel": 1, "mark": 0, "row": 4}, [])
    assert w.query == 4 and w.readout_text.startswith("query B4 (row 4)")
    assert all(p["marks"][0]["highlight_row"] == 4 for p in w.figure.panels)


@pytest.mark.parametrize("change", ["head", "row"])
def test_an_update_is_one_message_with_panels_layout_and_readout(change, monkeypatch):
    w = widgets.head_viewer(query=6)
    sent = []
    monkeypatch.setattr(w.figure, "_send", lambda msg, buffers=None: sent.append(msg))
    if change == "head":
        w.controls["head"].value = 1
    else:
        w.set_query(2)
    assert len(sent) == 1
    assert sent[0]["state"]["readout"] == w.readout_text and "panels" in sent[0]["state"]
    assert ("grid" in sent[0]["state"]) == (change == "head")      # the layout changes with the head only
    w.set_query(w.query)                                            # the same row again: nothing to send
    assert len(sent) == 1


def test_random_heads_without_a_mask_match_a_loop_and_wrap_into_rows():
    rng = np.random.default_rng(3)
    x, params = rng.normal(size=(1, 5, 16)), al.init_mha_params(16, rng)
    w = widgets.head_viewer(x, params, 8, head=5, query=2)
    expected = loop_weights(x, params, 8, np.ones((5, 5), bool))
    np.testing.assert_allclose(readout_rows(w.readout_text), np.vstack([expected[:, 2], expected[:, 2].mean(0)]),
                               atol=5e-4)
    assert "–" not in w.readout_text and "masked" not in w.readout_text and w.readout_text.startswith("query 2 (row 2), selected head 5;")
    columns = len(w.figure.grid["columns"])
    assert len(w.figure.grid["rows"]) == 3 and columns == 4
    bars = [p["marks"][0]["colorbar"] for p in w.figure.panels]
    for c in range(columns):                                        # a column's panels align only if alike
        assert len(set(bars[c::columns])) == 1
    assert bars[8 % columns] is True


def test_without_widgets_the_viewer_shows_its_readout():
    w = widgets.head_viewer()
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == w.readout_text and w.readout_text in data["text/markdown"]


def test_head_selector_announces_the_heads_by_name():
    s = widgets.head_viewer().controls["head"]
    assert s.description == "head" and s.labels == ["0: previous token", "1: same type"]


@pytest.mark.parametrize("kwargs,message", [
    ({"x": np.zeros((2, 4, 8)), "params": al.init_mha_params(8, 0)}, r"one sequence: x must have shape \(n, D\)"),
    ({"x": np.zeros((4, 8))}, "give both x and params"),
    ({"x": np.zeros((4, 8)), "params": al.init_mha_params(8, 0), "tokens": "abc"}, "4 tokens and 2 heads, but 3"),
    ({"head": 2}, r"head must be in 0 … 1 and query in 0 … 7, got head 2"),
    ({"query": 8}, "query 8"),
])
def test_bad_inputs_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.head_viewer(**kwargs)


def test_set_query_refuses_a_row_that_is_not_there():
    with pytest.raises(ValueError, match=r"query row must be in 0 … 7, got 9"):
        widgets.head_viewer().set_query(9)
