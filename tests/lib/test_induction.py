"""Stretch for lesson 07: an induction head forms in a two-layer attention-only model."""
import math

import numpy as np
import pytest

from attention_lib.backward import numerical_gradient, relative_error
from attention_lib.induction import (
    InductionConfig,
    evaluate,
    forward,
    init_params,
    loss_and_grads,
    make_sequences,
    train,
)


def reference_loss(params, tokens, layers=(1, 2), mean_of=()):
    """The model's loss written out independently with einsum, running only the attention ``layers``; a layer
    in ``mean_of`` adds, at each position, its output averaged over the sequences instead of its own output."""
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    t = inputs.shape[1]
    x = params["E"][inputs] + params["P"][:t]
    allowed = np.tril(np.ones((t, t), dtype=bool))
    for layer in layers:
        W = {n: params[f"{n}{layer}"] for n in ("W_q", "W_k", "W_v", "W_o")}
        q, k, v = x @ W["W_q"], x @ W["W_k"], x @ W["W_v"]
        s = np.where(allowed, np.einsum("bid,bjd->bij", q, k) / math.sqrt(q.shape[-1]), -np.inf)
        p = np.exp(s - s.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        out = np.einsum("bij,bjd->bid", p, v) @ W["W_o"]
        x = x + (np.broadcast_to(out.mean(0), out.shape) if layer in mean_of else out)
    logits = x @ params["U"]
    top = logits.max(-1, keepdims=True)
    log_probs = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    return float(-np.take_along_axis(log_probs, targets[..., None], -1).mean())


def test_sequences_repeat_a_segment_of_varying_length():
    cfg = InductionConfig(vocab=10, seq_len=12, min_repeat=3)
    tokens, repeat = make_sequences(cfg, 200, np.random.default_rng(0))
    assert tokens.shape == (200, 12) and set(repeat.tolist()) == {3, 4, 5, 6}
    for row, r in zip(tokens, repeat, strict=True):
        assert np.array_equal(row[r:2 * r], row[:r])


def test_two_layer_gradients_pass_the_gradient_check():
    cfg = InductionConfig(vocab=5, seq_len=6, min_repeat=2, d_model=4, d_head=3)
    rng = np.random.default_rng(1)
    params = init_params(cfg, rng)
    tokens, _ = make_sequences(cfg, 3, rng)
    loss, grads = loss_and_grads(params, tokens)
    assert loss == pytest.approx(reference_loss(params, tokens), rel=1e-12)
    assert set(grads) == set(params)
    for name, g in grads.items():
        numeric = numerical_gradient(lambda w, name=name: reference_loss({**params, name: w}, tokens), params[name])
        assert relative_error(g, numeric) < 1e-6, name


def test_induction_training_is_reproducible():
    cfg = InductionConfig(steps=20, log_every=10)
    a, b = train(cfg), train(cfg)
    np.testing.assert_array_equal(a["loss"], b["loss"])
    assert a["evals"] == b["evals"]


def test_an_induction_head_forms_and_the_second_copy_becomes_predictable():
    history = train(InductionConfig())
    start, end = history["evals"][0][1], history["evals"][-1][1]
    assert end["second_copy_loss"] < 0.5 * end["first_copy_loss"], end
    assert end["first_copy_loss"] > math.log(InductionConfig().vocab) - 0.3   # the first copy stays unpredictable
    assert start["induction_score"] < 0.2, start         # about 1/position at initialisation
    assert end["induction_score"] > 0.5, end


def test_one_layer_control_gradients_pass_the_gradient_check():
    cfg = InductionConfig(vocab=5, seq_len=6, min_repeat=2, d_model=4, d_head=3, n_layers=1)
    rng = np.random.default_rng(4)
    params = init_params(cfg, rng)
    assert "W_q2" not in params and "W_q1" in params
    tokens, _ = make_sequences(cfg, 3, rng)
    loss, grads = loss_and_grads(params, tokens)
    assert loss == pytest.approx(reference_loss(params, tokens, layers=(1,)), rel=1e-12)
    assert set(grads) == set(params)
    for name, g in grads.items():
        numeric = numerical_gradient(lambda w, name=name: reference_loss({**params, name: w}, tokens, (1,)), params[name])
        assert relative_error(g, numeric) < 1e-6, name


def test_ablating_layer_1_runs_the_model_without_it():
    cfg = InductionConfig(vocab=6, seq_len=8, min_repeat=2, d_model=4, d_head=3)
    rng = np.random.default_rng(5)
    params = init_params(cfg, rng)
    tokens, repeat = make_sequences(cfg, 4, rng)
    logits, cache = forward(params, tokens, ablate=(1,))
    top = logits.max(-1, keepdims=True)
    log_probs = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    loss = float(-np.take_along_axis(log_probs, tokens[:, 1:, None], -1).mean())
    assert loss == pytest.approx(reference_loss(params, tokens, layers=(2,)), rel=1e-12)
    assert loss != pytest.approx(reference_loss(params, tokens), rel=1e-6)
    assert cache["layer1"]["weights"].shape == (4, 7, 7)              # still there to be looked at
    assert evaluate(params, tokens, repeat, ablate=(1,)) != evaluate(params, tokens, repeat)
    with pytest.raises(ValueError, match=r"cannot ablate layer\(s\) \[3\]: the model has layers 1 to 2"):
        forward(params, tokens, ablate=(3,))
    with pytest.raises(ValueError, match="n_layers must be at least 1"):
        InductionConfig(n_layers=0)


def test_mean_ablation_puts_back_each_positions_average_output():
    cfg = InductionConfig(vocab=6, seq_len=8, min_repeat=2, d_model=4, d_head=3)
    rng = np.random.default_rng(6)
    params = init_params(cfg, rng)
    tokens, repeat = make_sequences(cfg, 5, rng)
    logits, _ = forward(params, tokens, ablate=(1,), ablate_with="mean")
    top = logits.max(-1, keepdims=True)
    log_probs = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    loss = float(-np.take_along_axis(log_probs, tokens[:, 1:, None], -1).mean())
    assert loss == pytest.approx(reference_loss(params, tokens, mean_of=(1,)), rel=1e-12)
    assert loss != pytest.approx(reference_loss(params, tokens, layers=(2,)), rel=1e-6)   # not the zero ablation
    one = forward(params, tokens[:1], ablate=(1,), ablate_with="mean")[0]
    assert np.allclose(one, forward(params, tokens[:1])[0])      # one sequence: its mean is itself
    assert evaluate(params, tokens, repeat, ablate=(1,), ablate_with="mean") != evaluate(params, tokens, repeat, ablate=(1,))
    with pytest.raises(ValueError, match="ablate_with must be one of"):
        forward(params, tokens, ablate=(1,), ablate_with="noise")
