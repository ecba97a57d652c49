"""Mutants of a teaching reference: made by :mod:`._mutate`, run on the probes here, grouped by what they
do, cached on disk, and matched against a learner's outcomes.

Every first-order mutant is made, and the second-order ones that pair a *companion* slip (one learners
make alongside another: the max shift or the √d scale left out, a keepdims lost) with any other. For a
find-the-bug exercise the handout's bugs come in too: every set of them still present, alone and with
one new slip. A mutant that behaves like the reference on every probe is *equivalent* (the probes cannot
tell it apart); the others are grouped by their outcomes, and each group speaks through its most common
mutant (:data:`._mutate.OPERATORS` orders the operators by how often learners make such slips).

The outcomes are computed here, in the trusted parent (never in the learner's child), once per exercise,
and cached on disk keyed by a hash of the teaching reference, the probes and the operators
(:func:`cache_dirs` says where).
"""
from __future__ import annotations

import copy
import hashlib
import inspect
import itertools
import os
import pickle
import sys
import tempfile
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _mutate, _sandbox
from ._compare import FLOAT32_ATOL, FLOAT32_RTOL, as_array, outcome_matches
from ._mutate import OPERATORS, Slip
from .catalogue import entry

CACHE_ENV = "ATTENTION_COURSE_CHECK_CACHE"
"""Set to a directory to keep the mutant cache there (CI may point it at a cached path); ``off`` keeps it in
memory only."""
_FORMAT = 2


@dataclass(frozen=True)
class Mutant:
    """A wrong version of the teaching reference: its ``slips`` and, in a find-the-bug exercise, the handout's
    ``bugs`` still present."""

    slips: tuple = ()
    bugs: tuple = ()
    known: tuple = ()            # a hand-written mistake given as a patch: (code, detail)

    @property
    def id(self) -> str:
        parts = [f"bug {b}" for b in self.bugs] + [s.id for s in self.slips] + [f"known {k}" for k in self.known[:1]]
        return " + ".join(parts)

    @property
    def first_order(self) -> bool:
        return len(self.slips) == 1 and not self.bugs

    @property
    def rank(self) -> tuple:
        """Smaller is likelier: fewer slips, a more common operator, earlier in the function."""
        ops = [-1 if s.variety == "together" else OPERATORS.index(s.operator) for s in self.slips]   # says the effect
        ideas = len({s.kind for s in self.slips})              # the same slip at several places is one idea
        known = -1 if self.known else 0                        # a hand-written mistake speaks first
        return (known, ideas + len(self.bugs), min(ops, default=-1), len(ops), [s.line for s in self.slips])


@dataclass
class ErrorModel:
    """What the mutants of one exercise do, grouped by behaviour: for group g, ``mutants[g]`` is its likeliest
    mutant and ``sizes[g]`` how many behave alike; on probe p, ``kinds[g, p]`` indexes ``vocabulary`` (what came
    back: an error, or a structure of shapes), and ``sketches[g, p]``, ``scales[g, p]`` sum up the numbers
    (:func:`sketch`). ``equivalent`` lists the mutants no probe tells from the reference."""

    key: str
    equivalent: list
    mutants: list
    sizes: np.ndarray
    vocabulary: list
    kinds: np.ndarray
    sketches: np.ndarray
    scales: np.ndarray
    fails: np.ndarray            # (groups, probes): where the group's outcome is not the reference's
    all_mutants: list = field(default_factory=list)     # every non-equivalent mutant, when asked for

    @property
    def first_order(self) -> list:
        return [m for m in self.equivalent if m.first_order] + [m for m in self.all_mutants if m.first_order]


# --------------------------------------------------------------------------- making and running mutants


def _reference(ex) -> _mutate.Reference:
    ref = _mutate.parse(ex.teaching)
    _mutate.trace(ref, ex.probes)
    return ref


