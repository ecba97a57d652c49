"""Lesson 07's widget: train one attention head and watch the lookup form while it learns.

The kernel runs :func:`attention_lib.training.train`, so while a run lasts the kernel is busy and
cannot answer the browser. The figure is updated from the training loop's callback instead: at
most :data:`UPDATE_EVERY_S` apart, one ``Figure.show`` message each (messages sent from a running
cell reach the browser). Everything shown comes from the run itself and the seed, so
``w.run()`` from Python and the Train button give the same numbers.
"""
from __future__ import annotations

import dataclasses
import math
import time

import ipywidgets as widgets
import numpy as np

from .. import training as tr
from ..text import fmt
from ._base import Explorer
from ._chart import Figure, arrows, axis, heatmap, line, panel, rule
from ._style import ACCENT, OKABE_ITO
from .controls import choice_slider, nice_values

UPDATE_EVERY_S = 0.1
"""Seconds between figure updates while training: at most ten a second (the final state always goes)."""
READOUT_EVERY_S = 1.0
"""Seconds between readout updates while training: the readout is an aria-live region, and a screen
reader should not be asked to read ten lines a second."""
LEARNING_RATES = (0.001, 100.0)
STEPS = (10, 25, 50, 100, 150, 200, 300)
SEEDS = tuple(range(10))
OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD"}
LOSS_LEVEL = 0.1
"""The loss level the readout reports reaching (as the lesson's table does, with tr.steps_to_loss)."""
_clock = time.perf_counter       # the throttle's clock (tests replace it)


def during_step(steps):
    """The step shown as "during training": a fifth of the way, where the default run is mid-change."""
    return max(1, round(steps / 5))


def setting_text(config):
    """A run's settings in a few words: ``Adam, lr 0.005, ÷√d, 150 steps, seed 0``."""
    scale = "÷√d" if config.scaled else "no ÷√d"
    return (f"{OPTIMIZER_NAMES[config.optimizer]}, lr {config.lr:g}, {scale}, "
            f"{config.steps} steps, seed {config.seed}")


def short_setting(config):
    """The settings that most change a run, for a legend: ``Adam lr 0.005``, ``SGD lr 1, no ÷√d``."""
    return f"{OPTIMIZER_NAMES[config.optimizer]} lr {config.lr:g}" + ("" if config.scaled else ", no ÷√d")


@dataclasses.dataclass
class RunState:
    """What one run has produced so far: enough to draw it and describe it."""

    config: tr.RecallConfig
    probe: dict                       # the four probe examples of tr.train
    weights: dict                     # step -> (n_pairs,) weights of the shown probe at the snapshot steps
    losses: list = dataclasses.field(default_factory=list)
    now: tuple = None                 # (step, (n_pairs,) weights) of the latest callback
    status: str = "ready"             # ready, running, done or diverged
    accuracy: float = None
    diverged_at: int = None
    previous: tuple = None            # (setting, (steps,) losses) of the run before, drawn dashed to compare


def start_state(config, probe_index):
    """A run of ``config`` before its first step: the probes and the weights tr.train starts from."""
    start = tr.train(dataclasses.replace(config, steps=0))     # no steps: tr.train's initial weights and probes
    w = tr.forward(start["params"], start["probe"], config)[1]["weights"]   # (4, 1, n_pairs)
    return RunState(config=config, probe=start["probe"], weights={0: w[probe_index, 0]})


