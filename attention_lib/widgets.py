"""Live widgets for the lessons, one small builder each.

Every builder returns an :class:`Explorer` (an ``ipywidgets.VBox``) that can be driven
from Python: set ``w.controls["tau"].value`` and read ``w.values`` (numbers) or
``w.readout_text`` (the same numbers as text, also shown under the figure for
screen readers and tests). Figures are drawn once; on each change only the moving
artists are redrawn (blitting) and pushed to an ``ipywidgets.Image`` as PNG.
"""
from __future__ import annotations

import math
import struct
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .data import TOY_KEYS, TOY_QUERY, TOY_VALUES, noisy_sine
from .kernels import kernel_weights
from .scoring import SIMILARITIES, additive_scores, cosine_scores, rbf_scores
from .softmax import entropy, softmax
from .text import fmt as _fmt
from .controls import caption as caption_widget
from .controls import readout, show
from .controls import slider as _slider

CMAP = "viridis"            # colour-blind safe; cividis for heat maps
FONT = {"font.size": 12}    # readable on a projector
REDUCE_MOTION = False
"""Set True (or pass ``reduce_motion=True`` to a builder) to turn off every animation."""


class LiveFigure:
    """A matplotlib figure shown as a PNG that is updated in place.

    Call :meth:`animate` on the artists that change; :meth:`render` restores the
    cached background and redraws only those. :meth:`invalidate` forces a full
    redraw (after axis limits change).
    """

    def __init__(self, figsize, dpi=96):
        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._moving = []
        self._background = None

    def animate(self, *artists):
        for a in artists:
            a.set_animated(True)
            self._moving.append(a)
        return artists

    def invalidate(self):
        self._background = None

    def render(self):
        if self._background is None:
            self.canvas.draw()                                   # static parts, moving ones skipped
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        for a in self._moving:
            self.fig.draw_artist(a)
        self.image.value = png_bytes(np.asarray(self.canvas.buffer_rgba())[..., :3])


def png_bytes(rgb):
    """A lossless PNG of an (h, w, 3) uint8 image: no row filter, zlib level 1.

    About twice as fast as a general encoder on flat, chart-like images, at the same size.
    """
    h, w, _ = rgb.shape
    rows = np.empty((h, 1 + 3 * w), dtype=np.uint8)      # (h, 1 + 3w): filter byte 0, then pixels
    rows[:, 0] = 0
    rows[:, 1:] = rgb.reshape(h, 3 * w)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b"")


class Explorer(widgets.VBox):
    """Controls, a live figure, a caption and a text readout, kept in step."""

    def __init__(self, controls: dict, live: LiveFigure, caption: str):
        self.controls = controls
        self.live = live
        self.values: dict = {}
        self.readout = readout()
        super().__init__([widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap")),
                          live.image, caption_widget(caption), self.readout])
        for control in controls.values():
            control.observe(self._changed, names="value")

    def _changed(self, change=None):
        self.refresh()

    def refresh(self):
        """Recompute, redraw and rewrite the readout."""
        self.values = self.compute()
        self.draw(self.values)
        self.live.render()
        show(self.readout, self.readout_text)

    @property
    def readout_text(self) -> str:
        return self.describe(self.values)

    # subclasses fill these in
    def compute(self) -> dict: ...
    def draw(self, values: dict) -> None: ...
    def describe(self, values: dict) -> str: ...


# --------------------------------------------------------------------------- lesson 01


_ADDITIVE = {k: np.random.default_rng(1).normal(size=s) for k, s in (("W_q", (2, 4)), ("W_k", (2, 4)), ("w", (4,)))}
SIMILARITY_LABELS = {"dot": "dot", "scaled_dot": "scaled dot", "cosine": "cosine", "rbf": "RBF", "additive": "additive"}


def widget_scores(name, q, k, tau):
    """Scores as the similarity explorer uses them: τ is the temperature of each similarity.

    cosine: cos/τ; RBF: −‖q−k‖²/(2τ²) (τ is the bandwidth); dot, scaled dot, additive: score/τ.
    """
    if name == "cosine":
        return cosine_scores(q, k, temperature=tau)
    if name == "rbf":
        return rbf_scores(q, k, temperature=tau)
    if name == "additive":
        return additive_scores(q, k, **_ADDITIVE) / tau
    return SIMILARITIES[name](q, k) / tau


