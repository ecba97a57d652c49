"""Exercises for 01_similarity: scoring queries against keys."""
from . import questions

q1, q2, q3 = questions(__name__, "01_similarity", [
    ("scaled_dot_scores", "scaled_dot_scores", "easy", [
        "Every query against every key: a matrix product, then one division.",
        "Q @ Kᵀ, but transpose only the last two axes of K, so batches work: `np.swapaxes(K, -1, -2)`.",
        "Divide by `np.sqrt(Q.shape[-1])`: the feature size d, not a sequence length.",
    ]),
    ("cosine_scores", "cosine_scores", "medium", [
        "Cosine similarity is the dot product of unit vectors.",
        "Divide each row of Q and of K by its length: `np.linalg.norm(Q, axis=-1, keepdims=True)`.",
        "Add a small eps (1e-9) to each norm so a zero vector does not divide by zero; then divide the scores by tau.",
    ]),
    ("rbf_scores", "rbf_scores", "hard", [
        "The score is minus the squared distance, divided by 2τ².",
        "Broadcasting makes all pairwise differences: `Q[..., :, None, :] - K[..., None, :, :]` has shape (..., n_q, n_k, d).",
        "Square, sum over the last axis, negate, and divide by `2 * tau**2`. (Or use ‖q‖² + ‖k‖² − 2 q·k.)",
    ]),
])
