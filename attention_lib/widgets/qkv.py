"""Lesson 05's widget: the mechanism stepper.

Self-attention taken apart into the steps of :func:`attention_lib.attention_steps`: the tokens,
then Q/K/V, the scores, scale and mask, softmax and the weighted sum. Each step shows its
matrices (with the ones they are made from), their shapes, and the current query's row
outlined. Previous, Play and Next buttons (and the arrow keys) choose the step in the browser;
numpy computed every matrix once, and the kernel sends the chosen step's panels.
"""
from __future__ import annotations

from dataclasses import dataclass

import anywidget
import numpy as np
import traitlets

from .._paths import STATIC
from ..attention import attention_steps
from ..data import POLICY_TOKENS, policy_example
from ..masking import causal_mask
from ..text import fmt
from ._base import Explorer
from ._chart import Figure, Source, axis, heatmap, panel
from ._style import settings
from .controls import choice_slider


class StepControls(anywidget.AnyWidget):
    """Previous, Play and Next over named steps; ``value`` is the current step's index.

    Play advances one step every ``interval_ms`` in the browser and stops at the last step. With
    ``reduce_motion`` (or the browser's ``prefers-reduced-motion``) play steps the same way with
    nothing animated in between. Left and right arrow keys step while a button has focus.
    """

    _esm = STATIC / "stepper.js"
    _css = STATIC / "stepper.css"
    description = traitlets.Unicode(help="the group's accessible name").tag(sync=True)
    steps = traitlets.List(traitlets.Unicode(), help="each step's name, in order").tag(sync=True)
    value = traitlets.Int(0, help="the current step").tag(sync=True, echo_update=False)
    interval_ms = traitlets.Int(1600, help="time between steps while playing").tag(sync=True)
    reduce_motion = traitlets.Bool(False).tag(sync=True)

    @traitlets.validate("value")
    def _in_range(self, proposal):
        return int(min(max(proposal["value"], 0), max(len(self.steps) - 1, 0)))

    def frame_source(self):
        """The browser holds the step's index in ``value``: each step is a frame."""
        steps = list(range(len(self.steps)))
        return Source(self, "value", steps, steps)


@dataclass(frozen=True)
class Matrix:
    """How the stepper shows one matrix."""

    title: str                 # panel title, before the shape
    shape: str                 # the shape in symbols
    rows: str                  # what a row is
    cols: str                  # what a column is
    queries: bool              # one row per query: the current query's row is outlined
    lim: tuple | None = None   # a fixed colour range (weights, mask), else each matrix's own
    decimals: int = 2


MATRICES = {
    "x": Matrix("X, the tokens", "(n, D)", "token", "feature", True),
    "q": Matrix("Q = X W_Q", "(n, d)", "query", "d", True),
    "k": Matrix("K = X W_K", "(n, d)", "key", "d", False),
    "v": Matrix("V = X W_V", "(n, d_v)", "key", "d_v", False),
    "scores": Matrix("S = Q Kᵀ", "(n_q, n_k)", "query", "key", True),
    "mask": Matrix("mask, 1 = may attend", "(n_q, n_k)", "query", "key", True, (0.0, 1.0), 0),
    "scaled scores": Matrix("S / √d, masked", "(n_q, n_k)", "query", "key", True),
    "weights": Matrix("A = row softmax", "(n_q, n_k)", "query", "key", True, (0.0, 1.0)),
    "out": Matrix("O = A V", "(n_q, d_v)", "query", "d_v", True),
}
"""Every matrix the stepper draws, by its label in :func:`attention_steps` (and "mask")."""
SHOWN = {
    "tokens": ("x",),
    "Q/K/V": ("q", "k", "v"),
    "scores": ("q", "k", "scores"),
    "scale and mask": ("scores", "mask", "scaled scores"),
    "softmax": ("scaled scores", "weights"),
    "weighted sum": ("weights", "v", "out"),
}
"""Each step's matrices, left to right: what it is made from, then what it makes (last)."""
SAYS = {
    "tokens": "one row of D numbers per token",
    "Q/K/V": "three learned projections of the same tokens",
    "scores": "every query dotted with every key",
    "scale and mask": "divide by √d, then blocked keys get −inf",
    "softmax": "each row becomes weights that sum to 1",
    "weighted sum": "each query's blend of the value rows",
}
"""What each step does, in a few words, for the readout."""
CELL_PX, FRAME_PX = 62, 96
"""Panel width: CELL_PX per column of the matrix plus FRAME_PX for its row names and margins."""


