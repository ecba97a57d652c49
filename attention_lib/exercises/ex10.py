"""Exercises for 10_tiny_gpt: LayerNorm and its backward pass, cross-entropy and its gradient, one GPT block,
and sampling with temperature and top-k."""
from . import questions

QUESTIONS = q1, q2, q3, q4, q5 = questions(__name__, "10_tiny_gpt", [
    ("layer_norm", "layer_norm", "easy", [
        "Each token is normalised on its own: every statistic is taken over the last axis, the D features, with "
        "`keepdims=True` so it lines up with x again.",
        "Subtract the token's mean, then divide by the square root of its variance plus eps. The variance divides "
        "by D (numpy's default), and eps goes under the square root.",
        "Finish with `x_hat * gamma + beta`: γ scales and β shifts each feature.",
    ]),
    ("layer_norm_backward", "layer_norm_backward", "hard", [
        "Recompute the forward pass's x̂ and σ = √(var + eps) from x. The gradient that reaches x̂ is g = dy ∘ γ.",
        "Each feature of a token moves the token's mean and its σ, so dx has three parts: g itself, minus what flows "
        "through the mean, minus what flows through σ; each is a mean over the features (`axis=-1, keepdims=True`).",
        "dx = (g − mean(g) − x̂ ∘ mean(g ∘ x̂)) / σ. γ and β serve every token: sum dy ∘ x̂ and dy over every axis "
        "but the last (reshape to (−1, D) first) to get dgamma and dbeta.",
    ]),
    ("cross_entropy", "cross_entropy", "easy", [
        "The loss of one row is −ln p_target, with p the softmax of that row's logits; the loss is the mean over "
        "the rows.",
        "Compute log-softmax as z − ln Σ e^z with z = logits minus each row's maximum, and take one entry per row "
        "with `log_p[np.arange(n), targets]`.",
        "The gradient with respect to the logits is (p − onehot(target)) / n: copy p, subtract 1 at each row's "
        "target, divide by the number of rows.",
    ]),
    ("gpt_block", "gpt_block", "hard", [
        "Two sublayers, each wrapped the same way: normalise the stream, apply the sublayer, add the result back to "
        "the stream (pre-LN): first causal multi-head attention, then the MLP.",
        "Attention as in lessons 05 and 06: project with W_q, W_k, W_v, split into n_heads heads of d = D / n_heads, "
        "scale by √d, mask the future with `np.tril`, softmax, merge the heads, multiply by W_o.",
        "The MLP is GELU(m W_1 + b_1) W_2 + b_2 with GELU's tanh form, `0.5 u (1 + tanh(√(2/π) (u + 0.044715 "
        "u³)))`; use ln1.g/ln1.b before attention and ln2.g/ln2.b before the MLP.",
    ]),
    ("sample_next", "sample_next", "medium", [
        "Temperature 0 is greedy: return the argmax (or `size` copies of it) without dividing. Otherwise divide the "
        "logits by the temperature first.",
        "For top-k, find the k-th largest logit (`np.sort` sorts ascending, so count from the end) and set every "
        "logit below it to −inf; then take the softmax, so the survivors' probabilities sum to 1.",
        "Draw with the generator you are given: `rng.choice(len(p), size=size, p=p)`.",
    ]),
])
