"""Lesson 10's answers, written the way learners write them: right ones (RIGHT), unusual right ones (UNUSUAL, which
must be accepted too) and wrong ones registered with @wrong, one or more per code."""
import math

import numpy as np

from .wrong import wrong

# ---------------------------------------------------------------- right


def layer_norm(x, gamma, beta, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def layer_norm_backward(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    mean = x.mean(-1, keepdims=True)
    std = np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mean) / std
    dxhat = dy * gamma
    dx = (D * dxhat - dxhat.sum(-1, keepdims=True) - xhat * (dxhat * xhat).sum(-1, keepdims=True)) / (D * std)
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


def cross_entropy(logits, targets):
    n = len(targets)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.mean(log_probs[np.arange(n), targets])
    grad = np.exp(log_probs)
    grad[np.arange(n), targets] -= 1
    return loss, grad / n


def _ln(z, g, b):
    mu = z.mean(-1, keepdims=True)
    return (z - mu) / np.sqrt(z.var(-1, keepdims=True) + 1e-5) * g + b


def _gelu(u):
    return 0.5 * u * (1 + np.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u**3)))


def _heads_attention(a, p, n_heads, causal=True, scale=None, w_o=True):
    B, T, D = a.shape
    d = D // n_heads
    out = np.zeros((B, T, D))
    for h in range(n_heads):
        cols = slice(h * d, (h + 1) * d)
        q, k, v = a @ p["W_q"][:, cols], a @ p["W_k"][:, cols], a @ p["W_v"][:, cols]
        s = q @ k.transpose(0, 2, 1) / (np.sqrt(d) if scale is None else scale)
        if causal:
            s = s + np.triu(np.full((T, T), -np.inf), k=1)
        w = np.exp(s - s.max(-1, keepdims=True))
        out[..., cols] = (w / w.sum(-1, keepdims=True)) @ v
    return out @ p["W_o"] if w_o else out


def gpt_block(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads)
    m = _ln(x, p["ln2.g"], p["ln2.b"])
    return x + _gelu(m @ p["W_1"] + p["b_1"]) @ p["W_2"] + p["b_2"]


def sample_next(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        i = int(np.argmax(logits))
        return i if size is None else np.full(size, i)
    z = np.array(logits, dtype=float) / temperature
    if top_k is not None:
        cutoff = np.sort(z)[-top_k]
        z[z < cutoff] = -np.inf
    p = np.exp(z - np.max(z))
    p /= p.sum()
    return rng.choice(len(z), size=size, p=p)


RIGHT = {"layer_norm": layer_norm, "layer_norm_backward": layer_norm_backward, "cross_entropy": cross_entropy,
         "gpt_block": gpt_block, "sample_next": sample_next}

# ---------------------------------------------------------------- unusual but right


def layer_norm_einsum_loop(x, gamma, beta, eps=1e-5):
    """Row by row over a flattened copy, then reshaped back."""
    flat = np.array(x, dtype=np.float64).reshape(-1, x.shape[-1])
    out = np.empty_like(flat)
    for i, row in enumerate(flat):
        c = row - row.sum() / len(row)
        out[i] = c / math.sqrt(np.dot(c, c) / len(row) + eps) * gamma + beta
    return out.reshape(x.shape)


def layer_norm_backward_chain(dy, x, gamma, eps=1e-5):
    """Through the variance and the mean separately, the textbook chain rule written out."""
    N = x.shape[-1]
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    var = (xc**2).mean(axis=-1, keepdims=True)
    inv = 1 / np.sqrt(var + eps)
    dxhat = dy * gamma
    dvar = np.sum(dxhat * xc, axis=-1, keepdims=True) * -0.5 * inv**3
    dmu = np.sum(-dxhat * inv, axis=-1, keepdims=True) + dvar * np.mean(-2 * xc, axis=-1, keepdims=True)
    dx = dxhat * inv + dvar * 2 * xc / N + dmu / N
    axes = tuple(range(x.ndim - 1))
    return dx, np.sum(dy * xc * inv, axis=axes), np.sum(dy, axis=axes)


def cross_entropy_logsumexp(logits, targets):
    """log-sum-exp by hand, one-hot by np.eye."""
    m = logits.max(axis=-1, keepdims=True)
    lse = m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=-1))
    loss = float(np.mean(lse - logits[np.arange(len(logits)), targets]))
    onehot = np.eye(logits.shape[1])[targets]
    return loss, (np.exp(logits - lse[:, None]) - onehot) / len(logits)


