"""Checks for lesson 10: LayerNorm and its backward pass, cross-entropy and its gradient, one GPT block, and
sampling with temperature and top-k.

Every reference is the library's own function, with the same signature: :func:`attention_lib.gpt.layer_norm`,
:func:`attention_lib.gpt.layer_norm_backward`, :func:`attention_lib.training.cross_entropy`,
:func:`attention_lib.gpt.block` and :func:`attention_lib.sampling.sample_next`. Beside each exercise stands its
teaching reference: the most direct numpy a learner would write, with a role note on each line that carries an
idea. The mistakes a learner makes are generated from it (:mod:`._mutants`); the hand-written misconceptions
below are the ideas no single slip of it makes: the variance as E[x²] − μ², RMSNorm, a post-LN block, ReLU or
the erf GELU, top-k that keeps the smallest logits, a softmax taken before the cut.

Sampling is checked exactly: each probe hands the learner's function a seeded ``numpy.random.Generator``, and
the contract says how to draw (``rng.choice(V, size=size, p=probs)``, one uniform number per token, nothing at
temperature 0), so a right answer returns the reference's very tokens and leaves the generator in the
reference's state; an answer whose tokens come out in the right proportions from another generator is told so.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from .. import gpt as lib
from .. import sampling as _sampling
from .. import training as _training
from ._compare import as_array
from ._engine import Exercise, Misconception, Probe, randn
from ._engine import rng as _probe_rng

# --------------------------------------------------------------------------- q1 · layer_norm (easy)


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)         # role[mean]: each token's own mean, over its D features
    # role[variance]: the mean square of the centred features, divided by D (not D − 1), each token its own
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    # role[eps]: ε is added to the variance under the square root, so a constant token stays finite
    x_hat = (x - mu) / np.sqrt(var + eps)       # (..., D)
    return x_hat * gamma + beta                 # (..., D) role[affine]: γ scales and β shifts, feature by feature


def _ln_inputs(seed, shape, scale=1.0, shift=0.0, constant_row=False, tiny_row=False, dtype=None):
    x, gamma, beta = randn(seed, shape, shape[-1:], shape[-1:])
    x = shift + scale * x
    if constant_row:
        x.reshape(-1, shape[-1])[0] = 2.5                # one token whose features are all equal
    if tiny_row:
        x.reshape(-1, shape[-1])[-1] *= 1e-3             # one token with variance ~1e-6, where ε matters
    gamma = 1.0 + 0.5 * gamma
    if dtype is not None:
        x, gamma, beta = (a.astype(dtype) for a in (x, gamma, beta))
    return x, gamma, beta


def _ln_probes():
    return [
        Probe("one token x (6,), γ and β (6,)", _ln_inputs(1001, (6,)), purpose="1-D"),
        Probe("tokens x (5, 8)", _ln_inputs(1002, (5, 8), scale=2.0, shift=1.0), purpose="2-D"),
        Probe("a batch of sequences x (2, 3, 8)", _ln_inputs(1003, (2, 3, 8), scale=3.0, shift=-2.0),
              purpose="batched"),
        Probe("x (4, 6) whose first token is constant (variance 0)", _ln_inputs(1004, (4, 6), constant_row=True),
              purpose="constant_token"),
        Probe("x (3, 16) whose last token has a tiny spread (variance ~1e-6)", _ln_inputs(1005, (3, 16), tiny_row=True),
              purpose="tiny_variance"),
        Probe("x (4, 4, 4): as many sequences as positions as features", _ln_inputs(1006, (4, 4, 4), scale=1.5),
              purpose="square"),
        Probe("float32 x (3, 5)", _ln_inputs(1007, (3, 5), dtype=np.float32), purpose="float32"),
        Probe("x (2, 2, 3, 6), one more axis", _ln_inputs(1008, (2, 2, 3, 6), shift=0.5), purpose="extra_axis"),
        Probe("x (4, 8) with ε = 0.5", _ln_inputs(1009, (4, 8), scale=0.8), {"eps": 0.5}, purpose="eps"),
        Probe("x (3, 8) whose features lie near 10⁷, a spread of 1", _ln_inputs(1010, (3, 8), shift=1e7),
              purpose="far_features"),
    ]


_OWN_EPS = "Yours uses an ε of its own (such as 1e-5 written in), not the argument `eps`."

LAYER_NORM = Exercise(
    id="layer_norm",
    signature="layer_norm(x, gamma, beta, eps=1e-5)",
    reference=lib.layer_norm,
    teaching=layer_norm,
    probes=_ln_probes,
    equivalent={"swap: x - mu → mu - x": "Inside the variance the difference is squared: (μ − x)² = (x − μ)²."},
    codes={("mean", "axis"): "layer_norm_wrong_axis", ("variance", "axis"): "layer_norm_wrong_axis",
           ("eps", "drop", "add"): "layer_norm_no_eps", ("affine", "drop", "late"): "layer_norm_beta_scaled",
           ("affine", "drop"): "layer_norm_affine_missing"},
    misconceptions=[
        Misconception("layer_norm_variance_cancels", patch=(
            ("((x - mu) ** 2).mean(axis=-1, keepdims=True)", "(x ** 2).mean(axis=-1, keepdims=True) - mu ** 2"),)),
        Misconception("layer_norm_no_centering", patch=(
            ("((x - mu) ** 2).mean(axis=-1, keepdims=True)", "(x ** 2).mean(axis=-1, keepdims=True)"),
            ("x_hat = (x - mu) /", "x_hat = x /"))),
        Misconception("layer_norm_unbiased_variance", patch=(
            ("((x - mu) ** 2).mean(axis=-1, keepdims=True)",
             "((x - mu) ** 2).sum(axis=-1, keepdims=True) / (x.shape[-1] - 1)"),)),
        Misconception("layer_norm_eps_outside_sqrt", patch=(("np.sqrt(var + eps)", "(np.sqrt(var) + eps)"),)),
        Misconception("layer_norm_divided_by_variance", patch=(("np.sqrt(var + eps)", "(var + eps)"),)),
        Misconception("layer_norm_gamma_beta_swapped", patch=(("x_hat * gamma + beta", "x_hat * beta + gamma"),)),
        Misconception("layer_norm_affine_missing", patch=(("return x_hat * gamma + beta", "return x_hat"),)),
        Misconception("layer_norm_wrong_axis", detail="You normalised the whole array at once.", patch=(
            ("x.mean(axis=-1, keepdims=True)", "x.mean()"), ("((x - mu) ** 2).mean(axis=-1, keepdims=True)",
                                                             "((x - mu) ** 2).mean()"))),
    ],
    forbidden=(lib.layer_norm, lib.layer_norm_forward),
    output="values",
    purposes={"constant_token": ("layer_norm_no_eps", ""), "tiny_variance": ("layer_norm_eps_outside_sqrt", ""),
              "far_features": ("layer_norm_variance_cancels", ""), "eps": ("argument_ignored", _OWN_EPS)},
)

# --------------------------------------------------------------------------- q2 · layer_norm_backward (hard)


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mu = x.mean(axis=-1, keepdims=True)         # role[mean]: each token's own mean, over its D features
    # role[sigma]: σ = √(var + ε), the spread LayerNorm divided by, with the variance of the centred features
    sigma = np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + eps)
    x_hat = (x - mu) / sigma                    # (..., D)
    g = dy * gamma                              # (..., D) role[through_gamma]: the gradient reaching x̂ passes through γ
    # role[dx]: x̂ = (x − μ)/σ, and every feature moves μ and σ too: g minus its mean, minus x̂ times the mean of g·x̂
    dx = (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / sigma   # (..., D)
    dgamma = (dy * x_hat).reshape(-1, D).sum(axis=0)   # (D,) role[shared]: γ serves every token: sum over all of them
    dbeta = dy.reshape(-1, D).sum(axis=0)       # (D,) role[shared]: so does β
    return dx, dgamma, dbeta


def _lnb_inputs(seed, shape, scale=1.0, shift=0.5, dtype=None, tiny_row=False):
    dy, x, gamma = randn(seed, shape, shape, shape[-1:])
    if tiny_row:
        x.reshape(-1, shape[-1])[-1] *= 1e-3             # one token with variance ~1e-6, where ε matters
    out = (dy, shift + scale * x, 1.0 + 0.5 * gamma)
    return out if dtype is None else tuple(a.astype(dtype) for a in out)


def _lnb_probes():
    return [
        Probe("one token dy, x (6,), γ (6,)", _lnb_inputs(1011, (6,)), purpose="1-D"),
        Probe("tokens dy, x (5, 8)", _lnb_inputs(1012, (5, 8), scale=2.0), purpose="2-D"),
        Probe("a batch dy, x (2, 3, 8)", _lnb_inputs(1013, (2, 3, 8)), purpose="batched"),
        Probe("dy, x (4, 4, 4): as many sequences as positions as features", _lnb_inputs(1014, (4, 4, 4)),
              purpose="square"),
        Probe("dy, x (2, 2, 3, 6), one more axis", _lnb_inputs(1015, (2, 2, 3, 6)), purpose="extra_axis"),
        Probe("dy, x (4, 8) with ε = 0.5", _lnb_inputs(1016, (4, 8), scale=0.8), {"eps": 0.5}, purpose="eps"),
        Probe("dy, x (3, 16) whose last token has a tiny spread (variance ~1e-6)",
              _lnb_inputs(1019, (3, 16), shift=0.0, tiny_row=True), purpose="tiny_variance"),
        Probe("float32 dy, x (3, 5)", _lnb_inputs(1017, (3, 5), dtype=np.float32), purpose="float32"),
        Probe("dy, x (3, 8) whose features lie near 10⁷, a spread of 1", _lnb_inputs(1018, (3, 8), shift=1e7),
              purpose="far_features"),
    ]


LAYER_NORM_BACKWARD = Exercise(
    id="layer_norm_backward",
    signature="layer_norm_backward(dy, x, gamma, eps=1e-5)",
    reference=lib.layer_norm_backward,
    teaching=layer_norm_backward,
    probes=_lnb_probes,
    equivalent={
        "swap: x - mu → mu - x": "Inside the variance the difference is squared: (μ − x)² = (x − μ)².",
        "axis: (dy * x_hat).reshape(-1, D).sum(axis=0) → (dy * x_hat).reshape(-1, D).sum(axis=-2)":
            "After the reshape to (tokens, D) axis −2 is axis 0.",
        "axis: dy.reshape(-1, D).sum(axis=0) → dy.reshape(-1, D).sum(axis=-2)":
            "After the reshape to (tokens, D) axis −2 is axis 0.",
        "size: x.shape[-1] → dy.shape[-1]": "dy has the shape of x, so its last axis is D too.",
        "size: x.shape[-1] → gamma.shape[-1]": "γ holds one gain per feature: its length is D.",
    },
    codes={("through_gamma", "drop"): "layer_norm_backward_without_gamma",
           ("mean", "axis"): "layer_norm_wrong_axis", ("sigma", "axis"): "layer_norm_wrong_axis"},
    misconceptions=[
        Misconception("layer_norm_backward_missing_mean_term", patch=(
            ("(g - g.mean(axis=-1, keepdims=True) - x_hat", "(g - x_hat"),)),
        Misconception("layer_norm_backward_missing_variance_term", patch=(
            (" - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / sigma", ") / sigma"),)),
        Misconception("layer_norm_backward_constant_stats", patch=(
            ("(g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / sigma",
             "g / sigma"),)),
        Misconception("layer_norm_backward_params_not_summed", patch=(
            ("(dy * x_hat).reshape(-1, D).sum(axis=0)", "dy * x_hat"), ("dy.reshape(-1, D).sum(axis=0)", "dy"))),
        Misconception("layer_norm_unbiased_variance", patch=(
            ("((x - mu) ** 2).mean(axis=-1, keepdims=True) + eps", "((x - mu) ** 2).sum(axis=-1, keepdims=True) "
                                                                  "/ (D - 1) + eps"),)),
        Misconception("layer_norm_divided_by_variance", detail="In dx too: (g − mean(g) − x̂ ∘ mean(g ∘ x̂)) is "
                                                                "divided by σ once, not by σ².",
                      patch=(("keepdims=True)) / sigma", "keepdims=True)) / sigma ** 2"),)),
        Misconception("layer_norm_backward_params_swapped", patch=(("return dx, dgamma, dbeta",
                                                                   "return dx, dbeta, dgamma"),)),
        Misconception("layer_norm_variance_cancels", patch=(
            ("((x - mu) ** 2).mean(axis=-1, keepdims=True)", "(x ** 2).mean(axis=-1, keepdims=True) - mu ** 2"),)),
    ],
    forbidden=(lib.layer_norm_backward, lib._layer_norm_backward),
    output="values",
    returns="tuple",
    parts=("dx", "dgamma", "dbeta"),
    purposes={"far_features": ("layer_norm_variance_cancels", ""), "eps": ("argument_ignored", _OWN_EPS)},
)

# --------------------------------------------------------------------------- q3 · cross_entropy (easy)


def cross_entropy(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)   # (n, V) role[shift]: each row's own maximum keeps exp finite
    # role[log_softmax]: log-probabilities taken directly, z − ln Σ e^z: finite even where a probability underflows
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))   # (n, V)
    # role[pick]: one entry per row, the target's, averaged over the n rows
    loss = -log_p[np.arange(n), targets].mean()
    d_logits = np.exp(log_p)                    # (n, V) role[probabilities]: the gradient starts from softmax(logits)
    d_logits[np.arange(n), targets] -= 1        # role[onehot]: the gradient is p minus 1 at each row's target
    return loss, d_logits / n                   # role[mean]: the mean's 1/n reaches the gradient too


def _ce_inputs(seed, n, V, scale=1.0, shift=0.0, targets=None, dtype=None, sink=None):
    g = _probe_rng(seed)
    logits = shift + scale * g.normal(size=(n, V))      # (n, V)
    targets = g.integers(0, V, n) if targets is None else np.asarray(targets)
    if sink is not None:                                 # row `sink`'s target 800 below its row's maximum
        row, target = sink
        logits[row, target] = logits[row].max() - 800.0
        targets[row] = target
    return (logits if dtype is None else logits.astype(dtype)), targets


def _ce_probes():
    return [
        Probe("logits (5, 7), targets (5,)", _ce_inputs(1021, 5, 7), purpose="2-D"),
        Probe("one row: logits (1, 4)", _ce_inputs(1022, 1, 4), purpose="one_token"),
        Probe("logits (6, 6) with targets [0, 0, 1, 5, 5, 5]", _ce_inputs(1023, 6, 6, targets=[0, 0, 1, 5, 5, 5]),
              purpose="square"),
        Probe("large logits (3, 5) around 1000", _ce_inputs(1024, 3, 5, scale=2.0, shift=1000.0), purpose="large"),
        Probe("logits (3, 5) on very different scales: rows near +1000, 0 and −1000",
              _ce_inputs(1027, 3, 5, shift=np.array([[1000.0], [0.0], [-1000.0]])), purpose="far_rows"),
        Probe("logits (4, 6) whose row 2 puts its target 800 below the row's maximum",
              _ce_inputs(1025, 4, 6, sink=(2, 3)), purpose="underflow"),
        Probe("float32 logits (4, 9)", _ce_inputs(1026, 4, 9, dtype=np.float32), purpose="float32"),
    ]


def _loss_capped(mine, want, probes):
    """Right wherever every probability is representable, but where a target's probability underflows to 0 the
    loss is finite and too small: an ε inside the log, log(p + ε), caps it at −ln ε."""
    capped = None
    for got, ref, probe in zip(mine, want, probes, strict=True):
        if got.raised or ref.raised or not isinstance(got.value, tuple) or len(got.value) != 2:
            return False
        loss, ref_loss = as_array(got.value[0]), as_array(ref.value[0])
        grad, ref_grad = as_array(got.value[1]), as_array(ref.value[1])
        if loss is None or grad is None or loss.shape != () or grad.shape != ref_grad.shape:
            return False
        if "underflow" in probe.tags:
            if not (np.isfinite(loss) and 0 < float(loss) < 0.9 * float(ref_loss)):
                return False
            capped = probe
        elif not (np.allclose(loss, ref_loss, rtol=1e-4) and np.allclose(grad, ref_grad, rtol=1e-4, atol=1e-8)):
            return False
    return f"It shows on {capped.label}." if capped is not None else False


CROSS_ENTROPY = Exercise(
    id="cross_entropy",
    signature="cross_entropy(logits, targets)",
    reference=_training.cross_entropy,
    teaching=cross_entropy,
    probes=_ce_probes,
    equivalent={"size: logits.shape[0] → targets.shape[-1]": "There is one target per row: targets has n entries."},
    codes={("onehot", "drop"): "ce_grad_missing_onehot", ("onehot", "update"): "ce_grad_missing_onehot",
           ("mean", "drop", "div"): "ce_grad_not_averaged", ("pick", "extreme"): "ce_loss_summed",
           ("log_softmax", "drop", "sub"): "ce_without_log_sum_exp",
           ("pick", "name", "logits-for-log_p"): "ce_without_log_sum_exp"},
    misconceptions=[
        Misconception("ce_log_eps_caps_loss", test=_loss_capped),
        Misconception("ce_log_of_underflowed_softmax", patch=(
            ("log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))",
             "log_p = np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))"),)),
        Misconception("ce_grad_missing_onehot", patch=(("d_logits[np.arange(n), targets] -= 1", "pass"),)),
        Misconception("no_max_subtraction", patch=(
            ("z = logits - logits.max(axis=1, keepdims=True)", "z = logits"),
            ("d_logits = np.exp(log_p)", "d_logits = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)"))),
        Misconception("ce_wrong_index", patch=(("-log_p[np.arange(n), targets].mean()", "-log_p[:, targets].mean()"),)),
        Misconception("ce_grad_wrong_index", patch=(("d_logits[np.arange(n), targets] -= 1",
                                                     "d_logits[:, targets] -= 1"),)),
        Misconception("no_max_subtraction", detail="Your loss is shifted, but your gradient's softmax is not: "
                                                   "take it from the shifted logits too (or `np.exp(log_p)`).",
                      patch=(("d_logits = np.exp(log_p)",
                              "d_logits = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)"),)),
        Misconception("ce_in_bits", patch=(("loss = -log_p[np.arange(n), targets].mean()",
                                            "loss = -log_p[np.arange(n), targets].mean() / np.log(2)"),)),
        Misconception("ce_grad_not_averaged", patch=(("return loss, d_logits / n", "return loss, d_logits"),)),
    ],
    forbidden=(_training.cross_entropy,),
    output="values",
    returns="tuple",
    parts=("loss", "d_logits"),
    purposes={"large": ("no_max_subtraction", ""), "underflow": ("ce_log_of_underflowed_softmax", "")},
    relations={"factor:n": ("ce_loss_summed", "")},
)

# --------------------------------------------------------------------------- q4 · gpt_block (hard)


def gpt_block(x, params, n_heads):
    p = params
    B, T, D = x.shape
    d = D // n_heads                            # role[head_width]: each head gets d = D/h of the features
    # role[pre_ln]: pre-LN: only the sublayer's input is normalised, the stream itself is not
    a = layer_norm(x, p["ln1.g"], p["ln1.b"])   # (B, T, D)
    q = np.swapaxes((a @ p["W_q"]).reshape(B, T, n_heads, d), 1, 2)   # (B, h, T, d) role[queries]: split into heads
    k = np.swapaxes((a @ p["W_k"]).reshape(B, T, n_heads, d), 1, 2)   # (B, h, T, d) role[keys]: split into heads
    v = np.swapaxes((a @ p["W_v"]).reshape(B, T, n_heads, d), 1, 2)   # (B, h, T, d) role[values]: split into heads
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)   # (B, h, T, T) role[scale]: per head, divided by √d with d = D/h
    # role[causal]: causal: no position sees a later one
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)   # (B, h, T, T)
    w = np.exp(s - s.max(axis=-1, keepdims=True))   # (B, h, T, T) role[shift]: each row's own maximum keeps exp finite
    w = w / w.sum(axis=-1, keepdims=True)       # (B, h, T, T) role[normalise]: each query's weights sum to 1
    heads = np.swapaxes(w @ v, 1, 2).reshape(B, T, D)   # (B, T, D) role[merge]: the heads side by side again
    x = x + heads @ p["W_o"]                    # (B, T, D) role[residual]: the output is added to the stream itself
    m = layer_norm(x, p["ln2.g"], p["ln2.b"])   # (B, T, D) role[pre_ln]: the MLP has its own LayerNorm
    u = m @ p["W_1"] + p["b_1"]                 # (B, T, 4D)
    # role[gelu]: GELU in its tanh form, 0.5 u (1 + tanh(√(2/π) (u + 0.044715 u³)))
    gelu = 0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))   # (B, T, 4D)
    return x + gelu @ p["W_2"] + p["b_2"]       # (B, T, D) role[residual]: the second residual connection


def _block_params(seed, D, hidden):
    rng = _probe_rng(seed)
    p = {"ln1.g": 1 + 0.3 * rng.normal(size=D), "ln1.b": 0.3 * rng.normal(size=D),
         "ln2.g": 1 + 0.3 * rng.normal(size=D), "ln2.b": 0.3 * rng.normal(size=D)}
    for name, shape in (("W_q", (D, D)), ("W_k", (D, D)), ("W_v", (D, D)), ("W_o", (D, D)), ("W_1", (D, hidden)),
                        ("W_2", (hidden, D))):
        p[name] = rng.normal(0, 1 / math.sqrt(shape[0]), shape) * (3.0 if name in ("W_q", "W_k") else 1.0)
    p["b_1"], p["b_2"] = 0.3 * rng.normal(size=hidden), 0.3 * rng.normal(size=D)
    return p


def _block_inputs(seed, B, T, D, h, x_scale=1.0, dtype=None, gain=1.0):
    x = x_scale * _probe_rng(seed).normal(size=(B, T, D))     # (B, T, D)
    params = _block_params(seed + 1, D, 4 * D)
    params["ln1.g"] = gain * params["ln1.g"]                  # a gain of 30: scores in the thousands
    return (x if dtype is None else x.astype(dtype)), params, h


def _one_part(seed, part):
    """x (1, 5, 8), 2 heads, with one half of the block switched off, or an MLP laid bare:
    ``attention``: the MLP's weights and biases 0, so the block is x + attention(LN1(x));
    ``mlp``: W_o = 0, so the block is x + MLP(LN2(x)); ``shared_ln``: that, with ln2's γ, β equal to ln1's;
    ``no_b1``: that, with b_1 = 0; ``activation``: that, with LN2 plain (γ 1, β 0), W_1 = 2 I, W_2 = I and no
    biases, so the block adds GELU(2 LN(x)) to x, feature by feature."""
    x, p, h = _block_inputs(seed, 1, 5, 8, 2)
    D, hidden = p["W_1"].shape
    if part == "attention":
        p.update(W_1=np.zeros((D, hidden)), b_1=np.zeros(hidden), W_2=np.zeros((hidden, D)), b_2=np.zeros(D))
    else:
        p["W_o"] = np.zeros((D, D))
    if part == "shared_ln":
        p["ln2.g"], p["ln2.b"] = p["ln1.g"].copy(), p["ln1.b"].copy()
    if part in ("no_b1", "activation"):
        p["b_1"] = np.zeros(hidden)
    if part == "activation":
        p.update({"ln2.g": np.ones(D), "ln2.b": np.zeros(D), "W_1": 2.0 * np.eye(D, hidden),
                  "W_2": np.eye(hidden, D), "b_2": np.zeros(D)})
    return x, p, h


_PARTS = {"attention": "block_attention", "mlp": "block_mlp", "shared_ln": "block_mlp_shared_ln",
          "no_b1": "block_mlp_no_b1", "activation": "block_activation"}


def _block_probes():
    return [
        Probe("x (1, 5, 8), 2 heads", _block_inputs(1031, 1, 5, 8, 2), purpose="basic"),
        Probe("a batch x (2, 6, 12), 3 heads", _block_inputs(1033, 2, 6, 12, 3), purpose="batched"),
        Probe("one head: x (1, 4, 6)", _block_inputs(1035, 1, 4, 6, 1), purpose="one_head"),
        Probe("a single token: x (2, 1, 8), 2 heads", _block_inputs(1037, 2, 1, 8, 2), purpose="one_token"),
        Probe("x (1, 6, 8), 4 heads, on a large scale (x × 10)", _block_inputs(1039, 1, 6, 8, 4, x_scale=10.0),
              purpose="large"),
        Probe("x (1, 5, 8), 2 heads, whose first LayerNorm's γ is 30 times larger: scores in the thousands",
              _block_inputs(1043, 1, 5, 8, 2, gain=30.0), purpose="large"),
        Probe("float32 x (2, 4, 6), 3 heads", _block_inputs(1041, 2, 4, 6, 3, dtype=np.float32), purpose="float32"),
        Probe("x (1, 5, 8), 2 heads, the MLP's weights and biases 0: attention alone", _one_part(1045, "attention"),
              purpose="block_attention"),
        Probe("x (1, 5, 8), 2 heads, W_o = 0: the MLP alone", _one_part(1045, "mlp"), purpose="block_mlp"),
        Probe("the MLP alone (W_o = 0), ln2's γ and β equal to ln1's", _one_part(1045, "shared_ln"),
              purpose="block_mlp_shared_ln"),
        Probe("the MLP alone (W_o = 0), b_1 = 0", _one_part(1045, "no_b1"), purpose="block_mlp_no_b1"),
        Probe("the MLP alone (W_o = 0) laid bare: LN2 plain, W_1 = 2I, W_2 = I, no biases: x + GELU(2 LN(x))",
              _one_part(1045, "activation"), purpose="block_activation"),
    ]


def _gelu_tanh(u):
    return 0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))


_ACTIVATIONS = (   # what a learner may have written for GELU's tanh form, and what to call it
    ("gelu_sigmoid_form", "", lambda u: u / (1 + np.exp(-1.702 * u))),
    ("gelu_exact_not_tanh", "", lambda u: 0.5 * u * (1 + np.vectorize(math.erf)(u / math.sqrt(2)))),
    ("relu_instead_of_gelu", "", lambda u: np.maximum(u, 0)),
    ("mlp_activation_wrong", "Yours is u · σ(u) (SiLU, or Swish).", lambda u: u / (1 + np.exp(-u))),
    ("mlp_activation_wrong", "Yours applies no activation at all: the MLP is linear.", lambda u: u),
)


def _activation(x, got):
    """The activation the learner's MLP applied, read off the laid-bare probe: ``(code, detail)`` or None."""
    y = None if got.raised else as_array(got.value)
    if y is None or y.shape != x.shape:
        return None
    u = 2.0 * lib.layer_norm(x, np.ones(x.shape[-1]), np.zeros(x.shape[-1]))   # (1, T, D)
    f = y - x                                                                  # (1, T, D)
    if np.allclose(f, _gelu_tanh(u), atol=1e-6):
        return None
    for code, detail, act in _ACTIVATIONS:
        if np.allclose(f, act(u), atol=1e-5):
            return code, detail
    return None


