"""Exercises for 03_soft_knn: attention as kernel regression."""
from . import questions

QUESTIONS = q1, q2, q3 = questions(__name__, "03_soft_knn", [
    ("one_nn_limit", "one_nn_limit", "easy", [
        "As the bandwidth shrinks, the nearest training point takes all the weight.",
        "Which of x = 0, 2, 5, 6 is closest to 4.7?",
        "Return that point's label.",
    ]),
    ("kernel_regression", "kernel_regression", "medium", [
        "Weights: a Gaussian of the scaled distance between each query and each training point, normalised per query.",
        "`u = (x_query[:, None] - x_train[None, :]) / bandwidth` has shape (n_q, n); the kernel values are exp(−u²/2).",
        "Divide the kernel values by their row sums, then multiply by `y_train`.",
    ]),
    ("top_k_attention", "top_k_attention", "hard", [
        "Keep each query's `top_k` largest scores and softmax over those only.",
        "The `top_k`-th largest score of each row: `np.sort(s, axis=-1)[:, [-top_k]]`; a mask is `s >= that`.",
        "Put −inf where the mask is False *before* the softmax, so the survivors' weights sum to 1.",
    ]),
])