def gpt_block_einsum(x, params, n_heads):
    """Heads by reshape and einsum, the mask added as −1e9 rather than −inf."""
    p = params
    B, T, D = x.shape
    d = D // n_heads
    a = _ln(x, p["ln1.g"], p["ln1.b"])
    q, k, v = (np.reshape(a @ p[w], (B, T, n_heads, d)) for w in ("W_q", "W_k", "W_v"))
    s = np.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d)
    s = s - 1e9 * (1 - np.tril(np.ones((T, T))))
    w = np.exp(s - s.max(-1, keepdims=True))
    w = w / w.sum(-1, keepdims=True)
    x = x + np.einsum("bhqk,bkhd->bqhd", w, v).reshape(B, T, D) @ p["W_o"]
    h = _ln(x, p["ln2.g"], p["ln2.b"]) @ p["W_1"] + p["b_1"]
    return x + _gelu(h) @ p["W_2"] + p["b_2"]


def sample_next_inverse_cdf(logits, rng, temperature=1.0, top_k=None, size=None):
    """One uniform number per token and the inverse of the cumulative distribution, as rng.choice does."""
    logits = np.asarray(logits, dtype=float)
    if temperature == 0:
        best = int(logits.argmax())
        return best if size is None else np.repeat(best, size)
    z = logits / temperature
    if top_k:
        z = np.where(z >= np.partition(z, -top_k)[-top_k], z, -np.inf)
    p = np.exp(z - z.max())
    cdf = np.cumsum(p / p.sum())
    u = rng.random(size)
    return np.searchsorted(cdf / cdf[-1], u, side="right")


def sample_next_loop(logits, rng, temperature=1.0, top_k=None, size=None):
    """One rng.choice per token, in a loop."""
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else [int(np.argmax(logits))] * size
    z = np.asarray(logits) / temperature
    if top_k is not None:
        z = np.where(z < sorted(z)[-top_k], -np.inf, z)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    if size is None:
        return int(rng.choice(len(p), p=p))
    return np.array([rng.choice(len(p), p=p) for _ in range(size)])


UNUSUAL = {"layer_norm": [layer_norm_einsum_loop],
           "layer_norm_backward": [layer_norm_backward_chain], "cross_entropy": [cross_entropy_logsumexp],
           "gpt_block": [gpt_block_einsum], "sample_next": [sample_next_inverse_cdf, sample_next_loop]}

# ---------------------------------------------------------------- wrong: layer_norm


@wrong("layer_norm", "layer_norm_wrong_axis")
def ln_batchnorm_axis(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(axis=0, keepdims=True) + eps) + beta


@wrong("layer_norm", "layer_norm_wrong_axis")
def ln_whole_array(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean()) / np.sqrt(x.var() + eps) + beta


@wrong("layer_norm", "layer_norm_variance_cancels")
def ln_variance_by_hand(x, gamma, beta, eps=1e-5):
    """The variance computed by hand as E[x²] − E[x]²: right on paper, but it cancels for features far from 0."""
    ex2 = (x * x).mean(axis=-1, keepdims=True)
    mu = x.mean(axis=-1, keepdims=True)
    return (x - mu) * (1.0 / np.sqrt(ex2 - mu * mu + eps)) * gamma + beta


@wrong("layer_norm", "layer_norm_unbiased_variance")
def ln_ddof_one(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps) + beta