def generate(ex):
    """``(mutant, function)`` for every first-order mutant of ``ex`` and, in a find-the-bug exercise, every set of
    the handout's bugs still present, alone and (one bug at most) with a new slip."""
    ref = _reference(ex)
    for m in ex.misconceptions:
        if m.patch:
            known = ref.patched(list(m.patch))
            yield Mutant(known=(m.code, m.detail)), _mutate.compile_tree(known, known.tree, f"known {m.code}")
    yield from _first_order(ref, ())
    bugs = list(ex.bugs)
    for size in range(1, len(bugs) + 1):
        for present in itertools.combinations(bugs, size):
            buggy = ref.patched([p for b in present for p in ex.bugs[b]["patch"]])
            _mutate.trace(buggy, ex.probes)
            yield Mutant((), present), _mutate.compile_tree(buggy, buggy.tree, "bugs " + "".join(present))
            if size == 1:
                fixed = [old for b in bugs if b not in present for old, _ in ex.bugs[b]["patch"]]
                yield from _first_order(buggy, present, _lines(buggy.source, fixed))


COMMON = OPERATORS[:7]
"""The operators whose slips are also tried beside a bug of the handout that is still there, on the lines the
learner rewrote to fix the others."""


def _lines(source: str, texts) -> set:
    """The numbers of the lines of ``source`` that hold any of ``texts``."""
    found = set()
    for text in texts:
        start = source.find(text)
        if start < 0:                            # rewritten by a bug still there
            continue
        first = source.count("\n", 0, start) + 1
        found.update(range(first, first + text.count("\n") + 1))
    return found


def _first_order(ref, bugs, lines=None):
    offers = _mutate.offers(ref, COMMON if bugs else None)
    for offer in offers:
        if lines is not None and offer.slip.line not in lines:
            continue
        yield Mutant((offer.slip,), bugs), _mutate.function(ref, [offer], offer.slip.id)
    if bugs:
        return
    for same in _consistent(offers):
        slips = tuple(sorted((o.slip for o in same), key=_telling))
        yield Mutant(slips), _mutate.function(ref, same, " + ".join(s.id for s in slips))


SIBLINGS = ({"queries", "keys", "values"}, {"keys", "values"}, {"shift", "normalise"}, {"heads", "positions"},
            {"dq", "dk"})
"""Roles that play the same part: a learner who makes a slip in one of them often makes it in the others."""


def _consistent(offers):
    """The same slip made at several places (the keys and the values both from x_q, the max and the sum both over
    axis 1, keepdims lost in both): for each kind of slip found at two places or more, the places that share a
    role or sibling roles (:data:`SIBLINGS`), and all of them."""
    kinds: dict = {}
    for offer in offers:
        if offer.slip.operator not in _mutate.STATEMENT_OPERATORS:
            kinds.setdefault(offer.slip.kind, []).append(offer)
    made = set()
    for same in kinds.values():
        apart = [o for i, o in enumerate(same) if not any(o.inside(p) or p.inside(o) for p in same[:i])]
        tags = {o.slip.note.tag for o in apart}
        for roles in [*({t} for t in tags), *(s for s in SIBLINGS if len(s & tags) >= 2), tags]:
            chosen = [o for o in apart if o.slip.note.tag in roles]
            key = frozenset(id(o) for o in chosen)
            if len(chosen) >= 2 and key not in made:
                made.add(key)
                yield chosen


def _telling(slip) -> tuple:
    """Of two slips, the one that speaks first: not the one on the max shift (it shows on large scores only),
    then the more common operator."""
    return slip.note.tag == "shift", OPERATORS.index(slip.operator)


def run_all(ex, want, keep_all=False) -> ErrorModel:
    """Run every mutant on every probe (here, in the trusted process) and group them by what they did. Groups
    that raise on every probe are left out: a learner's crash says too little to name a slip by. With
    ``keep_all`` every mutant is kept (``model.all_mutants``), for the mutation score."""
    equivalent, groups, every = [], {}, []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for mutant, fn in generate(ex):
            watch = any(s.operator in _WRITERS for s in mutant.slips)
            outcomes = [_outcome(fn, p, ex.canonical, watch) for p in ex.probes]
            fails = [not outcome_matches(o, w, ex.rtol, ex.atol) for o, w in zip(outcomes, want, strict=True)]
            if not any(fails) and not any(o.mutated for o in outcomes):
                equivalent.append(mutant)
                continue
            every.append(mutant)
            if all(o.raised for o in outcomes) or any(o.mutated for o in outcomes):
                continue
            looks = [signature(o) for o in outcomes]
            group = groups.setdefault(tuple((kind, _rounded(vec)) for kind, vec in looks), [looks, [], fails])
            group[1].append(mutant)
    model = _model(key(ex), equivalent, list(groups.values()), len(ex.probes))
    model.all_mutants = every if keep_all else []
    return model


