"""The shared data sets: lesson 06's two-head toy does the two jobs the lesson builds it for."""
import numpy as np

import attention_lib as al
from attention_lib.data import two_head_toy


def test_two_head_toy_head_0_reads_the_previous_token_and_head_1_the_same_type():
    x, params, mask, labels = two_head_toy()
    assert x.shape == (1, 8, 16) and mask.shape == (8, 8) and labels == ["A0", "B1", "A2", "C3", "B4", "B5", "A6", "C7"]
    out, w = al.multi_head_attention(x, x, params, 2, mask=mask)      # (1, 8, 16), (1, 2, 8, 8)
    previous = [max(i - 1, 0) for i in range(8)]                     # token 0 has none: itself
    assert np.array_equal(w[0, 0].argmax(axis=1), previous) and w[0, 0][np.arange(8), previous].min() > 0.99
    same = np.array([[a[0] == b[0] and t <= i for t, b in enumerate(labels)] for i, a in enumerate(labels)])
    np.testing.assert_allclose(w[0, 1], same / same.sum(axis=1, keepdims=True), atol=2e-3)
    types = x[0, :, 8:11]                                            # (8, 3) one-hot of A, B, C
    np.testing.assert_allclose(out[0, :, 8:16], w[0, 1] @ np.eye(8), atol=1e-12)   # head 1 returns positions
    np.testing.assert_allclose(out[0, :, :3], types[previous], atol=2e-3)         # head 0 returns the type before


def test_a_weaker_beta_blurs_both_heads():
    x, params, mask, _ = two_head_toy(beta=1.0)
    _, w = al.multi_head_attention(x, x, params, 2, mask=mask)
    assert w[0, 0, 7].max() < 0.9 and w[0, 1, 7].max() < 0.9