@wrong("layer_norm", "layer_norm_eps_outside_sqrt")
def ln_eps_after_std(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / (x.std(-1, keepdims=True) + eps) + beta


@wrong("layer_norm", "layer_norm_no_eps")
def ln_forgot_eps(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / x.std(-1, keepdims=True) + beta


@wrong("layer_norm", "layer_norm_no_centering")
def ln_rms(x, gamma, beta, eps=1e-5):
    return gamma * x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + eps) + beta


@wrong("layer_norm", "layer_norm_divided_by_variance")
def ln_by_variance(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return gamma * (x - mu) / (x.var(-1, keepdims=True) + eps) + beta


@wrong("layer_norm", "layer_norm_affine_missing")
def ln_no_gamma_beta(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps)


@wrong("layer_norm", "layer_norm_gamma_beta_swapped")
def ln_swapped_affine(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return beta * (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps) + gamma


# ---------------------------------------------------------------- wrong: layer_norm_backward


def _stats(x, eps):
    mu = x.mean(-1, keepdims=True)
    sigma = np.sqrt(x.var(-1, keepdims=True) + eps)
    return (x - mu) / sigma, sigma


@wrong("layer_norm_backward", "layer_norm_variance_cancels")
def lnb_variance_by_hand(dy, x, gamma, eps=1e-5):
    """σ from E[x²] − E[x]², which cancels for features far from 0."""
    D = x.shape[-1]
    mean = x.mean(-1, keepdims=True)
    std = np.sqrt((x * x).mean(-1, keepdims=True) - mean ** 2 + eps)
    xhat = (x - mean) / std
    dxhat = dy * gamma
    dx = (D * dxhat - dxhat.sum(-1, keepdims=True) - xhat * (dxhat * xhat).sum(-1, keepdims=True)) / (D * std)
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@wrong("layer_norm_backward", "layer_norm_backward_constant_stats")
def lnb_like_a_scale(dy, x, gamma, eps=1e-5):
    xhat, sigma = _stats(x, eps)
    D = x.shape[-1]
    return dy * gamma / sigma, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@wrong("layer_norm_backward", "layer_norm_backward_missing_mean_term")
def lnb_no_mean(dy, x, gamma, eps=1e-5):
    xhat, sigma = _stats(x, eps)
    D = x.shape[-1]
    g = dy * gamma
    dx = (g - xhat * (g * xhat).mean(-1, keepdims=True)) / sigma
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@wrong("layer_norm_backward", "layer_norm_backward_missing_variance_term")
def lnb_no_variance(dy, x, gamma, eps=1e-5):
    xhat, sigma = _stats(x, eps)
    D = x.shape[-1]
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True)) / sigma
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@wrong("layer_norm_backward", "layer_norm_backward_without_gamma")
def lnb_no_gamma(dy, x, gamma, eps=1e-5):
    xhat, sigma = _stats(x, eps)
    D = x.shape[-1]
    dx = (dy - dy.mean(-1, keepdims=True) - xhat * (dy * xhat).mean(-1, keepdims=True)) / sigma
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@wrong("layer_norm_backward", "layer_norm_backward_params_not_summed")
def lnb_per_token_params(dy, x, gamma, eps=1e-5):
    xhat, sigma = _stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / sigma
    return dx, dy * xhat, dy


@wrong("layer_norm_backward", "layer_norm_backward_params_swapped")
def lnb_beta_first(dy, x, gamma, eps=1e-5):
    xhat, sigma = _stats(x, eps)
    D = x.shape[-1]
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / sigma
    return dx, dy.reshape(-1, D).sum(0), (dy * xhat).reshape(-1, D).sum(0)


# ---------------------------------------------------------------- wrong: cross_entropy


def _softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _log_softmax_rows(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@wrong("cross_entropy", "ce_log_of_underflowed_softmax")
def ce_log_of_softmax(logits, targets):
    """The softmax first, then its log: a probability that underflows to 0 gives an infinite loss."""
    n = len(targets)
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    grad = probs.copy()
    grad[np.arange(n), targets] -= 1
    return -np.mean(np.log(probs[np.arange(n), targets])), grad / n


@wrong("cross_entropy", "ce_grad_missing_onehot")
def ce_grad_is_p(logits, targets):
    p = _softmax_rows(logits)
    n = len(targets)
    return -np.mean(_log_softmax_rows(logits)[np.arange(n), targets]), p / n


@wrong("cross_entropy", "ce_grad_not_averaged")
def ce_grad_of_sum(logits, targets):
    p = _softmax_rows(logits)
    n = len(targets)
    loss = -np.mean(_log_softmax_rows(logits)[np.arange(n), targets])
    p[np.arange(n), targets] -= 1
    return loss, p


@wrong("cross_entropy", "ce_loss_summed")
def ce_total_loss(logits, targets):
    p = _softmax_rows(logits)
    n = len(targets)
    loss = -np.sum(_log_softmax_rows(logits)[np.arange(n), targets])
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return loss, d / n


@wrong("cross_entropy", "no_max_subtraction")
def ce_plain_exp(logits, targets):
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    n = len(targets)
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return -np.mean((logits - np.log(e.sum(axis=1, keepdims=True)))[np.arange(n), targets]), d / n


@wrong("cross_entropy", "ce_without_log_sum_exp")
def ce_minus_logit(logits, targets):
    n = len(targets)
    p = _softmax_rows(logits)
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return -np.mean(logits[np.arange(n), targets]), d / n


@wrong("cross_entropy", "ce_wrong_index")
def ce_column_index(logits, targets):
    n = len(targets)
    p = _softmax_rows(logits)
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return -np.mean(_log_softmax_rows(logits)[:, targets]), d / n


@wrong("cross_entropy", "ce_in_bits")
def ce_log2(logits, targets):
    n = len(targets)
    p = _softmax_rows(logits)
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return -np.mean(_log_softmax_rows(logits)[np.arange(n), targets]) / np.log(2), d / n


# ---------------------------------------------------------------- wrong: gpt_block


def _mlp(m, p, act=_gelu):
    return act(m @ p["W_1"] + p["b_1"]) @ p["W_2"] + p["b_2"]


@wrong("gpt_block", "block_post_ln")
def block_like_the_2017_paper(x, params, n_heads):
    p = params
    x = _ln(x + _heads_attention(x, p, n_heads), p["ln1.g"], p["ln1.b"])
    return _ln(x + _mlp(x, p), p["ln2.g"], p["ln2.b"])


@wrong("gpt_block", "block_missing_residual")
def block_no_skip(x, params, n_heads):
    p = params
    x = _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads)
    return _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p)


