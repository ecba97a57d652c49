"""Lesson 10's text sampler, driven from Python: its bars are numpy's next-character distribution at the chosen
temperature and top-k, and the text it shows is what sampling.generate writes from the same seed."""
import numpy as np
import pytest

from attention_lib import gpt, sampling, widgets
from attention_lib.widgets import gpt as wg

CHARS = "\n abcdefghij"
CONFIG = gpt.GPTConfig(vocab_size=len(CHARS), context=16, d_model=16, n_heads=2, n_layers=2)


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    return {n: (v + rng.normal(0, 0.5, v.shape)).astype(np.float32) for n, v in gpt.init_gpt(CONFIG, 1).items()}


def _build(model, **kwargs):
    return widgets.text_sampler(model, CONFIG, CHARS, prompt=kwargs.pop("prompt", "ab c"), n_new=40, **kwargs)


def _probs_by_hand(model, prompt, temperature, top_k):
    ids = [CHARS.index(c) for c in prompt]
    logits = gpt.gpt_forward(model, np.array([ids]), CONFIG)[0, -1].astype(np.float64)   # (V,)
    if temperature == 0:
        return np.eye(len(CHARS))[np.argmax(logits)]
    z = logits / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    e = np.exp(z - z.max())
    return e / e.sum()


def test_the_bars_are_the_distribution_the_first_character_is_drawn_from(model):
    w = _build(model)
    for temperature, top_k in [(1.0, None), (0.5, 3), (2.0, None), (0.0, None)]:
        w.controls["temperature"].value = temperature
        w.controls["top_k"].value = len(CHARS) if top_k is None else top_k
        want = _probs_by_hand(model, "ab c", temperature, top_k)
        order = w.values["order"]
        drawn = [m for m in w.figure.panels[0]["marks"] if m["type"] == "bars"]
        np.testing.assert_allclose(drawn[1]["y"], want[order], atol=1e-6)
        np.testing.assert_allclose(drawn[0]["y"], _probs_by_hand(model, "ab c", 1.0, None)[order], atol=1e-6)
        assert w.figure.readout == w.readout_text


def test_the_text_is_what_generate_writes_from_the_same_seed(model):
    w = _build(model, temperature=0.75, seed=3)
    ids = sampling.generate(model, CONFIG, [CHARS.index(c) for c in "ab c"], 40, temperature=0.75, seed=3)
    written = "".join(CHARS[i] for i in ids[4:])
    assert w.values["text"] == written and w.readout_text.endswith("ab c" + written)
    w.controls["seed"].value = 4
    assert w.values["text"] != written
    w.controls["seed"].value = 3
    assert w.values["text"] == written                                          # the same state, the same text


def test_greedy_and_top_k_are_named_in_the_readout(model):
    w = _build(model, temperature=0.0)
    assert w.readout_text.startswith("temperature 0 (greedy), top-k all 12, seed 0")
    w.controls["top_k"].value = 2
    assert "top-k 2" in w.readout_text.splitlines()[0]
    sampled = [m for m in w.figure.panels[0]["marks"] if m["type"] == "bars"][1]["y"]
    assert sum(1 for p in sampled if p > 0) == 1                                # greedy keeps one character


def test_a_prompt_with_unknown_characters_is_used_without_them_and_said_so(model):
    w = _build(model, prompt="aXb!")
    assert w.values["prompt"] == "ab"
    assert "left out of the prompt: '!', 'X'" in w.readout_text


def test_an_empty_prompt_starts_from_a_new_line(model):
    w = _build(model, prompt="")
    assert w.values["prompt"] == "\n" and len(w.values["text"]) == 40


def test_the_sliders_are_finite_sets_of_values(model):
    w = _build(model)
    assert w.controls["temperature"].options == list(wg.TEMPERATURES)
    assert w.controls["top_k"].options == [1, 2, 3, 5, 10, len(CHARS)]
    assert w.controls["temperature"].labels[0] == "0 (greedy)" and w.controls["top_k"].labels[-1] == "all 12"


def test_the_default_is_the_course_checkpoint():
    w = widgets.text_sampler()
    assert w.config.vocab_size == len(w.chars) == 73 and w.values["prompt"] == "Romeo.\n"
    assert len(w.values["text"]) == wg.N_NEW


def test_mismatched_vocabulary_is_refused(model):
    with pytest.raises(ValueError, match="12 characters"):
        widgets.text_sampler(model, gpt.GPTConfig(vocab_size=5), CHARS)
