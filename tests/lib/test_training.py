"""Lesson 07: a single attention head trained by hand on associative recall."""
import dataclasses
import math

import numpy as np
import pytest

from attention_lib.backward import numerical_gradient, relative_error
from attention_lib.training import (
    RecallConfig,
    adam_init,
    adam_step,
    cross_entropy,
    example_text,
    forward,
    held_out_accuracy,
    held_out_batch,
    init_params,
    loss_and_grads,
    make_batch,
    mlp_backward,
    mlp_forward,
    mlp_inputs,
    parameter_count,
    sgd_step,
    steps_to_loss,
    train,
)

DEFAULT = RecallConfig()


@pytest.fixture(scope="module")
def trained():
    return train(DEFAULT)


def reference_loss(params, batch, scaled=True):
    """The model's loss written out independently with einsum, for the gradient check."""
    q = np.einsum("bqi,id->bqd", batch["x_q"], params["W_q"])
    k = np.einsum("bki,id->bkd", batch["x_kv"], params["W_k"])
    v = np.einsum("bki,id->bkd", batch["x_kv"], params["W_v"])
    s = np.einsum("bqd,bkd->bqk", q, k) / (math.sqrt(q.shape[-1]) if scaled else 1.0)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    logits = np.einsum("bqk,bkd,dc->bc", p, v, params["W_o"])
    log_z = np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1)) + logits.max(1)
    return float(np.mean(log_z - logits[np.arange(len(logits)), batch["targets"]]))


# --------------------------------------------------------------------------- the data


def test_each_example_is_a_dictionary_with_one_answer():
    cfg = RecallConfig(n_keys=6, n_values=7, n_pairs=4, embedding="onehot")
    b = make_batch(cfg, 50, np.random.default_rng(0))
    assert b["x_kv"].shape == (50, 4, 13) and b["x_q"].shape == (50, 1, 13)
    for i in range(50):
        assert len(set(b["keys"][i])) == 4 and len(set(b["values"][i])) == 4   # distinct keys and values
        query_key = int(np.argmax(b["x_q"][i, 0, :6]))
        stored = dict(zip(b["keys"][i].tolist(), b["values"][i].tolist(), strict=True))
        assert b["targets"][i] == stored[query_key]
        assert np.array_equal(np.argmax(b["x_kv"][i, :, 6:], axis=1), b["values"][i])


def test_a_dictionary_needs_distinct_symbols():
    with pytest.raises(ValueError, match="n_pairs = 9 pairs need that many distinct keys and values"):
        RecallConfig(n_keys=8, n_values=16, n_pairs=9)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        RecallConfig(optimizer="rmsprop")


# --------------------------------------------------------------------------- loss, gradients, optimisers


def test_cross_entropy_and_its_gradient():
    logits = np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 3.0]])
    targets = np.array([0, 1])
    loss, d = cross_entropy(logits, targets)
    by_hand = [-math.log(math.exp(r[t]) / sum(math.exp(x) for x in r)) for r, t in zip(logits, targets, strict=True)]
    assert loss == pytest.approx(np.mean(by_hand), rel=1e-12)
    numeric = numerical_gradient(lambda z: cross_entropy(z, targets)[0], logits)
    assert relative_error(d, numeric) < 1e-7


@pytest.mark.parametrize("embedding, scaled", [("random", True), ("onehot", True), ("random", False)])
def test_full_model_gradients_pass_the_gradient_check(embedding, scaled):
    cfg = RecallConfig(n_keys=5, n_values=4, n_pairs=3, d_head=3, d_embed=4, embedding=embedding, scaled=scaled)
    rng = np.random.default_rng(1)
    params, batch = init_params(cfg, rng), make_batch(cfg, 6, rng)
    loss, grads = loss_and_grads(params, batch, cfg)
    assert loss == pytest.approx(reference_loss(params, batch, scaled), rel=1e-12)
    for name, g in grads.items():
        numeric = numerical_gradient(lambda w, name=name: reference_loss({**params, name: w}, batch, scaled), params[name])
        assert relative_error(g, numeric) < 1e-6, name