@wrong("gpt_block", "block_residual_from_normalised")
def block_adds_to_normalised(x, params, n_heads):
    p = params
    x = _ln(x, p["ln1.g"], p["ln1.b"])
    x = x + _heads_attention(x, p, n_heads)
    x = _ln(x, p["ln2.g"], p["ln2.b"])
    return x + _mlp(x, p)


@wrong("gpt_block", "block_not_causal")
def block_sees_everything(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads, causal=False)
    return x + _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p)


@wrong("gpt_block", "block_sublayers_swapped")
def block_mlp_first(x, params, n_heads):
    p = params
    x = x + _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p)
    return x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads)


@wrong("gpt_block", "block_layer_norms_swapped")
def block_ln_mixup(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln2.g"], p["ln2.b"]), p, n_heads)
    return x + _mlp(_ln(x, p["ln1.g"], p["ln1.b"]), p)


@wrong("gpt_block", "relu_instead_of_gelu")
def block_relu(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads)
    return x + _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p, act=lambda u: np.maximum(0, u))


@wrong("gpt_block", "gelu_exact_not_tanh")
def block_erf_gelu(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads)
    exact = np.vectorize(lambda u: 0.5 * u * (1 + math.erf(u / math.sqrt(2))))
    return x + _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p, act=exact)


