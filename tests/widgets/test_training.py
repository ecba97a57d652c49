"""Lesson 07's training widget, driven from Python: what it draws and says is what training computed.

Every expected number is computed here from the run's own weights with plain numpy (the probe's
weights as softmax(q kᵀ/√d), the held-out accuracy as argmax of the logits), or taken from
``tr.train`` called without the widget.
"""
import dataclasses
import math

import numpy as np
import pytest

from attention_lib import training as tr
from attention_lib import widgets
from attention_lib.widgets import training as wt

SHORT = tr.RecallConfig(steps=25)


def probe_weights(params, probe, config):
    """The probes' attention weights by hand: softmax over (x_q W_q)(x_kv W_k)ᵀ, divided by √d if scaled."""
    q = probe["x_q"] @ params["W_q"]                                   # (4, 1, d)
    k = probe["x_kv"] @ params["W_k"]                                  # (4, P, d)
    s = q @ np.swapaxes(k, -1, -2) / (math.sqrt(q.shape[-1]) if config.scaled else 1.0)   # (4, 1, P)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True))[:, 0, :]               # (4, P)


def accuracy_by_hand(params, config):
    batch = tr.held_out_batch(config)
    w = probe_weights(params, batch, config)                           # (n, P)
    logits = np.einsum("np,npd->nd", w, batch["x_kv"] @ params["W_v"]) @ params["W_o"]   # (n, n_values)
    return float(np.mean(np.argmax(logits, axis=1) == batch["targets"]))


def _mark(w, panel, kind):
    return [m for m in w.figure.panels[panel]["marks"] if m["type"] == kind]


def _strip(w, j):
    """The weights drawn in strip j (1, 2, 3 below the loss), or None if it is empty."""
    cells = _mark(w, j, "heatmap")
    return np.array(cells[0]["values"][0]) if cells else None


def test_before_training_the_figure_shows_the_weights_training_starts_from():
    w = widgets.training_run(SHORT)
    start = tr.train(dataclasses.replace(SHORT, steps=0))
    expected = probe_weights(start["params"], start["probe"], SHORT)[0]          # (16,)
    np.testing.assert_allclose(_strip(w, 1), expected, atol=1e-12)
    assert _strip(w, 2) is None and _strip(w, 3) is None                         # not reached yet
    assert _mark(w, 0, "line") == []                                              # no losses yet
    slot = start["probe"]["slot"][0]
    assert w.readout_text.startswith("Adam, lr 0.005, ÷√d, 25 steps, seed 0: not trained yet")
    assert f"step   0: weights {fmt2(expected)}; on {w.values['query']} {expected[slot]:.3f}" in w.readout_text
    assert f"probe question: {tr.example_text(start['probe'], 0)}" in w.readout_text
    assert 'value="0"' in w.progress.value and "step 0 of 25" in w.progress.value
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == w.readout_text                                   # text outside a widget frontend


def fmt2(w):
    return "[" + ", ".join(f"{x:.2f}" for x in w) + "]"


def test_a_run_draws_one_loss_per_step_and_the_weights_of_three_steps():
    w = widgets.training_run(SHORT)
    history = w.run()
    alone = tr.train(SHORT)                                     # no widget, no callback
    curve = _mark(w, 0, "line")[-1]
    assert curve["label"] == "this run" and len(curve["y"]) == 25
    np.testing.assert_array_equal(curve["y"], alone["loss"])
    np.testing.assert_array_equal(curve["x"], np.arange(1, 26))
    seen = {}
    tr.train(dataclasses.replace(SHORT, log_every=5), callback=lambda step, loss, p: seen.setdefault(step, p[0, 0]))
    np.testing.assert_allclose(_strip(w, 2), seen[5], atol=1e-12)                 # during: step 25 / 5
    final = probe_weights(history["params"], history["probe"], SHORT)[0]
    np.testing.assert_allclose(_strip(w, 3), final, atol=1e-12)
    assert [p["title"] for p in w.figure.panels[1:]] == ["before training: step 0", "during: step 5",
                                                          "after training: step 25"]
    text = w.readout_text
    assert f"Loss {alone['loss'][0]:.3f} at step 1, {alone['loss'][-1]:.4f} at step 25" in text
    assert f"Held-out accuracy {accuracy_by_hand(history['params'], SHORT):.3f} on 4,000 new dictionaries" in text
    assert 'value="25"' in w.progress.value and w.figure.readout == text