def _block_part(mine, want, probes):
    """Which half of the block is wrong, from the probes that switch the other half off; in the MLP, which part.
    Returns ``(code, detail)`` through :func:`_block_located`."""
    wrong, outcome = {}, {}
    for got, ref, probe in zip(mine, want, probes, strict=True):
        for part, purpose in _PARTS.items():
            if purpose in probe.tags:
                wrong[part] = not _same(got, ref)
                outcome[part] = (got, probe)
    if len(wrong) < len(_PARTS) or not any(not _same(g, r) for g, r in zip(mine, want, strict=True)):
        return None
    if not wrong["attention"] and not wrong["mlp"]:
        return "block_mlp_reads_input", ""
    if wrong["attention"] and not wrong["mlp"]:
        return "block_attention_part_wrong", ""
    if wrong["attention"]:
        return None                                   # both halves off: nothing to locate
    if not wrong["shared_ln"]:
        return "block_layer_norms_swapped", "Your MLP's LayerNorm uses ln1's γ and β; it has its own, ln2's."
    found = _activation(outcome["activation"][1].args[0], outcome["activation"][0])
    if found:
        return found
    if not wrong["no_b1"]:
        return "block_mlp_bias_misplaced", "With b_1 = 0 your MLP is right, so b_1 is where it goes wrong."
    return "block_mlp_part_wrong", ""


