"""The check engine: run a learner's function safely, compare it with the hidden reference, and,
when it is wrong, say why in terms of the idea.

How a check decides
-------------------
1. The learner's function runs on every :class:`Probe` of the :class:`Exercise` (fixed inputs, each
   with its own seed and a stated ``purpose``: a batch, n_q ≠ n_k, large logits, a zero vector...).
   It runs in a sandbox (:mod:`._sandbox`). On Linux (Binder, JupyterHub, CI): one forked child per
   check, all probes in it, with a 3 s wall-clock and a memory limit; nothing it does reaches the
   kernel. On Windows and macOS (or with ``ATTENTION_COURSE_SANDBOX=inprocess``): in the kernel's own
   process, with a timer that stops ordinary endless loops only. The reference, the hand-written wrong
   implementations and the mistakes generated from the exercise's teaching reference (:mod:`._mutants`)
   are trusted: they run here, never in the learner's child, once per exercise, and the generated ones'
   outcomes are cached on disk.
2. Its outcomes are compared with the reference's, at a tolerance that fits the learner's precision
   (:mod:`._compare`). Lists, tuples and arrays of numbers count alike.
3. When they differ, :mod:`._diagnose` looks for, in order: a hand-written misconception that behaves
   the same way; a generated mistake that does (on every probe, or said with "probably" where only the
   failing probes agree); errors that name their own cause; *which* probes fail (only the batched ones,
   only large logits, only the zero vector...); *how* the numbers are off (a factor said in the probe's
   sizes, a transpose, rows that don't sum to 1, exp applied...); and finally an honest account of the
   first failing probe and what it is for.
Every diagnosis is a code from :mod:`.catalogue`, shared by every exercise where it can happen.
"""
from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import itertools
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from . import _sandbox
from ._compare import describe, outcomes_match
from ._forbidden import Seen
from ._sandbox import Outcome
from .catalogue import entry

STATUSES = ("correct", "incorrect", "not_attempted")