def test_adam_step_matches_the_update_rule_by_hand():
    params, grads = {"w": np.array([1.0, -2.0])}, [{"w": np.array([0.5, -0.1])}, {"w": np.array([0.2, 0.3])}]
    state = adam_init(params)
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    m, v, w = np.zeros(2), np.zeros(2), params["w"].copy()
    for t, g in enumerate(grads, start=1):
        params, state = adam_step(params, g, state, lr)
        m, v = b1 * m + (1 - b1) * g["w"], b2 * v + (1 - b2) * g["w"] ** 2
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(params["w"], w, rtol=1e-14)
    # first Adam step moves every weight by about lr, whatever the gradient's size
    first, _ = adam_step({"w": np.zeros(2)}, {"w": np.array([1e-3, 1e3])}, adam_init({"w": np.zeros(2)}), 0.1)
    np.testing.assert_allclose(first["w"], [-0.1, -0.1], rtol=1e-4)


def test_optimisers_leave_frozen_weights_and_their_inputs_alone():
    params = {"a": np.ones(2), "b": np.ones(2)}
    new, _ = sgd_step(params, {"a": np.array([1.0, 2.0])}, {}, 0.5)
    np.testing.assert_array_equal(new["a"], [0.5, 0.0])
    assert new["b"] is params["b"] and np.array_equal(params["a"], [1.0, 1.0])
    new, _ = adam_step(params, {"a": np.array([1.0, 2.0])}, adam_init(params), 0.5)
    assert new["b"] is params["b"] and np.array_equal(params["a"], [1.0, 1.0])


# --------------------------------------------------------------------------- training


def test_training_is_reproducible_with_a_seed():
    cfg = dataclasses.replace(DEFAULT, steps=25)
    a, b = train(cfg), train(cfg)
    np.testing.assert_array_equal(a["loss"], b["loss"])
    for name in a["params"]:
        np.testing.assert_array_equal(a["params"][name], b["params"][name])
    c = train(dataclasses.replace(cfg, seed=1))
    assert not np.array_equal(a["loss"], c["loss"])


def test_trained_attention_reaches_95_percent_held_out(trained):
    acc = held_out_accuracy(trained["params"], DEFAULT)
    assert acc >= 0.95, f"held-out accuracy {acc:.3f}"
    assert trained["loss"][-20:].mean() < 0.1 * trained["loss"][:5].mean()


def test_trained_head_attends_to_the_queried_pair(trained):
    batch = held_out_batch(DEFAULT)
    weights = forward(trained["params"], batch, DEFAULT)[1]["weights"][:, 0, :]   # (n, n_pairs)
    assert np.mean(np.argmax(weights, axis=1) == batch["slot"]) > 0.95
    assert np.median(weights[np.arange(len(weights)), batch["slot"]]) > 0.9


def test_uniform_attention_baseline_stays_near_chance():
    cfg = dataclasses.replace(DEFAULT, uniform_attention=True)
    history = train(cfg)
    chance = 1 / cfg.n_pairs                             # guess one of the stored values
    acc = held_out_accuracy(history["params"], cfg)
    assert acc < 2 * chance, f"baseline accuracy {acc:.3f}, chance {chance:.3f}"
    assert not history["params"]["W_q"].any() and not history["params"]["W_k"].any()
    # its best possible loss is ln(n_pairs): a uniform guess among the stored values
    assert history["loss"][-50:].mean() > math.log(cfg.n_pairs) - 0.1


def test_without_scaling_attention_starts_saturated_and_learns_slower(trained):
    cfg = dataclasses.replace(DEFAULT, scaled=False)
    batch = held_out_batch(DEFAULT)
    start = init_params(DEFAULT, np.random.default_rng(DEFAULT.seed))
    top_scaled = forward(start, batch, DEFAULT)[1]["weights"].max(-1).mean()
    top_raw = forward(start, batch, cfg)[1]["weights"].max(-1).mean()
    assert top_scaled < 0.3, top_scaled                  # spread over the 16 pairs at step 0
    assert top_raw > 0.5, top_raw                        # unscaled: already (randomly) one key at step 0
    unscaled = train(cfg)
    reached_unscaled = steps_to_loss(unscaled["loss"]) or len(unscaled["loss"]) + 1   # None: never got there
    assert reached_unscaled > steps_to_loss(trained["loss"])