class TrainingRun(Explorer):
    """Controls, a Train button and a progress bar over a live figure of one training run."""

    def __init__(self, config, probe_index):
        self.base, self.probe_index = config, probe_index
        self.history, self.previous = None, None
        self._last_show = self._last_readout = -math.inf
        rates = sorted(set(nice_values(*LEARNING_RATES)) | {config.lr})
        controls = {
            "lr": choice_slider("learning rate", rates, config.lr, labels=[f"{v:g}" for v in rates], log=True),
            # buttons, not a drop-down: JupyterLab takes a focused menu's arrow keys (and a, b) for its commands
            "optimizer": widgets.ToggleButtons(options=[(name, key) for key, name in OPTIMIZER_NAMES.items()],
                                               value=config.optimizer, description="optimiser",
                                               style={"button_width": "72px", "description_width": "initial"},
                                               layout=widgets.Layout(width="auto", margin="0 0 0 12px")),
            "scaled": widgets.Checkbox(value=config.scaled, description="divide scores by √d", indent=False,
                                       layout=widgets.Layout(width="auto", margin="0 0 0 16px")),
            "steps": choice_slider("steps", sorted(set(STEPS) | {config.steps}), config.steps),
            "seed": choice_slider("seed", sorted(set(SEEDS) | {config.seed}), config.seed),
        }
        figure = Figure(label="Training one attention head on associative recall: the loss at every step (log "
                              "scale), and one probe question's attention over its memory slots at three steps",
                        caption="Press Train: the loss curve grows as the head learns, and the strips show where "
                                "the probe question looks before, during and after training. The outlined cell "
                                "is the pair it asks for.",
                        grid={"rows": [2.5, 1, 1, 1], "height": 690, "max_width": 900})
        super().__init__(controls, figure)
        self.button = widgets.Button(description="Train", button_style="primary",
                                     tooltip="train the head with these settings",
                                     layout=widgets.Layout(width="120px", margin="4px 16px 4px 0"))
        self.progress = widgets.HTML()
        row = widgets.Layout(align_items="center", flex_flow="row wrap")
        c = self.controls
        self.children = [widgets.HBox([c["lr"], c["optimizer"], c["scaled"]], layout=row),
                         widgets.HBox([c["steps"], c["seed"]], layout=row),
                         widgets.HBox([self.button, self.progress], layout=row), figure]
        self.button.on_click(lambda _button: self.run())
        self._starts = {}
        self.state = self.start(self.config)
        self.refresh()

    @property
    def config(self):
        """The run the controls describe: the builder's config with their five settings."""
        return self.config_at(self.settings)

    def config_at(self, s):
        """The run the settings ``s`` describe."""
        return dataclasses.replace(self.base, lr=float(s["lr"]), optimizer=s["optimizer"], scaled=bool(s["scaled"]),
                                   steps=int(s["steps"]), seed=int(s["seed"]))

    def start(self, config):
        """Where a run of ``config`` starts (kept: frames ahead ask for the same few starts again and again)."""
        if config not in self._starts:
            self._starts[config] = start_state(config, self.probe_index)
        s = self._starts[config]
        return dataclasses.replace(s, weights=dict(s.weights), losses=[], previous=self.previous)

    def _changed(self, change=None):
        """New settings: show where that run starts (the last run stays on the loss plot to compare)."""
        self.state = self.start(self.config)
        super()._changed(change)

    def refresh(self, hot=None):
        super().refresh(hot)
        self.progress.value = progress_html(self.values["step"], self.values["steps"])

    # ------------------------------------------------------------------ training

    def run(self):
        """Train with the current settings, updating the figure as it goes; the same as pressing Train.

        Returns
        -------
        dict
            The history from :func:`attention_lib.training.train`.
        """
        config = self.config
        self.state = self.start(config)
        self.state.status = "running"
        self.button.disabled = True
        self._push(force=True)
        try:     # every step calls back: one loss per step for the curve (log_every changes no numbers)
            with np.errstate(over="ignore", invalid="ignore"):      # a diverging run is reported in words
                history = tr.train(dataclasses.replace(config, log_every=1), callback=self._on_step)
        finally:
            self.button.disabled = False
        self.state.losses = list(history["loss"])
        self.state.diverged_at = history["diverged_at"]
        if history["diverged_at"] is None:
            self.state.status = "done"
            self.state.accuracy = tr.held_out_accuracy(history["params"], config)
        else:
            self.state.status = "diverged"
        self.history = history
        self.previous = (short_setting(config), np.array(history["loss"]))   # for the next run's figure
        self.invalidate()           # every other setting's start now shows this run as the previous one
        self.refresh()
        return history

    def _on_step(self, step, loss, probe_weights):
        s = self.state
        s.losses.append(loss)
        s.now = (step, probe_weights[self.probe_index, 0])                  # (n_pairs,)
        if step in (during_step(s.config.steps), s.config.steps):
            s.weights[step] = s.now[1]
        self._push()

    def _push(self, force=False):
        """Send the figure (and, less often, the readout) if enough time has passed since the last one."""
        now = _clock()
        if not force and now - self._last_show < UPDATE_EVERY_S:
            return
        self.values = self.now()
        talk = force or now - self._last_readout >= READOUT_EVERY_S
        self.figure.show(self.panels(self.values), readout=self.readout_text if talk else None)
        self.progress.value = progress_html(self.values["step"], self.values["steps"])
        self._last_show = now
        if talk:
            self._last_readout = now

    # ------------------------------------------------------------------ numbers, figure, words

    def now(self):
        return self.compute(self.settings, self.state)

    def compute(self, settings, state=None):
        """The numbers for ``settings`` and a run's ``state`` (default: where that run starts)."""
        s = self.start(self.config_at(settings)) if state is None else state
        c, i = s.config, self.probe_index
        keys, slot = s.probe["keys"][i], int(s.probe["slot"][i])                 # (n_pairs,), ()
        weights = dict(s.weights)
        step = s.now[0] if s.now else 0
        if s.now and step not in weights:
            weights[step] = s.now[1]
        return {"status": s.status, "step": step, "steps": c.steps, "loss": np.array(s.losses),
                "snapshots": (0, during_step(c.steps), c.steps), "weights": weights,
                "keys": [tr.KEY_NAMES[k] for k in keys], "slot": slot, "query": tr.KEY_NAMES[keys[slot]],
                "example": tr.example_text(s.probe, i), "accuracy": s.accuracy, "diverged_at": s.diverged_at,
                "below_at": tr.steps_to_loss(s.losses, LOSS_LEVEL) if s.status == "done" else None,
                "n_pairs": c.n_pairs, "n_eval": c.n_eval, "setting": setting_text(c), "previous": s.previous}

    def panels(self, v):
        return [self._loss_panel(v), *(self._strip(v, j) for j in range(3))]

    def _loss_panel(self, v):
        guess = math.log(v["n_pairs"])
        marks = [rule(y=guess, label=f"ln {v['n_pairs']}", dash=(2, 4))]
        shown, title = [v["loss"]], "training loss"
        if v["previous"] is not None:
            setting, losses = v["previous"]
            marks.append(line(np.arange(1, len(losses) + 1), losses, color=ACCENT["reference"], width=2,
                              dash=[6, 4], label="previous run"))
            shown.append(losses)
            title = f"training loss (dashed: the previous run, {setting})"
        if len(v["loss"]):
            marks.append(line(np.arange(1, len(v["loss"]) + 1), v["loss"], color=OKABE_ITO[4], width=2.5,
                              label="this run"))
        # lower left: a falling loss leaves it empty until late, a failing one never gets there
        return panel(marks, x=axis("training step", (0, v["steps"])),
                     y=axis("loss (log scale)", loss_limits(np.concatenate(shown)), scale="log"),
                     title=title, legend="lower left")

    def _strip(self, v, j):
        """Strip j: the probe's weights before training (0), during (1), and now or after (2)."""
        step, title = strip_step(v, j)
        x = axis("memory slots: the key stored in each" if j == 2 else "")
        if step is None:
            return panel([], x=axis(visible=False), y=axis(visible=False), title=title)
        s = v["slot"]
        box = arrows([s - 0.5, s + 0.5, s + 0.5, s - 0.5], [-0.5, -0.5, 0.5, 0.5],
                     [s + 0.5, s + 0.5, s - 0.5, s - 0.5], [-0.5, 0.5, 0.5, -0.5],
                     colors=ACCENT["row"], widths=3, head=False, label="outline of the pair asked for")
        cells = heatmap(v["weights"][step][None, :], rows=[f"query {v['query']}"], cols=v["keys"], vmin=0.0,
                        vmax=1.0, label=f"weights at step {step}", decimals=2)
        return panel([cells, box], x=x, title=title)

    def describe(self, v):
        lines = [f"{v['setting']}: {status_text(v)}", f"probe question: {v['example']}"]
        for step in sorted(v["weights"]):
            w = v["weights"][step]
            lines.append(f"step {step:>3}: weights {fmt(w, 2)}; on {v['query']} {w[v['slot']]:.3f}")
        return "\n".join(lines)