class MechanismStepper(Explorer):
    def __init__(self, tokens, x, W_q, W_k, W_v, mask, query, step, reduce_motion):
        self.tokens = [str(t) for t in tokens]
        self.stages = attention_steps(x, W_q, W_k, W_v, mask=mask)           # [(name, {label: array})]
        self.matrices = {label: a for _, arrays in self.stages for label, a in arrays.items()}
        if self.matrices["x"].ndim != 2 or len(self.tokens) != len(self.matrices["x"]):
            raise ValueError(f"the stepper shows one sequence: x must be (n, D) with one token name per row, "
                             f"got x of shape {self.matrices['x'].shape} and {len(self.tokens)} tokens")
        n = len(self.tokens)
        if mask is not None:
            self.matrices["mask"] = np.broadcast_to(np.asarray(mask, float), (n, n))   # (n, n) 1 = may attend
        steps = StepControls(description="mechanism steps: left and right arrow keys step",
                             steps=[name for name, _ in self.stages], reduce_motion=reduce_motion)
        steps.value = step                                           # once the steps are known: kept in range
        controls = {"step": steps, "query": choice_slider("query row", list(range(n)), query, labels=self.tokens)}
        figure = Figure(label="The attention mechanism, one step at a time: the matrices of the current step, "
                              "the query's row outlined",
                        caption="Rows are tokens; in S, the mask and A, rows are queries and columns keys. Each "
                                "matrix has its own colour scale; the query's row is outlined; hatched cells are "
                                "blocked by the mask.",
                        reduce_motion=reduce_motion)
        super().__init__(controls, figure)
        self.refresh()

    def frame(self, v):
        """The chosen step's panels, laid out to its matrices' widths, and its readout."""
        widths = [FRAME_PX + CELL_PX * self.matrices[label].shape[1] for label in v["shown"]]
        grid = {"columns": widths, "height": 300, "max_width": sum(widths), "min_panel_width": 240}
        return {**super().frame(v), "grid": grid}

    def compute(self, s):
        step, i = s["step"], s["query"]
        name, arrays = self.stages[step]
        label = next(iter(arrays))                                   # the step's main matrix: x, q, scores, …
        shown = tuple(m for m in SHOWN[name] if m in self.matrices)  # no mask panel without a mask
        return {"step": step, "name": name, "query": i, "token": self.tokens[i], "label": label,
                "matrix": arrays[label], "row": arrays[label][i], "shown": shown}

    def panels(self, v):
        return [self.matrix_panel(label, v["query"]) for label in v["shown"]]

    def matrix_panel(self, label, query):
        spec, a = MATRICES[label], self.matrices[label]              # a: (rows, cols)
        cols = self.tokens if spec.cols == "key" else None
        lo, hi = spec.lim or (None, None)
        outlined = query if spec.queries else None
        marks = [heatmap(a, rows=self.tokens, cols=cols, vmin=lo, vmax=hi, highlight_row=outlined, colorbar=False,
                         decimals=spec.decimals, label=spec.title)]
        return panel(marks, x=axis(spec.cols), y=axis(spec.rows), title=f"{spec.title}  {a.shape}")

    def describe(self, v):
        last, spec, a = len(self.stages) - 1, MATRICES[v["label"]], v["matrix"]
        where = "the start" if v["step"] == 0 else f"step {v['step']} of {last}"
        lines = [f"{where} · {v['name']}: {SAYS[v['name']]}",
                 f"{spec.title}, shape {a.shape} = {spec.shape}",
                 f"row {v['query']}, query '{v['token']}': {fmt(v['row'])}"]
        return "\n".join(lines + self.note(v))

    def note(self, v):
        """A last line that reads the row: what is used, blocked, summed or blended."""
        name, row = v["name"], v["row"]
        if name == "Q/K/V":
            k, val = self.matrices["k"], self.matrices["v"]
            return [f"K {k.shape} and V {val.shape}: every key's row is there for every query"]
        if name == "scale and mask":
            d, blocked = self.matrices["q"].shape[-1], int(np.sum(np.isneginf(row)))
            return [f"divided by √{d} = {np.sqrt(d):.3f}; {blocked} of {len(row)} keys blocked"]
        if name == "softmax":
            return [f"row sum {row.sum():.3f}"]
        if name == "weighted sum":
            w = self.matrices["weights"][v["query"]]                 # (n_k,)
            return ["= " + " + ".join(f"{wj:.3f}·V[{t}]" for wj, t in zip(w, self.tokens, strict=True))]
        return []


def mechanism_stepper(x=None, W_q=None, W_k=None, W_v=None, *, tokens=None, mask="causal", query=2, step=0,
                      reduce_motion=None):
    """Step through self-attention (tokens, Q/K/V, scores, scale and mask, softmax, weighted sum).

    Without arguments: lesson 05's *policy raises wages jobs* (:func:`attention_lib.data.policy_example`),
    causal. ``mask`` is "causal", None, or a boolean (n, n) array (True = may attend); ``query`` is the row
    outlined (an index or a token); ``step`` the step shown first (0 is the tokens).
    """
    if x is None:
        example = policy_example()
        x, W_q, W_k, W_v = example["x"], example["W_q"], example["W_k"], example["W_v"]
        tokens = POLICY_TOKENS if tokens is None else tokens
    x = np.asarray(x, float)                                         # (n, D)
    tokens = [f"t{i}" for i in range(len(x))] if tokens is None else tokens
    if isinstance(mask, str):
        if mask != "causal":
            raise ValueError(f"mask must be 'causal', None or a boolean (n, n) array, not {mask!r}")
        mask = causal_mask(len(x))                                   # (n, n)
    if isinstance(query, str):
        query = list(tokens).index(query)                            # a token's name: its row
    motion = settings.reduce_motion if reduce_motion is None else reduce_motion
    return MechanismStepper(tokens, x, W_q, W_k, W_v, mask, query, step, motion)


__all__ = ["mechanism_stepper"]
