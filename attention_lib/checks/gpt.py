"""Checks for lesson 10: LayerNorm and its backward pass, cross-entropy and its gradient, one GPT block, and
sampling with temperature and top-k.

Every reference is the library's own function, with the same signature: :func:`attention_lib.gpt.layer_norm`,
:func:`attention_lib.gpt.layer_norm_backward`, :func:`attention_lib.training.cross_entropy`,
:func:`attention_lib.gpt.block` and :func:`attention_lib.sampling.sample_next`. Sampling is checked exactly:
each probe hands the learner's function a seeded ``numpy.random.Generator``, and the contract says how to draw
(``rng.choice(V, size=size, p=probs)``, one uniform number per token), so a right answer returns the reference's
very tokens; an answer whose tokens come out in the right proportions from another generator is told so.

``TEACHING`` keeps, for each exercise, the most direct numpy a learner would write, with a role note on each
line that carries an idea: the source the wrong implementations below are one or two edits away from.
"""
from __future__ import annotations

import math

import numpy as np

from .. import gpt as lib
from ..sampling import next_token_probs, sample_next
from ..training import cross_entropy
from ._compare import as_array
from ._engine import Exercise, Misconception, Probe, family, randn
from ._engine import rng as _probe_rng

# --------------------------------------------------------------------------- teaching references


def teaching_layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)                  # role: each token's own mean, over its D features
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)   # role: the biased variance, divided by D
    x_hat = (x - mu) / np.sqrt(var + eps)                # role: ε under the root keeps a constant token finite
    return x_hat * gamma + beta                          # role: γ scales and β shifts, feature by feature


def teaching_layer_norm_backward(dy, x, gamma, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    sigma = np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + eps)
    x_hat = (x - mu) / sigma
    g = dy * gamma                                       # role: the gradient reaching x̂ passes through γ
    dx = (g - g.mean(axis=-1, keepdims=True)             # role: the path through the mean μ
          - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / sigma   # role: the path through σ
    D = x.shape[-1]
    dgamma = (dy * x_hat).reshape(-1, D).sum(axis=0)     # role: γ is shared by every token: sum over them
    dbeta = dy.reshape(-1, D).sum(axis=0)                # role: so is β
    return dx, dgamma, dbeta


def teaching_cross_entropy(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)       # role: each row's own maximum keeps exp finite
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))   # role: log-softmax, the normaliser included
    loss = -log_p[np.arange(n), targets].mean()          # role: one entry per row, averaged over the rows
    d_logits = np.exp(log_p)                             # role: p ...
    d_logits[np.arange(n), targets] -= 1                 # role: ... minus one-hot at the target
    return loss, d_logits / n                            # role: the mean's 1/n reaches the gradient too


def teaching_block(x, params, n_heads):
    def ln(z, g, b):
        mu = z.mean(axis=-1, keepdims=True)
        return (z - mu) / np.sqrt(((z - mu) ** 2).mean(axis=-1, keepdims=True) + 1e-5) * g + b

    B, T, D = x.shape
    d = D // n_heads
    a = ln(x, params["ln1.g"], params["ln1.b"])          # role: pre-LN: normalise the sublayer's input only
    q, k, v = (np.swapaxes((a @ params[w]).reshape(B, T, n_heads, d), 1, 2) for w in ("W_q", "W_k", "W_v"))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)          # role: per head, scaled by √d with d = D/h
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)   # role: causal: no position sees the future
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    heads = np.swapaxes(w @ v, 1, 2).reshape(B, T, D)    # role: merge the heads back side by side
    x = x + heads @ params["W_o"]                        # role: residual: add to the stream itself
    m = ln(x, params["ln2.g"], params["ln2.b"])          # role: the MLP's own LayerNorm
    u = m @ params["W_1"] + params["b_1"]
    gelu = 0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))   # role: GELU, tanh form
    return x + gelu @ params["W_2"] + params["b_2"]      # role: the second residual connection


def teaching_sample_next(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:                                 # role: τ → 0 is greedy: no division by 0
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best)
    z = logits / temperature                             # role: τ divides the logits, before the softmax
    if top_k is not None:
        kth = np.sort(z)[-top_k]                         # role: the k-th largest (sorted ascending: from the end)
        z = np.where(z >= kth, z, -np.inf)               # role: drop the rest before the softmax
    p = np.exp(z - z.max())
    p = p / p.sum()                                      # role: renormalised over the survivors
    return rng.choice(len(p), size=size, p=p)            # role: the generator given, one draw per token


