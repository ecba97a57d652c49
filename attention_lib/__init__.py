"""attention_lib: the numpy library behind the course "Attention, hands-on".

Each module matches a lesson: ``scoring`` (01), ``softmax`` (02), ``kernel_regression`` (03),
``masking`` (04), ``attention`` (05), ``multihead`` (06), ``backward`` and ``training`` (07),
``efficient`` (08), ``positions`` (09), ``gpt`` (10, with ``corpus``, ``ngram``, ``gpt_training`` and
``sampling``), and ``diagnostics`` (the debugging checklist). Masks are boolean, True = may attend.
The notation is in NOTATION.md.

Sub-packages: ``widgets`` (everything that draws), ``checks`` (grading), ``exercises``
(the notebook-facing ``q.check()`` API) and ``course`` (author and instructor tools).
"""
from .attention import attention, attention_steps, cross_attention, project_qkv, self_attention
from .diagnostics import check_attention, diagnose_attention
from .gpt import GPTConfig, gpt_forward, gpt_loss_and_grads, init_gpt, layer_norm
from .kernel_regression import kernel_regression, kernel_weights
from .masking import additive_mask, apply_mask, causal_mask, combine_masks, padding_mask, validate_mask
from .multihead import (
    grouped_query_attention,
    init_gqa_params,
    init_mha_params,
    mean_pool_kv_heads,
    merge_heads,
    multi_head_attention,
    multi_head_cost,
    multi_query_attention,
    repeat_kv_heads,
    split_heads,
)
from .positions import alibi_bias, apply_rope, sinusoidal_positions
from .scoring import (
    SIMILARITIES,
    additive_scores,
    cosine_scores,
    dot_scores,
    rbf_scores,
    scaled_dot_scores,
    squared_distances,
)
from .softmax import entropy, softmax, softmax_jacobian

__all__ = [
    "GPTConfig", "SIMILARITIES", "additive_mask", "additive_scores", "alibi_bias", "apply_mask", "apply_rope",
    "attention", "attention_steps", "causal_mask", "check_attention", "combine_masks", "cosine_scores",
    "cross_attention", "diagnose_attention", "dot_scores", "entropy", "gpt_forward", "gpt_loss_and_grads",
    "grouped_query_attention", "init_gpt", "init_gqa_params", "init_mha_params", "kernel_regression",
    "kernel_weights", "layer_norm", "mean_pool_kv_heads", "merge_heads", "multi_head_attention", "multi_head_cost",
    "multi_query_attention", "padding_mask", "project_qkv", "rbf_scores", "repeat_kv_heads", "scaled_dot_scores",
    "self_attention", "sinusoidal_positions", "softmax", "softmax_jacobian", "split_heads", "squared_distances",
    "validate_mask",
]
__version__ = "0.1.0"
