"""Lesson 08's widget: the online-softmax step-through.

One score at a time: the bars are the scores read so far, the running max is a line that
jumps when a larger score arrives, and the running sum is shown before the step, after
rescaling by ``e^(m_old − m_new)``, and after adding the new term. At the last step the
weights appear, equal to :func:`attention_lib.softmax`. Every number comes from
:func:`attention_lib.efficient.online_softmax_steps`.
"""
from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from .._paths import STATIC
from .._validate import as_float_array
from ..efficient import online_softmax_steps
from ..softmax import softmax
from ..text import fmt
from ._base import Explorer
from ._chart import Figure, Source, axis, bars, panel, points, rule
from ._style import ACCENT, OKABE_ITO, settings

STEPPER_SCORES = (0.5, 2.0, 1.0, 3.5, 3.0, 6.0, 4.0, 5.5)
"""The default scores: the running max jumps four times."""
COLORS = {"seen": ACCENT["data"], "current": OKABE_ITO[0], "max": OKABE_ITO[5], "before": ACCENT["reference"],
          "rescaled": OKABE_ITO[4], "term": OKABE_ITO[0], "weights": ACCENT["weights"], "softmax": ACCENT["query"]}
"""Colours of the parts of the figure, from the course palettes."""
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
LEGEND_ROOM = 0.35
"""Empty room right of the last score, as a fraction of the number of scores: the legends go there."""


class Stepper(anywidget.AnyWidget):
    """Previous / next / play over the steps ``0 … last``; ``value`` is the step shown.

    Keyboard: Tab to a button, Enter or Space presses it; the arrow keys step and Home/End jump
    anywhere in the group. With reduced motion, play goes to the last step at once.
    """

    _esm = STATIC / "step_through.js"
    _css = STATIC / "step_through.css"
    description = traitlets.Unicode(help="the group's accessible name").tag(sync=True)
    last = traitlets.Int(0, help="the last step").tag(sync=True)
    value = traitlets.Int(0, help="the step shown, 0 … last").tag(sync=True, echo_update=False)
    interval_ms = traitlets.Int(900, help="time per step while playing").tag(sync=True)
    reduce_motion = traitlets.Bool(False).tag(sync=True)

    @traitlets.validate("value")
    def _clamp(self, proposal):
        return min(max(int(proposal["value"]), 0), self.last)

    def frame_source(self):
        """The browser holds the step in ``value``: each step is a frame."""
        steps = list(range(self.last + 1))
        return Source(self, "value", steps, steps)


def _num(v):
    """A number as the readout writes it: three decimals, or −∞."""
    return "−∞" if v == -np.inf else f"{v:.3f}"


