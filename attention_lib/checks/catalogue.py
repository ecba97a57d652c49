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
    kind: str = "idea"        # "idea": about attention; "generic": a programming slip; "slip": a mutant's operator


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
    ("batch_not_handled", "Handles one matrix but not a batch",
     "Your function is right for a single matrix but not once there are leading axes (a batch, or a batch of "
     "heads). Write it for any number of leading axes: count axes from the end (`axis=-1`), transpose only the "
     "last two (`np.swapaxes(k, -1, -2)`), multiply with `@` or `np.matmul` (they treat leading axes as a batch; "
     "`np.dot` pairs every batch with every other), or use `...` in `np.einsum('...qd,...kd->...qk', q, k)`."),
    ("fixed_ndim", "Works for one number of axes only",
     "Your function assumes how many axes its input has (a transpose with a fixed axis order, a loop over the "
     "first axis, an index like `x[:, :, None]`), so it is right for that number of axes only. Count axes from "
     "the end instead: `np.swapaxes(k, -1, -2)`, `axis=-1`, `...` in `np.einsum`; then one line serves a "
     "matrix, a batch and a batch of heads."),
    ("vector_not_handled", "Breaks on a single vector",
     "Your function is right for matrices but not for a single 1-D vector: it reaches for a second axis that a "
     "vector does not have. Work along `axis` (or `-1`) with `keepdims=True` instead of indexing `[:, None]` or "
     "`shape[1]`."),
    ("square_only", "Right only when n_q = n_k",
     "Your result is right only when there are as many queries as keys. Where n_q ≠ n_k two axes get mixed up: "
     "check which axis of each array you transpose, sum over or broadcast against; scores are (..., n_q, n_k)."),
    ("diagonal_only", "Query i paired with key i only",
     "You paired each query with one key only (query i with key i). Scores pair every query with every key, "
     "an (n_q, n_k) matrix: `q @ np.swapaxes(k, -1, -2)`, or `q[..., :, None, :]` against `k[..., None, :, :]`."),
    ("sqrt_d_multiplied", "Multiplied by √d instead of dividing",
     "You multiplied the dot products by √d. Scaling *divides* by √d, so that the scores keep unit variance "
     "whatever d is: `/ np.sqrt(d)`."),
    ("power_precedence", "`d ** 1/2` is not √d",
     "`d ** 1/2` means `(d ** 1) / 2`, that is d/2: `**` binds tighter than `/`. Write `d ** 0.5`, `np.sqrt(d)` "
     "or `math.sqrt(d)`."),
    ("extra_sqrt_d_scaling", "Divided by √d where none belongs",
     "You also divided by √d, as scaled dot-product scores do. This score has its own scale: only the "
     "temperature divides it."),
    ("softmax_applied", "Returned weights instead of scores",
     "Your numbers are the softmax of the right scores: each row sums to 1. This function returns the scores "
     "themselves; the softmax comes later, inside attention."),
    ("cosine_no_eps", "Cosine divides by a zero norm",
     "NaN where a vector is all zeros: its norm is 0 and you divide by it. Add a small `eps` (1e-9) to each "
     "*norm*, before dividing (`q / (norm + eps)`), or use `np.maximum(norm, eps)`; an eps added after the "
     "division comes too late."),
    ("eps_too_large", "eps so large it changes the scores",
     "Your `eps` is large enough to change the scores of short vectors. It only has to stop a zero length from "
     "dividing by zero: something like 1e-9 is plenty."),
    ("eps_inside_sqrt", "eps under the square root",
     "Your `eps` sits under the square root, √(Σx² + eps), instead of being added to the norm: for a vector of "
     "length 3·10⁻⁵, √(9·10⁻¹⁰ + 10⁻⁹) is 4.4·10⁻⁵, so its unit vector comes out a third too short. Add eps to the "
     "norm itself: `np.linalg.norm(q, axis=-1, keepdims=True) + eps`."),
    ("cosine_one_side", "Only one side normalised",
     "Only one side is normalised, so the other side's lengths still count. Divide the queries *and* the keys "
     "by their own lengths; then only the angle between them is left."),
    ("norm_no_axis", "Norm of the whole matrix",
     "You divided by the norm of the whole matrix. Each vector needs its own length: "
     "`np.linalg.norm(q, axis=-1, keepdims=True)`, one per row."),
    ("cosine_squared_norm", "Divided by the squared length",
     "You divided by the squared length Σx². The length is its square root, ‖x‖ = √(Σx²) "
     "(`np.linalg.norm(x, axis=-1, keepdims=True)`)."),
    ("wrong_norm", "Another length than the Euclidean one",
     "You divided by a different length (the sum of absolute values, or the largest entry). Cosine similarity "
     "divides by the Euclidean length ‖x‖ = √(Σx²)."),
    ("norm_wrong_axis", "Vector lengths taken along the wrong axis",
     "You normalised along the wrong axis: each *vector* (a row, the last axis) must get length 1, so take the "
     "norm with `axis=-1, keepdims=True`."),
    ("cosine_not_unit", "Dot products, not cosines",
     "These are dot products, not cosines: divide each vector by its length first, so only the angle counts."),
    ("cosine_distance", "A distance or an angle, not the cosine",
     "You turned the cosine into a distance or an angle (1 − cos, or arccos). Similar vectors must score "
     "*high*: return the cosine itself, divided by τ."),
    ("scale_hard_coded", "A fixed number instead of √d",
     "You divide by a fixed number. The scale must follow the input: √d, with d = `q.shape[-1]`, the size of "
     "the vectors you are given."),
    ("rbf_positive_sign", "RBF score grows with distance",
     "Your scores grow with distance. Near must score high: put a minus sign in front of the squared distance, "
     "−‖q−k‖²/(2τ²)."),
    ("rbf_not_squared", "Distance not squared",
     "You used the distance ‖q−k‖; the Gaussian kernel uses the *squared* distance ‖q−k‖²."),
    ("bandwidth_not_squared", "The bandwidth not squared",
     "In exp(−½ ((x − xᵢ)/τ)²) the squared distance is divided by τ², not by τ: divide the distance by τ before "
     "you square it, or the squared distance by τ²."),
    ("rbf_missing_two", "Missing the 2 in 2τ²",
     "Close: the denominator is 2τ², not τ²."),
    ("rbf_tau_not_squared", "τ not squared",
     "Close: τ is a length, so it is squared in the denominator: −‖q−k‖²/(2τ²), not /(2τ)."),
    ("rbf_two_tau_squared", "(2τ)² instead of 2τ²",
     "Close: the denominator is 2τ², two times τ squared; (2τ)² is 4τ²."),
    ("rbf_missing_denominator", "No denominator",
     "You left out the denominator: the score is −‖q−k‖² divided by 2τ², so that τ sets the width."),
    ("rbf_mean_not_sum", "Averaged the squared differences",
     "You averaged the squared differences over the features. The squared distance *sums* them: "
     "‖q−k‖² = Σ (q_j − k_j)²."),
    ("rbf_wrong_distance", "Another distance than the squared Euclidean one",
     "You measured distance differently (absolute differences, or a distance that is not squared). The RBF "
     "score uses the squared Euclidean distance ‖q−k‖² = Σ (q_j − k_j)²."),
    ("rbf_expansion_wrong", "‖q‖² + ‖k‖² − 2 q·k written wrong",
     "Your expansion of the squared distance is off: ‖q − k‖² = ‖q‖² + ‖k‖² − 2 q·k. Check the factor 2 and "
     "the minus sign on the cross term, and that ‖q‖² is a column (n_q, 1) and ‖k‖² a row (1, n_k)."),
    ("exp_applied", "Applied exp to the result",
     "Your numbers are the exponentials of the right ones. Return the quantity itself; the exponential is the "
     "softmax's job."),
    # ---------------------------------------------------------------- softmax and temperature
    ("no_max_subtraction", "Softmax overflows on large scores",
     "Right on ordinary scores, but NaN on large ones: `np.exp(1000)` overflows to inf, and inf/inf is NaN. "
     "Subtract each row's maximum before `np.exp` (softmax does not change when you shift a row by a constant)."),
    ("missing_exp", "Normalised without the exponential",
     "You divided the scores by their sum without exponentiating them first. Softmax normalises exp(x): that "
     "keeps every weight positive, and a larger score always means a larger weight."),
    ("global_max_subtraction", "Subtracted the overall maximum",
     "Subtract each row's *own* maximum (`np.max(x, axis=axis, keepdims=True)`), not the maximum of the whole "
     "array: a row far below the overall maximum underflows to 0/0 = NaN."),
    ("max_not_per_row", "Subtracted a maximum, but not each row's own",
     "Right on ordinary scores, but wrong on large ones: the maximum you subtract is not the largest score each "
     "row keeps (it is taken over the whole array, or over keys the mask blocks), so a row far below it "
     "underflows to 0/0 = NaN. Take `np.max(..., axis=-1, keepdims=True)` of the scores after masking."),
    ("axis_argument_ignored", "Ignores the `axis` argument",
     "Your function is right for the default axis and wrong when another `axis` is asked for: use the `axis` "
     "argument in every max and sum."),
    ("axis_restored_at_end", "Reduced axis put back at the end",
     "Your max and sum put the axis they reduce back at the end (`[..., None]`), not where it was: right for the "
     "last axis only. With `axis=0` on a (4, 3) matrix the maxima must have shape (1, 3), not (3, 1). "
     "`keepdims=True` keeps the reduced axis in its place."),
    ("argument_ignored", "An argument replaced by a number of your own",
     "Your function does not use one of its arguments: where the caller passes a value, yours uses a fixed one."),
    ("log_applied", "Returned the logarithm",
     "Your numbers are the logarithms of the right ones (a log-softmax). Return the weights themselves: "
     "exponentiate, then divide by the sum."),
    ("elementwise_not_normalised", "Each score squashed on its own",
     "Your function turns each score into a number on its own (like a sigmoid), so rows do not sum to 1. "
     "Softmax divides each exponential by the sum over its whole row: every score affects every weight."),
    ("temperature_misapplied", "Temperature applied the wrong number of times",
     "Your weights are those of a softmax at another temperature than τ. Divide the scores by τ exactly once, "
     "before the exponential, in the numerator and the denominator alike: `softmax(x / tau)`."),
    ("missing_keepdims", "Reduction lost its axis (keepdims)",
     "A max, a sum or a norm lost its axis: without `keepdims=True`, a (3, 5) array's row maxima, sums or "
     "lengths have shape (3,), which broadcasts against the columns, not the rows. Use `keepdims=True` so they "
     "stay (3, 1)."),
    ("normalised_whole_array", "Normalised the whole array at once",
     "Your whole array sums to 1, but each slice should: softmax normalises every row (every query) on its own. "
     "Sum along the axis with `keepdims=True`, not over everything."),
    ("softmax_wrong_axis", "Normalised over the wrong axis",
     "Your weights sum to 1 along a different axis than the one asked for. Each query needs a distribution over "
     "the keys: normalise along the keys (the last axis), once per query, so that every row sums to 1."),
    ("missing_normalisation", "Weights not normalised",
     "Your numbers have the right proportions within each row, but a row does not sum to 1: divide by the sum "
     "of the very numbers on top (the same exponentials, over the keys), as the softmax does."),
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
    ("topk_wrong_axis", "Picked the top scores along the wrong axis",
     "You picked the largest scores along the wrong axis. Each query (a row) keeps its own top_k keys: sort "
     "along the last axis, `np.sort(s, axis=-1)`."),
    ("topk_wrong_count", "Kept the wrong number of keys",
     "Your rows keep a different number of keys than `top_k`. Keep every score at least as large as the "
     "top_k-th largest: `np.sort(s, axis=-1)[:, [-top_k]]`, compared with `>=` (a strict `>` drops it)."),
    ("weights_reduced", "Weights lost the key axis",
     "Softmax does not reduce: it turns each row of scores into a row of weights of the same length. The weights "
     "have the shape of the scores."),
    ("output_rows_from_keys", "One output row per key",
     "The output has one row per *query*: weights (n_q, n_k) @ V (n_k, d_v) gives (n_q, d_v)."),
    ("output_is_weights", "Output shaped like the weights",
     "The output is not the weights: it is weights @ V, one d_v-vector per query, shape (n_q, d_v)."),
    ("output_not_summed", "Output keeps the key axis",
     "Your output still has a key axis. Each query's output *sums* weight × value over the keys: "
     "(n_q, n_k) @ (n_k, d_v) gives (n_q, d_v)."),
    ("summed_wrong_axis", "Summed over the keys, not the features",
     "Your result has one number per query *feature*, as if the sum ran over the keys. Each score sums over the "
     "features of one query–key pair: sum the squared differences (or the products) over the last axis, "
     "`axis=-1`, after pairing every query with every key."),
    ("scores_shape", "Scores keep the feature axis",
     "Each score pairs one query with one key, so S is (n_q, n_k): the dot product sums the feature size d away."),
    ("scored_against_values", "Scored the query against the values",
     "You compared the query with the values. Scores compare the query with the *keys* (q·kᵢ); the values are "
     "only averaged, with the weights the scores give."),
    ("wrong_similarity", "A different similarity than the dot product",
     "This example scores each key with the plain dot product q·kᵢ, not with a distance or another similarity."),
    ("wrong_order", "Right numbers, wrong order",
     "Your numbers are the right ones but in a different order: give one per key (or per component), in the "
     "order of the keys."),
    ("shape_sizes", "Numbers of entries instead of shapes",
     "You gave the number of entries of each matrix. The question asks for shapes: tuples like "
     "`(rows, columns)`."),
    ("used_cosine", "Normalised by the vectors' lengths",
     "You divided by the vectors' lengths (a cosine). This example uses plain dot products q·k, with no "
     "normalisation."),
    ("output_from_keys", "Averaged the keys instead of the values",
     "You averaged the keys. The output is the weighted average of the *values*: Σ αᵢ vᵢ."),
    ("score_left_out", "A score left out of the softmax",
     "Every score takes part in the softmax: the top weight of softmax([2, 1, 0] / τ) is "
     "1 / (1 + e^(−1/τ) + e^(−2/τ)), with one term for each of the three scores."),
    ("dropped_zero_score", "A score of 0 left out",
     "A score of 0 still counts: its exponential is e⁰ = 1, and it belongs in the sum of exponentials."),
    # ---------------------------------------------------------------- kernel regression
    ("large_bandwidth_limit", "Huge-bandwidth limit instead of tiny",
     "That is the mean of all labels: the limit of a *huge* bandwidth. A tiny one keeps only the nearest point."),
    ("not_nearest_point", "Not the nearest point",
     "The prediction is the label of the point *nearest* in distance: compare |x − xᵢ| for every training point "
     "and take the smallest (`np.argmin`)."),
    ("returned_input_not_label", "Returned the nearest input, not its label",
     "You returned the nearest training *input*. The prediction is that point's *label* y."),
    ("returned_index", "Returned the index, not the label",
     "You returned the position of the nearest point. The prediction is its label: `y_train[index]`."),
    ("compared_labels", "Measured distance to the labels",
     "You compared the query with the labels. Distances are measured between inputs: |x − xᵢ|; the label of "
     "the nearest input is the prediction."),
    ("knn_not_1nn", "Averaged several neighbours",
     "You averaged several neighbours' labels. As the bandwidth goes to 0, the single nearest point takes all "
     "the weight."),
    ("finite_bandwidth", "A finite bandwidth, not the limit",
     "You evaluated kernel regression at one particular bandwidth. The question asks for the limit as the "
     "bandwidth goes to 0, where the nearest point takes all the weight."),
    ("interpolated", "Interpolated between neighbours",
     "You interpolated between the neighbours on either side. With a vanishing bandwidth there is no blending: "
     "the single nearest point takes all the weight."),
    ("kernel_missing_half", "Gaussian without its ½",
     "Your predictions are those of a bandwidth √2 times smaller: the Gaussian kernel is exp(−u²/2), with the "
     "½ in the exponent."),
    ("kernel_not_gaussian", "Another kernel than the Gaussian",
     "You used a different kernel shape (such as exp(−|u|)). This exercise asks for the Gaussian, "
     "exp(−u²/2) with u = (x − xᵢ)/τ, τ the bandwidth."),
    ("averaged_inputs", "Averaged the inputs, not the labels",
     "Your predictions average the training inputs xᵢ. Nadaraya–Watson averages the labels yᵢ (the values, in "
     "attention terms) with those weights."),
    ("negative_temperature", "A negative temperature",
     "Your τ is negative, but a temperature is positive. Check which root, or which sign, you kept."),
    ("search_wrong_direction", "The search moved the wrong end",
     "Your answer is where your search interval started or ended, so the search never closed in. The top weight "
     "falls as τ grows: while it is above the target, the answer lies above the midpoint. Check which end each "
     "step moves."),
    ("wrong_log_base", "A logarithm in another base",
     "`np.log` and `math.log` are natural logarithms. With t = e^(1/τ), τ = 1 / ln t; log10 or log2 give "
     "another number."),
    ("wrong_quantity", "Answered a different quantity",
     "You returned a different quantity than the one asked for."),
    # ---------------------------------------------------------------- masks
    ("causal_allows_future", "Causal mask lets queries see the future",
     "Your mask lets a query see keys after its own position. Query i may attend to keys j ≤ i only: the lower "
     "triangle, `np.tril`."),
    ("causal_excludes_diagonal", "Causal mask hides each token from itself",
     "Here a token is hidden from itself. A query may attend to its own position too: j ≤ i, not j < i (the "
     "first token would otherwise have nothing to attend to)."),
    ("keys_not_sorted", "Keys listed out of order",
     "You have the right keys, in another order. The question asks for the sorted list, smallest position "
     "first (`sorted(keys)`)."),
    ("mask_polarity_inverted", "Mask polarity inverted",
     "Your True and False are swapped. In this course True means *may attend*, as in PyTorch's "
     "`scaled_dot_product_attention`: keep the score where the mask is True, e.g. `np.where(mask, scores, -np.inf)`."),
    ("float_mask", "Mask is not boolean",
     "The pattern is right but the dtype is not boolean. Masks here are bool, True = may attend; a 0/1 float "
     "mask is easy to add to scores by mistake."),
    ("padding_on_queries", "Padding mask hides queries",
     "Your mask hides padded *queries* (rows), as a (B, n, 1) padding mask does. Padding must hide *keys* "
     "(columns), so the size-1 axis is the query axis: shape (B, 1, n)."),
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
    ("mask_leak", "Blocked keys still get weight",
     "Keys that must be blocked still get some weight: the mask leaks. A blocked score must become −inf *before* "
     "the softmax (then its weight is exactly 0); check that the mask reaches the scores along the right axes."),
    ("mask_ignored", "Mask ignored",
     "Your function ignores `mask`: masked keys still get weight. Apply it to the scores before the softmax."),
    # ---------------------------------------------------------------- masks: empty rows, decoders (lesson 04)
    ("fully_masked_row_nan", "A query with no visible key gets NaN",
     "A query whose every key is blocked gets NaN: its scores are all −∞, so is their maximum, and −∞ − (−∞) is "
     "NaN. In this course such a row gets zero weights and a zero output: subtract the maximum only where it is "
     "finite, and divide only where the sum is positive, as `al.softmax` does."),
    ("blocked_row_not_zero", "A query with no visible key gets weights",
     "A query whose every key is blocked gets weights in yours (uniform ones, or some other finite numbers). In this "
     "course such a row gets zero weights and a zero output: it may see nothing, so it averages nothing."),
    ("fully_masked_row_uniform", "A query with no visible key averages what it must not see",
     "You fill blocked scores with a large finite number. That works like −∞ on a row that keeps at least one key, "
     "but on a row with every key blocked all the scores are equal: the weights are uniform, and the query "
     "averages keys it may not see. Fill with −∞, and give a row with no visible key zero weights."),
    ("padding_ignored", "Padding keys left visible",
     "Your mask still lets queries see padding. A key must pass every mask: AND the causal mask with the padding "
     "mask, so that each sequence hides its own padded keys."),
    ("left_padding_mirrored", "Left padding made by mirroring the whole mask",
     "Mirroring the right-padded mask left to right does put the padding first, but it mirrors the causal triangle "
     "too, so a query sees the keys after it and not those before. Keep the causal part as it is, and mark key j "
     "real when j ≥ n − length."),
    ("padding_side_ignored", "Left padding treated as right padding",
     "Your mask puts the padding at the end even when `side=\"left\"`. With left padding the real tokens are the "
     "*last* ones: key j is real when j ≥ n − length."),
    ("left_padding_from_the_start", "Left padding counted from the wrong end",
     "With left padding the L real tokens are the *last* ones, positions n − L … n − 1: key j is real when "
     "j ≥ n − L. Yours takes j ≥ L, which keeps the last n − L positions instead (right only when L = n/2)."),
    ("slice_minus_zero", "An empty sequence sliced from the end, [-0:]",
     "A sequence of length 0 gets every key: a slice from the end, `[-L:]`, is `[0:]`, the whole axis, when L = 0. "
     "Slice `[n - L:]`, or compare positions: key j is real when j ≥ n − L."),
    ("fill_above_real_scores", "Blocked scores filled with a number real scores go below",
     "You fill blocked scores with a finite number that real scores can fall below (−1e4 here). Where a query's "
     "visible scores are lower still (large scores), the blocked keys hold the largest scores and take the weight. "
     "Fill with −∞: no real score is below it."),
    ("output_before_mask", "Output computed before the mask",
     "Your weights are right, but the output is computed from the weights before the mask acts on them, so blocked "
     "keys still shape it. Compute `weights @ v` from the final, masked weights."),
    ("read_column_not_row", "Read a column of the mask, not a row",
     "Row i of a mask belongs to query i: its 1s are the keys that query may see. Column j is the other question, "
     "which queries may see key j."),
    ("counted_from_one", "Positions counted from 1",
     "Positions count from 0 here, as numpy indices do: the first token is position 0, so query 2 is the third "
     "token and the keys are numbered 0, 1, 2, …"),
    # ---------------------------------------------------------------- heads
    ("reshape_without_transpose", "Reshaped straight into heads",
     "Right shape, wrong contents: a reshape keeps the numbers in memory order, so reshaping (B, n, D) straight to "
     "(B, h, n, D/h) puts whole positions into a head, and reshaping (B, h, n, d) straight back to (B, n, D) puts "
     "several positions into one row. To split, reshape to (B, n, h, D/h), then swap the n and h axes; to merge, "
     "swap them back first, then reshape."),
    ("interleaved_features", "Heads take interleaved features",
     "Your heads take interleaved features (j, j+h, …). Head j takes the contiguous block [j·D/h, (j+1)·D/h): "
     "reshape to (B, n, h, D/h)."),
    ("heads_axis_last", "Heads axis after the positions",
     "Your heads axis comes after the positions. It must come right before them, (B, h, n, D/h), so that each head "
     "is a separate batch of attention: after reshaping to (B, n, h, D/h), swap the n and h axes (−3 and −2)."),
    ("forgot_w_o", "Output projection W_O forgotten",
     "You concatenated the heads but never applied W_O. The output projection mixes what the heads found: "
     "`concat @ W_o`."),
    ("softmax_over_heads", "Softmax across the heads",
     "Your softmax normalises across the heads axis. Every head has its own distribution over the keys: softmax "
     "along the last axis."),
    ("not_cross_attention", "Keys and values taken from the queries' side",
     "Your keys and values come from x_q, so this is self-attention. In cross-attention the queries come from "
     "x_q and the keys and values from x_kv."),
    # ---------------------------------------------------------------- projections, self- and cross-attention
    ("keys_from_query_side", "Keys projected from the queries' sequence",
     "Your keys come from x_q. In cross-attention the keys and the values both come from x_kv, the sequence "
     "being looked up: each key must sit beside its own value."),
    ("values_from_query_side", "Values projected from the queries' sequence",
     "Your values come from x_q. In cross-attention the values, like the keys, come from x_kv: a query averages "
     "what the other sequence hands over, one value per key."),
    ("queries_from_kv_side", "Queries taken from the sequence looked up",
     "Your queries come from the sequence being looked up (x_kv, the encoder). The queries come from the sequence "
     "that asks (x_q, the decoder), and the output has one row per query: one vector back for each position "
     "that asked."),
    ("kv_shaped_by_query_length", "Keys and values given the queries' length",
     "Keys and values come from the sequence that is looked up (the encoder, in cross-attention) and keep its "
     "length n_k; only the queries have the length n_q of the sequence that asks. Tests with equal lengths hide "
     "this mistake."),
    ("shared_projection", "One projection matrix in two roles",
     "Queries, keys and values each have their own learned matrix, W_q, W_k and W_v. One matrix in two roles "
     "ties them together: W_q for the keys makes the scores symmetric, W_k for the values hands over a copy of "
     "each key instead of what the token has to offer."),
    ("values_unprojected", "Values not projected",
     "The values are x @ W_v, not x itself: W_v decides what each token hands over, and sets the output's "
     "width d_v."),
    ("projection_transposed", "Projection matrix transposed",
     "A projection here is `x @ W`, with W of shape (D, d): one row of W per feature of x. (PyTorch's "
     "`nn.Linear` stores its weight the other way round and computes `x @ W.T`.) With a square W the transpose "
     "runs silently and gives wrong numbers."),
    ("heads_not_split", "Each head kept the full width",
     "Each head works on its own slice of d = D/h features, not on all D of them: splitting into heads divides "
     "the feature axis, it does not copy it."),
    ("heads_not_merged", "Heads not merged back",
     "Merging puts the heads' outputs side by side again: the head axis goes, and each position gets h·d_v "
     "features, shape (B, n_q, h·d_v)."),
    ("row_sums_shape", "Sums shaped like the keys",
     "Summing the weights over the keys removes the keys' axis and keeps all the others: one sum per query, "
     "shape (B, h, n_q)."),
    ("softmax_over_batch", "Softmax across the batch",
     "You normalised across the batch axis, that is across different sentences, which never share weights. "
     "Each query has its own distribution over its own sentence's keys: normalise over the last axis."),
    ("axis_from_the_front", "Axis counted from the front",
     "That is the right axis counted from the front, which is right for this number of axes only. Count from "
     "the end: the keys are the last axis with or without batch and head axes, so one line serves them all."),
    ("heads_summed", "Heads added instead of placed side by side",
     "Merging concatenates: each position's row is [head 0 | head 1 | …], of width h·d. Adding (or averaging) the "
     "heads loses which head found what, and leaves a width of d."),
    ("biases_ignored", "Biases left out",
     "`params` also holds the biases b_q, b_k, b_v and b_o: add each to its projection (`x @ W_q + b_q`), and b_o "
     "after W_O."),
    ("mask_missing_head_axis", "Batch mask not given a head axis",
     "A batch mask, (B, 1, n_k) or (B, n_q, n_k), must become (B, 1, 1, n_k) or (B, 1, n_q, n_k) before it meets "
     "scores (B, h, n_q, n_k): `mask[:, None]`. Without the head axis, broadcasting lines B up with h (or fails). "
     "A (n_q, n_k) mask, or one that already has 4 axes, is used as it is."),
    ("mask_head_axis_misplaced", "Batch mask's head axis after the queries",
     "The head axis of a (B, n_q, n_k) mask goes right after the batch: `mask[:, None]` gives (B, 1, n_q, n_k). "
     "Yours puts it after the queries, (B, n_q, 1, n_k), so query i's row of the mask is used by head i. A "
     "(B, 1, n_k) mask hides this, since its query axis has size 1."),
    ("weights_averaged_over_heads", "Weights averaged over the heads",
     "Return every head's weights, shape (B, h, n_q, n_k). Averaging them over the heads (what PyTorch's "
     "`nn.MultiheadAttention` returns by default) hides what each head does."),
    ("kv_heads_tiled", "Key/value heads tiled, not repeated in place",
     "Query head i uses key/value head i // (h/g): with h = 8 and g = 2, heads 0–3 share KV head 0 and heads 4–7 "
     "KV head 1. `np.tile` gives 0, 1, 0, 1, …; repeat each KV head in place instead, "
     "`np.repeat(k, h // g, axis=1)` (what PyTorch's `repeat_interleave` does)."),
    ("kv_head_index_divided_by_g", "Query head i given KV head i // g",
     "Query head i belongs to group i // (h/g), and that group's KV head is the one it uses: with h = 8 and g = 2, "
     "heads 0–3 use KV head 0 and heads 4–7 KV head 1. Dividing i by g instead sends every head to KV head 0 when "
     "g = h, and past the last KV head when h > g²: divide by the group size h/g, not by g."),
    ("kv_heads_not_repeated", "Key/value heads not matched to the query heads",
     "K and V have g = n_kv_heads heads of d = D/h features each (W_k is D × g·d). Split them into g heads, then "
     "repeat each one h/g times along the head axis, so that every query head meets its key/value head. "
     "Broadcasting alone lines them up only when g = 1 or g = h."),
    ("queries_shared", "Queries shared instead of keys and values",
     "Grouped-query (and multi-query) attention shares the *keys and values* within a group; every query head "
     "keeps its own queries, so the heads of a group still attend differently."),
    ("additive_mask_returned", "Additive mask instead of a boolean one",
     "You returned the additive form of the mask: 0 where a query may attend and −∞ (or a large negative number) "
     "where it may not, the form that is added to the scores. This question asks for the boolean mask itself, "
     "True where the query may attend; `np.where(mask, 0.0, -np.inf)` turns one into the other when you need it."),
    ("mask_mirrored", "Mask mirrored along the keys",
     "Your mask is the right one mirrored along the key axis: the positions you keep are at the wrong end. With "
     "right padding the real tokens come first, at positions 0 … L−1, and the padding after them."),
    # ---------------------------------------------------------------- key/value cache
    ("kv_cache_used_query_heads", "Counted query heads in the cache",
     "Only key/value heads are cached: multiply by n_kv_heads, not by the number of query heads (the two differ "
     "under grouped-query attention)."),
    ("kv_cache_forgot_values", "A factor 2 missing from the cache size",
     "Each token stores a key *and* a value for every key/value head in every layer, so the count starts with 2: "
     "2 · layers · n_kv_heads · d_head numbers."),
    ("kv_cache_bytes_per_number", "Wrong size per cached number",
     "Count bytes: each cached number takes as many bytes as its type, 2 for float16 and bfloat16, 4 for float32."),
    # ---------------------------------------------------------------- backward pass and gradient check (lesson 07)
    ("softmax_grad_diagonal_only", "Only the diagonal of the softmax Jacobian",
     "You used ∂p_i/∂s_i = p_i(1 − p_i) and dropped the −p_i p_j terms: raising one score lowers every other "
     "weight of its row. Subtract each row's ⟨dp, p⟩ from dp before multiplying by p."),
    ("softmax_grad_rowsum_over_all", "Rowsum over the whole array",
     "⟨dp, p⟩ is one number per row (per query): sum over the last axis with keepdims=True, not over the whole "
     "array."),
    ("softmax_grad_without_p", "Forgot to multiply by p",
     "Every entry of ds is multiplied by its own weight p_j: where p is 0 (a masked key) the gradient must be "
     "exactly 0."),
    ("fd_one_sided", "One-sided differences",
     "(f(x + eps) − f(x)) / eps has an error proportional to eps; the central difference "
     "(f(x + eps) − f(x − eps)) / (2 eps) has one proportional to eps². In float64 the central one is about a "
     "thousand times more accurate at the same step."),
    ("fd_step_not_doubled", "Divided by eps instead of 2·eps",
     "The two evaluations are 2·eps apart: divide their difference by 2·eps. Your gradient is exactly twice the "
     "right one."),
    ("fd_in_float32", "Finite differences in float32",
     "In float32 (machine precision 1.2e-7) rounding swamps a step of 1e-6: the best possible relative error is "
     "about 1e-4 to 1e-5. Copy x to float64 first."),
    ("fd_integer_copy", "Kept the integer dtype",
     "np.array(x) of an integer array stays integer, so x + 1e-6 rounds back to x and every difference is 0. "
     "Copy with dtype=np.float64."),
    ("fd_entry_not_restored", "Nudged entry not put back",
     "After the two evaluations, put x[i] back to its original value; otherwise every later entry is "
     "differentiated at a shifted point."),
    ("fd_step_too_small", "Step too small",
     "Below about 1e-8, rounding error (about 1e-16 / eps) dominates: the error is U-shaped in eps, and 1e-6 sits "
     "near the bottom for central differences in float64."),
    ("fd_all_entries_at_once", "Nudged every entry at once",
     "Moving every entry of x by eps at the same time measures one number, the slope of f along the direction "
     "(1, 1, …, 1), and that number in every entry is not the gradient. Nudge one entry at a time "
     "(`np.ndindex(x.shape)` visits them all) and put it back before the next."),
    ("fd_inaccurate", "Gradient estimate not accurate enough",
     "Your estimate is close to the exact gradient, but a gradient check needs more digits than that: central "
     "differences in float64, a step near 1e-6, and every entry put back after it is nudged."),
    ("missing_rowsum_term", "The rowsum term is missing",
     "dS = P ∘ dP uses only the diagonal of the softmax Jacobian. Subtract each row's ⟨dP, P⟩: "
     "dS = P ∘ (dP − rowsum(dP ∘ P))."),
    ("transposed_dk", "dK uses dS instead of dSᵀ",
     "Key j collects dS_ij q_i over the queries i: that is column j of dS, so dK = dSᵀ Q / √d. dS Q only has the "
     "right shape when n_q = n_k."),
    ("backward_missing_scale", "The 1/√d is missing from the backward pass",
     "The forward pass divides the scores by √d, so the chain rule multiplies dQ and dK by 1/√d too. Yours are "
     "exactly √d times too large."),
    ("gradient_through_masked", "Gradient flows through masked keys",
     "The backward pass must use the same weights as the forward pass: blocked keys have P = 0, so dS = 0 there "
     "and masked keys get no gradient. Yours recomputes P without the mask."),
    ("dv_not_transposed", "dV = P dO instead of Pᵀ dO",
     "Value j is used by every query i with weight P_ij, so dV = Pᵀ dO, shape (n_k, d_v)."),
    ("softmax_backward_skipped", "Went from dP straight to dQ",
     "Between the scores and the weights sits the softmax: turn dP into dS with dS = P ∘ (dP − rowsum(dP ∘ P)) "
     "before multiplying by K and Q."),
    ("masked_grads_zeroed_afterwards", "Zeroed the masked keys' gradients afterwards",
     "Setting dk and dv to 0 at masked keys is not enough: the allowed keys' weights must be renormalised without "
     "the masked ones, or dq and the other rows of dk and dv stay wrong. Mask the scores with −∞ before the "
     "softmax."),
    # ---------------------------------------------------------------- efficient attention (lesson 08)
    ("online_sum_not_rescaled", "Running sum not rescaled when the max grows",
     "When a new score beats the running maximum, every term already in the running sum was computed against "
     "the old maximum. Multiply the sum so far by e^(m_old − m_new) before adding the new term; without it the "
     "sum is too large whenever the maximum grows, and the weights no longer sum to 1."),
    ("online_rescale_inverted", "Rescaling factor upside down",
     "Your rescaling factor is e^(m_new − m_old), the inverse of the right one. What was summed so far must "
     "shrink when the maximum grows: multiply it by e^(m_old − m_new), which is at most 1 (and 0 before the "
     "first score, when m_old = −∞)."),
    ("online_max_started_at_zero", "Running max started at 0",
     "Start the running maximum at −∞ (and the sum at 0), not at 0. Started at 0, the maximum never drops below "
     "0, so a row of very negative scores is shifted by 0 instead of by its own maximum: every exponential "
     "underflows to 0 and the division is 0/0."),
    ("flash_sum_not_rescaled", "Output rescaled, running sum not",
     "When the maximum grows you rescale the accumulated output by α = e^(m_old − m_new), but not the running "
     "sum ℓ. Both were computed against the old maximum, so both need α: `l = alpha * l + p.sum(-1, "
     "keepdims=True)`. Otherwise the final division uses a sum built against two different maxima."),
    ("flash_output_not_rescaled", "Running sum rescaled, output not",
     "When the maximum grows you rescale the running sum ℓ, but not the accumulated output. The output so far "
     "was computed against the old maximum too: `acc = alpha * acc + p @ v_block`."),
    ("flash_tile_max_not_running_max", "Tile exponentiated against its own max",
     "You exponentiate this tile's scores against the tile's own maximum, while the old part is brought to the "
     "running maximum. Everything must share one shift: `p = np.exp(s - m_new)`, with m_new the running "
     "maximum after this tile."),
    ("flash_max_forgets_old", "New maximum taken from this tile alone",
     "Your new running maximum is this tile's maximum alone: the old m is forgotten. It must be the maximum over "
     "every key seen so far, `np.maximum(m, scores_block.max(axis=-1, keepdims=True))`; otherwise, where this tile "
     "is lower than before, e^(m_old − m_new) grows what was summed instead of shrinking it, and a fully blocked "
     "tile gives −∞ − (−∞) = NaN."),
    ("flash_normalised_too_early", "Divided by ℓ before the last tile",
     "The running output stays unnormalised, acc = Σ e^(s − m) v, until the very last tile: divide by ℓ once, "
     "at the end. Dividing at every tile is right after one tile and wrong after two."),
    ("key_loop_over_queries", "Key loop stops at n_q",
     "The inner loop must visit every key: its range runs over n_k = `k.shape[-2]`. Bounded by the number of "
     "queries, it skips keys whenever there are more keys than queries, and nothing shows when they are equal."),
    ("query_loop_over_keys", "Query loop stops at n_k",
     "The outer loop must visit every query: its range runs over n_q = `q.shape[-2]`. Bounded by the number of "
     "keys, it leaves the last queries' rows unwritten whenever there are more queries than keys."),
    ("kv_cache_off_by_one", "New token misses itself, or sees one key too many",
     "A new token must see every cached key and itself, and nothing after it. Append its key and value to the "
     "cache *before* attending, and align the causal mask bottom-right: query i of the n_q new tokens sits at "
     "position n_past + i and sees keys 0 … n_past + i."),
    ("kv_cache_wrong_axis", "Cache grown along the wrong axis",
     "Keys and values are stored one row per token, (..., n_tokens, d): new tokens go on the sequence axis, −2, "
     "`np.concatenate([k_cache, k_new], axis=-2)`. Axis 0 is the sequence axis of a single matrix only; with a "
     "batch or heads in front it is the batch axis."),
    ("causal_mask_top_left", "Causal mask aligned top-left",
     "Your mask is aligned top-left, like PyTorch's `is_causal=True`: the new tokens see only the first keys. "
     "With a cache there are more keys than queries and the new queries are the *last* positions: "
     "`al.causal_mask(n_q, n_k)` ends its diagonal in the bottom-right corner."),
    ("decode_no_mask_for_several_tokens", "Several new tokens see each other's future",
     "With several new tokens at once, each must not see the new tokens after it. A single new token needs no "
     "mask; n_q > 1 new tokens need the causal mask `al.causal_mask(n_q, n_k)`."),
    ("kv_cache_not_grown", "Returned caches not grown",
     "Return the caches with the new tokens' keys and values appended, one row per new token: the next step "
     "needs every token so far, not the old cache and not the new rows alone."),
    ("kv_cache_prepended", "New tokens put in front of the cache",
     "Your cache puts the new tokens before the old ones. Row t of the cache is token t: append the new rows at "
     "the end, `np.concatenate([k_cache, k_new], axis=-2)`, so that positions (and the causal mask) stay in "
     "order."),
    ("kv_cache_ignored", "Attended to the new tokens only",
     "Your new tokens attend only to each other. The point of the cache is that they also attend to every "
     "cached token: attend to the whole grown cache, with the causal mask for the new tokens."),
    ("flash_max_not_updated", "Returned the old running max",
     "Return the new running maximum, m' = max(m, the row maxima of this tile): the next tile rescales against "
     "it, and ℓ and acc are now computed against it."),
    ("kv_cache_counts_queries", "Counted the queries too",
     "Only keys and values are cached: a token's query is used once, at its own step, and never read again. "
     "Count 2 numbers per key/value head and feature (a key and a value), and no queries."),
    ("kv_cache_missing_factor", "A factor of the cache size left out",
     "The size of a KV cache is the product of every count: 2 (keys and values) × layers × KV heads × d_head × "
     "tokens × bytes per number × batch. One of them is missing from yours."),
    ("integer_overflow", "A 32-bit integer overflowed",
     "A product of sizes passed 2³¹ in a 32-bit integer and wrapped around. Python's own integers never overflow: "
     "multiply the arguments as they come, or use `np.int64`."),
    ("stale_running_max", "Exponentiated against the old running max",
     "An exponential uses the running maximum from before this step, not the new one: the terms and the rescaled "
     "sum no longer share one maximum."),
    ("tail_tile_skipped", "The last, shorter tile skipped",
     "The loop over tiles stops before the last tile when the length is not a multiple of the block size: `range(0, "
     "n, block_size)` visits the short tail too, and the slice `[j:j + block_size]` simply ends early."),
    # ---------------------------------------------------------------- positions (lesson 09)
    ("pe_sin_cos_concatenated", "Sines and cosines in two halves",
     "You put all the sines in the first half of the columns and all the cosines in the second. In Vaswani et "
     "al. (§3.5) they alternate: column 2i holds sin(p ω_i) and column 2i + 1 holds cos(p ω_i) of the same "
     "frequency, `pe[:, 0::2]` and `pe[:, 1::2]`. (Some libraries use halves; this exercise asks for the "
     "paper's layout.)"),
    ("pe_sines_only", "Sines only, no cosines",
     "Every column of yours is a sine (position 0 is a row of zeros). The encoding pairs each sine with a "
     "cosine of the same frequency: with both, moving k positions is a fixed rotation of each pair, a linear "
     "map; with sines alone it is not."),
    ("pe_sin_cos_swapped", "Cosines in the even columns",
     "Your sines and cosines sit in each other's columns. Column 2i holds the sine and column 2i + 1 the "
     "cosine: at position 0 a row reads 0, 1, 0, 1, …"),
    ("pe_frequency_per_column", "Each cosine got its own frequency",
     "Each cosine column uses a frequency of its own, computed from its own column index. A sine and the "
     "cosine next to it share one frequency, ω_i = base^(−2i/d) for the pair (2i, 2i + 1): that shared angle "
     "is what makes a shift a rotation of the pair."),
    ("frequency_exponent_doubled", "Exponent 2i/d counted twice",
     "Your frequencies fall twice as fast as they should: the exponent is 2i/d where i counts *pairs* "
     "(0, 1, 2, …). If your loop or `np.arange(0, d, 2)` already steps through the even numbers 2i, "
     "divide by d, do not double it again."),
    ("frequency_exponent_halved", "Exponent i/d instead of 2i/d",
     "Your frequencies fall half as fast as they should: with i counting pairs (0, 1, 2, …), ω_i = "
     "base^(−2i/d), so that the slowest pair turns about once in 2π · base positions. `np.arange(0, d, 2) / d` "
     "gives the exponents 2i/d directly."),
    ("frequency_inverted", "Multiplied by base^(2i/d) instead of dividing",
     "You multiplied the position by base^(2i/d). The angle is position / base^(2i/d) (= position · ω_i with "
     "ω_i = base^(−2i/d)): frequencies fall from 1 towards 1/base, so that wavelengths grow from 2π to about "
     "2π · base. Multiplied, they grow instead and the angles explode."),
    ("base_argument_ignored", "The base argument is ignored",
     "Your function gives the same result whatever `base` is: it uses 10,000 where the argument belongs."),
    ("positions_start_at_one", "Positions counted from 1",
     "Your rows belong to positions 1 … n. The first token sits at position 0 (its row is sin 0 = 0, cos 0 = 1 "
     "in every pair): count with `np.arange(n)`."),
    ("rope_interleaved_pairs", "Pairs (2i, 2i + 1) instead of (i, i + d/2)",
     "You rotated neighbouring features together, (0, 1), (2, 3), …: the interleaved convention of the RoFormer "
     "paper and Meta's original Llama code. This exercise uses the half-split convention of GPT-NeoX and Hugging "
     "Face Llama: feature i pairs with feature i + d/2, x1 = x[..., :d//2] with x2 = x[..., d//2:]. Both are "
     "rotations with relative scores, but a model only works with the convention it was trained with."),
    ("rope_rotated_backwards", "Rotated by −θ",
     "You turn every pair the wrong way, by −position · ω_i. For the pair (x1, x2) the rotation by θ is "
     "(x1 cos θ − x2 sin θ, x1 sin θ + x2 cos θ): check the two signs (in `rotate_half` style, "
     "cat(−x2, x1), not cat(x2, −x1))."),
    ("rope_pair_angles_differ", "The two features of a pair turn by different angles",
     "Each feature got a frequency of its own (for example from `np.arange(d)`), so the two features of a pair "
     "turn by different angles and the pair is not rotated. There are d/2 frequencies, one per pair: compute "
     "them for i = 0 … d/2 − 1 and use the same angle for feature i and feature i + d/2."),
    ("rope_not_a_rotation", "Not a rotation: lengths change",
     "Your map changes the length of the pairs, so it is not a rotation. Both new features of a pair come from "
     "the old pair (x1, x2) and one angle θ: (x1 cos θ − x2 sin θ, x1 sin θ + x2 cos θ), with one minus sign."),
    ("rope_half_overwritten", "A half rotated from the other half's new values",
     "One half of your pairs is computed from the other half *after* it was rotated: `x1 = out[..., :d//2]` is a "
     "view, so writing `out[..., :d//2] = …` changes x1 too. Compute both halves from the original x1 and x2, "
     "into a new array (`np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)`)."),
    ("rope_table_repeated", "The interleaved table with the half-split rotation",
     "Your cos and sin table repeats each angle side by side (θ₀, θ₀, θ₁, θ₁, …: `np.repeat`, the table of the "
     "interleaved pairing), but you rotate halves, feature i with feature i + d/2, so the two features of a pair "
     "turn by different angles. For halves, lay the d/2 angles end to end twice: `np.concatenate([theta, theta], "
     "axis=-1)`."),
    ("positions_assumed_consecutive", "Positions assumed to be consecutive",
     "You count the positions up from the first one, `positions[0] + np.arange(T)`, so yours are right only "
     "while the positions follow each other. Use the positions you are given, each row its own, "
     "`np.asarray(positions)`: they may skip or come in any order."),
    ("rope_frequencies_wrong", "Rotations with other frequencies",
     "Your pairs turn as rotations should, by the positions given, but with other frequencies ω_i than "
     "base^(−2i/d): pair i's exponent is 2i/d, for i = 0 … d/2 − 1, so it steps by 2/d from 0 and stops at "
     "(d − 2)/d."),
    ("rope_positions_swapped", "Queries and keys rotated by each other's positions",
     "You rotate the queries by `k_positions` and the keys by `q_positions`. Each vector turns by its *own* "
     "position: `apply_rope(q, q_positions)` and `apply_rope(k, k_positions)`. Where there are fewer queries than "
     "keys (new tokens after a KV cache) the swapped lengths do not even fit."),
    ("rope_one_side_backwards", "Queries and keys turned opposite ways",
     "One of your two rotations runs backwards (by −position): then the score depends on m + n, not on the "
     "offset n − m, and a shift of both positions changes it. Turn the queries and the keys the same way, each by "
     "its own position."),
    ("positions_argument_ignored", "The positions argument is ignored",
     "You rotated the rows by 0, 1, 2, … whatever positions were passed. Use the positions you are given: "
     "after a KV cache of earlier tokens, new tokens sit at positions n_past, n_past + 1, …, not at 0."),
    ("rope_keys_at_query_positions", "Keys rotated by the queries' positions",
     "You rotated the keys by the positions of the queries. Each vector turns by its *own* position: queries by "
     "`q_positions`, keys by `k_positions`; only then does the score depend on m − n."),
    ("rope_query_only", "Only one of q and k rotated",
     "You rotated only one of the two. RoPE rotates both queries and keys (never the values): the score "
     "depends on m − n because the query turns by m and the key by n."),
    ("alibi_sign_flipped", "Bias grows with distance",
     "Your bias is +m · distance (the same as −m · (key − query)): the further back a key is, the more it "
     "gets. ALiBi *penalises* distance: add −m_h · (i − j) for a key j at or before query position i, 0 for "
     "the query's own key."),
    ("alibi_missing_causal_part", "Future keys not blocked",
     "Your bias lets queries see keys after them. The causal part blocks them: −∞ where j > i (the query's "
     "position), so the bias can replace the causal mask."),
    ("alibi_blocked_finite", "Future keys get a large finite number, not −∞",
     "Your bias gives each key after the query a large finite number (such as −1e9). The exercise asks for −∞ "
     "there, `np.where(j <= i, bias, -np.inf)`: −∞ says the key is blocked whatever the scores are, while a "
     "finite number is only a large penalty, which a score of the same size outweighs."),
    ("frequencies_all_one", "Every pair turns with frequency 1",
     "Your angles are the positions themselves: every pair turns by 1 radian per position. The angle of pair i "
     "is p / base^(2i/d). Either the division by base^(2i/d) is missing, or the exponent 2i/d is 0 for every "
     "pair: a floor division `2 * i // d` (or `two_i // d`) rounds it down to 0, so use `/`."),
    ("pe_frequencies_wrong", "Sines and cosines of other frequencies",
     "Your table alternates sin(p ω_i) and cos(p ω_i) as it should, but with other frequencies ω_i than "
     "base^(−2i/d): pair i's exponent is 2i/d, for i = 0 … d/2 − 1, so it steps by 2/d from 0 and stops at "
     "(d − 2)/d."),
    ("alibi_slopes_off_by_one", "Slopes start at 2^0",
     "Your first head has slope 1. The slopes are m_i = 2^(−8i/h) for i = 1 … h: for 8 heads 1/2, 1/4, …, "
     "1/256; the exponent counts from 1, not from 0."),
    ("alibi_slopes_ignore_head_count", "Slopes not spread over the heads",
     "Your slopes 1/2, 1/4, 1/8, … do not depend on the number of heads. The geometric sequence starts at "
     "2^(−8/h) and has that same ratio, so the h slopes always end at 2^(−8), however many heads there are."),
    ("alibi_slopes_power_of_two_rule", "2^(−8i/h) for a head count that is not a power of 2",
     "For h heads that is not a power of 2, the authors' code does not use 2^(−8i/h). It takes the slopes of "
     "the largest power of 2 below h, p, then every other slope of 2p heads for the remaining h − p heads "
     "(`slopes(2p)[0::2][:h - p]`)."),
    ("alibi_extra_slopes_first_ones", "The extra heads take the first slopes of 2p heads",
     "For h heads that is not a power of 2, your extra h − p heads take the *first* h − p slopes of 2p heads; "
     "some of those are slopes the first p heads have already (every second slope of 2p heads is one of p "
     "heads'). The authors' code takes every other one, `slopes(2p)[0::2][:h - p]`: the slopes that fall "
     "between the first p."),
    ("alibi_slopes_rounded_up", "Head count rounded up to a power of 2",
     "For h heads that is not a power of 2, you take the slopes of the next power of 2 above h and keep the "
     "first h. The authors' code rounds down: the slopes of p heads, p the largest power of 2 below h, then "
     "every other slope of 2p heads for the remaining h − p heads (`slopes(2p)[0::2][:h - p]`)."),
    ("alibi_slopes_sorted", "The extra heads' slopes sorted in",
     "You have the right slopes, but for h heads that is not a power of 2 you sorted them. The authors' code "
     "keeps the order it makes them in: the p heads' slopes first, then the h − p extra ones after them, "
     "`np.concatenate([slopes(p), slopes(2p)[0::2][:h - p]])`."),
    ("alibi_zero_times_inf", "A 0/1 mask times −∞ gives NaN",
     "Your bias is NaN on keys the query may see: you multiply a 0/1 mask by −∞, and 0 · (−∞) is NaN, not 0. "
     "Choose instead of multiplying: `np.where(j <= i, bias, -np.inf)`."),
    ("alibi_slopes_reversed", "Slopes in the wrong head order",
     "Your slopes are right but in the opposite order: head 0 has the steepest slope, 2^(−8/h), and each "
     "next head's slope is smaller by the same factor."),
    ("alibi_row_shift", "Bias differs by a constant in each row",
     "Your bias differs from −m · (i − j) by a constant in each row, as BLOOM's m · j does. The softmax "
     "cannot tell the difference (adding a constant to a row of scores changes no weight), but this exercise "
     "asks for the bias itself: 0 for the query's own key, −m per step back."),
    # ---------------------------------------------------------------- a tiny GPT (lesson 10)
    ("layer_norm_wrong_axis", "Normalised across tokens, not within each token",
     "LayerNorm normalises each token's vector over its own D features, the last axis: `x.mean(axis=-1, "
     "keepdims=True)` and the same for the variance. Averaging over the batch or the positions is BatchNorm's "
     "idea, and it makes one token's output depend on the others."),
    ("layer_norm_unbiased_variance", "Variance divided by D − 1",
     "LayerNorm's variance divides by D, the number of features (`np.var`'s default, `ddof=0`), as PyTorch's "
     "`nn.LayerNorm` does; `ddof=1` (or `torch.var`'s default) divides by D − 1 and makes every output a little "
     "too small."),
    ("layer_norm_eps_outside_sqrt", "ε added outside the square root",
     "ε goes under the square root, `np.sqrt(var + eps)`: it keeps a constant vector (variance 0) from dividing "
     "by 0. Added after the root, `np.sqrt(var) + eps`, it is a different number whenever the variance is small."),
    ("layer_norm_no_eps", "No ε: a constant vector divides by zero",
     "A token whose features are all equal has variance 0, and without ε the division gives NaN. Divide by "
     "`np.sqrt(var + eps)`."),
    ("layer_norm_no_centering", "Mean not subtracted (that is RMSNorm)",
     "You divided by a spread but did not subtract each token's mean first. LayerNorm centres, `x − μ`, then "
     "divides by √(σ² + ε); dividing by the root mean square without centring is RMSNorm, another layer."),
    ("layer_norm_variance_cancels", "Variance as E[x²] − μ², which cancels",
     "E[x²] − μ² is the variance on paper, but when a token's features sit far from 0 both terms are huge and "
     "nearly equal, and their difference keeps only the rounding error (it can even come out negative). Take the "
     "mean off first and average the squares of the centred features, `((x - mu) ** 2).mean(axis=-1, "
     "keepdims=True)`, as `np.var` does."),
    ("layer_norm_divided_by_variance", "Divided by the variance, not its square root",
     "Divide by the standard deviation, √(σ² + ε), not by the variance σ² + ε: the normalised features must "
     "have variance 1."),
    ("layer_norm_affine_missing", "γ or β left out",
     "After normalising, scale by γ and shift by β, feature by feature: `x_hat * gamma + beta`. They let the "
     "model undo the normalisation where that helps."),
    ("layer_norm_beta_scaled", "β added before scaling by γ",
     "γ scales and then β shifts: `x_hat * gamma + beta`. Added inside, γ (x̂ + β), β is scaled by γ too."),
    ("layer_norm_gamma_beta_swapped", "γ and β in each other's places",
     "γ multiplies and β is added: `x_hat * gamma + beta`."),
    ("layer_norm_backward_constant_stats", "μ and σ treated as constants",
     "Every feature of a token moves its mean μ and its spread σ, so dx is not just γ ∘ dy / σ. With g = γ ∘ dy: "
     "dx = (g − mean(g) − x̂ ∘ mean(g ∘ x̂)) / σ, means over the features of each token."),
    ("layer_norm_backward_missing_mean_term", "The mean's term is missing",
     "Subtract mean(g), the part that flows through μ: dx = (g − mean(g) − x̂ ∘ mean(g ∘ x̂)) / σ. Without it the "
     "features of each dx do not sum to 0, though moving every feature of a token by the same amount changes "
     "nothing after LayerNorm."),
    ("layer_norm_backward_missing_variance_term", "The variance's term is missing",
     "Subtract x̂ ∘ mean(g ∘ x̂), the part that flows through σ: dx = (g − mean(g) − x̂ ∘ mean(g ∘ x̂)) / σ."),
    ("layer_norm_backward_without_gamma", "dy not multiplied by γ",
     "The gradient reaching x̂ is γ ∘ dy (y = γ ∘ x̂ + β): start dx from g = dy * gamma."),
    ("layer_norm_backward_params_not_summed", "dγ and dβ not summed over the tokens",
     "γ and β are shared by every token, so their gradients add up over all of them: sum over every axis but "
     "the last, e.g. `(dy * x_hat).reshape(-1, D).sum(axis=0)`, shape (D,)."),
    ("layer_norm_backward_params_swapped", "dγ and dβ in each other's places",
     "dγ = Σ dy ∘ x̂ (γ multiplies x̂) and dβ = Σ dy (β is added); return them in the order (dx, dgamma, dbeta)."),
    ("ce_grad_missing_onehot", "Gradient is p: the target's −1 left out",
     "The gradient of −ln p_target with respect to the logits is p − onehot(target): p everywhere, minus 1 at the "
     "right answer. Without the −1, every logit is pushed down, the right one too."),
    ("ce_grad_not_averaged", "Gradient of the sum, loss of the mean",
     "The loss is the mean over the n rows, so each row's gradient is (p − onehot) / n. Yours is n times larger: "
     "the gradient of the sum."),
    ("ce_loss_summed", "Loss summed, not averaged",
     "The loss is the mean of −ln p_target over the rows (nats per token), not the sum: divide by n."),
    ("ce_without_log_sum_exp", "−logit of the target, without the normaliser",
     "−ln p_target = −logit_target + ln Σ_j e^(logit_j): the log-sum-exp term makes the probabilities sum to 1. "
     "Without it the loss can be negative and does not fall as the model gets better."),
    ("ce_wrong_index", "Every row paired with every target",
     "`log_p[:, targets]` takes, for every row, the columns of all n targets: an (n, n) array. Take one entry "
     "per row, `log_p[np.arange(n), targets]` (or `np.take_along_axis`)."),
    ("ce_grad_wrong_index", "Gradient's −1 taken off whole columns",
     "In your gradient, `d_logits[:, targets] -= 1` takes 1 off whole columns, in every row: take it off one "
     "entry per row, `d_logits[np.arange(n), targets] -= 1`."),
    ("ce_log_eps_caps_loss", "ε inside the log caps the loss",
     "Your ε inside the log, log(p + ε), keeps the loss finite but caps each row's loss at −ln ε (about 21 nats "
     "for ε = 1e-9): where a target's probability underflows to 0 (its logit 800 below its row's maximum here), "
     "its true loss is far larger, and a confidently wrong model is let off. Take log-probabilities directly, "
     "log-softmax = z − ln Σ e^z with z the logits minus their row's maximum: finite and exact for any logits."),
    ("ce_log_of_underflowed_softmax", "log of a probability that underflowed to 0",
     "Where a target's logit lies far below its row's maximum (800 below here), its probability e^−800 is "
     "smaller than the smallest float64 (about e^−745): the softmax rounds it to 0 and log 0 = −∞, so your loss "
     "is infinite. Take log-probabilities directly, log-softmax = z − ln Σ e^z with z the logits minus their "
     "row's maximum: finite for any logits."),
    ("ce_in_bits", "Bits, not nats",
     "Cross-entropy here is in nats, with the natural logarithm (`np.log`): dividing by ln 2 gives bits per "
     "token, a unit that is ln 2 = 0.693 times smaller."),
    ("block_post_ln", "LayerNorm after the residual sum (post-LN)",
     "That is the original Transformer's post-LN block, `x = LN(x + sublayer(x))`. GPT-2's pre-LN block "
     "normalises the sublayer's input and leaves the residual stream alone: `x = x + sublayer(LN(x))`."),
    ("block_missing_residual", "A residual connection is missing",
     "Each sublayer *adds* its output to the stream: `x = x + attention(LN(x))`, then `x = x + mlp(LN(x))`. "
     "Without the `x +` the block forgets its input."),
    ("block_residual_from_normalised", "Residual added to the normalised stream",
     "The residual path carries x itself, not LN(x): `x = x + attention(LN(x))`. Adding to LN(x) throws away "
     "the stream's scale at every block."),
    ("block_not_causal", "Attention sees the future",
     "In a language model a position may attend only to itself and earlier positions, or it could read the "
     "token it is asked to predict: mask the scores with the causal mask (`np.tril`) before the softmax."),
    ("block_sublayers_swapped", "MLP before attention",
     "In GPT-2's block attention comes first and the MLP second, each with its own LayerNorm."),
    ("block_layer_norms_swapped", "The two LayerNorms' parameters mixed up",
     "`ln1.g`, `ln1.b` normalise the attention's input and `ln2.g`, `ln2.b` the MLP's."),
    ("relu_instead_of_gelu", "ReLU instead of GELU",
     "The MLP's activation is GELU, `0.5 u (1 + tanh(√(2/π) (u + 0.044715 u³)))`, which is smooth and lets "
     "small negative values through; ReLU cuts them to 0."),
    ("gelu_exact_not_tanh", "GELU's erf form, not its tanh form",
     "This model uses GELU's tanh form (GPT-2's), which differs from the exact x Φ(x) by up to about 5e-4."),
    ("temperature_zero_divides", "Temperature 0 divides by zero",
     "Temperature 0 is the limit τ → 0, greedy decoding: return the most likely token (`np.argmax`) without "
     "dividing by τ, which gives inf and NaN."),
    ("gelu_sigmoid_form", "GELU's sigmoid approximation, not its tanh form",
     "Your MLP's activation is u · σ(1.702 u), the cruder of the two approximations in the GELU paper "
     "(Hendrycks and Gimpel, 2016, §2). This model uses the tanh form, as GPT-2 does: "
     "`0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * (u + 0.044715 * u ** 3)))`."),
    ("mlp_activation_wrong", "Another activation than GELU",
     "Your MLP's activation is not GELU's tanh form, `0.5 * u * (1 + np.tanh(np.sqrt(2 / np.pi) * "
     "(u + 0.044715 * u ** 3)))`."),
    ("block_mlp_bias_misplaced", "b_1 added in the wrong place",
     "b_1 is the first layer's bias: it is added to m W_1 *before* the GELU, `u = m @ W_1 + b_1`, then "
     "`gelu(u) @ W_2 + b_2`."),
    ("block_mlp_reads_input", "The MLP reads the block's input, not the stream after attention",
     "Each sub-layer of your block is right on its own, but together they are not: your MLP reads the block's "
     "input x, as a parallel block (GPT-J's) does. GPT-2's block is sequential: first x = x + attention(LN1(x)), "
     "then the MLP normalises *that* x, x = x + MLP(LN2(x))."),
    ("block_attention_part_wrong", "The attention half of the block is off",
     "Your block's MLP half is right, but its attention half is not. Check the attention step by step: the "
     "projections with W_q, W_k, W_v; the split into heads (reshape to (B, T, h, D/h), then swap T and h); the "
     "scores scaled by √(D/h); the causal mask on the scores *before* the softmax; the merge of the heads; W_o."),
    ("block_mlp_part_wrong", "The MLP half of the block is off",
     "Your block's attention half is right, but its MLP half is not. Check it step by step: its own LayerNorm "
     "(ln2), `u = m @ W_1 + b_1`, the GELU, then `@ W_2 + b_2`, added to the stream."),
    ("sampling_draws_twice", "Drew from the generator twice",
     "Your tokens are the ones the right answer draws from a generator one step further on: you drew from `rng` "
     "once before the draws you return (a first `rng.choice` or `rng.random`). Each call draws once, "
     "`rng.choice(V, size=size, p=probs)`, so that a seeded run of many tokens can be repeated."),
    ("temperature_skipped_with_topk", "No temperature when top_k is given",
     "Your top-k branch cuts and draws from the raw logits: the temperature is applied only when `top_k` is None. "
     "Both settings apply together: divide by τ first, `z = logits / temperature`, then keep the k largest of z."),
    ("sampling_ids_reordered", "Drew over the tokens in another order",
     "Your draws use the generator's own numbers, in the right proportions, but each number picks another token "
     "than it should: you draw from the tokens listed in another order (the kept ids sorted by logit, say). Draw "
     "over all V ids in their own order, with probability 0 for the dropped ones, `rng.choice(V, size=size, "
     "p=probs)`, so that a seeded run gives the same text everywhere."),
    ("sampling_ignores_rng", "Drew from another random generator",
     "Draw with the generator you are given, `rng.choice(V, size=size, p=probs)`: the global `np.random` "
     "functions or a new `default_rng()` give other numbers, so a seeded run cannot be repeated."),
    ("sampling_always_greedy", "Always the most likely token",
     "You returned the argmax at every temperature. Sampling draws from the distribution, so less likely tokens "
     "come up too, as often as their probability says."),
    ("sampling_rng_state", "Right tokens, but the generator left in another state",
     "Your tokens are right, but `rng` is not left where one draw per token leaves it, so the next call (the "
     "next token of a text) starts from other random numbers than the reference's. Draw once, `rng.choice(V, "
     "size=size, p=probs)`, from the generator you are given (not a copy), and draw nothing at temperature 0."),
    ("sampling_ids_not_integers", "Token ids as floating-point numbers",
     "A token id indexes the vocabulary, so it is an integer: an `int`, or an integer array for `size=n`. Yours are "
     "floating-point numbers (an array from `np.zeros(n)` or `np.empty(n)` filled in a loop is float), which numpy "
     "refuses as indices: build the array with `dtype=int`, or collect the draws of `rng.choice`, which are "
     "integers already."),
    ("sampling_size_ignored", "`size` ignored",
     "With `size=n`, return n independent draws (an array), as `rng.choice` does; with `size=None`, one token "
     "id."),
)