def _rounded(vector):
    return None if vector is None else hashlib.sha1(np.round(vector, 6).tobytes()).hexdigest()


def _model(digest, equivalent, groups, n_probes) -> ErrorModel:
    """Pack the groups, likeliest first, into arrays."""
    for group in groups:
        group[1].sort(key=lambda m: m.rank)             # each group: [looks, mutants, where it fails]
    groups.sort(key=lambda g: g[1][0].rank)
    vocabulary = sorted({kind for looks, *_ in groups for kind, _ in looks})
    index = {kind: i for i, kind in enumerate(vocabulary)}
    shape = (len(groups), n_probes)
    kinds, scales = np.zeros(shape, np.int32), np.zeros(shape, np.float64)
    sketches = np.zeros((*shape, SKETCH), np.float32)
    for g, (looks, *_) in enumerate(groups):
        for p, (kind, vector) in enumerate(looks):
            kinds[g, p] = index[kind]
            if vector is not None:
                projections, scales[g, p] = sketch(vector)
                sketches[g, p] = projections / max(scales[g, p], 1e-300)     # in float32: at most √n in size
    fails = np.array([g[2] for g in groups], bool).reshape(shape)
    return ErrorModel(digest, equivalent, [g[1][0] for g in groups], np.array([len(g[1]) for g in groups]),
                      vocabulary, kinds, sketches, scales, fails)


_WRITERS = ("in_place", "update", "reset", "order", "name")
"""Operators whose mutants may write into an input (the others' are never watched for it)."""


def _outcome(fn, probe, canonical=None, watch=True) -> _sandbox.Outcome:
    """What a (trusted) mutant does on one probe, on its own copy of the inputs: a lighter
    :func:`._sandbox.call_probe`."""
    args, kwargs = _fresh(probe.args), _fresh(probe.kwargs)
    try:
        value = fn(*args, **kwargs)
    except Exception as exc:
        return _sandbox.Outcome(error=f"{type(exc).__name__}: {exc}"[:80], error_type=type(exc).__name__)
    mutated = watch and not _sandbox._same_inputs(probe.args + tuple(probe.kwargs.values()),
                                                  args + tuple(kwargs.values()))
    if canonical is not None:
        try:
            value = canonical(value)
        except Exception:
            pass
    return _sandbox.Outcome(value=value, mutated=mutated, state=_sandbox.generator_states(args, kwargs))


