"""The lesson manifest: each lesson's notebook, library module, checks, exercises and widgets.

Every tool that lists lessons reads this table (the README's lesson table, the class
report's ordering, the static copy's navigation), and a test keeps it equal to what
is on disk, so the names cannot drift.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    slug: str                       # notebooks/<slug>.ipynb, solutions/<slug>.ipynb, exercises/<slug>.ipynb
    title: str
    learn: str                      # what the learner can do afterwards, for tables of contents
    library: tuple[str, ...]        # attention_lib modules the lesson derives
    checks: tuple[str, ...]         # attention_lib.checks modules its exercises use
    widgets: tuple[str, ...] = ()   # attention_lib.widgets builders it shows
    ready: bool = True              # False: planned; its notebooks do not exist yet

    @property
    def number(self) -> str:
        return self.slug[:2]

    @property
    def exercises(self) -> str | None:
        """The ``attention_lib.exercises`` module of a ready lesson: ``ex02`` for lesson 02."""
        return f"ex{self.number}" if self.ready else None


LESSONS = (
    Lesson("00_welcome", "Welcome: attention by hand",
           "the bottleneck, query/key/value, attention by hand",
           library=("attention",), checks=("penpaper",), widgets=("sanity_check",)),
    Lesson("01_similarity", "Similarity: how a query scores its keys",
           "dot, scaled dot, cosine, RBF, additive scores; when RBF = dot",
           library=("scoring",), checks=("scoring",), widgets=("similarity_explorer",)),
    Lesson("02_softmax_temperature", "Softmax and temperature",
           "stable softmax, temperature and entropy, why ÷√d, saturation",
           library=("softmax",), checks=("softmax", "penpaper"), widgets=("temperature_explorer", "scaling_explorer")),
    Lesson("03_soft_knn", "Attention as soft k-nearest neighbours",
           "Nadaraya–Watson = RBF attention, 1-NN limit, top-k vs soft",
           library=("kernel_regression",), checks=("kernel_regression", "attention", "penpaper"),
           widgets=("bandwidth_explorer", "query_playground")),
    Lesson("04_masking", "Masking", "causal and padding masks, −inf, polarity conventions, the broadcasting leak",
           library=("masking", "diagnostics"), checks=("masking", "penpaper"), widgets=("mask_editor",)),
    Lesson("05_qkv_self_cross", "Queries, keys and values: self- and cross-attention",
           "learned projections, self vs cross attention, shape discipline, cost",
           library=("attention",), checks=("attention", "penpaper"), widgets=("mechanism_stepper",)),
    Lesson("06_multi_head", "Multi-head attention", "split and merge heads, W_O, why several heads, MQA/GQA",
           library=("multihead",), checks=("multihead", "penpaper"), widgets=("head_viewer",)),
    Lesson("07_training", "Training attention by hand", "backward pass, gradient check, a trained lookup",
           library=("backward", "training", "induction"), checks=("backward",), widgets=("training_run",)),
    Lesson("08_efficient_attention", "Efficient attention", "online softmax, FlashAttention tiling, the KV cache",
           library=("efficient",), checks=("efficient",), widgets=("online_softmax_stepper",)),
    Lesson("09_positions", "Where order comes from", "permutation equivariance, sinusoidal, learned, RoPE, ALiBi; "
           "length extrapolation measured", library=("positions",), checks=("positions",), widgets=("rope_explorer",)),
    Lesson("10_tiny_gpt", "A tiny GPT, by hand",
           "the block around attention, every gradient by hand, training on Shakespeare, sampling",
           library=("gpt", "corpus", "ngram", "gpt_training", "sampling"), checks=("gpt",),
           widgets=("text_sampler",)),
)


def ready() -> list[Lesson]:
    """The lessons whose notebooks exist, in course order."""
    return [lesson for lesson in LESSONS if lesson.ready]


def by_slug(slug: str) -> Lesson:
    for lesson in LESSONS:
        if lesson.slug == slug:
            return lesson
    raise KeyError(f"no lesson {slug!r}; known: {', '.join(lesson.slug for lesson in LESSONS)}")


def lesson_order(slug: str) -> int:
    """Sort key: the lesson's position in the course (unknown slugs last)."""
    return next((i for i, lesson in enumerate(LESSONS) if lesson.slug == slug), len(LESSONS))