def strip_step(v, j):
    """Which step strip ``j`` shows (None: not reached yet) and its title."""
    snap = v["snapshots"][j]
    if j == 0:
        return 0, "before training: step 0"
    if j == 1:
        return (snap, f"during: step {snap}") if snap in v["weights"] else (None, f"during: step {snap} (not yet)")
    if v["status"] == "done":
        return snap, f"after training: step {snap}"
    if v["status"] == "running":
        return (v["step"], f"now: step {v['step']} of {snap}") if v["step"] else (None, "now: training starts")
    if v["status"] == "diverged":
        at = v["step"]
        return (at, f"step {at}, the last before the loss overflowed") if at else (None, "the loss overflowed at once")
    return None, f"after training: step {snap} (press Train)"


def status_text(v):
    """The run's state in words, with its numbers."""
    if v["status"] == "ready":
        return "not trained yet; press Train"
    loss = v["loss"]
    if v["status"] == "running":
        return f"training, step {v['step']} of {v['steps']}" + (f", loss {loss[-1]:.4f}" if len(loss) else "")
    if v["status"] == "diverged":
        return (f"the loss overflowed at step {v['diverged_at']}, so training stopped "
                "(the weights are inf or NaN: no accuracy)")
    reached = "never" if v["below_at"] is None else f"from step {v['below_at']}"
    chance = 1 / v["n_pairs"]
    return (f"trained. Loss {loss[0]:.3f} at step 1, {loss[-1]:.4f} at step {len(loss)}; "
            f"10-step mean below {LOSS_LEVEL:g} {reached}.\n"
            f"Held-out accuracy {v['accuracy']:.3f} on {v['n_eval']:,} new dictionaries "
            f"(chance 1/{v['n_pairs']} = {chance:.4f}).")