def _fresh(value):
    """A copy of a probe's inputs deep enough that no mutant can change the probe (nor draw from its generator)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.random.Generator):
        return copy.deepcopy(value)
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- what an outcome looks like

SKETCH = 4
"""How many random directions sum up the numbers of one outcome (:func:`sketch`)."""


def signature(outcome, lenient: bool = False) -> tuple[str, np.ndarray | None]:
    """``(kind, vector)`` for one outcome: ``kind`` says what came back (an error's type, or the structure of
    shapes and dtypes, with the exact values of booleans and integers and where numbers are not finite), and
    ``vector`` holds its floating-point numbers (None if it has none). Lists, tuples and arrays of numbers
    count alike, as they do everywhere in the checks."""
    if outcome.raised:
        return f"raised {outcome.error_type}", None
    parts, numbers = [], []
    _flatten(outcome.value, parts, numbers)
    if outcome.state:                                    # what a sampler left its generator at
        parts.append("state " + " ".join(outcome.state))
    vector = np.concatenate(numbers) if numbers else None
    if lenient and vector is not None:
        vector = np.where(np.isnan(vector), 0.0, vector)   # NaN read as 0: a row with nothing to see, unguarded
    if vector is not None and not np.all(np.isfinite(vector)):
        bad = ~np.isfinite(vector)
        parts.append("nonfinite " + hashlib.sha1(np.where(bad, np.nan_to_num(np.sign(vector) + 2, nan=0), -1)
                                                   .astype(np.int8).tobytes()).hexdigest()[:12])
        vector = np.where(bad, 0.0, vector)
    return " ".join(parts), vector


def _flatten(value, parts, numbers):
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, np.ndarray) for v in value) \
            or isinstance(value, (tuple, list)) and as_array(value) is None:
        parts.append(f"({len(value)}")
        for v in value:
            _flatten(v, parts, numbers)
        parts.append(")")
        return
    arr = as_array(value)
    if arr is None:
        parts.append(type(value).__name__ if not isinstance(value, _sandbox.Foreign) else value.type_name)
        return
    if arr.dtype.kind == "f":
        parts.append(f"f{arr.shape}" + ("16" if arr.dtype == np.float16 else ""))
        numbers.append(arr.astype(np.float64).ravel())
    else:
        parts.append(f"{arr.dtype.kind}{arr.shape} " + hashlib.sha1(np.ascontiguousarray(arr.astype(np.int64))
                                                                    .tobytes()).hexdigest()[:12])


_DIRECTIONS: dict = {}


def sketch(vector) -> tuple[np.ndarray, float]:
    """``(projections, scale)``: the vector's projections on :data:`SKETCH` fixed random unit directions (the
    same for every vector of its length), and its largest absolute value. Two vectors whose numbers agree to
    within the checks' tolerance have projections within :func:`_near` of each other; two that differ have
    (almost surely) not."""
    n = vector.size
    if n not in _DIRECTIONS:
        g = np.random.default_rng(n).normal(size=(SKETCH, n))
        _DIRECTIONS[n] = g / np.linalg.norm(g, axis=1, keepdims=True)
    return _DIRECTIONS[n] @ vector, float(np.max(np.abs(vector))) if n else 0.0


def _near(mine, theirs, scale, n, rtol) -> np.ndarray:
    """Projections close enough for numbers that agree entry by entry to ``rtol`` of ``scale`` (float32 work)."""
    slack = 1.5 * np.sqrt(max(n, 1)) * (max(rtol, FLOAT32_RTOL) * scale + FLOAT32_ATOL * np.maximum(scale, 1.0))
    return np.all(np.abs(theirs - mine) <= slack[..., None], axis=-1)


# --------------------------------------------------------------------------- the cache


def key(ex) -> str:
    """A hash of what the mutants' outcomes depend on: the teaching reference (and bugs), probes, operators."""
    h = hashlib.sha256()
    h.update(inspect.getsource(ex.teaching).encode())
    h.update(repr(sorted((b, tuple(v["patch"])) for b, v in ex.bugs.items())).encode())
    h.update(repr([(m.code, m.detail, m.patch) for m in ex.misconceptions if m.patch]).encode())
    for probe in ex.probes:
        h.update(probe.label.encode())
        _digest(h, probe.args)
        _digest(h, probe.kwargs)
    for module in (_mutate, sys.modules[__name__]):
        h.update(Path(module.__file__).read_bytes())
    h.update(f"{_FORMAT} {numerics()}".encode())
    return h.hexdigest()[:20]