TEACHING = {"layer_norm": teaching_layer_norm, "layer_norm_backward": teaching_layer_norm_backward,
            "cross_entropy": teaching_cross_entropy, "gpt_block": teaching_block, "sample_next": teaching_sample_next}

# --------------------------------------------------------------------------- q1 · layer_norm (easy)


def _ln_probe(label, seed, shape, purpose, scale=1.0, shift=0.0, constant_row=False, tiny_row=False, dtype=None):
    x, gamma, beta = randn(seed, shape, shape[-1:], shape[-1:])
    x = shift + scale * x
    if constant_row:
        x.reshape(-1, shape[-1])[0] = 2.5                # one token whose features are all equal
    if tiny_row:
        x.reshape(-1, shape[-1])[-1] *= 1e-3             # one token with variance ~1e-6, where ε matters
    gamma = 1.0 + 0.5 * gamma
    if dtype is not None:
        x, gamma, beta = (a.astype(dtype) for a in (x, gamma, beta))
    return Probe(label, (x, gamma, beta), purpose=purpose)


LN_PROBES = [
    _ln_probe("one token x (6,), γ and β (6,)", 1001, (6,), "1-D"),
    _ln_probe("tokens x (5, 8)", 1002, (5, 8), "2-D", scale=2.0, shift=1.0),
    _ln_probe("a batch of sequences x (2, 3, 8)", 1003, (2, 3, 8), "batched", scale=3.0, shift=-2.0),
    _ln_probe("x (4, 6) whose first token is constant (variance 0)", 1004, (4, 6), "constant_token", constant_row=True),
    _ln_probe("x (3, 16) whose last token has a tiny spread (variance ~1e-6)", 1005, (3, 16), "tiny_variance",
              tiny_row=True),
    _ln_probe("x (4, 4, 4): as many sequences as positions as features", 1006, (4, 4, 4), "square", scale=1.5),
    _ln_probe("float32 x (3, 5)", 1007, (3, 5), "float32", dtype=np.float32),
]


def _ln(axis="last", ddof=0, eps="inside", centre=True, divide="std", affine="right"):
    """LayerNorm as a learner writes it, with one choice per stage."""
    def layer_norm(x, gamma, beta, eps_=1e-5):
        ax = {"last": -1, "first": 0, "all": None}[axis]
        keep = ax is not None
        mu = x.mean(axis=ax, keepdims=keep) if centre else 0.0
        var = ((x - mu) ** 2).sum(axis=ax, keepdims=keep) / (
            (x.shape[-1] if ax == -1 else x.shape[0] if ax == 0 else x.size) - ddof)
        if not centre:
            var = (x ** 2).sum(axis=ax, keepdims=keep) / (
                (x.shape[-1] if ax == -1 else x.shape[0] if ax == 0 else x.size) - ddof)
        spread = {"inside": np.sqrt(var + eps_), "outside": np.sqrt(var) + eps_, "none": np.sqrt(var)}[eps]
        if divide == "var":
            spread = spread ** 2
        x_hat = (x - mu) / spread
        return {"right": x_hat * gamma + beta, "missing": x_hat, "scale_only": x_hat * gamma,
                "swapped": x_hat * beta + gamma}[affine]

    def call(x, gamma, beta, eps=1e-5):
        return layer_norm(np.asarray(x), np.asarray(gamma), np.asarray(beta), eps)
    return call


_LN_STAGES = {
    "axis": [("last", None, ""), ("first", "layer_norm_wrong_axis", ""), ("all", "layer_norm_wrong_axis",
                                                                            "You normalised the whole array at once.")],
    "ddof": [(0, None, ""), (1, "layer_norm_unbiased_variance", "")],
    "eps": [("inside", None, ""), ("outside", "layer_norm_eps_outside_sqrt", ""), ("none", "layer_norm_no_eps", "")],
    "centre": [(True, None, ""), (False, "layer_norm_no_centering", "")],
    "divide": [("std", None, ""), ("var", "layer_norm_divided_by_variance", "")],
    "affine": [("right", None, ""), ("missing", "layer_norm_affine_missing", ""),
               ("scale_only", "layer_norm_affine_missing", "β is missing."),
               ("swapped", "layer_norm_gamma_beta_swapped", "")],
}


def _build_ln(axis, ddof, eps, centre, divide, affine):
    return _ln(axis, ddof, eps, centre, divide, affine)