class OnlineSoftmaxStepper(Explorer):
    """Step through online softmax on one vector of scores."""

    def __init__(self, x, interval_ms, reduce_motion):
        self.x = as_float_array(x, "x")                         # (n,)
        if self.x.ndim != 1 or len(self.x) == 0 or np.isnan(self.x).any():
            raise ValueError(f"online_softmax_stepper takes a vector of scores (n,), n >= 1, without NaN; "
                             f"got shape {self.x.shape}")
        self.steps = online_softmax_steps(self.x, detail=True)  # every piece of every step, (n,) each
        self.reference = softmax(self.x)                        # (n,), al.softmax for the last step
        n = len(self.x)
        finite = self.x[np.isfinite(self.x)]
        lo, hi = (min(0.0, float(finite.min())), max(0.0, float(finite.max()))) if finite.size else (0.0, 1.0)
        pad = 0.15 * (hi - lo or 1.0)
        self.score_lim = (lo - (pad if lo < 0 else 0.0), hi + pad)
        self.x_lim = (0.5, n + 0.5 + LEGEND_ROOM * n + 0.5)     # free room on the right for the legend
        self.sum_lim = (0.0, 1.12 * float(max(self.steps["sums"].max(), 1.0)))
        stepper = Stepper(description="online softmax: step through the scores", last=n, value=0,
                          interval_ms=interval_ms, reduce_motion=reduce_motion)
        figure = Figure(label="Online softmax, one score at a time: the scores read so far with the running max; "
                              "the running sum before the step, rescaled, and with the new term; the weights",
                        caption="When a score beats the running max, the max jumps and the sum so far is multiplied "
                                "by e^(m_old − m_new) before the new term is added. The weights need the last max and "
                                "sum, so they appear at the end.",
                        grid={"rows": [1.2, 1, 1], "height": 680, "max_width": 800}, reduce_motion=reduce_motion)
        super().__init__({"step": stepper}, figure)
        self.refresh()

    # ---------------------------------------------------------------- driving it from Python

    @property
    def step(self) -> int:
        """The step shown: 0 before the first score, ``len(x)`` after the last."""
        return self.controls["step"].value

    def go(self, step):
        """Show step ``step`` (clamped to 0 … len(x))."""
        self.controls["step"].value = step

    def next(self):
        """One step forward (the next button)."""
        self.go(self.step + 1)

    def previous(self):
        """One step back (the previous button)."""
        self.go(self.step - 1)

    # ---------------------------------------------------------------- the numbers of one step

    def compute(self, s):
        j, n = s["step"], len(self.x)
        v = {"step": j, "n": n, "seen": self.x[:j], "max": -np.inf, "sum": 0.0, "weights": None}
        if j == 0:
            return v
        s, i = self.steps, j - 1
        v.update({"score": float(self.x[i]), "max": float(s["maxes"][i]), "sum": float(s["sums"][i]),
                  "previous_max": float(s["previous_maxes"][i]), "previous_sum": float(s["previous_sums"][i]),
                  "factor": float(s["factors"][i]), "rescaled": float(s["rescaled"][i]),
                  "term": float(s["terms"][i])})
        v["jumped"] = v["max"] > v["previous_max"]
        if j == n:
            v["weights"] = s["weights"]
            v["softmax_agrees"] = bool(np.allclose(s["weights"], self.reference, rtol=0, atol=1e-12))
        return v

    # ---------------------------------------------------------------- what is drawn

    def panels(self, v):
        return [self._scores_panel(v), self._sum_panel(v), self._weights_panel(v)]

    def _element_axis(self, label, prefix=""):
        n = len(self.x)
        names = [prefix + str(i).translate(SUBSCRIPTS) if prefix else str(i) for i in range(1, n + 1)]
        return axis(label, self.x_lim, ticks=range(1, n + 1), tick_labels=names)

    def _scores_panel(self, v):
        j = v["step"]
        marks = []
        if j:
            colors = [COLORS["seen"]] * (j - 1) + [COLORS["current"]]
            marks.append(bars(v["seen"], x=np.arange(1, j + 1), colors=colors, width=0.7, label="scores read"))
            if v["jumped"] and np.isfinite(v["previous_max"]):
                marks.append(rule(y=v["previous_max"], color=COLORS["before"], width=2, dash=(3, 4),
                                  label=f"old max {v['previous_max']:.2f}"))
            if np.isfinite(v["max"]):
                marks.append(rule(y=v["max"], color=COLORS["max"], width=3, dash=None,
                                  label=f"running max {v['max']:.2f}"))
        news = "a new max, m jumps" if j and v["jumped"] else "m stays"
        title = "no score read yet" if j == 0 else f"x{str(j).translate(SUBSCRIPTS)} = {v['score']:.2f}: {news}"
        return panel(marks, x=self._element_axis("", prefix="x"), y=axis("score", self.score_lim), title=title,
                     legend="upper right")

    def _sum_panel(self, v):
        j = v["step"]
        x_axis = axis("", (-0.6, 2.6 + 1.7), ticks=[0, 1, 2], tick_labels=["before", "× e^(m_old − m_new)",
                                                                          "+ new term"])
        if j == 0:
            return panel([], x=x_axis, y=axis("running sum ℓ", self.sum_lim), title="running sum ℓ = 0")
        marks = [bars([v["previous_sum"]], x=[0], colors=COLORS["before"], width=0.6, label="ℓ before"),
                 bars([v["sum"]], x=[2], colors=COLORS["term"], width=0.6, label="new term"),
                 bars([v["rescaled"], v["rescaled"]], x=[1, 2], colors=COLORS["rescaled"], width=0.6,
                      label="old terms, rescaled")]
        title = f"ℓ: × {v['factor']:.3f}, then + {v['term']:.3f} = {v['sum']:.3f}"
        return panel(marks, x=x_axis, y=axis("running sum ℓ", self.sum_lim), title=title, legend="upper right")

    def _weights_panel(self, v):
        if v["weights"] is None:
            return panel([], x=self._element_axis("element i"), y=axis("weight", (0, 1)),
                         title="weights e^(x_i − m) / ℓ: after the last score")
        n = len(self.x)
        marks = [bars(v["weights"], x=np.arange(1, n + 1), colors=COLORS["weights"], width=0.7, label="weights"),
                 points(np.arange(1, n + 1), self.reference, colors=COLORS["softmax"], size=5, marker="cross",
                        label="al.softmax(x)")]
        return panel(marks, x=self._element_axis("element i"), y=axis("weight", (0, 1)),
                     title=f"weights e^(x_i − {v['max']:.2f}) / {v['sum']:.3f}", legend="upper right")

    # ---------------------------------------------------------------- the readout

    def describe(self, v):
        j, n = v["step"], v["n"]
        if j == 0:
            return f"step 0 of {n}: no score read yet\nrunning max m = −∞, running sum ℓ = 0"
        lines = [self._step_line(v), f"scores read {fmt(v['seen'])}", self._max_line(v), self._sum_line(v)]
        if v["weights"] is not None:
            agree = "yes" if v["softmax_agrees"] else "NO"
            lines.append(f"weights e^(x − {_num(v['max'])}) / {_num(v['sum'])} = {fmt(v['weights'])}, "
                         f"sum {v['weights'].sum():.3f}; equal to al.softmax(x) within 1e-12: {agree}")
        return "\n".join(lines)

    @staticmethod
    def _step_line(v):
        j, n, x = v["step"], v["n"], _num(v["score"])
        if j == 1:
            return f"step 1 of {n}: x_1 = {x} is the first score, so it is the running max"
        if v["jumped"]:
            return f"step {j} of {n}: x_{j} = {x} beats the running max {_num(v['previous_max'])}: the max jumps"
        return f"step {j} of {n}: x_{j} = {x} is not above the running max {_num(v['previous_max'])}"

    @staticmethod
    def _max_line(v):
        if v["jumped"] or not np.isfinite(v["max"]):
            return f"running max m: {_num(v['previous_max'])} → {_num(v['max'])}"
        return f"running max m: {_num(v['max'])} (unchanged)"

    @staticmethod
    def _sum_line(v):
        new = f"then + e^({_num(v['score'])} − {_num(v['max'])}) = {_num(v['term'])} gives ℓ = {_num(v['sum'])}"
        if not np.isfinite(v["max"]):
            return f"running sum ℓ: 0, and a −∞ score adds nothing: ℓ = {_num(v['sum'])}"
        if not np.isfinite(v["previous_max"]):
            return f"running sum ℓ: 0 so far, {new}"
        if v["jumped"]:
            return (f"running sum ℓ: {_num(v['previous_sum'])} × e^({_num(v['previous_max'])} − {_num(v['max'])}) = "
                    f"{_num(v['previous_sum'])} × {_num(v['factor'])} = {_num(v['rescaled'])} (rescaled), {new}")
        return f"running sum ℓ: {_num(v['previous_sum'])} × e^0 = {_num(v['rescaled'])} (no rescaling), {new}"


def online_softmax_stepper(x=None, *, interval_ms=900, reduce_motion=None):
    """Step through online softmax on the scores ``x`` (n,): next, previous, play (keyboard too)."""
    motion = settings.reduce_motion if reduce_motion is None else reduce_motion
    return OnlineSoftmaxStepper(STEPPER_SCORES if x is None else x, interval_ms, motion)


__all__ = ["online_softmax_stepper"]