def numerics() -> str:
    """What the last bits of a mutant's numbers depend on besides the code: numpy's version, the SIMD features
    its loops use (``NPY_DISABLE_CPU_FEATURES`` turns some off) and the BLAS kernel asked for. A delicate mutant
    (a finite-difference step of 1e-12) returns other noise under other numerics, so each has its own files."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:                                  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as features
    used = ",".join(sorted(name for name, on in features.items() if on))
    return f"{np.__version__};{used};{os.environ.get('OPENBLAS_CORETYPE', '')}"


def _digest(h, value) -> None:
    if isinstance(value, np.random.Generator):           # by its state: its repr holds a memory address
        h.update(repr(value.bit_generator.state).encode())
    elif isinstance(value, np.ndarray):
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            h.update(str(k).encode())
            _digest(h, value[k])
    elif isinstance(value, (tuple, list)):
        h.update(b"(")
        for v in value:
            _digest(h, v)
        h.update(b")")
    elif callable(value):
        h.update(getattr(value, "__qualname__", repr(value)).encode())
        try:
            h.update(inspect.getsource(value).encode())
        except (OSError, TypeError):
            pass
    else:
        h.update(repr(value).encode())


def cache_dirs() -> list[Path]:
    """Where cached error models are looked for, first to last; the first writable one is written.

    ``$ATTENTION_COURSE_CHECK_CACHE`` if set; else the package's own ``checks/_cache`` (a checkout, an
    editable install, CI, Binder; a built wheel ships the files it holds), then the user's cache
    directory (for a read-only install: ``$XDG_CACHE_HOME``, ``~/.cache``, ``%LOCALAPPDATA%`` or
    ``~/Library/Caches``, under ``attention-hands-on/checks``).
    """
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() == "off":
        return []
    if chosen:
        return [Path(chosen)]
    return [Path(__file__).parent / "_cache", _user_cache()]


def _user_cache() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", "") or Path.home() / ".cache")
    return base / "attention-hands-on" / "checks"


def _file(folder: Path, ex, digest: str) -> Path:
    return folder / f"{ex.id}-{_tag()}-{digest}.pkl.z"


def _tag() -> str:
    return hashlib.sha256(numerics().encode()).hexdigest()[:6]


def cached_file(ex, model: ErrorModel, folder: Path) -> Path | None:
    """The file in ``folder`` that holds ``model``, if it is there."""
    path = _file(folder, ex, model.key)
    return path if path.is_file() else None


def load(ex) -> ErrorModel | None:
    """The cached error model of ``ex``, if one with its current key is on disk."""
    digest = key(ex)
    for folder in cache_dirs():
        path = _file(folder, ex, digest)
        try:
            model = pickle.loads(zlib.decompress(path.read_bytes()))
        except (OSError, zlib.error, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            continue
        if isinstance(model, ErrorModel) and model.key == digest:
            return model
    return None


def save(ex, model: ErrorModel) -> Path | None:
    """Write ``model`` to the first cache directory that takes it; drop older files of the same exercise and
    numerics there."""
    data = zlib.compress(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), 6)
    for folder in cache_dirs():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = _file(folder, ex, model.key)
            with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as tmp:
                tmp.write(data)
            os.replace(tmp.name, target)
        except OSError:
            continue
        for old in folder.glob(f"{ex.id}-{_tag()}-*.pkl.z"):      # an older one under the same numerics
            if old != target:
                old.unlink(missing_ok=True)
        return target
    return None


def error_model(ex, want) -> ErrorModel:
    """The exercise's error model: from memory, from disk, or computed now (and saved)."""
    model = ex._cache.get("mutants")
    if model is None:
        model = load(ex) if ex.salt is None else None
        if model is None:
            model = run_all(ex, want)
            if ex.salt is None:                  # probes drawn under a salt are an instructor's secret
                save(ex, model)
        ex._cache["mutants"] = model
    return model


# --------------------------------------------------------------------------- matching a learner


def _likeness(model: ErrorModel, mine, ex, lenient=False) -> tuple[np.ndarray, np.ndarray]:
    """``(same, valued)``: for each group and probe, whether the group behaves like the learner there, and whether
    the learner returned a value (not an error) there. With ``lenient``, the learner's NaN count as 0."""
    same = np.zeros(model.kinds.shape, bool)
    valued = np.array([not o.raised for o in mine])
    index = {kind: i for i, kind in enumerate(model.vocabulary)}
    for p, outcome in enumerate(mine):
        kind, vector = signature(outcome, lenient)
        if kind not in index:
            continue
        hit = model.kinds[:, p] == index[kind]
        if vector is not None and hit.any():
            projections, _ = sketch(vector)
            scale = model.scales[:, p]
            theirs = model.sketches[:, p] * np.maximum(scale, 1e-300)[:, None]
            hit &= _near(projections, theirs, scale, vector.size, ex.rtol)
        same[:, p] = hit
    return same, valued


def exact(model: ErrorModel, mine, failed, ex, lenient=False) -> Mutant | None:
    """The likeliest mutant that behaves like the learner on every probe, wrong numbers included: where the
    answer only raises, an error of the same kind is too weak a likeness to name a slip by. With ``lenient``, the
    learner's NaN count as the zeros a guarded mutant gives there."""
    failed = np.asarray(failed)
    if not model.mutants:
        return None
    same, valued = _likeness(model, mine, ex, lenient)
    hits = [g for g in np.flatnonzero(same.all(axis=1))
            if np.any(failed & valued) or model.mutants[g].known]     # a hand-written mistake may be told by its errors
    return model.mutants[hits[0]] if hits else None


def has_nan(mine) -> bool:
    """The learner returned NaN somewhere (an unguarded row with nothing to see, most often)."""
    return any("nonfinite" in signature(o)[0] for o in mine)