def _same(got, ref) -> bool:
    y = None if got.raised else as_array(got.value)
    r = None if ref.raised else as_array(ref.value)
    return y is not None and r is not None and y.shape == r.shape and np.allclose(y, r, rtol=1e-5, atol=1e-6)


_GELU = "gelu = 0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))"

GPT_BLOCK = Exercise(
    id="gpt_block",
    signature="gpt_block(x, params, n_heads)",
    reference=lib.block,
    teaching=gpt_block,
    probes=_block_probes,
    equivalent={
        "cast: np.tril(np.ones((T, T), dtype=bool)) → np.tril(np.ones((T, T)))":
            "`np.where` reads a 0/1 float mask as False/True.",
        "fill: -np.inf → -1000000000.0": "A causal row always keeps its own key, so e^(−1e9 − max) = 0 exactly as "
                                         "e^(−∞) does.",
    },
    codes={("residual", "drop"): "block_missing_residual",
           ("residual", "name", "m-for-x"): "block_residual_from_normalised",
           ("residual", "name", "a-for-x"): "block_residual_from_normalised", ("causal", "drop"): "block_not_causal",
           ("causal", "polarity"): "block_not_causal", ("merge", "drop", "matmul"): "forgot_w_o",
           ("residual", "drop", "matmul"): "forgot_w_o", ("scale", "size"): "scaled_by_d_model",
           ("scale", "name", "D-for-d"): "scaled_by_d_model"},
    misconceptions=[
        Misconception("block_post_ln", patch=(
            ("a = layer_norm(x, p[\"ln1.g\"], p[\"ln1.b\"])", "a = x"),
            ("x = x + heads @ p[\"W_o\"]", "x = layer_norm(x + heads @ p[\"W_o\"], p[\"ln1.g\"], p[\"ln1.b\"])"),
            ("m = layer_norm(x, p[\"ln2.g\"], p[\"ln2.b\"])", "m = x"),
            ("return x + gelu @ p[\"W_2\"] + p[\"b_2\"]",
             "return layer_norm(x + gelu @ p[\"W_2\"] + p[\"b_2\"], p[\"ln2.g\"], p[\"ln2.b\"])"))),
        Misconception("block_missing_residual", patch=(("x = x + heads @", "x = heads @"),
                                                       ("return x + gelu @", "return gelu @"))),
        Misconception("block_residual_from_normalised", patch=(("x = x + heads @", "x = a + heads @"),
                                                               ("return x + gelu @", "return m + gelu @"))),
        Misconception("relu_instead_of_gelu", patch=((_GELU, "gelu = np.maximum(u, 0)"),)),
        Misconception("gelu_exact_not_tanh", patch=((_GELU, "gelu = 0.5 * u * (1 + np.vectorize(math.erf)(u / "
                                                            "math.sqrt(2)))"),)),
        Misconception("block_layer_norms_swapped", patch=(("p[\"ln1.g\"], p[\"ln1.b\"]", "p[\"ln2.g\"], p[\"ln2.b\"]"),
                                                          ("m = layer_norm(x, p[\"ln2.g\"], p[\"ln2.b\"])",
                                                           "m = layer_norm(x, p[\"ln1.g\"], p[\"ln1.b\"])"))),
        Misconception("heads_not_split", patch=(("d = D // n_heads", "d, n_heads = D, 1"),)),
        Misconception("mask_after_softmax", patch=(
            ("s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)", "pass"),
            ("w = w / w.sum(axis=-1, keepdims=True)",
             "w = w / w.sum(axis=-1, keepdims=True)\n    w = np.where(np.tril(np.ones((T, T), dtype=bool)), w, 0.0)"))),
        Misconception("reshape_without_transpose", patch=tuple(
            (f"np.swapaxes((a @ p[\"W_{n}\"]).reshape(B, T, n_heads, d), 1, 2)",
             f"(a @ p[\"W_{n}\"]).reshape(B, n_heads, T, d)") for n in "qkv")),
        Misconception("reshape_without_transpose", patch=(   # the merge without its swap back as well
            *((f"np.swapaxes((a @ p[\"W_{n}\"]).reshape(B, T, n_heads, d), 1, 2)",
               f"(a @ p[\"W_{n}\"]).reshape(B, n_heads, T, d)") for n in "qkv"),
            ("np.swapaxes(w @ v, 1, 2).reshape(B, T, D)", "(w @ v).reshape(B, T, D)"))),
        Misconception("block_mlp_part_wrong", test=_block_part, late=True),
        Misconception("block_sublayers_swapped", patch=(
            ("a = layer_norm(x, p[\"ln1.g\"], p[\"ln1.b\"])",
             "u0 = layer_norm(x, p[\"ln2.g\"], p[\"ln2.b\"]) @ p[\"W_1\"] + p[\"b_1\"]\n"
             "    x = x + 0.5 * u0 * (1 + np.tanh(np.sqrt(2 / np.pi) * (u0 + 0.044715 * u0 ** 3))) @ p[\"W_2\"] "
             "+ p[\"b_2\"]\n    a = layer_norm(x, p[\"ln1.g\"], p[\"ln1.b\"])"),
            ("return x + gelu @ p[\"W_2\"] + p[\"b_2\"]", "return x"))),
    ],
    forbidden=(lib.block, lib.block_forward),
    output="values",
)