LAYER_NORM = Exercise(
    id="layer_norm",
    signature="layer_norm(x, gamma, beta, eps=1e-5)",
    reference=lib.layer_norm,
    probes=LN_PROBES,
    misconceptions=family(_build_ln, _LN_STAGES),
    forbidden=(lib.layer_norm, lib.layer_norm_forward),
    output="values",
    purposes={"constant_token": ("layer_norm_no_eps", ""), "tiny_variance": ("layer_norm_eps_outside_sqrt", "")},
)

# --------------------------------------------------------------------------- q2 · layer_norm_backward (hard)


def _lnb_probe(label, seed, shape, purpose, scale=1.0):
    dy, x, gamma = randn(seed, shape, shape, shape[-1:])
    return Probe(label, (dy, scale * x + 0.5, 1.0 + 0.5 * gamma), purpose=purpose)


LNB_PROBES = [
    _lnb_probe("one token dy, x (6,), γ (6,)", 1011, (6,), "1-D"),
    _lnb_probe("tokens dy, x (5, 8)", 1012, (5, 8), "2-D", scale=2.0),
    _lnb_probe("a batch dy, x (2, 3, 8)", 1013, (2, 3, 8), "batched"),
    _lnb_probe("dy, x (4, 4, 4): as many sequences as positions as features", 1014, (4, 4, 4), "square"),
]


def _lnb(dx="right", gamma="times", params="summed", order="right"):
    """LayerNorm's backward pass with one choice per stage."""
    def layer_norm_backward(dy, x, gamma_, eps=1e-5):
        dy, x, gamma_ = np.asarray(dy), np.asarray(x), np.asarray(gamma_)
        mu = x.mean(axis=-1, keepdims=True)
        sigma = np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + eps)
        x_hat = (x - mu) / sigma
        g = dy * gamma_ if gamma == "times" else dy
        mean_term = g.mean(axis=-1, keepdims=True)
        var_term = x_hat * (g * x_hat).mean(axis=-1, keepdims=True)
        out = {"right": (g - mean_term - var_term) / sigma, "no_mean": (g - var_term) / sigma,
               "no_var": (g - mean_term) / sigma, "constant": g / sigma}[dx]
        D = x.shape[-1]
        if params == "summed":
            dgamma, dbeta = (dy * x_hat).reshape(-1, D).sum(axis=0), dy.reshape(-1, D).sum(axis=0)
        else:
            dgamma, dbeta = dy * x_hat, dy
        return (out, dbeta, dgamma) if order == "swapped" else (out, dgamma, dbeta)
    return layer_norm_backward


_LNB_STAGES = {
    "dx": [("right", None, ""), ("no_mean", "layer_norm_backward_missing_mean_term", ""),
           ("no_var", "layer_norm_backward_missing_variance_term", ""),
           ("constant", "layer_norm_backward_constant_stats", "")],
    "gamma": [("times", None, ""), ("without", "layer_norm_backward_without_gamma", "")],
    "params": [("summed", None, ""), ("per_token", "layer_norm_backward_params_not_summed", "")],
    "order": [("right", None, ""), ("swapped", "layer_norm_backward_params_swapped", "")],
}

LAYER_NORM_BACKWARD = Exercise(
    id="layer_norm_backward",
    signature="layer_norm_backward(dy, x, gamma, eps=1e-5)",
    reference=lib.layer_norm_backward,
    probes=LNB_PROBES,
    misconceptions=family(_lnb, _LNB_STAGES),
    forbidden=(lib.layer_norm_backward, lib._layer_norm_backward),
    output="values",
    returns="tuple",
    parts=("dx", "dgamma", "dbeta"),
)

# --------------------------------------------------------------------------- q3 · cross_entropy (easy)


def _ce_probe(label, seed, n, V, purpose, scale=1.0, shift=0.0, targets=None):
    g = _probe_rng(seed)
    logits = shift + scale * g.normal(size=(n, V))
    targets = g.integers(0, V, n) if targets is None else np.asarray(targets)
    return Probe(label, (logits, targets), purpose=purpose)


CE_PROBES = [
    _ce_probe("logits (5, 7), targets (5,)", 1021, 5, 7, "2-D"),
    _ce_probe("one row: logits (1, 4)", 1022, 1, 4, "one_token"),
    _ce_probe("logits (6, 6) with targets [0, 0, 1, 5, 5, 5]", 1023, 6, 6, "square", targets=[0, 0, 1, 5, 5, 5]),
    _ce_probe("large logits (3, 5) around 1000", 1024, 3, 5, "large", scale=2.0, shift=1000.0),
]


