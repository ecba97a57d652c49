"""Correct answers, written the way a learner would write them (numpy only)."""
import numpy as np


def softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_temperature(x, tau):
    return softmax(np.asarray(x) / tau, axis=-1)


def scaled_dot_scores(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])


def cosine_scores(Q, K, tau):
    eps = 1e-9
    Qn = Q / (np.linalg.norm(Q, axis=-1, keepdims=True) + eps)
    Kn = K / (np.linalg.norm(K, axis=-1, keepdims=True) + eps)
    return Qn @ np.swapaxes(Kn, -1, -2) / tau


def rbf_scores(Q, K, tau):
    diff = Q[..., :, None, :] - K[..., None, :, :]
    return -np.sum(diff**2, axis=-1) / (2 * tau**2)


def kernel_regression(x_query, x_train, y_train, bandwidth):
    u = (x_query[:, None] - x_train[None, :]) / bandwidth
    k = np.exp(-0.5 * u**2)
    return (k @ y_train) / k.sum(axis=1)


def attention(Q, K, V, mask=None):
    d = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = softmax(scores, axis=-1)
    return w @ V, w


def causal_mask(n):
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(lengths, n):
    return (np.arange(n)[None, :] < np.asarray(lengths)[:, None])[:, None, :]


def top_k_attention(q, K, V, k):
    s = q @ K.T / np.sqrt(q.shape[-1])
    cutoff = np.sort(s, axis=-1)[:, [-k]]
    return attention(q, K, V, mask=s >= cutoff)


def worked_example_weights():
    e = np.e
    return np.array([e, 1, e]) / (2 * e + 1)


def worked_example_output():
    e = np.e
    return np.array([15 * e, 10 + 5 * e]) / (2 * e + 1)


def attention_shapes():
    return (5, 7), (5, 7), (5, 32)


def temperature_for_target():
    lo, hi = 0.01, 100.0
    for _ in range(100):
        mid = (lo + hi) / 2
        w = softmax(np.array([2.0, 1.0, 0.0]) / mid)
        lo, hi = (mid, hi) if w[0] > 0.9 else (lo, mid)
    return lo


def one_nn_limit():
    x_train = np.array([0.0, 2.0, 5.0, 6.0])
    y_train = np.array([1.0, -3.0, -1.0, 4.0])
    return y_train[np.argmin(np.abs(x_train - 4.7))]


def __getattr__(name):
    """Right answers of lessons 04-08 live in tests/checks/answers/lessonNN.py, in a dict RIGHT."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("lesson[0-9][0-9].py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        if name in getattr(module, "RIGHT", {}):
            return module.RIGHT[name]
    raise AttributeError(f"no right answer named {name!r} in tests/checks/answers")
