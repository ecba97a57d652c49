"""Lesson 04's widget: the mask editor.

Click cells of a mask (or move to them with the arrow keys and press Enter or Space) to block or
allow them, or build the mask from a preset: causal, padding (with the number of real tokens and
the side the padding sits on), or both. numpy recomputes the weights of fixed scores with
:func:`attention_lib.apply_mask` and :func:`attention_lib.softmax` at every change; the figure
shows the mask, the weights and each row's sum, and outlines the rows with no key left to see.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..masking import apply_mask, causal_mask, combine_masks, padding_mask
from ..softmax import softmax
from ..text import fmt, mask_grid
from ._base import Explorer
from ._chart import Figure, axis, heatmap, line, panel
from ._style import ACCENT
from .controls import choice_slider

MASK_EDITOR_SCORES = np.random.default_rng(8).normal(size=(5, 5))      # (n_q, n_k) = (5, 5)
"""Fixed scores for the editor, so that every mask is applied to the same numbers."""
PRESETS = {"none": "none", "causal": "causal", "padding": "padding", "causal+padding": "causal + padding"}
"""Preset name -> how the selector and the readout show it."""
SIDES = ("right", "left")


def preset_mask(preset, n_q, n_k, length, side):
    """The boolean mask (n_q, n_k) a preset builds: True = may attend.

    Parameters
    ----------
    preset : {"none", "causal", "padding", "causal+padding"}
    n_q, n_k : int
        Queries and keys (a causal mask needs ``n_k >= n_q``).
    length : int
        Real tokens among the ``n_k`` keys (the rest is padding).
    side : {"right", "left"}
        Where the padding sits.

    Returns
    -------
    mask : ndarray of bool, (n_q, n_k)
        All True for "none"; otherwise the AND of the preset's masks.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}: choose one of {', '.join(PRESETS)}")
    causal = causal_mask(n_q, n_k) if "causal" in preset else None               # (n_q, n_k)
    pad = padding_mask([length], n_k, side=side)[0] if "padding" in preset else None   # (1, n_k)
    both = combine_masks(causal, pad)                                             # (n_q, n_k), (1, n_k) or None
    return np.ones((n_q, n_k), bool) if both is None else np.broadcast_to(both, (n_q, n_k)).copy()


def row_outline(i, n_cols, inset=0.06):
    """A closed line around row ``i`` of a heatmap with ``n_cols`` columns (in the heatmap's units)."""
    left, right, top, bottom = -0.5 + inset, n_cols - 0.5 - inset, i - 0.5 + inset, i + 0.5 - inset
    return line([left, right, right, left, left], [top, top, bottom, bottom, top], color=ACCENT["row"], width=3,
                label=f"query {i} is fully masked")