_GENERIC = _entries(
    "generic",
    ("not_a_function", "Passed something other than a function", "Pass the function itself, not its result."),
    ("calls_library", "Called the library's own function",
     "Here the point is to build it yourself from numpy operations."),
    ("raised", "Raised an exception", "Your function stopped with an error."),
    ("returned_none", "Returned None", "Your function returned `None`. Did you forget a `return`?"),
    ("timeout", "Ran too long", "Your function ran too long and was stopped. Look for a loop that never ends."),
    ("mutates_input", "Changed its input in place",
     "Your function changed its input array in place (for example `x -= ...`). Work on a new array: `x = x - ...`."),
    ("wrong_type", "Returned the wrong kind of value", "Your function returned a different kind of value."),
    ("wrong_shape", "Wrong shape", "Your result does not have the shape this input calls for."),
    ("wrong_dtype", "Wrong dtype", "Your result has a different dtype."),
    ("not_finite", "NaN or inf in the result", "Your result contains NaN or inf."),
    ("integer_result", "Integer result",
     "Your result has an integer dtype, so every value lost its fractional part. Keep it floating-point: start "
     "from `np.zeros(n)` (not `dtype=int`) and don't cast."),
    ("low_precision", "float16 loses digits",
     "Your result is float16, which keeps only about 3 significant digits (a logit like 1000.3 is rounded to "
     "1000). Compute in float64, numpy's default, or float32."),
    ("extra_axis", "An extra axis of length 1",
     "Your numbers are right, but the result has an extra (or a missing) axis of length 1. Return the shape the "
     "question asks for: `np.squeeze`, or index the single row."),
    ("math_on_array", "`math` and Python built-ins on arrays",
     "`math.exp`, `math.sqrt`, `math.log`, and Python's own `max`, `sum` and `if`, work on one number at a time; "
     "given an array (or a number too large) they fail or go row by row. Use `np.exp`, `np.sqrt`, `np.log`, "
     "`np.max(x, axis=...)` and `np.where`, which work on whole arrays."),
    ("broadcast_mismatch", "Arrays that don't line up",
     "Two arrays did not broadcast together. If a sum or a max lost its axis, keep it (`keepdims=True`); to pair "
     "every query with every key (or training point), give them different new axes, e.g. "
     "`q[..., :, None, :] - k[..., None, :, :]`, or `x_query[:, None] - x_train[None, :]`."),
    ("matmul_mismatch", "Matrix product with mismatched sizes",
     "The inner sizes of a matrix product do not agree: in `A @ B` the last axis of A must match the "
     "second-to-last of B. Scores are q (n_q, d) @ kᵀ (d, n_k); the output is weights (n_q, n_k) @ v (n_k, d_v)."),
    ("caret_not_power", "`^` is not a power",
     "In Python `^` is bitwise XOR, not a power: write `tau ** 2` (or `np.square(tau)`)."),
    ("missing_output", "Returned only the weights",
     "You returned only the weights. Return both: `return out, weights`, with `out = weights @ v`."),
    ("infinite_recursion", "Calls itself without end",
     "Your function calls itself again and again until Python gives up. Compute the result directly, or call "
     "a helper with a different name."),
    ("out_of_memory", "Needed too much memory",
     "Your function asked for more memory than these small inputs can need: look for an array built from a "
     "size that is much too large."),
    ("pair_swapped", "Returned (weights, out)",
     "You returned the pair the other way round: return `out, weights`."),
    ("score_miscomputed", "One score worked out wrongly",
     "One key's score is off, and the softmax carries it into every weight."),
    ("target_missed", "The answer does not meet the question's condition",
     "Put your answer back into the condition the question sets: it does not meet it."),
    ("imprecise", "Close, but not to enough digits",
     "Your answer is close, but only to a few significant digits. Don't round; use the exact constants "
     "(`np.e`), and if you search, keep going until the interval is tiny."),
    ("transposed_result", "Result transposed",
     "Your result is the right one with its last two axes swapped: check the order of the axes you return."),
    ("scores_scale_off", "Weights too sharp or too flat",
     "Your weights are the right ones made sharper or flatter, as if every score were multiplied by one number "
     "before the softmax. Look at what you divide the scores by: √d, with d the feature size of the queries and "
     "keys (per head, in multi-head attention), and at any temperature."),
    ("axes_in_wrong_order", "Right numbers, axes in the wrong order",
     "Every number you return is right, but your axes come in another order than asked. Write each axis's name "
     "(batch, head, position, feature) under your result's shape, and move them with `np.moveaxis` or "
     "`swapaxes`."),
    ("values_rearranged", "Right numbers in the wrong places",
     "Your result holds exactly the right numbers, but in the wrong places: a reshape read them in another order "
     "than you meant. `reshape` keeps numpy's memory order, so first move the axes you want to merge or split "
     "next to each other (with `swapaxes` or `moveaxis`), then reshape."),
    ("sign_flipped", "Sign flipped", "Your numbers have the right size but the opposite sign."),
    ("constant_factor", "Off by a constant factor",
     "Every number is off by the same factor: look for a constant you multiply or divide by (a scale, a "
     "temperature, a 2)."),
    ("constant_shift", "Off by a constant", "Every number is off by the same added constant."),
    ("monotone_transform", "A function applied or left out",
     "Your numbers rise and fall with the right ones but are not in proportion to them: a function (exp, log, a "
     "square, a square root) is applied where it does not belong, or left out where it does."),
    ("wrong_rows", "Right on some rows only",
     "Some rows of your result are right and others are not."),
    ("wrong_values", "Numbers off, no known pattern",
     "Your numbers differ from the expected ones, and no known mistake explains how."),
    ("checker_error", "The checker failed", "The checker itself failed; please report this."),
)