# --------------------------------------------------------------------------- q5 · sample_next (medium)


def sample_next(logits, rng, temperature=1.0, top_k=None, size=None):
    # role[greedy]: τ = 0 is greedy: the largest logit, with no division by 0 and nothing drawn
    if temperature == 0:
        best = int(np.argmax(logits))
        # role[size]: size=None gives one id, size=n an array of n copies of it
        return best if size is None else np.full(size, best)
    z = logits / temperature                    # (V,) role[temperature]: τ divides the logits, before the softmax
    if top_k is not None:
        kth = np.sort(z)[-top_k]                # role[kth]: the k-th largest logit (sort is ascending: from the end)
        z = np.where(z >= kth, z, -np.inf)      # (V,) role[cut]: every logit below it is dropped, ties with it stay
    p = np.exp(z - z.max())                     # (V,) role[shift]: the largest logit taken off keeps exp finite
    p = p / p.sum()                             # (V,) role[normalise]: renormalised over the tokens left
    # role[draw]: one draw per token from the generator given, `size` of them (one id for size=None)
    return rng.choice(len(p), size=size, p=p)


_LOGITS = np.array([2.0, 1.0, 0.5, 0.0, -1.0, 1.5])      # (6,): token 0 most likely, then 5, 1, 2, 3, 4
_TIED = np.array([2.0, 1.0, 0.5, 1.0, -1.0, 1.0])        # (6,): tokens 1, 3 and 5 tie for the 2nd largest
_DRAWS = 2000