def probable(model: ErrorModel, mine, failed, ex) -> Mutant | None:
    """The likeliest mutant that behaves like the learner wherever the learner is wrong (and returns a value on
    at least one of those probes), preferring the one wrong on fewest other probes."""
    failed = np.asarray(failed)
    if not model.mutants:
        return None
    same, valued = _likeness(model, mine, ex)
    if not np.any(failed & valued):
        return None
    fits = same[:, failed].all(axis=1)
    if not fits.any():
        return None
    extra = (~same[:, ~failed]).sum(axis=1)
    fits &= extra <= failed.sum()                            # no likeness if it is wrong far more often
    if not fits.any():
        return None
    order = np.lexsort((np.arange(len(fits)), extra))        # fewest extra failures, then likeliest
    return model.mutants[next(g for g in order if fits[g])]


def mostly(model: ErrorModel, mine, failed, ex) -> tuple[Mutant, list] | None:
    """The likeliest mutant that behaves like the learner on at least two thirds (and two or more) of the probes
    where the learner is wrong with a value, and is wrong nowhere else; with the failing probes it leaves
    unexplained."""
    failed = np.asarray(failed)
    if not model.mutants:
        return None
    same, valued = _likeness(model, mine, ex)
    target = failed & valued
    hits = (same & target).sum(axis=1)
    inside = ~(model.fails & ~failed).any(axis=1)
    good = inside & (hits >= 2) & (3 * hits >= 2 * target.sum())
    if not good.any():
        return None
    g = int(np.flatnonzero(good)[np.argmax(hits[good])])
    return model.mutants[g], [p for p in range(len(failed)) if failed[p] and not same[g, p]]


def pair(model: ErrorModel, mine, failed, ex, probably: bool = False) -> Mutant | None:
    """Two slips that together explain the answer: each mutant fails on a part of the probes the learner fails on,
    together on all of them, and each behaves like the learner where it alone fails. Where their parts do not
    overlap that is exact; where they overlap (there the two slips act at once, and no mutant has both),
    ``probably`` allows it."""
    failed = np.asarray(failed)
    if not model.mutants:
        return None
    same, valued = _likeness(model, mine, ex)
    if not np.any(failed & valued):
        return None
    bits = 1 << np.arange(len(failed), dtype=np.int64)
    want = int(bits[failed].sum())
    fails, agree = model.fails.astype(np.int64) @ bits, same.astype(np.int64) @ bits
    inside = np.flatnonzero(((fails & ~want) == 0) & (fails != 0) & np.array([not m.bugs for m in model.mutants]))
    if inside.size < 2:
        return None
    a, b = np.meshgrid(inside, inside, indexing="ij")
    fa, fb, sa, sb = fails[a], fails[b], agree[a], agree[b]
    alone_a, alone_b = fa & ~fb, fb & ~fa                    # where only one slip acts: there it must show
    ok = (a < b) & ((fa | fb) == want) & ((alone_a & ~sa) == 0) & ((alone_b & ~sb) == 0)
    ok &= (alone_a != 0) & (alone_b != 0) & (((fa & fb) != 0) if probably else ((fa & fb) == 0))
    lines = np.array([m.slips[0].line if m.slips else -1 for m in model.mutants])
    ok &= lines[a] != lines[b]                              # two slips at one place contradict each other
    hits = np.argwhere(ok)
    if hits.size == 0:
        return None
    i, j = min(hits.tolist(), key=lambda h: (a[h[0], h[1]] + b[h[0], h[1]], a[h[0], h[1]]))
    first, second = model.mutants[a[i, j]], model.mutants[b[i, j]]
    slips = tuple(sorted((*first.slips, *second.slips), key=_telling))
    return Mutant(slips, first.bugs + second.bugs)


# --------------------------------------------------------------------------- saying it


OPERATOR_CODES = {
    "axis": "wrong_axis", "keepdims": "missing_keepdims", "scale": "constant_replaced", "transpose": "transpose_slip",
    "drop": "term_missing", "polarity": "condition_inverted", "fill": "fill_value", "extreme": "wrong_reduction",
    "size": "size_from_wrong_axis", "name": "name_confused", "swap": "operands_swapped", "off_by_one": "off_by_one",
    "comparison": "comparison_strict", "reset": "running_value_reset", "update": "running_value_stale",
    "order": "running_value_stale", "constant": "constant_replaced", "cast": "dtype_lost",
    "in_place": "mutates_input", "sign": "sign_of_term",
}
"""The catalogue code of each operator, where the line's role does not name a more specific idea."""