PURPOSES = {
    "basic": "an ordinary input",
    "2-D": "a single matrix",
    "batched": "a batch of matrices (3-D)",
    "heads": "a batch of heads (4-D)",
    "1-D": "a single vector (1-D)",
    "square": "as many queries as keys (n_q = n_k), where a transpose goes unnoticed",
    "large": "large scores, where a naive exp overflows",
    "blocked_max": "a blocked key with by far the largest score, where a maximum taken before masking is not the row's",
    "far_rows": "rows on very different scales, where each row needs its own maximum",
    "zero_vector": "a vector of zeros, whose length is 0",
    "lengths": "vectors of very different lengths, where only the angle may count",
    "query_mask": "a batch mask with a row for each query, (B, n_q, n_k)",
    "short_vectors": "very short vectors, where it shows whether ε is added to the norm or under its square root",
    "axis0": "the `axis` argument (axis=0)",
    "middle_axis": "a middle axis (axis=1 of three), neither the first nor the last",
    "temperature": "a temperature other than 1",
    "far_query": "a query far from the data",
    "at_data": "queries at the training points",
    "unsorted": "training points in no particular order",
    "hard": "top_k = 1, a hard choice",
    "all_keys": "top_k = n_k, plain attention",
    "causal": "a causal mask",
    "one_token": "a single token, which must still see itself",
    "larger": "a larger size, where a hard-coded answer fails",
    "extra_axis": "one more leading axis than the lesson's examples, where a fixed number of axes fails",
    "batch_is_n": "as many sequences as positions (B = n), where a mask missing its query axis still broadcasts",
    "empty_sequence": "a sequence of length 0, with no key to see",
    "left_padding": "padding on the left (`side=\"left\"`)",
    "fully_masked": "a query with no key it may see (a fully masked row)",
    "no_mask": "no mask, where plain attention must stay right",
    "padding": "a padding mask",
    "heads_split": "several heads",
    "widths": "two sequences of different widths (D_q ≠ D_kv), where a projection applied to the wrong side fails",
    "square_W": "square projection matrices (D = d), where a transposed W goes unnoticed",
    "example": "the lesson's worked example",
    # heads (lesson 06)
    "cross": "cross-attention, with fewer queries than keys (n_q ≠ n_k)",
    "one_head": "a single head (h = 1), where how the heads are cut cannot matter",
    "one_feature": "heads of one feature each (d = D/h = 1)",
    "labelled": "the labelled tensor (entry = 100·batch + 10·position + feature), where every entry names its place",
    "biases": "projections with biases",
    "batch_mask": "a batch mask (B, 1, n_k) that has no head axis yet",
    "kv_groups": "query heads sharing key/value heads in groups (1 < g < h)",
    "one_kv_head": "one key/value head for every query head (g = 1, multi-query attention)",
    "all_kv_heads": "a key/value head for every query head (g = h, plain multi-head attention)",
    # backward pass and gradient check (lesson 07)
    "masked_keys": "a row with masked keys, where p is exactly 0 and so must the gradient be",
    "saturated": "saturated rows (p almost one-hot), where every gradient is tiny",
    "constant_dp": "an upstream gradient constant along each row, which a softmax ignores: the result must be 0",
    "curvature": "a strongly curved function, where one-sided differences are visibly worse",
    "integer_input": "an integer array, which a nudge of 1e-6 cannot change unless it is copied to float64",
    "coupled": "a function whose entries interact, where a nudge left in place shifts every later entry",
    "any_shape": "an array with three axes (`np.ndindex`, not `range(len(x))`)",
    "answer": "your answer",
    # lesson 08: online softmax, tiles, the KV cache
    "max_grows": "a maximum that grows as the loop goes on, so what was summed so far must be rescaled",
    "negative": "very negative scores, far below 0",
    "masked_row": "a row in which every key is blocked (all −inf)",
    "float32": "float32 input",
    "first_step": "the very first step, with nothing seen yet (a running max of −∞, an empty cache)",
    "tiles": "several tiles of keys, where the running max grows from one tile to the next",
    "one_tile": "a single tile of keys, where nothing is ever rescaled",
    "more_keys": "more keys than queries (n_k > n_q)",
    "more_queries": "more queries than keys (n_q > n_k), where a loop bounded by n_k leaves the last queries out",
    "several_new": "several new tokens at once, where the causal mask's corner matters",
    "keywords": "the keyword arguments",
    "empty": "an empty input",
    # lesson 09: positions
    "offset": "positions that do not start at 0 (new tokens after a KV cache of earlier ones)",
    "base": "a base other than 10,000",
    "first_position": "position 0 alone, where every angle is 0",
    "odd_heads": "a number of heads that is not a power of 2",
    # lesson 10: a tiny GPT
    "constant_token": "a token whose features are all equal (variance 0), where ε keeps the division finite",
    "tiny_variance": "a token with a tiny spread, where it matters whether ε sits under the square root",
    "top_k": "top-k sampling, where only the k largest logits may be drawn",
    "greedy": "temperature 0, greedy decoding",
    "eps": "an ε other than its default",
    "block_attention": "the attention half of a block alone (the MLP switched off)",
    "block_mlp": "the MLP half of a block alone (W_o = 0)",
    "block_mlp_shared_ln": "the MLP alone, with both LayerNorms' parameters equal",
    "block_mlp_no_b1": "the MLP alone, without its first bias",
    "block_activation": "the MLP's activation laid bare",
    "far_features": "features far from 0 (near 10⁷, a spread of 1), where E[x²] − μ² cancels",
    "underflow": "a target whose probability underflows to 0 (its logit 800 below its row's maximum), where only "
                 "log-probabilities taken directly stay finite",
    "top_k_ties": "a tie at the k-th largest logit, where every tied token stays",
    "top_k_all": "top_k = V, where every token stays",
    "tiny_temperature": "a tiny temperature, where logits / τ overflow exp unless the largest is taken off first",
}
"""What each probe purpose isolates, in the words a diagnosis uses."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``status``, a misconception ``code`` (or None) and a ``message``."""

    exercise_id: str
    status: str
    code: str | None
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        head = {"correct": "Correct", "incorrect": "Not yet", "not_attempted": "Not attempted"}[self.status]
        tag = f" [{self.code}]" if self.code else ""
        return f"{head} ({self.exercise_id}){tag}: {self.message}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        icon = {"correct": "✓ **Correct**", "incorrect": "✗ **Not yet**", "not_attempted": "○ **Not attempted**"}
        tag = f" — misconception `{self.code}`" if self.code else ""
        return f"{icon[self.status]} (`{self.exercise_id}`){tag}\n\n{self.message}"


