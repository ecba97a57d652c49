"""Small, fixed data sets the lessons share (so every notebook shows the same numbers)."""
from __future__ import annotations

import numpy as np

from .masking import causal_mask

# Seed 000's toy: six keys in 2-D, values are a linear map of the keys, one query near the first pair.
TOY_KEYS = np.array([[1.0, 0.2], [0.9, 0.1], [0.2, 1.0], [-0.2, 0.9], [0.0, -1.0], [-1.0, -0.6]])   # (6, 2)
TOY_W_V = np.array([[0.7, 0.1], [0.2, 0.9]])                                                        # (2, 2)
TOY_VALUES = TOY_KEYS @ TOY_W_V                                                                     # (6, 2)
TOY_QUERY = np.array([0.8, 0.15])                                                                   # (2,)


def additive_params(d_q=2, d_k=2, d_a=4, seed=0):
    """Random parameters ``W_a (d_q, d_a)``, ``U_a (d_k, d_a)``, ``v_a (d_a,)`` for additive scores."""
    rng = np.random.default_rng(seed)
    return {"W_a": rng.normal(size=(d_q, d_a)), "U_a": rng.normal(size=(d_k, d_a)), "v_a": rng.normal(size=d_a)}


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


# Lesson 05's worked example: four tokens and their projections, all drawn from one seeded generator.
POLICY_TOKENS = ["policy", "raises", "wages", "jobs"]


def policy_example(seed=7, D=6, d=4):
    """The tokens and projections of *policy raises wages jobs*: ``x (4, D)``, then ``W_q``, ``W_k``, ``W_v``
    ``(D, d)`` each, drawn in that order from one generator and divided by √D. Use it with a causal mask."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(len(POLICY_TOKENS), D))                             # (4, D) drawn first
    W_q, W_k, W_v = (rng.normal(size=(D, d)) / np.sqrt(D) for _ in range(3))  # (D, d) each, in this order
    return {"x": x, "W_q": W_q, "W_k": W_k, "W_v": W_v}
# Lesson 06's two-head toy: tokens of three types; head 0 looks at the previous token, head 1 at the same type.
TWO_HEAD_TOKENS = "ABACBBAC"
TWO_HEAD_NAMES = ("previous token", "same type")


def two_head_toy(beta=8.0):
    """Lesson 06's hand-built two heads on the tokens ``ABACBBAC`` (the library's copy of the lesson's toy).

    Each token is ``[one-hot position (8) | one-hot type (8, three used)]``, so ``D = 16`` and each head
    has ``d = 8`` features. Head 0 scores ``beta`` where the key is the position just before the
    query and carries the key's type; head 1 scores ``beta`` where the types match and carries the
    key's position. ``W_O`` is the identity. Causal: each token sees itself and earlier tokens.

    Returns
    -------
    x : (1, 8, 16)   params : dict of (16, 16) ``W_q, W_k, W_v, W_o``   mask : (8, 8) causal, True = may attend
    labels : list of str, ``"A0", "B1", …`` (type and position)
    """
    n = len(TWO_HEAD_TOKENS)
    kinds = sorted(set(TWO_HEAD_TOKENS))                                  # ['A', 'B', 'C']
    types = np.zeros((n, n))                                              # (8, 8) type one-hots, 3 columns used
    types[np.arange(n), [kinds.index(t) for t in TWO_HEAD_TOKENS]] = 1
    x = np.concatenate([np.eye(n), types], axis=1)[None]                  # (1, 8, 16)
    scale = np.sqrt(n)                                                    # attention divides by √d, d = 8: undo it
    W_q, W_k, W_v = (np.zeros((2 * n, 2 * n)) for _ in range(3))          # (16, 16) each
    W_q[:n, :n] = beta * scale * np.eye(n, k=-1)                          # head 0: position i asks for i − 1
    W_q[n:, n:] = beta * scale * np.eye(n)                                # head 1: a type asks for the same type
    W_k[:, :] = np.eye(2 * n)                                             # keys: position and type as they are
    W_v[n:, :n] = np.eye(n)                                               # head 0's value: the token's type
    W_v[:n, n:] = np.eye(n)                                               # head 1's value: the token's position
    params = {"W_q": W_q, "W_k": W_k, "W_v": W_v, "W_o": np.eye(2 * n)}
    labels = [f"{t}{i}" for i, t in enumerate(TWO_HEAD_TOKENS)]
    return x, params, causal_mask(n), labels