class MaskEditor(Explorer):
    def __init__(self, scores, preset, length, side):
        self.scores = np.asarray(scores, float)                                   # (n_q, n_k)
        if self.scores.ndim != 2 or self.scores.shape[1] < self.scores.shape[0]:
            raise ValueError(f"the mask editor needs scores of shape (n_q, n_k) with n_k >= n_q (a causal mask "
                             f"needs a key for every query), got shape {self.scores.shape}")
        n_k = self.scores.shape[1]
        controls = {
            "preset": widgets.Dropdown(options=[(label, name) for name, label in PRESETS.items()], value=preset,
                                       description="preset", layout=widgets.Layout(width="240px")),
            "length": choice_slider("real tokens", list(range(n_k + 1)), length),
            "side": widgets.ToggleButtons(options=list(SIDES), value=side, description="padding side",
                                          tooltips=[f"padding on the {s}" for s in SIDES],
                                          style={"button_width": "64px", "description_width": "initial"}),
        }
        self.reset_button = widgets.Button(description="reset the clicks", tooltip="back to the preset's mask")
        figure = Figure(label="Mask editor: the mask (hatched cells are blocked), the softmax weights of fixed "
                              "scores under it, and each row's sum",
                        caption="Click a cell of the mask, or move with the arrow keys and press Enter, to block or "
                                "allow it. Hatched = blocked. An outlined row has no key left to see: al.softmax "
                                "gives it zeros, so its row sums to 0, not 1.",
                        grid={"columns": [1, 1.25, 0.42], "height": 340, "min_panel_width": 200})
        self.mask = preset_mask(preset, *self.scores.shape, length, side)   # (n_q, n_k)
        super().__init__(controls, figure)
        row = self.children[0]
        row.children = (*row.children, self.reset_button)
        self.reset_button.on_click(lambda _button: self.reset())
        figure.on_cell(self._cell)
        self.refresh()

    @property
    def preset(self):
        """The mask the controls describe, before any click."""
        return self.preset_at(self.settings)

    def preset_at(self, s):
        """The mask the settings ``s`` describe (no clicks)."""
        return preset_mask(s["preset"], *self.scores.shape, s["length"], s["side"])

    def _changed(self, change=None):
        self.mask = self.preset                                            # a new preset drops the clicks
        super()._changed(change)

    def _cell(self, panel_index, _mark, row, col):
        if panel_index == 0:
            self.toggle(row, col)

    def toggle(self, row, col):
        """Block query ``row`` from key ``col`` if it may attend, allow it if blocked (as a click does)."""
        n_q, n_k = self.mask.shape
        if not (0 <= row < n_q and 0 <= col < n_k):
            raise IndexError(f"cell ({row}, {col}) is outside the {n_q} × {n_k} mask")
        self.mask[row, col] = not self.mask[row, col]
        self.refresh()

    def clicks(self):
        """What a click on each cell of the mask would show: frames sent ahead, so a click draws at once."""
        out = {}
        for row, col in np.ndindex(self.mask.shape):
            mask = self.mask.copy()                                        # (n_q, n_k)
            mask[row, col] = not mask[row, col]
            out[f"cell:0:0:{row}:{col}"] = self.frame(self.compute(self.settings, mask))
        return out

    def reset(self):
        """Drop the clicks: back to the mask the preset controls describe."""
        self._changed()

    def now(self):
        return self.compute(self.settings, self.mask)                     # with the clicks

    def compute(self, s, mask=None):
        """The numbers for the settings ``s`` and ``mask`` (default: the preset's, as after moving a control)."""
        preset = self.preset_at(s)                                         # (n_q, n_k)
        mask = preset if mask is None else mask
        weights = softmax(apply_mask(self.scores, mask))                   # (n_q, n_k)
        return {"mask": mask.copy(), "weights": weights, "row_sums": weights.sum(axis=-1),   # (n_q,)
                "fully_masked": np.flatnonzero(~mask.any(axis=-1)),                        # queries with no key
                "edited": int(np.sum(mask != preset)),
                "preset": s["preset"], "length": s["length"], "side": s["side"]}

    def panels(self, v):
        n_k = v["mask"].shape[1]
        query, key = axis("query i"), axis("key j")
        cells = heatmap(np.where(v["mask"], 1.0, -np.inf), vmin=0, vmax=1, decimals=0, colorbar=False,
                        interactive=True, label="mask, 1 = may attend")
        weights = heatmap(v["weights"], vmin=0, vmax=1, label="weights")
        sums = heatmap(v["row_sums"][:, None], cols=["sum"], vmin=0, vmax=1, colorbar=False, label="row sums")
        return [panel([cells], x=key, y=query, title="mask: click to toggle"),
                panel([weights, *(row_outline(i, n_k) for i in v["fully_masked"])], x=key, y=query,
                      title="weights = softmax(masked scores)"),
                panel([sums, *(row_outline(i, 1) for i in v["fully_masked"])], x=axis(""), y=axis(""),
                      title="row sums")]

    def describe(self, v):
        return "\n".join([self._describe_mask(v), mask_grid(v["mask"]),
                          *(f"query {i}: weights {fmt(row)}  sum {total:.3f}"
                            + ("   fully masked: no key to see" if i in v["fully_masked"] else "")
                            for i, (row, total) in enumerate(zip(v["weights"], v["row_sums"], strict=True))),
                          self._describe_empty_rows(v)])

    def _describe_mask(self, v):
        padding = ""
        if "padding" in v["preset"]:
            padding = f", {v['length']} real tokens of {v['mask'].shape[1]}, padding on the {v['side']}"
        clicks = {0: "", 1: "; 1 cell toggled by hand"}.get(v["edited"], f"; {v['edited']} cells toggled by hand")
        return f"mask: {PRESETS[v['preset']]}{padding}{clicks}"

    @staticmethod
    def _describe_empty_rows(v):
        rows = [int(i) for i in v["fully_masked"]]
        if not rows:
            return "no fully masked rows: every row sums to 1"
        names = ", ".join(map(str, rows))
        return (f"fully masked {'row' if len(rows) == 1 else 'rows'} {names}: al.softmax gives zeros "
                "(a plain softmax would give NaN)")


def mask_editor(scores=None, preset="causal+padding", length=3, side="left"):
    """Edit a mask by clicking its cells, or from a preset; see the softmax weights and row sums follow.

    Parameters
    ----------
    scores : array_like, (n_q, n_k), optional
        The fixed scores to mask (default :data:`MASK_EDITOR_SCORES`, 5 × 5, seeded).
    preset : {"none", "causal", "padding", "causal+padding"}
    length : int
        Real tokens among the keys for the padding presets.
    side : {"right", "left"}
        Where the padding sits.
    """
    return MaskEditor(MASK_EDITOR_SCORES if scores is None else scores, preset, length, side)


__all__ = ["mask_editor"]