@dataclass(frozen=True)
class Probe:
    """One deterministic input: positional ``args``, keyword ``kwargs``, a ``label`` and a ``purpose``.

    ``purpose`` is one or more words from :data:`PURPOSES`, separated by spaces: what this probe
    isolates. ``roles`` may name groups of rows (``{"padded": (2, 3)}``) for diagnoses that say
    which rows are wrong.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    purpose: str = "basic"
    roles: dict = field(default_factory=dict)

    def __post_init__(self):
        unknown = set(self.purpose.split()) - set(PURPOSES)
        if unknown:
            raise ValueError(f"probe {self.label!r}: unknown purpose {sorted(unknown)}; known: {sorted(PURPOSES)}")

    @property
    def tags(self) -> set[str]:
        return set(self.purpose.split())

    @property
    def what_for(self) -> str:
        return PURPOSES[self.purpose.split()[0]]

    @property
    def ndim(self) -> int:
        return int(np.ndim(self.args[0])) if self.args and not isinstance(self.args[0], dict) else 0


@dataclass(frozen=True)
class Misconception:
    """A catalogue ``code`` recognised by a wrong ``variant``, a ``patch`` or a ``test`` over the outcomes.

    A ``patch`` is a list of ``(old, new)`` text replacements that turn the exercise's teaching reference into
    the wrong function (for a mistake of several slips that no single mutant makes). A ``test(mine, want,
    probes)`` returns True, or a sentence of detail, when it recognises the mistake. The learner reads the
    catalogue's message followed by ``detail``.
    """

    code: str
    variant: Callable | None = None
    test: Callable[[list, list, list], Any] | None = None
    detail: str = ""
    patch: tuple = ()
    late: bool = False           # a broad test: tried after the mutants, not before them

    def __post_init__(self):
        entry(self.code)                 # an unknown code fails at import, not in front of a learner

    @property
    def message(self) -> str:
        return message(self.code, self.detail)


def message(code: str, detail: str = "") -> str:
    """The catalogue's message for ``code``, followed by one sentence of ``detail``."""
    base = entry(code).message
    return f"{base} {detail}" if detail else base


_SALT: contextvars.ContextVar = contextvars.ContextVar("probe_salt", default=None)


def rng(seed: int) -> np.random.Generator:
    """A probe's own generator. Under :func:`salted` the salt is mixed into the seed, so the same purposes and
    shapes get numbers nobody has seen (grading probes drawn from an instructor's secret)."""
    return np.random.default_rng(salted_seed(seed))


def randn(seed: int, *shapes) -> tuple:
    """Standard-normal arrays of the given shapes from their own generator: each probe owns its seed."""
    g = rng(seed)
    return tuple(g.normal(size=shape) for shape in shapes)


@contextlib.contextmanager
def salted(salt: int | None):
    """Within this block, :func:`rng` and :func:`randn` mix ``salt`` (a non-negative integer) into every seed."""
    token = _SALT.set(salt)
    try:
        yield
    finally:
        _SALT.reset(token)


# --------------------------------------------------------------------------- grading probes (the class report)
# The class report grades every answer on probes the learner never saw: each check module is loaded
# again while an instructor's salt is set, and every seed a probe draws from (``rng``, ``randn``, ``salted_seed``) is
# mixed with it. The new probes have the same shapes and purposes; hand-built ones (a labelled tensor,
# a worked example, large logits written out) stay as they are.

_LOADING = threading.Lock()


def salted_seed(seed: int):
    """The seed a probe's generator uses: ``seed`` itself, or ``[seed, salt]`` inside :func:`salted`. For code
    that takes a seed rather than a generator (``init_mha_params(D, seed)``)."""
    salt = _SALT.get()
    return seed if salt is None else [seed, salt]


def load_salted(module_name: str, salt: int):
    """A fresh copy of the check module ``module_name`` whose random probes are drawn under ``salt``.

    The copy is not put in ``sys.modules``: the checks learners use are untouched.
    """
    spec = importlib.util.find_spec(module_name)
    module = importlib.util.module_from_spec(spec)
    with _LOADING, salted(int(salt)):
        spec.loader.exec_module(module)
    return module