_SLIPS = _entries(   # what a mutant of the teaching reference names; the learner reads the mutant's own sentence
    "slip",
    ("wrong_axis", "Worked along the wrong axis",
     "A sum, maximum, mean or join runs along another axis than the one the idea needs."),
    ("constant_replaced", "A number or a size replaced",
     "A constant or a size stands where another belongs (d for √d, a factor 2 left at 1, another length)."),
    ("transpose_slip", "A transpose missing, extra or misplaced",
     "A transpose is missing, added where none belongs, on the other operand, or reverses every axis (`.T`)."),
    ("term_missing", "A factor, term or function left out",
     "A factor, a term, a divisor or a whole function (exp, a square root) is left out of one step."),
    ("condition_inverted", "A condition read backwards",
     "A mask or a condition is read backwards: the branches of `np.where` swapped, a `~` lost, a comparison "
     "turned round."),
    ("fill_value", "Blocked entries set to another value",
     "Entries that must not count are set to another value than the one the idea needs (−∞, −1e9, 0)."),
    ("wrong_reduction", "Another reduction (min for max, mean for sum)",
     "A reduction is another one than the idea needs: a minimum for a maximum, a mean for a sum, or back."),
    ("size_from_wrong_axis", "A size read from the wrong axis",
     "A size is read from another axis than the one it stands for (`x.shape[-2]` for `x.shape[-1]`)."),
    ("name_confused", "One name used for another",
     "One array or size is used where another of the same kind belongs (k for v, W_k for W_v, the old maximum "
     "for the new)."),
    ("condition_ignored", "A step done whatever the case",
     "A step that belongs under a condition (an `if`) is done in every case."),
    ("axis_not_moved_back", "An axis moved last and never moved back",
     "The axis was moved to the end for the work, and the result was not moved back: for another `axis` it comes "
     "back in the wrong place."),
    ("sign_of_term", "A term added instead of subtracted",
     "A term that should be subtracted is added: one minus sign turned into a plus."),
    ("operands_swapped", "Operands the wrong way round",
     "The two sides of a subtraction, division or product are the wrong way round."),
    ("off_by_one", "Off by one", "A bound (a slice, a range, a diagonal) is one too far or one short."),
    ("comparison_strict", "`<` for `<=` (or back)",
     "A comparison puts the equal case on the wrong side: `<` where `<=` belongs, or back."),
    ("running_value_reset", "A running value reset in the wrong place",
     "A running value (a maximum, a sum, an output) starts again where it should carry on, or carries on where it "
     "should start again."),
    ("running_value_stale", "A running value stale or not updated",
     "A running value is not updated, or is used before (or after) the update it needs."),
    ("dtype_lost", "A dtype lost or too narrow",
     "A number type is lost or too narrow: an integer copy that a small nudge cannot change, a 32-bit integer "
     "that overflows past 2³¹."),
    ("first_axis_only", "A loop over the first axis only",
     "Your loop visits the first axis only: for an array with more axes each step takes a whole row (or slice) at "
     "once. Visit every entry, e.g. with `np.ndindex(x.shape)`."),
    ("rounded_to_whole", "A number rounded to a whole one",
     "A number that should stay a float is rounded down to a whole number (`//` or `int(...)`), so every result "
     "that depends on it moves by the part that was cut off."),
)

CATALOGUE: dict[str, Entry] = {e.code: e for e in _IDEAS + _GENERIC + _SLIPS}
if len(CATALOGUE) != len(_IDEAS) + len(_GENERIC) + len(_SLIPS):
    raise RuntimeError("a misconception code is listed twice in the catalogue")


def entry(code: str) -> Entry:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f"misconception {code!r} is not in the catalogue (attention_lib/checks/catalogue.py)") from None


def title(code: str) -> str:
    return entry(code).title