@wrong("gpt_block", "no_sqrt_d_scaling")
def block_unscaled(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads, scale=1.0)
    return x + _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p)


@wrong("gpt_block", "scaled_by_d_model")
def block_scaled_by_width(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads, scale=np.sqrt(x.shape[-1]))
    return x + _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p)


@wrong("gpt_block", "heads_not_split")
def block_one_big_head(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, 1)
    return x + _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p)


@wrong("gpt_block", "forgot_w_o")
def block_no_output_projection(x, params, n_heads):
    p = params
    x = x + _heads_attention(_ln(x, p["ln1.g"], p["ln1.b"]), p, n_heads, w_o=False)
    return x + _mlp(_ln(x, p["ln2.g"], p["ln2.b"]), p)


# ---------------------------------------------------------------- wrong: sample_next


def _draw(z, rng, size):
    p = np.exp(z - z.max())
    return rng.choice(len(z), size=size, p=p / p.sum())


@wrong("sample_next", "sampling_rng_state")
def sampler_draws_when_greedy(logits, rng, temperature=1.0, top_k=None, size=None):
    """Draws at every temperature, and returns the argmax at 0: the right tokens, the generator moved."""
    z = np.asarray(logits, float) / max(temperature, 1e-12)
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    drawn = _draw(z, rng, size)
    if temperature == 0:
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best)
    return drawn


@wrong("sample_next", "sampling_ids_not_integers")
def sampler_float_ids(logits, rng, temperature=1.0, top_k=None, size=None):
    """One draw per token in a loop, into an array made by np.zeros: float ids."""
    if temperature == 0:
        return float(np.argmax(logits)) if size is None else np.zeros(size) + np.argmax(logits)
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    if size is None:
        return float(_draw(z, rng, None))
    out = np.zeros(size)
    for i in range(size):
        out[i] = _draw(z, rng, None)
    return out