def family(build: Callable[..., Callable], stages: dict, most: int = 2) -> list[Misconception]:
    """Wrong implementations from every combination of up to ``most`` wrong choices, one per stage.

    ``stages`` maps each stage of a computation to its options ``(option, code, detail)``; the first
    option of a stage is the right one (its code is None). ``build(**choices)`` returns the function
    for one combination. A combination is named by its first wrong stage, in the order given:
    mistakes come one or two at a time, and the first one is where to start.
    """
    names = list(stages)
    out = []
    for combo in itertools.product(*(range(len(stages[n])) for n in names)):
        wrong = [i for i, c in enumerate(combo) if c]
        if not wrong or len(wrong) > most:
            continue
        choices = {n: stages[n][c][0] for n, c in zip(names, combo, strict=True)}
        _, code, detail = stages[names[wrong[0]]][combo[wrong[0]]]
        out.append(Misconception(code, variant=build(**choices), detail=detail))
    return out


@dataclass(eq=False)
class Exercise:
    """A checkable exercise. ``reference`` is the hidden correct function.

    ``returns`` is ``"array"``, ``"pair"`` (out, weights), ``"tuple"`` (several arrays, named by
    ``parts``, e.g. ``("m", "l", "acc")``) or ``"value"`` (a pen-and-paper answer).
    ``output`` says what the numbers are, which decides the relations worth looking for:
    ``"scores"``, ``"weights"`` (rows sum to 1 along ``weights_axis(probe)``), ``"values"`` or
    ``"mask"``. ``relations`` maps a relation (``"transposed"``, ``"exp"``, a factor between the learner's
    numbers and the right ones named in the probe's sizes, ``"factor:τ²"``...) and ``purposes`` maps a probe
    purpose that alone fails to a
    ``(code, detail)`` for this exercise; ``errors`` does the same for error messages.
    ``arguments`` names the positional arguments that are queries, keys or values
    (``{"q": 0, "k": 1, "v": 2}``), so a wrongly shaped result can say which input it was built from.
    ``canonical(value)``, where given, puts each value the learner returns into the form it is
    compared in (a 0/1 mask written with booleans or with numbers alike); the reference and the
    variants return that form already.
    """

    id: str
    signature: str
    reference: Callable
    probes: list[Probe]
    misconceptions: list[Misconception] = field(default_factory=list)
    forbidden: tuple = ()
    returns: str = "array"
    output: str = "scores"
    weights_axis: Callable[[Probe], int] = field(default=lambda probe: -1)
    relations: dict = field(default_factory=dict)
    purposes: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    arguments: dict = field(default_factory=dict)
    parts: tuple = ()
    canonical: Callable | None = None
    teaching: Callable | None = None
    equivalent: dict = field(default_factory=dict)
    bugs: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    rtol: float = 1e-6
    atol: float = 1e-8
    salt: int | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if callable(self.probes):                 # a builder: probes can be drawn again under a salt
            self._cache["build"] = self.probes
            if self.salt is None:                 # built inside salted() (load_salted): that salt
                self.salt = _SALT.get()
            with salted(self.salt):
                self.probes = self.probes()

    def under(self, salt: int) -> Exercise:
        """This exercise with its probes drawn again with ``salt`` mixed into every seed: the same purposes
        and shapes, numbers the learner never saw. Fixed probes (a worked example, hand-picked logits) stay."""
        build = self._cache.get("build")
        return replace(self, probes=build if build is not None else list(self.probes), salt=salt, _cache={})

    def reference_outcomes(self) -> list[Outcome]:
        """The reference's outcome on every probe (trusted and deterministic: computed once)."""
        if "reference" not in self._cache:
            self._cache["reference"] = [_sandbox.call_probe(self.reference, p) for p in self.probes]
        return self._cache["reference"]

    def variant_outcomes(self) -> list[tuple[Misconception, list[Outcome] | None]]:
        """Each misconception with its variant's outcomes (None for a test), computed once."""
        key = ("variants", len(self.misconceptions))
        if key not in self._cache:
            self._cache[key] = [(m, self._run_variant(m)) for m in self.misconceptions]
        return self._cache[key]

    def _run_variant(self, m: Misconception) -> list[Outcome] | None:
        """A variant's outcomes; None for a test, and for a patch (it joins the error model, :mod:`._mutants`)."""
        if m.variant is None:
            return None
        return [_sandbox.call_probe(m.variant, p) for p in self.probes]


