"""Lesson 02's widgets: the temperature explorer and the scaling explorer."""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from ..scoring import dot_scores
from ..softmax import entropy, softmax
from ..text import fmt
from ._base import Explorer, LiveFigure
from ._style import mpl_style, sequential_colors
from .controls import slider


class TemperatureExplorer(Explorer):
    def __init__(self, scores, tau):
        self.scores = np.asarray(scores, float)
        n = len(self.scores)
        live = LiveFigure((7, 3.2))
        with mpl_style():
            self.ax = live.fig.subplots()
            live.fig.subplots_adjust(left=0.1, right=0.97, bottom=0.17, top=0.88)
            self.bars = self.ax.bar(range(n), np.zeros(n), color=sequential_colors(n))
            self.ax.axhline(1 / n, ls="--", color="grey", lw=1, label="uniform 1/n")
            self.ax.set(ylim=(0, 1), xticks=range(n), xticklabels=[f"{s:g}" for s in self.scores],
                        xlabel="score of each key", ylabel="weight", title="softmax(scores / τ)")
            self.ax.legend(loc="upper right")
        live.animate(*self.bars)
        super().__init__({"tau": slider("temperature τ", tau, 0.05, 20, log=True)}, live,
                         "Small τ sharpens towards argmax; large τ flattens towards uniform. Entropy is out of ln n.")
        self.refresh()

    def compute(self):
        tau = self.controls["tau"].value
        w = softmax(self.scores, temperature=tau)
        h = float(entropy(w))
        return {"tau": tau, "weights": w, "entropy": h, "max_entropy": math.log(len(w)), "top_weight": float(w.max())}

    def draw(self, v):
        for bar, w in zip(self.bars, v["weights"], strict=True):
            bar.set_height(w)

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
        live = LiveFigure((7, 3.2))
        with mpl_style():
            self.ax = live.fig.subplots()
            live.fig.subplots_adjust(left=0.1, right=0.97, bottom=0.17, top=0.88)
            self.bars = self.ax.bar(range(n_keys), np.zeros(n_keys), color=sequential_colors(n_keys), width=1.0)
            self.ax.axhline(1 / n_keys, ls="--", color="grey", lw=1)
            self.ax.set(ylim=(0, 1), xlabel=f"the {n_keys} keys, sorted by weight", ylabel="weight",
                        title="one query's weights over random keys")
        live.animate(*self.bars)
        controls = {
            "d": widgets.SelectionSlider(options=list(DIMENSIONS), value=d, description="dimension d",
                                         continuous_update=True),
            "scaled": widgets.Checkbox(value=scaled, description="divide by √d"),
        }
        super().__init__(controls, live,
                         "Unscaled dot products grow like √d and the softmax collapses onto one key; "
                         "÷√d keeps it spread.")
        self.refresh()

    def _vectors(self, d):
        if d not in self._cache:
            rng = np.random.default_rng([self.seed, d])
            self._cache[d] = (rng.normal(size=(1, d)), rng.normal(size=(self.n_keys, d)))
        return self._cache[d]

    def compute(self):
        d, scaled = self.controls["d"].value, self.controls["scaled"].value
        q, k = self._vectors(d)
        scores = dot_scores(q, k)[0] / (math.sqrt(d) if scaled else 1.0)   # (n_keys,)
        w = softmax(scores)
        return {"d": d, "scaled": scaled, "score_std": float(scores.std()), "entropy": float(entropy(w)),
                "max_entropy": math.log(self.n_keys), "top_weight": float(w.max()), "weights": np.sort(w)[::-1]}

    def draw(self, v):
        for bar, w in zip(self.bars, v["weights"], strict=True):
            bar.set_height(w)

    def describe(self, v):
        return (f"d = {v['d']}, {'scaled by 1/√d' if v['scaled'] else 'unscaled'}: score std {v['score_std']:.2f}, "
                f"entropy {v['entropy']:.3f} of {v['max_entropy']:.3f}, top weight {v['top_weight']:.3f}")


def scaling_explorer(n_keys=64, d=256, scaled=False, seed=0):
    """A d slider with and without ÷√d: the score spread and the entropy of one query's weights."""
    return ScalingExplorer(n_keys, d, scaled, seed)


__all__ = ["scaling_explorer", "temperature_explorer"]