def test_the_train_button_runs_what_run_runs():
    clicked, called = widgets.training_run(SHORT), widgets.training_run(SHORT)
    for w in (clicked, called):
        w.controls["lr"].value, w.controls["seed"].value, w.controls["steps"].value = 0.02, 3, 10
    clicked.button.click()
    called.run()
    assert clicked.readout_text == called.readout_text and "seed 3" in clicked.readout_text
    np.testing.assert_array_equal(clicked.history["loss"], tr.train(called.config)["loss"])
    assert clicked.config.lr == 0.02 and clicked.config.steps == 10 and not clicked.button.disabled


def test_a_diverging_run_says_where_the_loss_overflowed_and_claims_no_accuracy():
    w = widgets.training_run(SHORT)
    w.controls["optimizer"].value, w.controls["lr"].value, w.controls["steps"].value = "sgd", 50.0, 100
    w.run()
    stopped = tr.train(w.config)["diverged_at"]
    assert stopped is not None and f"the loss overflowed at step {stopped}, so training stopped" in w.readout_text
    assert "Held-out" not in w.readout_text
    assert w.figure.panels[3]["title"] == f"step {stopped - 1}, the last before the loss overflowed"
    assert _mark(w, 0, "line")[-1]["y"][-1] is None                              # inf or NaN: not drawn


def test_unscaled_scores_start_saturated_in_the_figure():
    w = widgets.training_run(SHORT)
    spread = _strip(w, 1)
    w.controls["scaled"].value = False
    saturated = _strip(w, 1)

    def entropy(p):
        return -np.sum(p * np.log(p))

    assert entropy(saturated) < 1.0 < 2.0 < entropy(spread) < math.log(16)   # a few random pairs take it all
    assert "no ÷√d" in w.readout_text


def test_live_updates_are_at_most_ten_a_second_one_message_each(monkeypatch):
    clock = iter(np.arange(0, 100, 0.03))                      # 30 ms per training step
    monkeypatch.setattr(wt, "_clock", lambda: next(clock))
    w = widgets.training_run(SHORT)
    sent = []
    monkeypatch.setattr(w.figure, "_send", lambda msg, buffers=None: sent.append(msg["state"]))
    w.run()
    # 25 steps x 30 ms = 0.75 s: the first state, an update every 4th step (0.12 s), and the final state
    assert len(sent) == 1 + 25 // 4 + 1
    assert all("panels" in state for state in sent)
    assert sum("readout" in state for state in sent) == 1 + 1       # the first and the last: 0.75 s < 1 s


def test_new_settings_show_their_start_and_keep_the_last_run_to_compare():
    w = widgets.training_run(SHORT)
    first = w.run()
    w.controls["seed"].value = 1
    assert w.readout_text.startswith("Adam, lr 0.005, ÷√d, 25 steps, seed 1: not trained yet")
    start = tr.train(dataclasses.replace(SHORT, seed=1, steps=0))
    np.testing.assert_allclose(_strip(w, 1), probe_weights(start["params"], start["probe"], SHORT)[0], atol=1e-12)
    (previous,) = _mark(w, 0, "line")
    assert previous["label"] == "previous run" and previous["dash"]
    assert w.figure.panels[0]["title"] == "training loss (dashed: the previous run, Adam lr 0.005)"
    np.testing.assert_array_equal(previous["y"], first["loss"])


def test_the_loss_axis_covers_whole_decades_of_the_finite_losses():
    assert wt.loss_limits([]) == (0.01, 10.0)
    assert wt.loss_limits([3.5, 0.0009, np.inf]) == (1e-4, 10.0)
    assert wt.loss_limits([3.5, 750.0, np.nan]) == (0.01, 1000.0)


def test_builder_names_what_it_cannot_show():
    with pytest.raises(ValueError, match="four probe questions, 0 to 3, not 4"):
        widgets.training_run(SHORT, probe=4)
    with pytest.raises(ValueError, match="n_keys = 60"):
        widgets.training_run(tr.RecallConfig(n_keys=60))
    with pytest.raises(ValueError, match="model 'mlp_concat' has none"):
        widgets.training_run(tr.RecallConfig(model="mlp_concat", steps=5))