def _sampling_probe(label, seed, purpose, size=_DRAWS, logits=_LOGITS, **kwargs):
    return Probe(label, (logits, _probe_rng(seed)), dict(size=size, **kwargs), purpose=purpose)


def _sampling_probes():
    return [
        _sampling_probe(f"{_DRAWS} draws at temperature 1 from logits (6,)", 1041, "basic"),
        _sampling_probe(f"{_DRAWS} draws at temperature 0.5", 1042, "temperature", temperature=0.5),
        _sampling_probe(f"{_DRAWS} draws at temperature 2", 1043, "temperature", temperature=2.0),
        _sampling_probe(f"{_DRAWS} draws with top_k = 2", 1044, "top_k", top_k=2),
        _sampling_probe(f"{_DRAWS} draws with top_k = 3 at temperature 0.7", 1045, "top_k", top_k=3, temperature=0.7),
        _sampling_probe("one draw (size=None) at temperature 0 (greedy)", 1046, "greedy", size=None, temperature=0.0),
        _sampling_probe("one draw (size=None) at temperature 1", 1047, "one_token", size=None),
        _sampling_probe("5 draws (size=5) at temperature 0 (greedy)", 1048, "greedy", size=5, temperature=0.0),
        _sampling_probe(f"{_DRAWS} draws with top_k = 2 from logits [2, 1, 0.5, 1, −1, 1]: three tie for 2nd", 1049,
                        "top_k_ties", logits=_TIED, top_k=2),
        _sampling_probe(f"{_DRAWS} draws with top_k = 6 = V", 1050, "top_k_all", top_k=6, temperature=0.8),
        _sampling_probe(f"{_DRAWS} draws at temperature 0.001", 1051, "tiny_temperature", temperature=1e-3),
        _sampling_probe("one draw (size=None) with top_k = 1 at temperature 3", 1052, "top_k one_token", size=None,
                        top_k=1, temperature=3.0),
        _sampling_probe(f"{_DRAWS} draws from float32 logits (6,) at temperature 1.5", 1053, "float32",
                        logits=_LOGITS.astype(np.float32), temperature=1.5),
    ]


