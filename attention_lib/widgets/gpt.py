"""Lesson 10's widget: the text sampler, a trained tiny GPT writing after your prompt.

numpy computes everything in the kernel: the distribution of the next character after the prompt
(:func:`attention_lib.sampling.next_token_probs`, drawn as bars) and the text that
:func:`attention_lib.sampling.generate` writes with lesson 08's KV cache. The controls are finite, so every
state is one of a fixed set: a temperature from :data:`TEMPERATURES`, a top-k from :data:`TOP_K` and a seed
from :data:`SEEDS`; the same state always writes the same text.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..gpt import gpt_forward
from ..sampling import generate, next_token_probs
from ._base import Explorer
from ._chart import Figure, axis, bars, panel, rule
from ._style import ACCENT, OKABE_ITO
from .controls import choice_slider

TEMPERATURES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
"""The temperature slider's stops; 0 is greedy."""
TOP_K = (1, 2, 3, 5, 10, 20)
"""The top-k slider's stops, followed by "all" (the whole vocabulary)."""
SEEDS = tuple(range(10))
SHOWN = 12
"""How many of the most likely next characters the bars show."""
N_NEW = 240
"""Characters written after the prompt."""


def char_label(c):
    """A character as a bar label: a space is ␣ and a newline ↵, so neither is invisible."""
    return {" ": "␣", "\n": "↵"}.get(c, c)


class TextSampler(Explorer):
    """A prompt box and sliders over a trained model; bars of the next character, and the text it writes."""

    ahead_controls = ("temperature",)
    """Frames ahead for the temperature only: each state writes its text (about 0.3 s), so the 8 temperatures
    are computed ahead (and kept), and a new top-k, seed or prompt waits for the kernel."""

    def __init__(self, params, config, chars, prompt, temperature, top_k, seed, n_new):
        self.params, self.config, self.chars, self.n_new = params, config, chars, n_new
        self._written = {}
        V = len(chars)
        top_k_options = [k for k in TOP_K if k < V] + [V]
        controls = {
            "prompt": widgets.Text(value=prompt, description="prompt", continuous_update=False,
                                   layout=widgets.Layout(width="360px")),
            "temperature": choice_slider("temperature", list(TEMPERATURES), temperature,
                                         labels=["0 (greedy)" if t == 0 else f"{t:g}" for t in TEMPERATURES]),
            "top_k": choice_slider("top-k", top_k_options, V if top_k is None else top_k,
                                   labels=[f"all {V}" if k == V else str(k) for k in top_k_options]),
            "seed": choice_slider("seed", list(SEEDS), seed),
        }
        figure = Figure(label=f"Bar chart of the model's probabilities for the next character after the prompt: "
                              f"the {SHOWN} most likely, at temperature 1 and at the chosen temperature and top-k; "
                              "the text the model writes is in the readout below",
                        caption="Light bars: the model's distribution for the first new character (␣ is a space, "
                                "↵ a new line); dark bars: the one it is drawn from, after temperature and top-k "
                                "(none where top-k drops the character). Below: the prompt and the "
                                f"{n_new} characters the model writes after it, one draw per character.",
                        grid={"height": 300, "max_width": 820})
        super().__init__(controls, figure)
        self.refresh()

    def _ids(self, prompt):
        lookup = {c: i for i, c in enumerate(self.chars)}
        unknown = sorted({c for c in prompt if c not in lookup})
        return [lookup[c] for c in prompt if c in lookup], unknown

    def compute(self, s):
        prompt = s["prompt"]
        temperature, top_k, seed = float(s["temperature"]), int(s["top_k"]), int(s["seed"])
        ids, unknown = self._ids(prompt)
        if not ids:
            ids = [self.chars.index("\n")] if "\n" in self.chars else [0]
        ids = ids[-self.config.context:]
        logits = gpt_forward(self.params, np.array([ids]), self.config)[0, -1]          # (V,)
        model_probs = next_token_probs(logits)                                            # (V,) at temperature 1
        probs = next_token_probs(logits, temperature, None if top_k == len(self.chars) else top_k)   # (V,)
        key = (tuple(ids), temperature, top_k, seed)
        if key not in self._written:
            out = generate(self.params, self.config, ids, self.n_new, temperature=temperature,
                           top_k=None if top_k == len(self.chars) else top_k, seed=seed)
            self._written[key] = "".join(self.chars[i] for i in out[len(ids):])
        order = np.argsort(-model_probs, kind="stable")[:SHOWN]                           # (SHOWN,)
        return {"prompt": "".join(self.chars[i] for i in ids), "unknown": unknown, "temperature": temperature,
                "top_k": top_k, "all": top_k == len(self.chars), "seed": seed, "order": order,
                "probs": probs, "model_probs": model_probs, "text": self._written[key]}

    def panels(self, v):
        order = v["order"]
        shown = v["probs"][order]                                                         # (SHOWN,)
        labels = [char_label(self.chars[i]) for i in order]
        marks = [bars(v["model_probs"][order], colors=OKABE_ITO[1], width=0.35, label="at temperature 1"),
                 bars(shown, x=np.arange(len(order)) + 0.38, colors=ACCENT["data"], width=0.35,
                      label=f"sampled from (τ = {v['temperature']:g})"),
                 rule(y=1 / len(self.chars), label=f"uniform 1/{len(self.chars)}")]
        x = axis("the next character (the most likely first)", (-0.6, len(order) - 0.2),
                 ticks=np.arange(len(order)) + 0.19, tick_labels=labels)
        return [panel(marks, x=x, y=axis("probability", (0, 1)), legend="upper right",
                      title="the next character after the prompt")]

    def describe(self, v):
        k = f"all {len(self.chars)}" if v["all"] else str(v["top_k"])
        t = "0 (greedy)" if v["temperature"] == 0 else f"{v['temperature']:g}"
        head = f"temperature {t}, top-k {k}, seed {v['seed']}"
        warn = (f"\n(left out of the prompt: {', '.join(repr(c) for c in v['unknown'])}, which the text never "
                "uses)") if v["unknown"] else ""
        rows = ", ".join(f"{char_label(self.chars[i])} {v['model_probs'][i]:.3f}→{v['probs'][i]:.3f}"
                         for i in v["order"])
        return (f"{head}{warn}\nnext character, probability at temperature 1 → sampled from: {rows}\n"
                f"---\n{v['prompt']}{v['text']}")