def _ce(grad="right", mean=True, lse="stable", index="rows", base="e"):
    """Softmax cross-entropy as a learner writes it, with one choice per stage."""
    def cross_entropy_(logits, targets):
        logits, targets = np.asarray(logits, dtype=float), np.asarray(targets)
        n = logits.shape[0]
        if lse == "stable":
            z = logits - logits.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        elif lse == "naive":
            log_p = np.log(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))
        else:                                            # no normaliser
            log_p = logits
        picked = log_p[np.arange(n), targets] if index == "rows" else log_p[:, targets]
        loss = -picked.mean() if mean else -picked.sum()
        if base == "2":
            loss = loss / math.log(2)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = p / p.sum(axis=1, keepdims=True)
        d = p.copy()
        if grad != "p_only":
            d[np.arange(n), targets] -= 1
        return float(loss), (d if grad == "not_averaged" else d / n)
    return cross_entropy_


_CE_STAGES = {
    "grad": [("right", None, ""), ("p_only", "ce_grad_missing_onehot", ""),
             ("not_averaged", "ce_grad_not_averaged", "")],
    "mean": [(True, None, ""), (False, "ce_loss_summed", "")],
    "lse": [("stable", None, ""), ("naive", "no_max_subtraction", "In the loss: compute log-softmax from logits "
                                                                  "minus each row's maximum."),
            ("none", "ce_without_log_sum_exp", "")],
    "index": [("rows", None, ""), ("columns", "ce_wrong_index", "")],
    "base": [("e", None, ""), ("2", "ce_in_bits", "")],
}

CROSS_ENTROPY = Exercise(
    id="cross_entropy",
    signature="cross_entropy(logits, targets)",
    reference=cross_entropy,
    probes=CE_PROBES,
    misconceptions=family(_ce, _CE_STAGES),
    forbidden=(cross_entropy,),
    output="values",
    returns="tuple",
    parts=("loss", "d_logits"),
    purposes={"large": ("no_max_subtraction", "")},
)

# --------------------------------------------------------------------------- q4 · gpt_block (hard)


def _block_params(seed, D, hidden, scale=0.3):
    rng = _probe_rng(seed)
    p = {"ln1.g": 1 + 0.3 * rng.normal(size=D), "ln1.b": 0.3 * rng.normal(size=D),
         "ln2.g": 1 + 0.3 * rng.normal(size=D), "ln2.b": 0.3 * rng.normal(size=D)}
    for name, shape in (("W_q", (D, D)), ("W_k", (D, D)), ("W_v", (D, D)), ("W_o", (D, D)), ("W_1", (D, hidden)),
                        ("W_2", (hidden, D))):
        p[name] = rng.normal(0, 1 / math.sqrt(shape[0]), shape) * (3.0 if name in ("W_q", "W_k") else 1.0)
    p["b_1"], p["b_2"] = 0.3 * rng.normal(size=hidden), 0.3 * rng.normal(size=D)
    return p


def _block_probe(label, seed, B, T, D, h, purpose, x_scale=1.0):
    x = x_scale * _probe_rng(seed).normal(size=(B, T, D))
    return Probe(label, (x, _block_params(seed + 1, D, 4 * D), h), purpose=purpose)


BLOCK_PROBES = [
    _block_probe("x (1, 5, 8), 2 heads", 1031, 1, 5, 8, 2, "basic"),
    _block_probe("a batch x (2, 6, 12), 3 heads", 1033, 2, 6, 12, 3, "batched"),
    _block_probe("one head: x (1, 4, 6)", 1035, 1, 4, 6, 1, "one_head"),
    _block_probe("a single token: x (2, 1, 8), 2 heads", 1037, 2, 1, 8, 2, "one_token"),
    _block_probe("x (1, 6, 8), 4 heads, on a large scale (x × 10)", 1039, 1, 6, 8, 4, "large", x_scale=10.0),
]


def _gelu_exact(u):
    erf = np.vectorize(math.erf)
    return 0.5 * u * (1 + erf(u / math.sqrt(2)))


def _relu(u):
    return np.maximum(u, 0)