# --------------------------------------------------------------------------- checking


def check(ex: Exercise, answer) -> CheckResult:
    """Check ``answer`` against exercise ``ex``; never raises for anything the answer does."""
    try:
        return _check(ex, answer)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a bug in the checker must not break the notebook
        return CheckResult(ex.id, "incorrect", "checker_error",
                           f"The checker itself failed ({type(exc).__name__}); please report this. "
                           "Your answer was not judged.")


def _incorrect(ex: Exercise, code: str, detail: str = "") -> CheckResult:
    return CheckResult(ex.id, "incorrect", code, message(code, detail))


def _check(ex: Exercise, answer) -> CheckResult:
    if answer is None or answer is Ellipsis:
        return CheckResult(ex.id, "not_attempted", None, "Nothing to check yet: pass your function.")
    if not callable(answer):             # described in the sandbox: a learner's object is not touched here
        shown = _sandbox.run(lambda: answer, [Probe("your answer", purpose="answer")]).outcomes
        return not_a_function(ex, shown[0].value if shown else None)
    return judge(ex, _sandbox.run(answer, ex.probes, ex.forbidden))


def not_a_function(ex: Exercise, value) -> CheckResult:
    """The verdict on an answer that is not a function; ``value`` is what crossed from the sandbox."""
    return CheckResult(ex.id, "incorrect", "not_a_function",
                       f"Pass the function itself, `{ex.signature}`, not {describe(value)} "
                       "(no parentheses after its name).")


def judge(ex: Exercise, result: _sandbox.Run) -> CheckResult:
    """The verdict on what an answer did on ``ex.probes`` (a sandbox's :class:`~._sandbox.Run`).

    Touches no object of the learner's: the outcomes are plain values, and diagnosis reads the
    answer's names from ``result.names``. The class report calls it on runs made in its own sandbox.
    """
    from . import _diagnose

    if result.library_call:
        return _calls_library(ex, result.library_call)
    mine = [_canonical(ex, m) for m in result.outcomes]
    if any(m.error_type == "NotImplementedError" for m in mine) and not any(not m.raised for m in mine):
        return CheckResult(ex.id, "not_attempted", None,
                           "Your function still raises NotImplementedError: replace that line with your code.")
    at = min(max(result.stopped_at or 0, 0), len(ex.probes) - 1)
    if result.stopped == "timeout":
        probe = ex.probes[at]
        return _incorrect(ex, "timeout", f"It was stopped after {_sandbox.TIMEOUT_SECONDS:.0f} s on {probe.label}.")
    if result.stopped == "crashed":
        probe = ex.probes[at]
        return CheckResult(ex.id, "incorrect", "raised",
                           f"On {probe.label}, your function did not return or raise: {result.detail}. "
                           "Return the result instead.")
    if len(mine) != len(ex.probes):
        return CheckResult(ex.id, "incorrect", "raised", "Your function's run ended early, with no reason given.")
    for probe, outcome in zip(ex.probes, mine, strict=True):
        if outcome.mutated:
            return _incorrect(ex, "mutates_input", f"It happened on {probe.label}.")
    want = ex.reference_outcomes()
    if outcomes_match(mine, want, ex.rtol, ex.atol):
        return CheckResult(ex.id, "correct", None, _praise(ex))
    code, said = _diagnose.diagnose(ex, Seen(result.names), mine, want)
    return CheckResult(ex.id, "incorrect", code, said)


def _canonical(ex: Exercise, outcome: Outcome) -> Outcome:
    """The outcome with its value in the exercise's canonical form (unchanged if that fails)."""
    if ex.canonical is None or outcome.raised:
        return outcome
    try:
        return replace(outcome, value=ex.canonical(outcome.value))
    except Exception:
        return outcome


def _calls_library(ex: Exercise, used: str) -> CheckResult:
    return CheckResult(ex.id, "incorrect", "calls_library",
                       f"Your function calls the library's own `{used}`. "
                       "Here the point is to build it yourself from numpy operations.")


def _praise(ex: Exercise) -> str:
    if ex.returns == "value":
        return "Your answer matches. Well done."
    labels = "; ".join(p.label for p in ex.probes)
    return f"`{ex.signature}` gives the right result on all {len(ex.probes)} test inputs ({labels})."