def text_sampler(params=None, config=None, chars=None, prompt="Romeo.\n", temperature=0.75, top_k=None, seed=0,
                 n_new=N_NEW):
    """A trained tiny GPT writes after your prompt: a prompt box, temperature, top-k and seed sliders.

    Parameters
    ----------
    params, config, chars : optional
        A model (:func:`attention_lib.gpt.init_gpt`'s dict and its :class:`~attention_lib.gpt.GPTConfig`) and
        its vocabulary (character ``i`` is ``chars[i]``). Default: the course's trained checkpoint.
    prompt : str
    temperature : one of :data:`TEMPERATURES`
    top_k : int or None (all)
    seed : int, one of :data:`SEEDS`
    n_new : int

    Returns
    -------
    TextSampler
        Set ``w.controls["prompt" | "temperature" | "top_k" | "seed"].value``; read ``w.values`` and
        ``w.readout_text``.
    """
    if params is None:
        from ..gpt_training import CHECKPOINTS, load_checkpoint

        params, train_config, log = load_checkpoint(CHECKPOINTS["gpt"])
        config, chars = train_config.model, log["chars"]
    if params is None or config is None or chars is None:
        raise ValueError("give params, config and chars together (or none of them, for the course's checkpoint)")
    if len(chars) != config.vocab_size:
        raise ValueError(f"chars has {len(chars)} characters but the model's vocab_size is {config.vocab_size}")
    return TextSampler(params, config, chars, prompt, temperature, top_k, seed, n_new)


__all__ = ["text_sampler"]