class FloatIds(tuple):
    """Token ids that came back as floating-point numbers: ``(ids,)``, never equal to integer ids."""


def _ids_kept_integer(value):
    """Token ids as they are compared: an integer id or array of them stays; floating-point ids become
    :class:`FloatIds`, which match no right answer (``sampling_ids_not_integers`` names them)."""
    arr = as_array(value)
    return FloatIds((arr,)) if arr is not None and arr.dtype.kind == "f" else value


def _ids_as_floats(mine, want, probes):
    """The right tokens, written as floating-point numbers."""
    for got, ref, probe in zip(mine, want, probes, strict=True):
        if not got.raised and isinstance(got.value, FloatIds) and not ref.raised:
            ids = got.value[0]
            if ids.shape == np.shape(ref.value) and np.array_equal(ids, as_array(ref.value)):
                return f"It shows on {probe.label}."
    return False


def _state_differs(mine, want, probes):
    """The reference's very tokens on every probe, but a generator left in another state on some."""
    if any(m.raised or w.raised for m, w in zip(mine, want, strict=True)):
        return False
    same = [np.array_equal(as_array(m.value), as_array(w.value)) if as_array(m.value) is not None else False
            for m, w in zip(mine, want, strict=True)]
    moved = [probe for m, w, probe in zip(mine, want, probes, strict=True) if m.state != w.state]
    if all(same) and moved:
        return f"It shows on {moved[0].label}."
    return False


