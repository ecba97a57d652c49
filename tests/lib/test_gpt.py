"""Lesson 10's model: every hand-written backward pass agrees with finite differences (lesson 07's gradient check),
the forward pass is GPT-2's pre-LN block, and the public interface keeps its promises."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import attention_lib as al
from attention_lib import backward as bw
from attention_lib import gpt
from attention_lib.training import cross_entropy

SMALL = gpt.GPTConfig(vocab_size=7, context=6, d_model=8, n_heads=2, n_layers=2, dtype="float64")
TINY = gpt.GPTConfig(vocab_size=5, context=4, d_model=4, n_heads=2, n_layers=2, dtype="float64")


def _jittered(config, seed=1, scale=0.3):
    """Initial parameters moved away from their special values (gains 1, biases 0), so no term hides."""
    rng = np.random.default_rng(seed)
    return {k: v + rng.normal(0, scale, v.shape) for k, v in gpt.init_gpt(config, 0).items()}


def _batch(config, seed=2, B=2, T=5):
    rng = np.random.default_rng(seed)
    return rng.integers(0, config.vocab_size, (B, T)), rng.integers(0, config.vocab_size, (B, T))


# ---------------------------------------------------------------- the pieces, each against finite differences


def test_layer_norm_backward_matches_finite_differences():
    rng = np.random.default_rng(10)
    x, gamma, beta, r = rng.normal(size=(2, 3, 5)), rng.normal(size=5), rng.normal(size=5), rng.normal(size=(2, 3, 5))
    dx, dgamma, dbeta = gpt.layer_norm_backward(r, x, gamma)
    checks = {"x": (dx, bw.numerical_gradient(lambda a: np.sum(gpt.layer_norm(a, gamma, beta) * r), x)),
              "gamma": (dgamma, bw.numerical_gradient(lambda g: np.sum(gpt.layer_norm(x, g, beta) * r), gamma)),
              "beta": (dbeta, bw.numerical_gradient(lambda b: np.sum(gpt.layer_norm(x, gamma, b) * r), beta))}
    for name, (analytic, numeric) in checks.items():
        assert bw.relative_error(analytic, numeric) < 1e-7, name


def test_layer_norm_normalises_each_token_over_its_features_only():
    rng = np.random.default_rng(11)
    x = rng.normal(3.0, 5.0, size=(4, 6, 16))
    y = al.layer_norm(x, np.ones(16), np.zeros(16))
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1, atol=1e-5)                # eps = 1e-5 under the root
    assert np.abs(y.mean(axis=(0, 1))).max() > 0.05, "the batch and position axes are not normalised"
    one = al.layer_norm(x[1, 2], np.ones(16), np.zeros(16))
    np.testing.assert_allclose(y[1, 2], one)                                 # a token alone gives the same result


def test_layer_norm_of_a_constant_vector_is_beta_not_nan():
    y = al.layer_norm(np.full((2, 8), 3.0), np.full(8, 2.0), np.arange(8.0))
    np.testing.assert_allclose(y, np.broadcast_to(np.arange(8.0), (2, 8)))


def test_layer_norm_names_the_shapes_when_gamma_does_not_fit():
    with pytest.raises(ValueError, match=r"gamma and beta need shape \(8,\)"):
        al.layer_norm(np.zeros((2, 8)), np.ones(4), np.zeros(4))


def test_gelu_is_the_tanh_form_and_close_to_the_exact_erf_form():
    x = np.linspace(-6, 6, 1201)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(gpt.gelu(x), tanh_form, atol=1e-15)
    assert 1e-4 < np.abs(gpt.gelu(x) - exact).max() < 1e-3                 # close, but not the same function


def test_gelu_backward_matches_finite_differences():
    x = np.linspace(-4, 4, 33)
    numeric = bw.numerical_gradient(lambda a: np.sum(gpt.gelu(a)), x)
    assert bw.relative_error(gpt.gelu_backward(np.ones_like(x), x), numeric) < 1e-8


def test_mlp_backward_matches_finite_differences():
    rng = np.random.default_rng(12)
    x, W_1, b_1, W_2, b_2 = (rng.normal(size=s) for s in [(2, 3, 4), (4, 6), (6,), (6, 4), (4,)])
    r = rng.normal(size=(2, 3, 4))
    args = {"x": x, "W_1": W_1, "b_1": b_1, "W_2": W_2, "b_2": b_2}

    def loss(name, value):
        a = {**args, name: value}
        return np.sum(gpt.mlp_forward(a["x"], a["W_1"], a["b_1"], a["W_2"], a["b_2"])[0] * r)

    _, cache = gpt.mlp_forward(x, W_1, b_1, W_2, b_2)
    dx, grads = gpt.mlp_backward(r, cache, W_1, W_2)
    grads["x"] = dx
    for name, value in args.items():
        assert bw.relative_error(grads[name], bw.numerical_gradient(lambda v, n=name: loss(n, v), value)) < 1e-7


def test_the_mlp_treats_every_position_on_its_own():
    rng = np.random.default_rng(13)
    x, W_1, b_1, W_2, b_2 = (rng.normal(size=s) for s in [(1, 5, 4), (4, 6), (6,), (6, 4), (4,)])
    y, _ = gpt.mlp_forward(x, W_1, b_1, W_2, b_2)
    shuffled, _ = gpt.mlp_forward(x[:, ::-1], W_1, b_1, W_2, b_2)
    np.testing.assert_allclose(shuffled, y[:, ::-1])


def test_cross_entropy_gradient_is_p_minus_onehot_over_n_and_matches_finite_differences():
    rng = np.random.default_rng(14)
    logits, targets = rng.normal(size=(6, 5)), rng.integers(0, 5, 6)
    loss, d_logits = cross_entropy(logits, targets)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(d_logits, (p - np.eye(5)[targets]) / 6, atol=1e-15)
    numeric = bw.numerical_gradient(lambda z: cross_entropy(z, targets)[0], logits)
    assert bw.relative_error(d_logits, numeric) < 1e-8


def test_embedding_backward_adds_up_every_use_of_a_token():
    rng = np.random.default_rng(15)
    config = gpt.GPTConfig(vocab_size=5, context=4, d_model=3, n_heads=1, n_layers=1, dtype="float64")
    params = gpt.init_gpt(config, 0)
    tokens = np.array([[1, 1, 3, 1], [0, 3, 3, 1]])
    r = rng.normal(size=(2, 4, 3))
    d_wte, d_wpe = gpt.embedding_backward(r, tokens, 5)
    num_wte = bw.numerical_gradient(lambda w: np.sum(gpt.embed({**params, "wte": w}, tokens) * r), params["wte"])
    num_wpe = bw.numerical_gradient(lambda w: np.sum(gpt.embed({**params, "wpe": w}, tokens) * r), params["wpe"])
    assert bw.relative_error(d_wte, num_wte) < 1e-8 and bw.relative_error(d_wpe, num_wpe) < 1e-8
    np.testing.assert_allclose(d_wte[2], 0)                                 # token 2 is never used
    np.testing.assert_allclose(d_wte[1], r[tokens == 1].sum(axis=0))       # token 1 collects all four of its uses


# ---------------------------------------------------------------- the whole model


@pytest.mark.parametrize("mixer,tied", [("attention", True), ("attention", False), ("mean", True), ("none", False)])
def test_gpt_loss_and_grads_agrees_with_lesson_07s_gradient_check(mixer, tied):
    config = gpt.GPTConfig(**{**TINY.__dict__, "mixer": mixer, "tied": tied})
    params = _jittered(config)
    tokens, targets = _batch(config, T=4)
    loss, grads = al.gpt_loss_and_grads(params, tokens, targets, config)
    assert list(grads) == list(params)

    def loss_only(p):
        logits = al.gpt_forward(p, tokens, config)                           # (B, T, V)
        log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        return -np.mean(np.take_along_axis(log_p, targets[..., None], axis=-1))

    assert loss_only(params) == pytest.approx(loss, rel=1e-12)
    for name, value in params.items():
        numeric = bw.numerical_gradient(lambda w, n=name: loss_only({**params, n: w}), value)
        assert grads[name].shape == value.shape
        assert bw.relative_error(grads[name], numeric) < 1e-6 or np.abs(numeric).max() < 1e-12, name


def test_the_loss_is_the_mean_negative_log_probability_of_the_targets():
    params = _jittered(SMALL)
    tokens, targets = _batch(SMALL)
    logits = al.gpt_forward(params, tokens, SMALL)                           # (2, 5, 7)
    log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    want = -np.mean(np.take_along_axis(log_p, targets[..., None], axis=-1))
    assert al.gpt_loss_and_grads(params, tokens, targets, SMALL)[0] == pytest.approx(want, rel=1e-12)


def test_an_untrained_model_predicts_about_uniformly():
    config = gpt.GPTConfig(vocab_size=73, context=16)
    tokens, targets = _batch(config, B=4, T=16)
    loss, _ = al.gpt_loss_and_grads(al.init_gpt(config, 0), tokens, targets, config)
    assert abs(loss - math.log(73)) < 0.05


def test_a_position_never_sees_the_future():
    params = _jittered(SMALL)
    tokens, _ = _batch(SMALL, T=6)
    changed = tokens.copy()
    changed[:, 4:] = (changed[:, 4:] + 1) % SMALL.vocab_size                # change the last two tokens
    a, b = al.gpt_forward(params, tokens, SMALL), al.gpt_forward(params, changed, SMALL)
    np.testing.assert_allclose(a[:, :4], b[:, :4], atol=1e-12)
    assert np.abs(a[:, 4:] - b[:, 4:]).max() > 1e-3


def test_the_head_is_tied_to_the_embedding():
    params = _jittered(SMALL)
    tokens, _ = _batch(SMALL)
    before = al.gpt_forward(params, tokens, SMALL)
    after = al.gpt_forward({**params, "wte": params["wte"] * 1.5}, tokens, SMALL)
    assert "W_out" not in params and np.abs(before - after).max() > 1e-3


def test_float32_parameters_compute_in_float32_and_agree_with_float64():
    config64 = gpt.GPTConfig(vocab_size=11, context=8, d_model=16, n_heads=4, n_layers=2, dtype="float64")
    config32 = gpt.GPTConfig(**{**config64.__dict__, "dtype": "float32"})
    params = gpt.init_gpt(config64, 3)
    tokens, targets = _batch(config64, T=8)
    l64, g64 = al.gpt_loss_and_grads(params, tokens, targets, config64)
    l32, g32 = al.gpt_loss_and_grads(params, tokens, targets, config32)
    assert g32["wte"].dtype == np.float32 and abs(l32 - l64) < 1e-5
    assert max(bw.relative_error(g32[n], g64[n]) for n in params if np.abs(g64[n]).max() > 0) < 1e-3


@pytest.mark.parametrize("bad,match", [
    (np.zeros((2, 7), dtype=int), "context = 6 position vectors"),
    (np.full((2, 3), 7), "outside 0 … 6"),
    (np.zeros(3, dtype=int), r"shape \(B, T\)"),
])
def test_bad_tokens_get_a_clear_message(bad, match):
    with pytest.raises(ValueError, match=match):
        al.gpt_forward(gpt.init_gpt(SMALL, 0), bad, SMALL)


def test_params_of_another_config_are_refused_by_name():
    other = gpt.GPTConfig(**{**SMALL.__dict__, "d_model": 4})
    with pytest.raises(ValueError, match=r"params\['wte'\] has shape \(7, 4\)"):
        al.gpt_forward(gpt.init_gpt(other, 0), np.zeros((1, 3), dtype=int), SMALL)


def test_init_is_seeded_and_gpt2_shaped():
    config = gpt.GPTConfig(n_layers=4)
    a, b = al.init_gpt(config, 7), al.init_gpt(config, 7)
    assert all(np.array_equal(a[n], b[n]) for n in a)
    assert np.all(a["h0.ln1.g"] == 1) and np.all(a["h3.b_2"] == 0)
    assert a["h0.W_1"].std() == pytest.approx(0.02, rel=0.05)
    assert a["h0.W_2"].std() == pytest.approx(0.02 / math.sqrt(8), rel=0.05)   # residual outputs: ÷√(2·layers)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 6), st.sampled_from(["attention", "mean", "none"]))
def test_logits_have_shape_b_t_v_for_any_batch_and_length(B, T, mixer):
    config = gpt.GPTConfig(**{**SMALL.__dict__, "mixer": mixer})
    tokens = np.random.default_rng(B * 10 + T).integers(0, 7, (B, T))
    logits = al.gpt_forward(gpt.init_gpt(config, 0), tokens, config)
    assert logits.shape == (B, T, 7) and np.all(np.isfinite(logits))


def test_attention_maps_are_lesson_06s_multi_head_attention_on_the_normalised_stream():
    params = _jittered(SMALL)
    tokens, _ = _batch(SMALL, T=6)
    maps = gpt.attention_maps(params, tokens, SMALL)
    assert len(maps) == SMALL.n_layers
    for m in maps:
        _, weights = al.multi_head_attention(m["x"], m["x"], m["params"], SMALL.n_heads, al.causal_mask(6))
        np.testing.assert_allclose(m["weights"], weights, atol=1e-12)
        np.testing.assert_allclose(m["weights"].sum(axis=-1), 1.0, atol=1e-12)
        assert np.all(np.triu(m["weights"][0, 0], k=1) == 0)


def test_block_on_plain_names_is_the_models_block():
    params = _jittered(SMALL)
    x = np.random.default_rng(5).normal(size=(2, 6, 8))
    plain = {k[len("h1."):]: v for k, v in params.items() if k.startswith("h1.")}
    want, _ = gpt.block_forward(x, params, 1, SMALL)
    np.testing.assert_allclose(gpt.block(x, plain, SMALL.n_heads), want, atol=1e-12)