def test_a_far_too_high_learning_rate_fails():
    cfg = dataclasses.replace(DEFAULT, lr=1.0)
    history = train(cfg)
    assert held_out_accuracy(history["params"], cfg) < 0.5
    assert history["loss"].max() > 3 * history["loss"][0]


def test_callback_sees_the_loss_and_the_probe_weights():
    cfg = dataclasses.replace(DEFAULT, steps=45, log_every=20)
    calls = []
    history = train(cfg, callback=lambda step, loss, w: calls.append((step, loss, w)))
    assert [c[0] for c in calls] == [20, 40, 45]
    for step, loss, w in calls:
        assert loss == history["loss"][step - 1]
        assert w.shape == (4, 1, cfg.n_pairs)
        np.testing.assert_allclose(w.sum(-1), 1.0)


def test_sgd_also_learns_the_lookup():
    cfg = dataclasses.replace(DEFAULT, optimizer="sgd", lr=1.0)
    history = train(cfg)
    assert held_out_accuracy(history["params"], cfg) >= 0.95


def test_divergence_stops_training_and_is_reported():
    cfg = dataclasses.replace(DEFAULT, optimizer="sgd", lr=50.0, steps=100)
    history = train(cfg)
    assert history["diverged_at"] is not None and history["diverged_at"] < 100
    assert len(history["loss"]) == history["diverged_at"] and not np.isfinite(history["loss"][-1])
    assert train(dataclasses.replace(cfg, lr=1.0, steps=10))["diverged_at"] is None


def test_example_text_shows_the_dictionary_the_query_and_its_answer():
    batch = {"keys": np.array([[2, 0, 25]]), "values": np.array([[7, 30, 1]]), "slot": np.array([1]),
             "targets": np.array([30])}
    assert example_text(batch, 0) == "{C: 7, A: 30, Z: 1}   A → 30"
    real = make_batch(DEFAULT, 3, np.random.default_rng(5))
    for i in range(3):
        text = example_text(real, i)
        query, answer = text.split("   ")[1].split(" → ")
        assert f"{query}: {answer}" in text                  # the answer is the value stored under the query
    with pytest.raises(ValueError, match="names at most 52 keys"):
        example_text({**batch, "keys": np.array([[2, 0, 60]])}, 0)


def test_steps_to_loss_waits_for_the_moving_average():
    losses = np.array([3.0] * 5 + [0.05] + [3.0] * 4 + [0.05] * 20)   # one early dip, then down to stay
    assert steps_to_loss(losses, level=0.1, window=5) == 15            # the window of steps 11-15 is all below
    assert steps_to_loss(np.full(30, 3.0), level=0.1) is None
    assert steps_to_loss(np.array([3.0, np.nan, np.nan]), level=0.1, window=2) is None   # a diverged run
    assert steps_to_loss(np.full(4, 0.01), level=0.1, window=10) is None                  # too short to tell


# --------------------------------------------------------------------------- controls without attention


def reference_mlp_loss(params, features, targets):
    """The MLP control's loss written out independently, one example at a time."""
    total = 0.0
    for x, t in zip(features, targets, strict=True):
        hidden = np.array([max(0.0, float(x @ params["W_1"][:, j] + params["b_1"][j]))
                           for j in range(params["W_1"].shape[1])])
        logits = hidden @ params["W_2"] + params["b_2"]
        total += math.log(np.sum(np.exp(logits - logits.max()))) + logits.max() - logits[t]
    return total / len(targets)


def test_mlp_inputs_put_the_query_beside_the_memory():
    cfg = RecallConfig(n_keys=6, n_values=7, n_pairs=4, embedding="onehot")
    batch = make_batch(cfg, 5, np.random.default_rng(3))
    D = 13
    concat = mlp_inputs(batch, "mlp_concat")
    mean = mlp_inputs(batch, "mlp_mean")
    assert concat.shape == (5, D * 5) and mean.shape == (5, 2 * D)
    for i in range(5):
        assert np.array_equal(concat[i, :D], batch["x_q"][i, 0]) and np.array_equal(mean[i, :D], batch["x_q"][i, 0])
        for j in range(4):                                   # pair j sits in block j + 1
            assert np.array_equal(concat[i, D * (j + 1):D * (j + 2)], batch["x_kv"][i, j])
        # the mean's value half is the average of the four values' one-hots: 1/4 at each stored value
        np.testing.assert_allclose(mean[i, D + 6:], np.bincount(batch["values"][i], minlength=7) / 4)
    with pytest.raises(ValueError, match="needs model 'mlp_mean' or 'mlp_concat'"):
        mlp_inputs(batch, "attention")


