"""Small, fixed data sets the lessons share (so every notebook shows the same numbers)."""
from __future__ import annotations

import numpy as np

# Seed 000's toy: six keys in 2-D, values are a linear map of the keys, one query near the first pair.
TOY_KEYS = np.array([[1.0, 0.2], [0.9, 0.1], [0.2, 1.0], [-0.2, 0.9], [0.0, -1.0], [-1.0, -0.6]])   # (6, 2)
TOY_W_V = np.array([[0.7, 0.1], [0.2, 0.9]])                                                        # (2, 2)
TOY_VALUES = TOY_KEYS @ TOY_W_V                                                                     # (6, 2)
TOY_QUERY = np.array([0.8, 0.15])                                                                   # (2,)


def additive_params(d_q=2, d_k=2, hidden=4, seed=0):
    """Random parameters ``W_q (d_q, hidden)``, ``W_k (d_k, hidden)``, ``w (hidden,)`` for additive scores."""
    rng = np.random.default_rng(seed)
    return {"W_q": rng.normal(size=(d_q, hidden)), "W_k": rng.normal(size=(d_k, hidden)), "w": rng.normal(size=hidden)}


# The additive-score parameters lesson 01 and the similarity explorer share, so both show the same numbers.
TOY_ADDITIVE = additive_params()


def noisy_sine(n=30, seed=0):
    """1-D regression data for lesson 03: ``y = sin(x) + noise`` on ``[0, 6]``."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 6, n))                    # (n,)
    return x, np.sin(x) + 0.25 * rng.normal(size=n)      # (n,), (n,)


# Lesson 00's hand-built sentence: "it" should attend to "animal".
SENTENCE = ["The", "animal", "didn't", "cross", "the", "road", "because", "it", "was", "tired"]
# Hand-made 3-feature embeddings: [is an animal / living thing, is a place / object, is a pronoun].
SENTENCE_EMBEDDINGS = np.array([
    [0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.6, 0.0, 0.0],
])


# Lesson 05's worked example, as the lab "Attention: Q/K/V, Softmax Weights, and Context Vectors" draws it.
POLICY_TOKENS = ["policy", "raises", "wages", "jobs"]


def policy_example(seed=7, D=6, d=4):
    """The tokens and projections of *policy raises wages jobs*: ``x (4, D)``, then ``W_q``, ``W_k``, ``W_v``
    ``(D, d)`` each, drawn in that order from one generator and divided by √D. Use it with a causal mask."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(len(POLICY_TOKENS), D))                             # (4, D) drawn first
    W_q, W_k, W_v = (rng.normal(size=(D, d)) / np.sqrt(D) for _ in range(3))  # (D, d) each, in this order
    return {"x": x, "W_q": W_q, "W_k": W_k, "W_v": W_v}
