"""Lesson 09's widget: the RoPE explorer.

One query vector and one key vector of ``d = 8`` features, rotated by RoPE (:func:`attention_lib.apply_rope`,
half-split pairs) to the query's position ``m + s`` and the key's position ``n + s``. Four panels show the
four pairs of features in their planes, each pair turned by ``position · ω_i``; one panel shows what each
pair adds to the score; the last draws the score against the distance ``m − n``, with a marker where the
sliders are. Moving ``s`` moves both positions together: the arrows turn, their angles to each other do
not, and the score stays where it is. Moving ``m`` or ``n`` changes the distance, and the score follows the
curve. Every number comes from numpy (:func:`attention_lib.positions.rope_scores`).
"""
from __future__ import annotations

import math

import numpy as np

from ..positions import BASE, apply_rope, frequencies, rope_scores
from ._base import Explorer
from ._chart import Figure, arrows, axis, bars, line, panel, points, rule
from ._style import OKABE_ITO
from .controls import choice_slider

D = 8
"""Features of the explorer's query and key: four pairs, one per frequency."""
POSITIONS = tuple(range(0, 41))
"""Every value the position sliders offer (m, n and s): finite, so the figure's states can be listed."""
BASES = (10.0, 100.0, 1000.0, BASE, 100000.0)
"""The bases the base slider offers."""
DISTANCES = np.arange(-40, 41)
"""The distances m − n the score curve covers: every distance the sliders can make."""
SEED = 9
"""Seeds the explorer's query and key vectors."""
COLORS = {"query": OKABE_ITO[5], "key": OKABE_ITO[4], "pairs": OKABE_ITO[2], "total": "#222222",
          "curve": OKABE_ITO[4], "here": OKABE_ITO[5]}


def explorer_vectors(seed=SEED):
    """The query and key the explorer rotates: two N(0, 1) vectors of ``D`` features, from their own seed."""
    q, k = np.random.default_rng(seed).normal(size=(2, D))           # (8,), (8,)
    return q, k


def _angle(v):
    return math.atan2(v[1], v[0])


def _wrapped(a):
    """An angle in (−π, π]."""
    return math.pi - (math.pi - a) % (2 * math.pi)