def loss_limits(losses):
    """Log-axis limits: whole decades around the finite losses, at least 0.01 to 10."""
    finite = np.asarray(losses, float)
    finite = finite[np.isfinite(finite) & (finite > 0)]                     # (n,)
    lo = min(1e-2, 10.0 ** math.floor(math.log10(finite.min()))) if finite.size else 1e-2
    hi = max(10.0, 10.0 ** math.ceil(math.log10(finite.max()))) if finite.size else 10.0
    return lo, hi


def progress_html(step, steps):
    """A native progress bar (announced by screen readers as one) and its words."""
    return (f'<progress max="{steps}" value="{step}" aria-label="training progress, step {step} of {steps}">'
            f"</progress> step {step} of {steps}")


def training_run(config=None, probe=0):
    """Train one attention head on associative recall, live: settings, a Train button, the loss as it
    falls and one probe question's attention before, during and after training.

    Parameters
    ----------
    config : attention_lib.training.RecallConfig, optional
        The run to start from (default: the library's, with the lesson's 150 steps). The controls set
        its learning rate, optimiser, scaling, steps and seed.
    probe : int
        Which of tr.train's four probe questions to show (0 to 3).

    Returns
    -------
    TrainingRun
        Set ``w.controls[...]`` and call ``w.run()`` (what Train does); read ``w.values``,
        ``w.readout_text`` and ``w.history`` (tr.train's result).
    """
    config = tr.RecallConfig(steps=150) if config is None else config
    if config.n_keys > len(tr.KEY_NAMES):
        raise ValueError(f"the widget names keys with letters, at most {len(tr.KEY_NAMES)}; "
                         f"this config has n_keys = {config.n_keys}")
    if not 0 <= probe < 4:
        raise ValueError(f"probe must be one of tr.train's four probe questions, 0 to 3, not {probe}")
    if config.model != "attention":
        raise ValueError(f"the widget draws an attention head's weights; model {config.model!r} has none "
                         f"(train it with attention_lib.training.train instead)")
    return TrainingRun(config, probe)


__all__ = ["training_run"]