def _draws_twice(mine, want, probes):
    """On every probe that draws, the reference's very tokens from a generator one draw further on."""
    seen = 0
    for m, w, probe in zip(mine, want, probes, strict=True):
        if probe.kwargs.get("temperature") == 0 or m.raised or w.raised:
            continue
        logits, g = probe.args[0], copy.deepcopy(probe.args[1])
        g.random()                                                  # the extra draw
        ahead = _sampling.sample_next(logits, g, **probe.kwargs)
        if not np.array_equal(as_array(m.value), as_array(ahead)):
            return False
        seen += 1
    return seen >= 3


def _right_proportions(mine, want, probes):
    """Integer draws whose frequencies fit the right distribution on every sampling probe, but not the
    reference's own draws: the tokens came from another generator."""
    fits, differs = 0, False
    for m, w, probe in zip(mine, want, probes, strict=True):
        if m.raised or w.raised or probe.kwargs.get("size") is None or probe.kwargs.get("temperature") == 0:
            continue
        draws, ref = as_array(m.value), as_array(w.value)
        if draws is None or draws.shape != ref.shape or draws.dtype.kind not in "iu":
            return False
        logits, kwargs = probe.args[0], probe.kwargs
        probs = _sampling.next_token_probs(logits, kwargs.get("temperature", 1.0), kwargs.get("top_k"))   # (V,)
        counts = np.bincount(draws, minlength=len(probs)).astype(float)                                 # (V,)
        if counts.size != probs.size or np.any(counts[probs == 0] > 0):
            return False
        keep = probs * len(draws) > 5                    # cells with too few expected draws say nothing
        expected = probs[keep] * len(draws)
        chi2 = float(np.sum((counts[keep] - expected) ** 2 / expected))
        if chi2 > 40.0:                                  # far beyond chance for at most 5 degrees of freedom
            return False
        fits += 1
        differs = differs or not np.array_equal(draws, ref)
    return fits >= 3 and differs