@pytest.mark.parametrize("model", ["mlp_mean", "mlp_concat"])
def test_mlp_gradients_pass_the_gradient_check(model):
    cfg = RecallConfig(n_keys=5, n_values=4, n_pairs=3, d_embed=3, model=model, d_hidden=6)
    rng = np.random.default_rng(2)
    params = init_params(cfg, rng)
    params["b_1"] = rng.normal(size=6) * 0.5                  # some units off, some on
    batch = make_batch(cfg, 7, rng)
    features = mlp_inputs(batch, model)
    loss, grads = loss_and_grads(params, batch, cfg)
    assert loss == pytest.approx(reference_mlp_loss(params, features, batch["targets"]), rel=1e-12)
    assert set(grads) == {"W_1", "b_1", "W_2", "b_2"}
    z = features @ params["W_1"] + params["b_1"]
    assert (z > 0).any() and (z < 0).any()                    # the ReLU's two sides are both exercised
    for name, g in grads.items():
        numeric = numerical_gradient(
            lambda w, name=name: reference_mlp_loss({**params, name: w}, features, batch["targets"]), params[name])
        assert relative_error(g, numeric) < 1e-6, name


def test_a_relu_that_passes_every_gradient_fails_the_check():
    cfg = RecallConfig(n_keys=5, n_values=4, n_pairs=3, d_embed=3, model="mlp_mean", d_hidden=6)
    rng = np.random.default_rng(2)
    params = {**init_params(cfg, rng), "b_1": np.linspace(-1, 1, 6)}
    batch = make_batch(cfg, 7, rng)
    logits, cache = mlp_forward(params, mlp_inputs(batch, "mlp_mean"))
    _, d_logits = cross_entropy(logits, batch["targets"])
    leaky = {**cache, "z": np.abs(cache["z"]) + 1}            # as if every unit were on
    numeric = numerical_gradient(
        lambda w: reference_mlp_loss({**params, "W_1": w}, cache["x"], batch["targets"]), params["W_1"])
    assert relative_error(mlp_backward(d_logits, cache, params)["W_1"], numeric) < 1e-6
    assert relative_error(mlp_backward(d_logits, leaky, params)["W_1"], numeric) > 1e-2


def test_parameter_counts_of_the_head_and_the_controls():
    assert parameter_count(DEFAULT) == 3 * 64 * 64 + 64 * 32                       # W_q, W_k, W_v, W_o
    assert parameter_count(dataclasses.replace(DEFAULT, uniform_attention=True)) == 64 * 64 + 64 * 32
    assert parameter_count(RecallConfig(model="mlp_mean", d_hidden=89)) == 128 * 89 + 89 + 89 * 32 + 32
    assert parameter_count(RecallConfig(model="mlp_concat", d_hidden=13)) == (64 + 16 * 64) * 13 + 13 + 13 * 32 + 32
    assert set(init_params(RecallConfig(model="mlp_concat", d_hidden=13), np.random.default_rng(0))) == \
        {"W_1", "b_1", "W_2", "b_2"}


def test_a_model_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="unknown model 'transformer'"):
        RecallConfig(model="transformer")
    with pytest.raises(ValueError, match="uniform_attention freezes an attention head's W_q and W_k"):
        RecallConfig(model="mlp_mean", uniform_attention=True)


def test_the_mean_mlp_stays_near_chance_where_the_head_learns(trained):
    cfg = RecallConfig(model="mlp_mean", d_hidden=89, steps=DEFAULT.steps)
    calls = []
    history = train(cfg, callback=lambda step, loss, w: calls.append(w))
    assert calls and all(w is None for w in calls)            # an MLP has no attention weights to show
    assert held_out_accuracy(history["params"], cfg) < 2 / cfg.n_pairs
    assert held_out_accuracy(trained["params"], DEFAULT) >= 0.95