@wrong("sample_next", "temperature_multiplied")
def sampler_times_tau(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else np.full(size, np.argmax(logits))
    z = np.asarray(logits, float) * temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    return _draw(z, rng, size)


@wrong("sample_next", "temperature_ignored")
def sampler_no_tau(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else np.full(size, np.argmax(logits))
    z = np.asarray(logits, float)
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    return _draw(z, rng, size)


@wrong("sample_next", "topk_smallest")
def sampler_argsort_front(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else np.full(size, np.argmax(logits))
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        keep = np.argsort(z)[:top_k]
        masked = np.full_like(z, -np.inf)
        masked[keep] = z[keep]
        z = masked
    return _draw(z, rng, size)


@wrong("sample_next", "topk_wrong_count")
def sampler_strict_cut(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else np.full(size, np.argmax(logits))
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        z = np.where(z > np.sort(z)[-top_k], z, -np.inf)
    return _draw(z, rng, size)


@wrong("sample_next", "temperature_zero_divides")
def sampler_divides_by_zero(logits, rng, temperature=1.0, top_k=None, size=None):
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    return _draw(z, rng, size)


@wrong("sample_next", "sampling_always_greedy")
def sampler_argmax(logits, rng, temperature=1.0, top_k=None, size=None):
    best = int(np.argmax(logits))
    return best if size is None else np.full(size, best)


@wrong("sample_next", "sampling_size_ignored")
def sampler_one_token(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits))
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    return int(_draw(z, rng, None))


@wrong("sample_next", "topk_not_renormalised")
def sampler_zeroes_after_softmax(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else np.full(size, np.argmax(logits))
    z = np.asarray(logits, float) / temperature
    p = np.exp(z - z.max())
    p /= p.sum()
    if top_k is not None:
        p[np.argsort(p)[:-top_k]] = 0.0
    return rng.choice(len(p), size=size, p=p)


@wrong("sample_next", "sampling_ignores_rng")
def sampler_global_random(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else np.full(size, np.argmax(logits))
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    p = np.exp(z - z.max())
    mine = np.random.default_rng(12345)
    return mine.choice(len(p), size=size, p=p / p.sum())


# ---------------------------------------------------------------- wrong: one half of the block, located


def _block_with(x, p, n_heads, attention=None, ln2=("ln2.g", "ln2.b"), act=_gelu, bias_inside=True, parallel=False):
    a = _ln(x, p["ln1.g"], p["ln1.b"])
    stream = x + (attention or _heads_attention)(a, p, n_heads)
    m = _ln(x if parallel else stream, p[ln2[0]], p[ln2[1]])
    hidden = act(m @ p["W_1"] + p["b_1"]) if bias_inside else act(m @ p["W_1"]) + p["b_1"]
    return stream + hidden @ p["W_2"] + p["b_2"]


@wrong("gpt_block", "block_mlp_reads_input")
def block_parallel_sublayers(x, params, n_heads):
    return _block_with(x, params, n_heads, parallel=True)


@wrong("gpt_block", "block_layer_norms_swapped")
def block_ln1_for_both(x, params, n_heads):
    return _block_with(x, params, n_heads, ln2=("ln1.g", "ln1.b"))


@wrong("gpt_block", "gelu_sigmoid_form")
def block_sigmoid_gelu(x, params, n_heads):
    return _block_with(x, params, n_heads, act=lambda u: u / (1 + np.exp(-1.702 * u)))


@wrong("gpt_block", "mlp_activation_wrong")
def block_silu(x, params, n_heads):
    return _block_with(x, params, n_heads, act=lambda u: u / (1 + np.exp(-u)))


@wrong("gpt_block", "block_mlp_bias_misplaced")
def block_bias_after_gelu(x, params, n_heads):
    return _block_with(x, params, n_heads, bias_inside=False)


@wrong("gpt_block", "block_mlp_part_wrong")
def block_mlp_output_rescaled(x, params, n_heads):
    p = dict(params, W_2=params["W_2"] / math.sqrt(params["W_2"].shape[0]), b_2=np.tanh(params["b_2"]))
    return _block_with(x, p, n_heads)


def _attention_masked_late(a, p, n_heads):
    B, T, D = a.shape
    d = D // n_heads
    out = np.zeros((B, T, D))
    for h in range(n_heads):
        cols = slice(h * d, (h + 1) * d)
        s = (a @ p["W_q"][:, cols]) @ (a @ p["W_k"][:, cols]).transpose(0, 2, 1) / np.sqrt(d)
        w = np.exp(s - s.max(-1, keepdims=True))
        w = np.tril(w / w.sum(-1, keepdims=True))
        out[..., cols] = w @ (a @ p["W_v"][:, cols])
    return out @ p["W_o"]


@wrong("gpt_block", "mask_after_softmax")
def block_masks_the_weights(x, params, n_heads):
    return _block_with(x, params, n_heads, attention=_attention_masked_late)


def _attention_split_by_reshape(a, p, n_heads):
    B, T, D = a.shape
    q, k, v = ((a @ p[w]).reshape(B, n_heads, T, D // n_heads) for w in ("W_q", "W_k", "W_v"))
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(D // n_heads) + np.triu(np.full((T, T), -np.inf), k=1)
    w = np.exp(s - s.max(-1, keepdims=True))
    return ((w / w.sum(-1, keepdims=True)) @ v).transpose(0, 2, 1, 3).reshape(B, T, D) @ p["W_o"]


@wrong("gpt_block", "reshape_without_transpose")
def block_heads_by_reshape(x, params, n_heads):
    return _block_with(x, params, n_heads, attention=_attention_split_by_reshape)


def _attention_times_two(a, p, n_heads):
    return 2.0 * _heads_attention(a, p, n_heads)


@wrong("gpt_block", "block_attention_part_wrong")
def block_attention_doubled(x, params, n_heads):
    return _block_with(x, params, n_heads, attention=_attention_times_two)


# ---------------------------------------------------------------- wrong: sampling, size and the generator


@wrong("sample_next", "sampling_size_ignored")
def sampler_greedy_one_id(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits))
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    p = np.exp(z - z.max())
    return rng.choice(len(p), size=size, p=p / p.sum())


@wrong("sample_next", "sampling_draws_twice")
def sampler_draws_a_first_token(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        return int(np.argmax(logits)) if size is None else np.full(size, np.argmax(logits))
    z = np.asarray(logits, float) / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    p = np.exp(z - z.max())
    p = p / p.sum()
    token = rng.choice(len(p), p=p)
    return token if size is None else rng.choice(len(p), size=size, p=p)


# ---------------------------------------------------------------- wrong: ε, the variance, the gradient's pieces


@wrong("layer_norm", "argument_ignored")
def layer_norm_own_eps(x, gamma, beta, eps=1e-5):
    return _ln(x, gamma, beta)


@wrong("layer_norm_backward", "layer_norm_unbiased_variance")
def layer_norm_backward_ddof1(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    std = np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps)
    xhat = (x - x.mean(-1, keepdims=True)) / std
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / std
    return dx, (dy * xhat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@wrong("layer_norm_backward", "argument_ignored")
def layer_norm_backward_own_eps(dy, x, gamma, eps=1e-5):
    return layer_norm_backward(dy, x, gamma)


@wrong("cross_entropy", "ce_grad_wrong_index")
def cross_entropy_onehot_by_columns(logits, targets):
    n = len(targets)
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    grad = np.exp(log_p)
    grad[:, targets] -= 1
    return -log_p[np.arange(n), targets].mean(), grad / n


@wrong("cross_entropy", "no_max_subtraction")
def cross_entropy_gradient_unshifted(logits, targets):
    n = len(targets)
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    grad = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    grad[np.arange(n), targets] -= 1
    return -log_p[np.arange(n), targets].mean(), grad / n


# ---------------------------------------------------------------- wrong: the third blind bank's ideas, written anew


@wrong("layer_norm_backward", "layer_norm_divided_by_variance")
def lnb_over_variance(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    x_hat, sigma = _stats(x, eps)
    g = dy * gamma
    dx = (g - g.mean(-1, keepdims=True) - x_hat * (g * x_hat).mean(-1, keepdims=True)) / sigma ** 2
    return dx, (dy * x_hat).reshape(-1, D).sum(0), dy.reshape(-1, D).sum(0)


@wrong("cross_entropy", "ce_grad_wrong_index")
def ce_grad_minus_one_by_columns(logits, targets):
    n = len(targets)
    log_p = _log_softmax_rows(logits)
    grad = _softmax_rows(logits)
    grad[:, targets] = grad[:, targets] - 1
    return -log_p[np.arange(n), targets].mean(), grad / n


@wrong("cross_entropy", "ce_log_eps_caps_loss")
def ce_log_with_epsilon(logits, targets):
    n = len(targets)
    p = _softmax_rows(logits)
    loss = -np.log(p[np.arange(n), targets] + 1e-12).mean()
    grad = p.copy()
    grad[np.arange(n), targets] -= 1
    return loss, grad / n


@wrong("sample_next", "temperature_skipped_with_topk")
def sample_topk_without_temperature(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best)
    if top_k is not None:
        kept = np.where(logits >= np.sort(logits)[-top_k], logits, -np.inf)
        return _draw(kept, rng, size)
    return _draw(logits / temperature, rng, size)


@wrong("sample_next", "sampling_ids_reordered")
def sample_over_ids_by_probability(logits, rng, temperature=1.0, top_k=None, size=None):
    if temperature == 0:
        best = int(np.argmax(logits))
        return best if size is None else np.full(size, best)
    z = logits / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    p = np.exp(z - z.max())
    order = np.argsort(-p, kind="stable")                       # most likely first
    return rng.choice(order, size=size, p=(p / p.sum())[order])
