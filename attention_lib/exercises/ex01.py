"""Exercises for 01_similarity: scoring queries against keys."""
from . import questions

QUESTIONS = q1, q2, q3 = questions(__name__, "01_similarity", [
    ("scaled_dot_scores", "scaled_dot_scores", "easy", [
        "Every query against every key: a matrix product, then one division.",
        "q @ kᵀ, but transpose only the last two axes of k, so batches work: `np.swapaxes(k, -1, -2)`.",
        "Divide by `np.sqrt(q.shape[-1])`: the feature size d, not a sequence length.",
    ]),
    ("cosine_scores", "cosine_scores", "medium", [
        "Cosine similarity is the dot product of unit vectors.",
        "Divide each row of q and of k by its length: `np.linalg.norm(q, axis=-1, keepdims=True)`.",
        "Add a small eps (1e-9) to each norm so a zero vector does not divide by zero; "
        "then divide the scores by `temperature`.",
    ]),
    ("rbf_scores", "rbf_scores", "hard", [
        "The score is minus the squared distance, divided by 2τ².",
        "Broadcasting makes all pairwise differences: `q[..., :, None, :] - k[..., None, :, :]` "
        "has shape (..., n_q, n_k, d).",
        "Square, sum over the last axis, negate, and divide by `2 * temperature**2`. (Or use ‖q‖² + ‖k‖² − 2 q·k.)",
    ]),
])