class RopeExplorer(Explorer):
    """Query and key positions, a shift of both, and the base: RoPE's pairs, their parts of the score, and the
    score against the distance."""

    def __init__(self, q, k, m, n, s, base):
        self.q, self.k = np.asarray(q, float), np.asarray(k, float)  # (d,), (d,)
        if self.q.shape != (D,) or self.k.shape != (D,):
            raise ValueError(f"the RoPE explorer shows vectors of {D} features (4 pairs); got q {self.q.shape} "
                             f"and k {self.k.shape}")
        self.half = D // 2
        h = self.half
        self.lim = [1.2 * max(math.hypot(self.q[i], self.q[i + h]), math.hypot(self.k[i], self.k[i + h]))
                    for i in range(h)]                               # each pair's axis limit: its longer arrow
        labels = [f"{b:,.0f}" for b in BASES]
        controls = {
            "m": choice_slider("query position m", list(POSITIONS), m),
            "n": choice_slider("key position n", list(POSITIONS), n),
            "s": choice_slider("shift both by s", list(POSITIONS), s),
            "base": choice_slider("base", list(BASES), base, labels=labels),
        }
        figure = Figure(label="RoPE explorer: a query and a key rotated by their positions, pair by pair; each pair's "
                              "part of the score; and the score against the distance m − n",
                        caption="The query (vermilion) sits at position m + s, the key (blue) at n + s; pair i turns "
                                "by position × ω_i. Moving s turns both arrows of every pair by the same angle, so "
                                "the score stays; changing m − n moves the marker along the curve.",
                        grid={"columns": [1, 1, 1], "rows": [1, 1], "height": 620, "max_width": 960,
                              "min_panel_width": 230})
        self._curve = {}
        super().__init__(controls, figure)
        self.refresh()

    # ---------------------------------------------------------------- the numbers

    def curve(self, base):
        """Scores of the two vectors at every distance in :data:`DISTANCES` (key at position 0): (81,)."""
        if base not in self._curve:
            self._curve[base] = np.array([rope_scores(self.q[None], self.k[None], [int(delta)], [0], base)[0, 0]
                                          for delta in DISTANCES])
        return self._curve[base]

    def compute(self, settings):
        m, n, s, base = settings["m"], settings["n"], settings["s"], settings["base"]
        q_at, k_at = m + s, n + s
        q_rot = apply_rope(self.q[None], [q_at], base)[0]             # (8,)
        k_rot = apply_rope(self.k[None], [k_at], base)[0]             # (8,)
        h = self.half
        pairs = [(q_rot[[i, i + h]], k_rot[[i, i + h]]) for i in range(h)]   # (2,) each: the i-th pair
        parts = np.array([qp @ kp for qp, kp in pairs]) / math.sqrt(D)      # (4,) each pair's part of the score
        score = float(rope_scores(self.q[None], self.k[None], [q_at], [k_at], base)[0, 0])
        at_zero = float(rope_scores(self.q[None], self.k[None], [m], [n], base)[0, 0])    # the same m, n with s = 0
        return {"m": m, "n": n, "s": s, "base": base, "q_at": q_at, "k_at": k_at, "distance": m - n,
                "omega": frequencies(D, base), "pairs": pairs, "parts": parts, "score": score, "score_s0": at_zero,
                "unrotated": float(self.q @ self.k / math.sqrt(D)), "curve": self.curve(base)}

    # ---------------------------------------------------------------- what is drawn

    def panels(self, v):
        return [*(self._pair_panel(v, i) for i in range(self.half)), self._parts_panel(v), self._curve_panel(v)]

    def _pair_panel(self, v, i):
        qp, kp = v["pairs"][i]
        lim = self.lim[i]
        between = _wrapped(_angle(qp) - _angle(kp))
        marks = [arrows([0, 0], [0, 0], [qp[0], kp[0]], [qp[1], kp[1]], colors=[COLORS["query"], COLORS["key"]],
                        widths=3.0, label="query, key"),
                 points([qp[0], kp[0]], [qp[1], kp[1]], colors=[COLORS["query"], COLORS["key"]], size=6,
                        labels=["q", "k"])]
        return panel(marks, x=axis("", (-lim, lim)), y=axis("", (-lim, lim)), aspect="equal",
                     title=f"pair {i} (features {i}, {i + self.half}): ω = {v['omega'][i]:.3g}, "
                           f"angle {between:+.2f}")

    def _parts_panel(self, v):
        x = np.arange(self.half + 1)
        heights = np.append(v["parts"], v["score"])                  # (5,)
        colors = [COLORS["pairs"]] * self.half + [COLORS["total"]]
        lim = max(1.0, 1.15 * float(np.abs(v["curve"]).max()))
        return panel([rule(y=0, dash=None, width=1), bars(heights, x=x, colors=colors)],
                     x=axis("", ticks=x, tick_labels=[f"pair {i}" for i in range(self.half)] + ["score"]),
                     y=axis("", (-lim, lim)), title=f"each pair's part; score {v['score']:+.3f}")

    def _curve_panel(self, v):
        curve = v["curve"]
        lim = max(1.0, 1.15 * float(np.abs(curve).max()))
        return panel([rule(y=0, dash=None, width=1), line(DISTANCES, curve, color=COLORS["curve"], label="score"),
                      rule(x=v["distance"], color=COLORS["here"], width=1.5, dash=(4, 3)),
                      points([v["distance"]], [v["score"]], colors=COLORS["here"], size=8, label="here")],
                     x=axis("distance m − n", (DISTANCES[0], DISTANCES[-1])), y=axis("score", (-lim, lim)),
                     title=f"score against distance: {v['distance']:+d} gives {v['score']:+.3f}")

    # ---------------------------------------------------------------- the readout

    def describe(self, v):
        lines = [f"query at m + s = {v['m']} + {v['s']} = {v['q_at']}, key at n + s = {v['n']} + {v['s']} = "
                 f"{v['k_at']}: distance m − n = {v['distance']:+d}; base {v['base']:,.0f}"]
        for i, (qp, kp) in enumerate(v["pairs"]):
            lines.append(f"pair {i} (features {i}, {i + self.half}), ω = {v['omega'][i]:.4g}: turned "
                         f"{v['q_at'] * v['omega'][i]:.3f} and {v['k_at'] * v['omega'][i]:.3f} rad, angle between "
                         f"{_wrapped(_angle(qp) - _angle(kp)):+.3f} rad, part {v['parts'][i]:+.3f}")
        same = "the same" if math.isclose(v["score"], v["score_s0"], rel_tol=0, abs_tol=1e-12) else "NOT the same"
        lines.append(f"score R(m + s)q · R(n + s)k / √{D} = {v['score']:+.3f}, the sum of the parts; "
                     f"with s = 0: {v['score_s0']:+.3f}, {same}")
        lines.append(f"without rotation: q · k / √{D} = {v['unrotated']:+.3f}")
        return "\n".join(lines)


def rope_explorer(m=6, n=2, s=0, base=BASE, q=None, k=None):
    """Move a query's position ``m``, a key's position ``n``, both together (``s``), and RoPE's ``base``:
    the score depends on ``m − n`` only."""
    q0, k0 = explorer_vectors()
    return RopeExplorer(q0 if q is None else q, k0 if k is None else k, m, n, s, base)


__all__ = ["rope_explorer"]