class SimilarityExplorer(Explorer):
    def __init__(self, keys, values, query, similarity, tau):
        self.key_points, self.value_points = np.asarray(keys, float), np.asarray(values, float)
        n = len(self.key_points)
        controls = {
            "similarity": widgets.Dropdown(options=[(v, k) for k, v in SIMILARITY_LABELS.items()], value=similarity, description="similarity"),
            "qx": _slider("query x", float(query[0]), -1.5, 1.5),
            "qy": _slider("query y", float(query[1]), -1.5, 1.5),
            "tau": _slider("τ", tau, 0.05, 5.0, log=True),
        }
        live = LiveFigure((10, 3.6))
        with _style():
            ax_pts, self.ax_s, self.ax_w = live.fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1, 1]})
            live.fig.subplots_adjust(left=0.05, right=0.98, bottom=0.16, top=0.88, wspace=0.35)
            colors = _colors(n)
            ax_pts.scatter(*self.key_points.T, c=colors, s=80, zorder=3, label="keys")
            for i, (x, y) in enumerate(self.key_points):
                ax_pts.annotate(str(i), (x, y), xytext=(5, 5), textcoords="offset points")
            ax_pts.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), aspect="equal", title="query ★, output ✖")
            self.lines = [ax_pts.plot([], [], color=c, lw=1)[0] for c in colors]
            self.q_dot, = ax_pts.plot([], [], "*", ms=16, color="black", zorder=4)
            self.out_dot, = ax_pts.plot([], [], "X", ms=12, color="crimson", zorder=4)
            self.s_bars = self.ax_s.bar(range(n), np.zeros(n), color=colors)
            self.w_bars = self.ax_w.bar(range(n), np.zeros(n), color=colors)
            self.ax_s.axhline(0, color="grey", lw=0.8)
            self.ax_s.set(title="scores (after τ)", xlabel="key")
            self.ax_w.set(title="weights = softmax", xlabel="key", ylim=(0, 1))
        live.animate(*self.lines, self.q_dot, self.out_dot, *self.s_bars, *self.w_bars)
        self._score_lim = None
        super().__init__(controls, live, "Dot product favours long keys; cosine sees only direction; RBF sees distance. "
                                         "τ divides the scores (for RBF it is the bandwidth).")
        self.refresh()

    def compute(self):
        c = self.controls
        q = np.array([[c["qx"].value, c["qy"].value]])                      # (1, 2)
        scores = widget_scores(c["similarity"].value, q, self.key_points, c["tau"].value)[0]   # (n,)
        weights = softmax(scores)                                           # (n,)
        return {"query": q[0], "scores": scores, "weights": weights, "output": weights @ self.value_points,
                "similarity": c["similarity"].value, "tau": c["tau"].value}

    def draw(self, v):
        lim = max(1.0, float(np.max(np.abs(v["scores"][np.isfinite(v["scores"])]))) * 1.15)
        if self._score_lim is None or lim > self._score_lim or lim < self._score_lim / 4:
            self._score_lim = lim
            self.ax_s.set_ylim(-lim, lim)
            self.live.invalidate()
        q = v["query"]
        for line, k, w in zip(self.lines, self.key_points, v["weights"]):
            line.set_data([q[0], k[0]], [q[1], k[1]])
            line.set_linewidth(0.3 + 10 * w)
        self.q_dot.set_data([q[0]], [q[1]])
        self.out_dot.set_data([v["output"][0]], [v["output"][1]])
        for bar, s in zip(self.s_bars, v["scores"]):
            bar.set_height(s)
        for bar, w in zip(self.w_bars, v["weights"]):
            bar.set_height(w)

    def describe(self, v):
        return (f"similarity {SIMILARITY_LABELS[v['similarity']]}, τ = {v['tau']:.2f}, query = {_fmt(v['query'], 2)}\n"
                f"scores  {_fmt(v['scores'])}\nweights {_fmt(v['weights'])}\noutput  {_fmt(v['output'])}")


