"""Lesson 02's widgets: the temperature explorer and the scaling explorer."""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from ..scoring import dot_scores
from ..softmax import entropy, softmax
from ..text import fmt
from ._base import Explorer
from ._chart import Figure, axis, bars, panel, rule
from ._style import sequential_colors
from .controls import choice_slider, slider


class TemperatureExplorer(Explorer):
    def __init__(self, scores, tau):
        self.scores = np.asarray(scores, float)              # (n,)
        self.colors = sequential_colors(len(self.scores))
        figure = Figure(label="Bar chart of the softmax weights of each key at temperature τ",
                        caption="Small τ sharpens towards argmax; large τ flattens towards uniform. "
                                "Entropy is out of ln n_k, n_k the number of keys.",
                        grid={"height": 320, "max_width": 760})
        super().__init__({"tau": slider("temperature τ", tau, 0.05, 20, log=True)}, figure)
        self.refresh()

    def compute(self, s):
        tau = s["tau"]
        w = softmax(self.scores, temperature=tau)             # (n,)
        h = float(entropy(w))
        return {"tau": tau, "weights": w, "entropy": h, "max_entropy": math.log(len(w)), "top_weight": float(w.max())}

    def panels(self, v):
        n = len(self.scores)
        x = axis("score of each key", ticks=range(n), tick_labels=[f"{s:g}" for s in self.scores])
        marks = [bars(v["weights"], colors=self.colors, label="weights"), rule(y=1 / n, label="uniform 1/n")]
        return [panel(marks, x=x, y=axis("weight", (0, 1)), title="softmax(scores / τ)", legend="upper right")]

    def describe(self, v):
        return (f"τ = {v['tau']:.2f}\nweights {fmt(v['weights'])}\n"
                f"entropy {v['entropy']:.3f} of max ln {len(v['weights'])} = {v['max_entropy']:.3f} "
                f"({100 * v['entropy'] / v['max_entropy']:.0f}%), top weight {v['top_weight']:.3f}")


def temperature_explorer(scores=(2.0, 1.0, 0.5, 0.0, -1.0), tau=1.0):
    """A τ slider over fixed scores, with the weights and their entropy."""
    return TemperatureExplorer(scores, tau)


DIMENSIONS = (4, 16, 64, 256, 1024, 4096, 16384)


class ScalingExplorer(Explorer):
    def __init__(self, n_keys, d, scaled, seed):
        self.n_keys, self.seed, self._cache = n_keys, seed, {}
        self.colors = sequential_colors(n_keys)
        controls = {
            "d": choice_slider("dimension d", DIMENSIONS, d),
            "scaled": widgets.Checkbox(value=scaled, description="divide by √d"),
        }
        figure = Figure(label=f"Bar chart of one query's softmax weights over {n_keys} random keys, sorted",
                        caption="Unscaled dot products grow like √d and the softmax collapses onto one key; "
                                "÷√d keeps it spread.",
                        grid={"height": 320, "max_width": 760})
        super().__init__(controls, figure)
        self.refresh()

    def _vectors(self, d):
        if d not in self._cache:
            rng = np.random.default_rng([self.seed, d])
            self._cache[d] = (rng.normal(size=(1, d)), rng.normal(size=(self.n_keys, d)))   # (1, d), (n_keys, d)
        return self._cache[d]

    def compute(self, s):
        d, scaled = s["d"], s["scaled"]
        q, k = self._vectors(d)
        scores = dot_scores(q, k)[0] / (math.sqrt(d) if scaled else 1.0)   # (n_keys,)
        w = softmax(scores)                                                 # (n_keys,)
        return {"d": d, "scaled": scaled, "score_std": float(scores.std()), "entropy": float(entropy(w)),
                "max_entropy": math.log(self.n_keys), "top_weight": float(w.max()), "weights": np.sort(w)[::-1]}

    def panels(self, v):
        marks = [bars(v["weights"], colors=self.colors, width=1.0, label="weights"),
                 rule(y=1 / self.n_keys, label=f"uniform 1/{self.n_keys}")]
        x = axis(f"the {self.n_keys} keys, sorted by weight", (-0.5, self.n_keys - 0.5))
        return [panel(marks, x=x, y=axis("weight", (0, 1)), title="one query's weights over random keys",
                      legend="upper right")]

    def describe(self, v):
        return (f"d = {v['d']}, {'scaled by 1/√d' if v['scaled'] else 'unscaled'}: score std {v['score_std']:.2f}, "
                f"entropy {v['entropy']:.3f} of {v['max_entropy']:.3f}, top weight {v['top_weight']:.3f}")


def scaling_explorer(n_keys=64, d=256, scaled=False, seed=0):
    """A d slider with and without ÷√d: the score spread and the entropy of one query's weights."""
    return ScalingExplorer(n_keys, d, scaled, seed)


__all__ = ["scaling_explorer", "temperature_explorer"]