def _block(norm="pre", residual="stream", causal=True, order="attention_first", ln="own", act=lib.gelu,
           scale="sqrt_d", heads="split", w_o=True):
    """A pre-LN block as a learner writes it, with one choice per stage."""
    def ln_(z, g, b):
        mu = z.mean(axis=-1, keepdims=True)
        return (z - mu) / np.sqrt(((z - mu) ** 2).mean(axis=-1, keepdims=True) + 1e-5) * g + b

    def attend(a, p, n_heads):
        B, T, D = a.shape
        h = n_heads if heads == "split" else 1
        d = D // h
        q, k, v = (np.swapaxes((a @ p[w]).reshape(B, T, h, d), 1, 2) for w in ("W_q", "W_k", "W_v"))
        s = q @ np.swapaxes(k, -1, -2) / {"sqrt_d": math.sqrt(d), "none": 1.0, "sqrt_D": math.sqrt(D)}[scale]
        if causal:
            s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
        w = np.exp(s - s.max(axis=-1, keepdims=True))
        w = w / w.sum(axis=-1, keepdims=True)
        out = np.swapaxes(w @ v, 1, 2).reshape(B, T, D)
        return out @ p["W_o"] if w_o else out

    def mlp(m, p):
        return act(m @ p["W_1"] + p["b_1"]) @ p["W_2"] + p["b_2"]

    def gpt_block(x, params, n_heads):
        x = np.asarray(x, dtype=float)
        p = params
        lns = [("ln1.g", "ln1.b"), ("ln2.g", "ln2.b")]
        if ln == "swapped":
            lns = lns[::-1]
        subs = [lambda a: attend(a, p, n_heads), lambda a: mlp(a, p)]
        if order == "mlp_first":                         # each sublayer keeps its own LayerNorm
            subs, lns = subs[::-1], lns[::-1]
        for (g, b), sub in zip(lns, subs, strict=True):
            if norm == "post":
                x = ln_(x + sub(x), p[g], p[b])
            else:
                a = ln_(x, p[g], p[b])
                x = {"stream": x + sub(a), "none": sub(a), "normalised": a + sub(a)}[residual]
        return x
    return gpt_block


_BLOCK_STAGES = {
    "norm": [("pre", None, ""), ("post", "block_post_ln", "")],
    "residual": [("stream", None, ""), ("none", "block_missing_residual", ""),
                 ("normalised", "block_residual_from_normalised", "")],
    "causal": [(True, None, ""), (False, "block_not_causal", "")],
    "order": [("attention_first", None, ""), ("mlp_first", "block_sublayers_swapped", "")],
    "ln": [("own", None, ""), ("swapped", "block_layer_norms_swapped", "")],
    "act": [(lib.gelu, None, ""), (_relu, "relu_instead_of_gelu", ""), (_gelu_exact, "gelu_exact_not_tanh", "")],
    "scale": [("sqrt_d", None, ""), ("none", "no_sqrt_d_scaling", "Inside the block: d = D / h per head."),
              ("sqrt_D", "scaled_by_d_model", "")],
    "heads": [("split", None, ""), ("one", "heads_not_split", "")],
    "w_o": [(True, None, ""), (False, "forgot_w_o", "")],
}

GPT_BLOCK = Exercise(
    id="gpt_block",
    signature="gpt_block(x, params, n_heads)",
    reference=lib.block,
    probes=BLOCK_PROBES,
    misconceptions=family(_block, _BLOCK_STAGES, most=1),
    forbidden=(lib.block, lib.block_forward),
    output="values",
)

# --------------------------------------------------------------------------- q5 · sample_next (medium)

_LOGITS = np.array([2.0, 1.0, 0.5, 0.0, -1.0, 1.5])      # (6,): token 0 most likely, then 5, 1, 2, 3, 4
_DRAWS = 2000


def _sampling_probe(label, seed, purpose, size=_DRAWS, logits=_LOGITS, **kwargs):
    return Probe(label, (logits, _probe_rng(seed)), dict(size=size, **kwargs), purpose=purpose)


SAMPLING_PROBES = [
    _sampling_probe(f"{_DRAWS} draws at temperature 1 from logits (6,)", 1041, "basic"),
    _sampling_probe(f"{_DRAWS} draws at temperature 0.5", 1042, "temperature", temperature=0.5),
    _sampling_probe(f"{_DRAWS} draws at temperature 2", 1043, "temperature", temperature=2.0),
    _sampling_probe(f"{_DRAWS} draws with top_k = 2", 1044, "top_k", top_k=2),
    _sampling_probe(f"{_DRAWS} draws with top_k = 3 at temperature 0.7", 1045, "top_k", top_k=3, temperature=0.7),
    _sampling_probe("one draw (size=None) at temperature 0 (greedy)", 1046, "greedy", size=None, temperature=0.0),
    _sampling_probe("one draw (size=None) at temperature 1", 1047, "one_token", size=None),
]


