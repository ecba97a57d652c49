"""Exercises for 07_training: the softmax's backward pass, the gradient check, attention's backward pass, and a
backward pass that ignores its mask."""
from . import questions

QUESTIONS = q1, q2, q3, q4 = questions(__name__, "07_training", [
    ("softmax_backward", "softmax_backward", "easy", [
        "Start from the softmax Jacobian of lesson 02, J_ij = p_i(δ_ij − p_j), and write ds_j = Σ_i dp_i J_ij. "
        "Split the sum where δ_ij is 1 and where it is 0.",
        "The δ part gives p_j dp_j; the other part gives p_j times one number per row, Σ_i dp_i p_i. Compute that "
        "number with `np.sum(dp * p, axis=-1, keepdims=True)`.",
        "Subtract that per-row number from dp, then multiply by p entry by entry. J is symmetric, so there is no "
        "transpose to worry about. Each row of your result should sum to 0.",
    ]),
    ("numerical_gradient", "numerical_gradient", "medium", [
        "Loop over every index of x with `np.ndindex(x.shape)`; for each, evaluate f twice, once with that entry a "
        "little up and once a little down.",
        "Work on `np.array(x, dtype=np.float64)` (a copy, and float64 even for integer input); after the two "
        "evaluations put the entry back. Divide by the distance between the two points.",
        "The two points differ from x only at entry i, by +eps and −eps: they are 2·eps apart.",
    ]),
    ("attention_backward", "attention_backward", "hard", [
        "Walk the forward pass backwards: O = P V, then P = softmax(S), then S = Q Kᵀ/√d. Each step turns the "
        "gradient of its output into gradients of its inputs; write the shape of each next to it.",
        "dV = Pᵀ dO and dP = dO Vᵀ; dS comes from dP with your `softmax_backward`; dQ and dK come from "
        "S = Q Kᵀ/√d. Use `np.swapaxes(x, -1, -2)`, not `.T`, so batches work.",
        "dQ is dS times K and dK is dSᵀ times Q, both with the forward pass's 1/√d. Take P from the forward pass "
        "*with the mask* (`al.attention(q, k, v, mask)[1]`), so masked keys keep P = 0 and get no gradient.",
    ]),
    ("backward_mask_bug", "backward_mask_bug", "medium", [
        "Run the lesson's gradient check on a problem with a padding mask. Which gradients fail, and at which keys?",
        "Compare the weights this function builds with `al.attention(q, k, v, mask)[1]`: where do they differ?",
        "Apply the mask to the scores before the softmax (`np.where(mask, s, -np.inf)`), and make sure a query "
        "that sees no key gets zero weights rather than NaN (or take P from `al.attention`).",
    ]),
])