def _same_numbers_other_tokens(mine, want, probes):
    """Draws in the right proportions that come from the generator's own uniform numbers, each token from one
    interval of them, but not in the order of the token ids: ``rng.choice`` over the ids listed in another order
    (the kept ones sorted by logit, say)."""
    if not _right_proportions(mine, want, probes):
        return False
    for m, probe in zip(mine, probes, strict=True):
        if probe.kwargs.get("size") is None or probe.kwargs.get("temperature") == 0:
            continue
        draws = as_array(m.value)
        u = copy.deepcopy(probe.args[1]).random(probe.kwargs["size"])     # the numbers `rng.choice` turns into ids
        ordered = draws[np.argsort(u, kind="stable")]
        runs = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]          # each token once, if it holds one interval
        if runs.size != np.unique(runs).size:
            return False
    return True


SAMPLE_NEXT = Exercise(
    id="sample_next",
    signature="sample_next(logits, rng, temperature=1.0, top_k=None, size=None)",
    reference=_sampling.sample_next,
    teaching=sample_next,
    probes=_sampling_probes,
    equivalent={
        "fill: -np.inf → -1000000000.0": "The largest logit always stays, so e^(−1e9 − max) = 0 exactly as e^(−∞) "
                                         "does.",
        "name: len(p) → len(logits)": "p holds one probability per logit: both have length V.",
    },
    codes={("temperature", "drop", "div"): "temperature_ignored", ("cut", "comparison"): "topk_wrong_count",
           ("kth", "off_by_one"): "topk_wrong_count", ("greedy", "polarity"): "temperature_zero_divides",
           ("size", "drop", "if"): "sampling_size_ignored", ("greedy", "drop"): "temperature_zero_divides"},
    misconceptions=[
        Misconception("sampling_ids_not_integers", test=_ids_as_floats),
        Misconception("sampling_rng_state", test=_state_differs),
        Misconception("sampling_draws_twice", test=_draws_twice),
        Misconception("sampling_size_ignored", patch=(
            ("return best if size is None else np.full(size, best)", "return best"),
            ("rng.choice(len(p), size=size, p=p)", "rng.choice(len(p), p=p)"))),
        Misconception("temperature_skipped_with_topk", patch=(("np.sort(z)[-top_k]", "np.sort(logits)[-top_k]"),
                                                              ("np.where(z >= kth, z, -np.inf)",
                                                               "np.where(logits >= kth, logits, -np.inf)"))),
        Misconception("temperature_multiplied", patch=(("z = logits / temperature", "z = logits * temperature"),)),
        Misconception("topk_smallest", patch=(("np.sort(z)[-top_k]", "np.sort(z)[top_k - 1]"),
                                              ("z >= kth", "z <= kth"))),
        Misconception("topk_not_renormalised", detail="`rng.choice` refuses probabilities that do not sum to 1.",
                      patch=(("z = np.where(z >= kth, z, -np.inf)", "keep = z >= kth"),
                             ("p = p / p.sum()", "p = p / p.sum()\n    if top_k is not None:\n"
                                                 "        p = np.where(keep, p, 0.0)"))),
        Misconception("sampling_always_greedy", patch=(("return rng.choice(len(p), size=size, p=p)",
                                                        "best = int(np.argmax(p))\n"
                                                        "    return best if size is None else np.full(size, best)"),)),
        Misconception("sampling_ids_reordered", test=_same_numbers_other_tokens),
        Misconception("sampling_ignores_rng", test=_right_proportions),
    ],
    forbidden=(_sampling.sample_next, _sampling.next_token_probs),
    output="values",
    canonical=_ids_kept_integer,
    purposes={"greedy": ("temperature_zero_divides", ""),
              "top_k_ties": ("topk_wrong_count", "Every logit equal to the k-th largest stays.")},
)

EXERCISES = [LAYER_NORM, LAYER_NORM_BACKWARD, CROSS_ENTROPY, GPT_BLOCK, SAMPLE_NEXT]

TEACHING = {ex.id: ex.teaching for ex in EXERCISES}
"""Each exercise's teaching reference: the direct numpy, with the role of each line."""