TAG_CODES = {
    (None, "axis", "param"): "axis_argument_ignored",
    (None, "transpose", "all"): "transpose_all_axes",
    (None, "drop", "test"): "condition_ignored", (None, "drop", "back"): "axis_not_moved_back",
    (None, "swap", "turned"): "transposed_kq",
    (None, "cast", "round"): "rounded_to_whole", (None, "size", "first_axis"): "first_axis_only",
    ("output", "transpose", "left"): "weights_transposed",
    ("queries", "name", "x_kv-for-x_q"): "queries_from_kv_side",
    ("keys", "name", "x_q-for-x_kv"): "keys_from_query_side",
    ("values", "name", "x_q-for-x_kv"): "values_from_query_side",
    ("everywhere", "name", "x_q-for-x_kv"): "not_cross_attention",
    ("queries", "name"): "shared_projection", ("keys", "name"): "shared_projection",
    ("values", "name"): "shared_projection",
    ("values", "drop", "matmul"): "values_unprojected",
    ("queries", "transpose", "right"): "projection_transposed",
    ("keys", "transpose", "right"): "projection_transposed",
    ("values", "transpose", "right"): "projection_transposed",
    (None, "name", "k-for-v"): "output_from_keys",
    ("shift", "drop"): "no_max_subtraction",
    ("shift", "extreme"): "no_max_subtraction",
    ("shift", "name"): "no_max_subtraction",
    ("shift", "axis", "whole"): "global_max_subtraction",
    ("shift", "axis"): "max_not_per_row",
    ("exp", "drop"): "missing_exp",
    ("scale", "drop", "div"): "no_sqrt_d_scaling",
    ("scale", "drop", "times"): "sqrt_d_multiplied",
    ("scale", "scale", "value"): "scaled_by_d",
    ("scale", "scale", "half"): "power_precedence",
    ("size", "size"): "scaled_by_wrong_dimension",
    ("scale", "name"): "scaled_by_wrong_dimension",
    ("scale", "size"): "scaled_by_wrong_dimension",
    ("size", "name"): "scaled_by_wrong_dimension",
    ("scores", "transpose", "all"): "transpose_all_axes",
    ("scores", "transpose", "moved"): "transposed_qtk",
    ("unit", "drop", "add"): "cosine_no_eps",
    ("unit", "drop", "div"): "cosine_one_side",
    ("length", "axis", "whole"): "norm_no_axis",
    ("length", "axis"): "norm_wrong_axis",
    ("temperature", "drop", "div"): "temperature_ignored",
    ("temperature", "drop", "times"): "temperature_multiplied",
    ("mask", "fill", "−1e9"): "fully_masked_row_uniform",
    ("mask", "fill", "0"): "masked_to_zero",
    ("causal", "polarity", "triangle"): "causal_allows_future", ("causal", "off_by_one", "up"): "causal_allows_future",
    ("causal", "drop", "call"): "causal_allows_future", ("causal", "off_by_one", "down"): "causal_excludes_diagonal",
    ("combine", "polarity", "combine"): "causal_allows_future", ("combine", "drop", "and-left"): "causal_allows_future",
    ("combine", "drop", "and"): "padding_ignored", ("side", "polarity"): "padding_side_ignored",
    ("real", "comparison"): "padding_off_by_one", ("real", "off_by_one"): "padding_off_by_one",
    ("left", "comparison"): "padding_off_by_one", ("left", "off_by_one"): "padding_off_by_one",
    ("real", "polarity", "compare"): "mask_polarity_inverted",
    ("query_axis", "keepdims"): "padding_missing_query_axis", ("combine", "keepdims"): "padding_missing_query_axis",
    ("causal", "cast"): "float_mask", (None, "polarity", "negate"): "mask_polarity_inverted",
    ("mask", "polarity", "where"): "mask_polarity_inverted",
    ("mask", "polarity", "invert"): "mask_polarity_inverted",
    ("mask", "polarity", "ignored"): "mask_ignored",
    ("empty", "polarity", "ignored"): "fully_masked_row_nan",
    ("bandwidth", "drop", "sign"): "rbf_positive_sign",
    ("bandwidth", "drop", "div"): "rbf_missing_denominator",
    ("bandwidth", "drop", "mul"): "temperature_ignored",
    ("bandwidth", "drop", "mul-left"): "rbf_missing_two",
    ("scale", "drop", "call"): "scaled_by_d",
    ("bandwidth", "drop", "pow"): "rbf_tau_not_squared",
    ("bandwidth", "drop", "times"): "temperature_multiplied",
    ("distance", "extreme"): "rbf_mean_not_sum",
    ("normalise", "axis", "whole"): "normalised_whole_array",
    ("normalise", "axis"): "softmax_wrong_axis",
    ("normalise", "drop"): "missing_normalisation",
}
"""The idea a slip breaks, by the role tag of its line, the operator and (optionally) its variety."""


