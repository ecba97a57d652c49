"""The catalogue of misconceptions: every code a check can name, written once.

Each :class:`Entry` has a ``code`` (stable, used in records and the class report), a
``title`` (a few words, for tables and the instructor guide) and a ``message`` (what
the learner reads: the idea, never the reference's numbers). Exercises refer to
entries by code and may add one exercise-specific sentence (``detail``).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    code: str
    title: str
    message: str
    kind: str = "idea"        # "idea": a misconception about attention; "generic": a programming slip


def _entries(kind, *rows):
    return [Entry(code, title, message, kind) for code, title, message in rows]


_IDEAS = _entries(
    "idea",
    # ---------------------------------------------------------------- scores
    ("no_sqrt_d_scaling", "Scores not divided by √d",
     "These are plain dot products: divide by √d, the square root of the feature size `q.shape[-1]`, so the "
     "scores keep unit variance whatever d is."),
    ("scaled_by_d", "Divided by d instead of √d",
     "You divided by d; divide by √d. The dot product of two random unit-variance vectors has variance d, so its "
     "standard deviation is √d."),
    ("scaled_by_wrong_dimension", "Scaled by the wrong size",
     "You scaled by the square root of a size other than the feature size. The scale is √d, where d is the last "
     "axis of q and k (`q.shape[-1]`), not a sequence length or a batch size."),
    ("scaled_by_d_model", "Scaled by √D instead of √(D/h)",
     "You scaled by √D, the model width. Each head works in d = D/h dimensions, so scale by √(D/h)."),
    ("transposed_kq", "Computed K Qᵀ instead of Q Kᵀ",
     "Your result has one row per key. Scores have one row per query: Q Kᵀ, shape (..., n_q, n_k)."),
    ("transposed_qtk", "Computed Qᵀ K (features × features)",
     "You computed Qᵀ K, which pairs features with features, shape (..., d, d). Scores pair queries with keys: "
     "Q Kᵀ, shape (..., n_q, n_k)."),
    ("transpose_all_axes", "Transposed every axis, not the last two",
     "Your function handles one matrix but not a batch: `K.T` (and `np.transpose(K)`) reverses *every* axis, so "
     "a batch (B, n_k, d) becomes (d, n_k, B). Swap only the last two axes, `np.swapaxes(K, -1, -2)`, or use "
     "`np.einsum('...qd,...kd->...qk', Q, K)`: both work for any number of leading axes."),
    ("cosine_no_eps", "Cosine divides by a zero norm",
     "NaN where a vector is all zeros: its norm is 0 and you divide by it. Add a small `eps` (1e-9) to each norm "
     "(or use `np.maximum(norm, eps)`)."),
    ("norm_wrong_axis", "Vector lengths taken along the wrong axis",
     "You normalised along the wrong axis: each *vector* (a row, the last axis) must get length 1, so take the "
     "norm with `axis=-1, keepdims=True`."),
    ("cosine_not_unit", "Dot products, not cosines",
     "These are dot products, not cosines: divide each vector by its length first, so only the angle counts."),
    ("rbf_positive_sign", "RBF score grows with distance",
     "Your scores grow with distance. Near must score high: put a minus sign in front, −‖q−k‖²/(2τ²)."),
    ("rbf_not_squared", "Distance not squared",
     "You used the distance ‖q−k‖; the Gaussian kernel uses the *squared* distance ‖q−k‖²."),
    ("rbf_missing_two", "Missing the 2 in 2τ²",
     "Close: the denominator is 2τ², not τ²."),
    ("rbf_tau_not_squared", "τ not squared",
     "Close: τ is a length, so it is squared in the denominator: −‖q−k‖²/(2τ²), not /(2τ)."),
    # ---------------------------------------------------------------- softmax and temperature
    ("no_max_subtraction", "Softmax overflows on large scores",
     "Right on ordinary scores, but NaN on large ones: `np.exp(1000)` overflows to inf, and inf/inf is NaN. "
     "Subtract each row's maximum before `np.exp` (softmax does not change when you shift a row by a constant)."),
    ("missing_keepdims", "Reduction lost its axis (keepdims)",
     "The max or the sum lost its axis: without `keepdims=True`, a (3, 5) array's row maxima or sums have shape "
     "(3,), which broadcasts against the columns, not the rows. Use `keepdims=True` so they stay (3, 1)."),
    ("normalised_whole_array", "Normalised the whole array at once",
     "Your whole array sums to 1, but each slice should: softmax normalises every row (every query) on its own. "
     "Sum along the axis with `keepdims=True`, not over everything."),
    ("softmax_wrong_axis", "Normalised over the wrong axis",
     "Your weights sum to 1 along a different axis than the one asked for. Each query needs a distribution over "
     "the keys: normalise along the keys (the last axis), once per query, so that every row sums to 1."),
    ("missing_normalisation", "Weights not normalised",
     "Your numbers have the right proportions, but they do not sum to 1: divide by their sum (over the keys), "
     "as the softmax does."),
    ("temperature_multiplied", "Temperature multiplies instead of divides",
     "τ multiplies where it should divide. Temperature *divides* the scores: a small τ sharpens the weights "
     "(towards argmax) and a large τ flattens them (towards uniform); multiplying does the opposite."),
    ("temperature_ignored", "Temperature ignored",
     "Your result does not change with τ: divide the scores by the temperature before the softmax."),
    ("temperature_after_softmax", "Temperature applied after the softmax",
     "You applied τ after the softmax. It must act on the scores, before the exponential: `softmax(x / tau)`."),
    # ---------------------------------------------------------------- attention
    ("missing_weights", "Returned only the output",
     "You returned only the output. Return both: `return out, weights`. The weights are what you inspect when "
     "debugging."),
    ("weights_transposed", "Multiplied V by the transposed weights",
     "You multiplied V by the transposed weights. The output is `weights @ V`: (n_q, n_k) @ (n_k, d_v) → (n_q, d_v)."),
    ("scores_as_weights", "Used raw scores as weights",
     "You used the raw scores as weights. Weights come from the softmax of the scores."),
    ("hard_attention", "Hard choice instead of soft weights",
     "That is a hard choice among the top keys. Softmax gives every key some weight, however small."),
    ("uniform_average", "Plain average of the values",
     "That is the plain average of the values: the weights must depend on the scores."),
    ("output_uses_d_k", "Output width taken from the keys",
     "The output takes its width from V (d_v), not from the keys (d)."),
    ("scaled_scores", "Scaled where the example does not",
     "You divided the scores by √d. This example uses plain, unscaled dot products."),
    ("topk_not_renormalised", "Top-k weights not renormalised",
     "You zeroed the weights outside the top k after the softmax, so each row sums to less than 1. Mask the "
     "scores to −inf first, then take the softmax over the k survivors."),
    ("topk_smallest", "Kept the k smallest scores",
     "You kept the k *smallest* scores. `np.argsort` sorts ascending: the largest k are at the end."),
    # ---------------------------------------------------------------- kernel regression
    ("large_bandwidth_limit", "Huge-bandwidth limit instead of tiny",
     "That is the mean of all labels: the limit of a *huge* bandwidth. A tiny one keeps only the nearest point."),
    ("nearest_by_index", "Nearest by index, not by distance",
     "Nearest means nearest in *distance*: compare |x − xᵢ| for every training point."),
    # ---------------------------------------------------------------- masks
    ("causal_allows_future", "Causal mask lets queries see the future",
     "Your mask lets a query see keys after its own position. Query i may attend to keys j ≤ i only: the lower "
     "triangle, `np.tril`."),
    ("causal_excludes_diagonal", "Causal mask hides each token from itself",
     "Your mask hides each token from itself. A query may attend to its own position too: j ≤ i, not j < i (the "
     "first token would otherwise have nothing to attend to)."),
    ("mask_polarity_inverted", "Mask polarity inverted",
     "Your True and False are swapped. In this course True means *may attend*, as in PyTorch's "
     "`scaled_dot_product_attention`: keep the score where the mask is True, e.g. `np.where(mask, scores, -np.inf)`."),
    ("float_mask", "Mask is not boolean",
     "The pattern is right but the dtype is not boolean. Masks here are bool, True = may attend; a 0/1 float "
     "mask is easy to add to scores by mistake."),
    ("padding_on_queries", "Padding mask hides queries",
     "Your mask has shape (B, n, 1): it hides padded *queries*. Padding must hide *keys*, so the size-1 axis is "
     "the query axis: shape (B, 1, n)."),
    ("padding_missing_query_axis", "Padding mask without its query axis",
     "Your mask has shape (B, n). Against scores (B, n_q, n) it would line B up with the queries (the mask-leak "
     "bug). Add the query axis: shape (B, 1, n)."),
    ("padding_off_by_one", "Padding mask off by one",
     "Off by one: a sequence of length L has real keys 0 … L−1, so position j is real when j < L."),
    ("mask_after_softmax", "Masked after the softmax",
     "You masked after the softmax, so the remaining weights no longer sum to 1 (and the masked keys still "
     "shaped the others). Put −inf into the *scores* before the softmax."),
    ("masked_to_zero", "Masked scores set to 0, not −inf",
     "You set masked scores to 0, but exp(0) = 1: the masked keys still get weight. Set them to −inf, so exp "
     "gives exactly 0."),
    ("mask_ignored", "Mask ignored",
     "Your function ignores `mask`: masked keys still get weight. Apply it to the scores before the softmax."),
    # ---------------------------------------------------------------- heads
    ("reshape_without_transpose", "Reshaped straight into heads",
     "Right shape, wrong contents: reshaping (B, n, D) straight to (B, h, n, D/h) scrambles positions into heads. "
     "Reshape to (B, n, h, D/h) first, then swap the n and h axes."),
    ("interleaved_features", "Heads take interleaved features",
     "Your heads take interleaved features (j, j+h, …). Head j takes the contiguous block [j·D/h, (j+1)·D/h): "
     "reshape to (B, n, h, D/h)."),
    ("heads_axis_last", "Heads axis after the positions",
     "Your result is (B, n, h, D/h): the heads axis must come before the positions, (B, h, n, D/h), so each head "
     "is a separate batch of attention."),
    ("forgot_w_o", "Output projection W_O forgotten",
     "You concatenated the heads but never applied W_O. The output projection mixes what the heads found: "
     "`concat @ W_o`."),
    ("softmax_over_heads", "Softmax across the heads",
     "Your softmax normalises across the heads axis. Every head has its own distribution over the keys: softmax "
     "along the last axis."),
    ("not_cross_attention", "Keys and values taken from the queries' side",
     "Your keys and values come from x_q, so this is self-attention. In cross-attention the queries come from "
     "x_q and the keys and values from x_kv."),
)

_GENERIC = _entries(
    "generic",
    ("not_a_function", "Passed something other than a function", "Pass the function itself, not its result."),
    ("calls_library", "Called the library's own function",
     "Here the point is to build it yourself from numpy operations."),
    ("raised", "Raised an exception", "Your function raised an exception."),
    ("returned_none", "Returned None", "Your function returned `None`. Did you forget a `return`?"),
    ("timeout", "Ran too long", "Your function ran too long and was stopped. Look for a loop that never ends."),
    ("mutates_input", "Changed its input in place",
     "Your function changed its input array in place (for example `x -= ...`). Work on a new array: `x = x - ...`."),
    ("wrong_type", "Returned the wrong kind of value", "Your function returned a different kind of value."),
    ("wrong_shape", "Wrong shape", "Your result does not have the shape this input calls for."),
    ("wrong_dtype", "Wrong dtype", "Your result has a different dtype."),
    ("not_finite", "NaN or inf in the result", "Your result contains NaN or inf."),
    ("wrong_values", "Numbers off, no known pattern", "The numbers are off."),
    ("checker_error", "The checker failed", "The checker itself failed; please report this."),
)

CATALOGUE: dict[str, Entry] = {e.code: e for e in _IDEAS + _GENERIC}
if len(CATALOGUE) != len(_IDEAS) + len(_GENERIC):
    raise RuntimeError("a misconception code is listed twice in the catalogue")


def entry(code: str) -> Entry:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f"misconception {code!r} is not in the catalogue (attention_lib/checks/catalogue.py)") from None


def title(code: str) -> str:
    return entry(code).title
