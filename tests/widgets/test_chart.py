"""The chart layer's Python half: marks carry numpy's numbers, large matrices go as binary buffers,
palettes come from _style only, and cell events reach Python."""
import re

import numpy as np
import pytest

from attention_lib._paths import STATIC
from attention_lib.widgets import _style
from attention_lib.widgets._chart import BUFFER_CELLS, Figure, axis, heatmap, numbers, panel, rule


def test_small_arrays_are_json_lists_with_none_for_blocked_values():
    assert numbers([[1.0, -np.inf], [np.nan, 2.5]]) == [[1.0, None], [None, 2.5]]


def test_large_matrices_are_float64_buffers_that_decode_to_the_same_numbers():
    m = np.random.default_rng(0).normal(size=(20, 30))          # 600 cells > BUFFER_CELLS
    m[3, 4] = -np.inf
    payload = numbers(m)
    assert m.size > BUFFER_CELLS and payload["shape"] == [20, 30] and payload["dtype"] == "float64"
    decoded = np.frombuffer(payload["buffer"], dtype="<f8").reshape(payload["shape"])
    np.testing.assert_array_equal(decoded, m)


def test_a_large_heatmap_travels_as_a_binary_buffer_in_one_message(monkeypatch):
    fig = Figure()
    sent = []
    monkeypatch.setattr(fig, "_send", lambda msg, buffers=None: sent.append((msg, buffers)))
    m = np.arange(32 * 32, dtype=float).reshape(32, 32)
    fig.show([panel([heatmap(m)])], readout="a 32 × 32 matrix")
    (msg, buffers), = sent
    assert msg["state"]["readout"] == "a 32 × 32 matrix" and len(buffers) == 1
    np.testing.assert_array_equal(np.frombuffer(buffers[0], dtype="<f8"), m.ravel())
    assert msg["buffer_paths"] == [["panels", 0, "marks", 0, "values", "buffer"]]


def test_heatmap_names_bad_shapes_and_palettes():
    with pytest.raises(ValueError, match=r"matrix \(n_rows, n_cols\), got shape \(3,\)"):
        heatmap([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="unknown palette 'jet'"):
        heatmap(np.eye(2), palette="jet")


def test_heatmap_labels_small_grids_and_scales_to_the_finite_values():
    small = heatmap(np.array([[0.2, -np.inf], [0.5, 0.9]]), rows=["a", "b"], cols=["x", "y"], highlight_row=1)
    assert small["cell_labels"] and (small["vmin"], small["vmax"]) == (0.2, 0.9) and small["values"][0][1] is None
    assert small["highlight_color"] in _style.OKABE_ITO
    assert not heatmap(np.zeros((11, 11)))["cell_labels"]


def test_axis_and_rule_refuse_what_they_cannot_draw():
    with pytest.raises(ValueError, match="'linear' or 'log'"):
        axis(scale="symlog")
    with pytest.raises(ValueError, match="exactly one of x="):
        rule(x=1.0, y=2.0)


def test_palettes_are_sent_from_style_and_not_written_again_in_the_browser_code():
    assert Figure().palettes == {name: list(stops) for name, stops in _style.PALETTES.items()}
    stops = {c.lower() for palette in _style.PALETTES.values() for c in palette}
    for path in STATIC.glob("*.*"):
        found = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", path.read_text())}
        assert not found & stops, f"{path.name} repeats palette colours {found & stops}"


def test_palette_colors_interpolate_between_stops():
    assert _style.palette_colors("viridis", [0.0, 1.0]) == [_style.VIRIDIS[0], _style.VIRIDIS[-1]]
    mid = _style.palette_colors("cividis", [0.5 / 16])[0]                 # half-way between the first two stops
    a, b = _style.hex_to_rgb(_style.CIVIDIS[:2])
    np.testing.assert_allclose(_style.hex_to_rgb([mid])[0], (a + b) / 2, atol=1 / 255)


def test_cell_events_from_the_browser_reach_every_callback():
    fig, seen = Figure(), []
    fig.on_cell(lambda *where: seen.append(where))
    fig._handle_custom_msg({"event": "cell", "panel": 0, "mark": 1, "row": 2, "col": 3}, [])
    fig._handle_custom_msg({"event": "something else"}, [])
    assert seen == [(0, 1, 2, 3)]


def test_heatmap_rows_can_follow_the_pointer_but_not_as_well_as_toggling_cells():
    assert heatmap(np.eye(3), row_focus=True)["row_focus"] and not heatmap(np.eye(3))["row_focus"]
    with pytest.raises(ValueError, match="either interactive .* or its rows follow the pointer"):
        heatmap(np.eye(3), interactive=True, row_focus=True)


def test_the_row_the_browser_points_at_reaches_every_row_callback_and_no_cell_callback():
    fig, rows, cells = Figure(), [], []
    fig.on_row(lambda *where: rows.append(where))
    fig.on_cell(lambda *where: cells.append(where))
    fig.set_state({"row": 5})                                        # what the view writes
    fig._handle_custom_msg({"event": "row", "panel": 2, "mark": 0, "row": 3}, [])   # an older view's event
    fig.set_state({"row": 3})                                        # the same row again: no call
    assert rows == [(5,), (3,)] and cells == [] and fig.row == 3