def code_of(slip: Slip, codes: dict | None = None) -> str:
    """The catalogue code for one slip: the exercise's own table (by slip id, or like :data:`TAG_CODES`), then
    :data:`TAG_CODES`, then the operator's."""
    if codes and slip.id in codes:
        return codes[slip.id]
    for table in (codes or {}, TAG_CODES):
        for k in ((slip.note.tag, slip.operator, slip.variety), (None, slip.operator, slip.variety),
                  (slip.note.tag, slip.operator)):
            if k in table:
                return table[k]
    return OPERATOR_CODES[slip.operator]


def sentence(slip: Slip, lead: str = "") -> str:
    """One slip in the learner's words, with the role of its line: "Your `sum` runs over …; each row's …"."""
    said = f"{lead}{slip.said}"
    said = said[0].upper() + said[1:]
    return f"{said}; {slip.note.role}." if slip.note.role else f"{said}."


_COUNTS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def bug_status(ex, present) -> str:
    """Which of the handout's bugs are fixed and which are left, in a sentence or two. A bug that cannot show
    while another is there (``hidden_by``) is neither: a note says it may come next."""
    bugs = ex.bugs
    hidden = [b for b in bugs if b not in present and bugs[b].get("hidden_by") in present]
    fixed = [bugs[b]["fixed"] for b in bugs if b not in present and b not in hidden]
    left = [bugs[b]["left"] for b in present]
    count = "one bug left" if len(left) == 1 else f"{_COUNTS.get(len(left), len(left))} bugs left"
    if not fixed:
        told = (f"Nothing is fixed yet: this behaves like the function you were given, which has "
                f"{_COUNTS.get(len(bugs), len(bugs))} bugs; {count}: {_listed(left)}.")
    elif not left:
        told = f"You have {_listed(fixed)}: every bug of the function you were given is fixed, but a new slip is in."
    else:
        told = f"You have {_listed(fixed)}; {count}: {_listed(left)}."
    return " ".join([told, *(bugs[b]["hidden"] for b in hidden)])


def _listed(parts) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def speak(ex, mutant: Mutant, probably: bool = False) -> tuple[str, str]:
    """``(code, message)`` for a learner whose answer behaves like ``mutant``. In a find-the-bug exercise the
    message first says which of the handout's bugs are fixed, and the code is the first bug left, if any."""
    parts, codes = [], getattr(ex, "codes", None)
    if mutant.known:
        code, detail = mutant.known
        message = entry(code).message
        return code, f"{message} {detail}" if detail else message
    if ex.bugs:
        parts.append(bug_status(ex, mutant.bugs))
    for i, slip in enumerate(mutant.slips):
        lead = "probably, " if probably and i == 0 else "also, " if i or (ex.bugs and mutant.bugs) else ""
        parts.append(sentence(slip, lead))
    code = ex.bugs[mutant.bugs[0]]["code"] if mutant.bugs else code_of(mutant.slips[0], codes)
    repeated = [s for s in mutant.slips if sum(t.kind == s.kind for t in mutant.slips) > 1]
    if repeated and not mutant.bugs:                          # the same slip made at several places
        slip = repeated[0]
        code = {**TAG_CODES, **(codes or {})}.get(("everywhere", slip.operator, slip.variety), code)
    return code, " ".join(parts)