def similarity_explorer(keys=TOY_KEYS, values=TOY_VALUES, query=TOY_QUERY, similarity="scaled_dot", tau=1.0):
    """Pick a similarity, move the query, set τ: see scores, weights and the output point."""
    return SimilarityExplorer(keys, values, query, similarity, tau)


# --------------------------------------------------------------------------- lesson 02


class TemperatureExplorer(Explorer):
    def __init__(self, scores, tau):
        self.scores = np.asarray(scores, float)
        n = len(self.scores)
        live = LiveFigure((7, 3.2))
        with _style():
            self.ax = live.fig.subplots()
            live.fig.subplots_adjust(left=0.1, right=0.97, bottom=0.17, top=0.88)
            self.bars = self.ax.bar(range(n), np.zeros(n), color=_colors(n))
            self.ax.axhline(1 / n, ls="--", color="grey", lw=1, label="uniform 1/n")
            self.ax.set(ylim=(0, 1), xticks=range(n), xticklabels=[f"{s:g}" for s in self.scores],
                        xlabel="score of each key", ylabel="weight", title="softmax(scores / τ)")
            self.ax.legend(loc="upper right")
        live.animate(*self.bars)
        super().__init__({"tau": _slider("temperature τ", tau, 0.05, 20, log=True)}, live,
                         "Small τ sharpens towards argmax; large τ flattens towards uniform. Entropy is out of ln n.")
        self.refresh()

    def compute(self):
        tau = self.controls["tau"].value
        w = softmax(self.scores, temperature=tau)
        h = float(entropy(w))
        return {"tau": tau, "weights": w, "entropy": h, "max_entropy": math.log(len(w)), "top_weight": float(w.max())}

    def draw(self, v):
        for bar, w in zip(self.bars, v["weights"]):
            bar.set_height(w)

    def describe(self, v):
        return (f"τ = {v['tau']:.2f}\nweights {_fmt(v['weights'])}\n"
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
        with _style():
            self.ax = live.fig.subplots()
            live.fig.subplots_adjust(left=0.1, right=0.97, bottom=0.17, top=0.88)
            self.bars = self.ax.bar(range(n_keys), np.zeros(n_keys), color=_colors(n_keys), width=1.0)
            self.ax.axhline(1 / n_keys, ls="--", color="grey", lw=1)
            self.ax.set(ylim=(0, 1), xlabel=f"the {n_keys} keys, sorted by weight", ylabel="weight",
                        title="one query's weights over random keys")
        live.animate(*self.bars)
        controls = {
            "d": widgets.SelectionSlider(options=list(DIMENSIONS), value=d, description="dimension d", continuous_update=True),
            "scaled": widgets.Checkbox(value=scaled, description="divide by √d"),
        }
        super().__init__(controls, live, "Unscaled dot products grow like √d and the softmax collapses onto one key; ÷√d keeps it spread.")
        self.refresh()

    def _vectors(self, d):
        if d not in self._cache:
            rng = np.random.default_rng([self.seed, d])
            self._cache[d] = (rng.normal(size=(1, d)), rng.normal(size=(self.n_keys, d)))
        return self._cache[d]

    def compute(self):
        d, scaled = self.controls["d"].value, self.controls["scaled"].value
        q, k = self._vectors(d)
        scores = (q @ k.T)[0] / (math.sqrt(d) if scaled else 1.0)     # (n_keys,)
        w = softmax(scores)
        return {"d": d, "scaled": scaled, "score_std": float(scores.std()), "entropy": float(entropy(w)),
                "max_entropy": math.log(self.n_keys), "top_weight": float(w.max()), "weights": np.sort(w)[::-1]}

    def draw(self, v):
        for bar, w in zip(self.bars, v["weights"]):
            bar.set_height(w)

    def describe(self, v):
        return (f"d = {v['d']}, {'scaled by 1/√d' if v['scaled'] else 'unscaled'}: score std {v['score_std']:.2f}, "
                f"entropy {v['entropy']:.3f} of {v['max_entropy']:.3f}, top weight {v['top_weight']:.3f}")


def scaling_explorer(n_keys=64, d=256, scaled=False, seed=0):
    """A d slider with and without ÷√d: the score spread and the entropy of one query's weights."""
    return ScalingExplorer(n_keys, d, scaled, seed)


# --------------------------------------------------------------------------- lesson 03


class BandwidthExplorer(Explorer):
    def __init__(self, x_train, y_train, bandwidth, x_query):
        self.x, self.y = np.asarray(x_train, float), np.asarray(y_train, float)
        self.grid = np.linspace(self.x.min() - 0.5, self.x.max() + 0.5, 200)
        live = LiveFigure((8, 4.2))
        with _style():
            self.ax, self.ax_w = live.fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
            live.fig.subplots_adjust(left=0.09, right=0.97, bottom=0.12, top=0.92, hspace=0.12)
            self.ax.scatter(self.x, self.y, s=25, color="#3b528b", label="training points (keys, values)")
            self.curve, = self.ax.plot([], [], color="#21918c", lw=2.5, label="Nadaraya–Watson fit")
            self.q_line = self.ax.axvline(x_query, color="grey", ls=":")
            self.q_dot, = self.ax.plot([], [], "o", ms=10, color="#fde725", mec="black", label="prediction at the query")
            self.ax.set(ylim=(-2, 2), title="kernel regression = attention with RBF scores")
            self.ax.legend(loc="lower left", fontsize=10)
            self.stems = self.ax_w.bar(self.x, np.zeros_like(self.x), width=0.12, color="#5ec962")
            self.ax_w.set(ylim=(0, 1), ylabel="weight", xlabel="x")
        live.animate(self.curve, self.q_line, self.q_dot, *self.stems)
        controls = {"bandwidth": _slider("bandwidth h", bandwidth, 0.02, 5, log=True),
                    "x_query": _slider("query x", x_query, round(float(self.grid[0]), 1), round(float(self.grid[-1]), 1))}
        super().__init__(controls, live, "Small h: wiggly, close to 1-nearest-neighbour. Large h: smooth, towards the mean of y.")
        self.refresh()

    def compute(self):
        h, xq = self.controls["bandwidth"].value, self.controls["x_query"].value
        w_grid = kernel_weights(self.grid, self.x, h)                  # (200, n)
        w = kernel_weights([xq], self.x, h)[0]                         # (n,)
        return {"bandwidth": h, "x_query": xq, "curve": w_grid @ self.y, "weights": w,
                "prediction": float(w @ self.y), "effective_neighbours": float(1 / np.sum(w**2)),
                "nearest_label": float(self.y[np.argmin(np.abs(self.x - xq))])}

    def draw(self, v):
        self.curve.set_data(self.grid, v["curve"])
        self.q_line.set_xdata([v["x_query"]])
        self.q_dot.set_data([v["x_query"]], [v["prediction"]])
        for bar, w in zip(self.stems, v["weights"]):
            bar.set_height(w)

    def describe(self, v):
        return (f"h = {v['bandwidth']:.2f}, query x = {v['x_query']:.2f}: prediction {v['prediction']:.3f} "
                f"(nearest point's label {v['nearest_label']:.3f}), effective neighbours {v['effective_neighbours']:.1f}")


def bandwidth_explorer(x_train=None, y_train=None, bandwidth=0.5, x_query=2.0):
    """Nadaraya–Watson regression on 1-D data, with bandwidth and query sliders."""
    if x_train is None:
        x_train, y_train = noisy_sine()
    return BandwidthExplorer(x_train, y_train, bandwidth, x_query)


# --------------------------------------------------------------------------- helpers


def _colors(n):
    from matplotlib import colormaps
    return [colormaps[CMAP](t) for t in np.linspace(0.05, 0.9, n)]


def _style():
    import matplotlib
    return matplotlib.rc_context(FONT)


from .playground import query_playground, sanity_check  # noqa: E402  (anywidget builders)

__all__ = ["Explorer", "LiveFigure", "bandwidth_explorer", "query_playground", "sanity_check",
           "scaling_explorer", "similarity_explorer", "temperature_explorer", "widget_scores"]