def _sampler(scale="divide", cut="right", greedy="argmax", draw="rng", sized="kept"):
    """A sampler as a learner writes it, with one choice per stage."""
    def sample(logits, rng, temperature=1.0, top_k=None, size=None):
        logits = np.asarray(logits, dtype=float)
        n = size if sized == "kept" else None
        if temperature == 0 and greedy == "argmax":
            best = int(np.argmax(logits))
            return best if n is None else np.full(n, best)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = {"divide": lambda: logits / temperature, "multiply": lambda: logits * temperature,
                 "ignored": lambda: logits}[scale]()
            if top_k is not None:
                kth = np.sort(z)[{"right": -top_k, "smallest": top_k - 1, "strict": -top_k}[cut]]
                z = np.where({"right": z >= kth, "smallest": z <= kth, "strict": z > kth}[cut], z, -np.inf)
            p = np.exp(z - z.max())
            p = p / p.sum()
        if draw == "argmax":
            best = int(np.argmax(p))
            return best if n is None else np.full(n, best)
        return rng.choice(len(p), size=n, p=p)
    return sample


def _sampler_top_k_not_renormalised(logits, rng, temperature=1.0, top_k=None, size=None):
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best)
    z = logits / temperature
    p = np.exp(z - z.max())
    p = p / p.sum()                                      # softmax over all the tokens first ...
    if top_k is not None:
        p = np.where(z >= np.sort(z)[-top_k], p, 0.0)    # ... then the rest zeroed, not renormalised
    return rng.choice(len(p), size=size, p=p)


def _right_proportions(mine, want, probes):
    """Integer draws whose frequencies fit the right distribution on every sampling probe, but not the
    reference's own draws: the tokens came from another generator."""
    fits, differs = 0, False
    for m, w, probe in zip(mine, want, probes, strict=True):
        if m.raised or w.raised or probe.kwargs.get("size") is None:
            continue
        draws, ref = as_array(m.value), as_array(w.value)
        if draws is None or draws.shape != ref.shape or draws.dtype.kind not in "iu":
            return False
        logits, kwargs = probe.args[0], probe.kwargs
        probs = next_token_probs(logits, kwargs.get("temperature", 1.0), kwargs.get("top_k"))   # (V,)
        counts = np.bincount(draws, minlength=len(probs)).astype(float)                       # (V,)
        if np.any(counts[probs == 0] > 0):
            return False
        expected = probs[probs > 0] * len(draws)
        chi2 = float(np.sum((counts[probs > 0] - expected) ** 2 / expected))
        if chi2 > 40.0:                                  # far beyond chance for at most 5 degrees of freedom
            return False
        fits += 1
        differs = differs or not np.array_equal(draws, ref)
    return fits >= 3 and differs


_SAMPLER_STAGES = {
    "scale": [("divide", None, ""), ("multiply", "temperature_multiplied", ""),
                    ("ignored", "temperature_ignored", "")],
    "cut": [("right", None, ""), ("smallest", "topk_smallest", ""),
            ("strict", "topk_wrong_count", "With `>` instead of `>=` the k-th largest logit is dropped too.")],
    "greedy": [("argmax", None, ""), ("divide", "temperature_zero_divides", "")],
    "draw": [("rng", None, ""), ("argmax", "sampling_always_greedy", "")],
    "sized": [("kept", None, ""), ("ignored", "sampling_size_ignored", "")],
}

SAMPLE_NEXT = Exercise(
    id="sample_next",
    signature="sample_next(logits, rng, temperature=1.0, top_k=None, size=None)",
    reference=sample_next,
    probes=SAMPLING_PROBES,
    misconceptions=[
        *family(_sampler, _SAMPLER_STAGES, most=1),
        Misconception("topk_not_renormalised", variant=_sampler_top_k_not_renormalised,
                      detail="`rng.choice` refuses probabilities that do not sum to 1."),
        Misconception("sampling_ignores_rng", test=_right_proportions),
    ],
    forbidden=(sample_next, next_token_probs),
    output="values",
)

EXERCISES = [LAYER_NORM, LAYER_NORM_BACKWARD, CROSS_ENTROPY, GPT_BLOCK, SAMPLE_NEXT]
