"""Say why an answer is wrong, in terms of the idea, from what it did on the probes.

:func:`diagnose` tries the :data:`STEPS` in order and keeps the first that speaks:

1. **hand-written misconceptions**: a wrong variant that behaves exactly like the answer (values within
   tolerance, the *same kind* of error on the same probes), or a test that recognises it;
2. **generated mistakes** (:mod:`._mutants`): the mutant of the teaching reference that behaves like the
   answer on every probe, or two that do so together, each where it alone is wrong;
3. **telling errors and dtypes**: `math.exp` on an array, endless recursion, no memory, integers, float16;
   then the hand-written misconceptions marked ``late``;
4. **which probes fail**: right everywhere but the large logits (stability), the zero vector (eps), the
   batches (leading axes), n_q ≠ n_k (an axis or a transpose)...;
5. **probably**: a mutant (or two) that behaves like the answer wherever it is wrong, or on most of it;
6. **how the numbers are off**, on the failing probes: a factor named in the probe's sizes (√d, 1/d, τ²),
   a shift, a sign, the last two axes swapped, normalised along another axis or not at all, exp or log
   applied, some rows right and others wrong, a monotone function of the right answer;
7. **the structure**: raised, None, a different type, shape or dtype, NaN, with the learner's line;
8. an honest **fallback** that names the first failing probe and what it is for.
"""
from __future__ import annotations

import ast
import re

import numpy as np

from . import _mutants, _mutate
from . import _relations as rel
from ._compare import as_array, as_pair, describe, looks_rounded, outcome_matches, outcomes_match, precision, tolerance
from ._forbidden import attribute_names
from ._sandbox import Foreign
from .catalogue import entry


def message(code: str, detail: str = "") -> str:
    """The catalogue's message for ``code``, followed by one sentence of ``detail``."""
    base = entry(code).message
    return f"{base} {detail}" if detail else base

__all__ = ["describe", "diagnose"]


def diagnose(ex, answer, mine, want) -> tuple[str, str]:
    """``(code, message)`` for a wrong ``answer`` whose outcomes ``mine`` differ from ``want``."""
    failed = [not outcome_matches(m, w, ex.rtol, ex.atol) for m, w in zip(mine, want, strict=True)]
    for step in STEPS:
        found = step(ex, answer, mine, want, failed)
        if found:
            code, detail, *whole = found
            return code, detail if whole else message(code, detail)
    code, detail = _fallback(ex, mine, want, failed)
    return code, message(code, detail)


_NAN_TOO = (" And where a query has no key to see, yours gives NaN: there every score is −∞, and −∞ − (−∞) and 0/0 are "
            "NaN; shift by 0 and divide only where the sum is positive.")


def _exact_mutant(ex, answer, mine, want, failed):
    """A mutant of the teaching reference that behaves like the answer on every probe; failing that, one that does
    if the answer's NaN (a row with nothing to see, left unguarded) count as the zeros of a guarded one."""
    if ex.teaching is None:
        return None
    model = _mutants.error_model(ex, want)
    found = _mutants.exact(model, mine, failed, ex)
    if found:
        return (*_mutants.speak(ex, found), True)
    found = _mutants.exact(model, mine, failed, ex, lenient=True) if _mutants.has_nan(mine) else None
    if found:
        code, said = _mutants.speak(ex, found)
        return code, said + _NAN_TOO, True
    return None


def _exact_pair(ex, answer, mine, want, failed):
    """Two mutants that together behave like the answer, each where it alone is wrong."""
    if ex.teaching is None:
        return None
    found = _mutants.pair(_mutants.error_model(ex, want), mine, failed, ex)
    return (*_mutants.speak(ex, found), True) if found else None


def _probable_pair(ex, answer, mine, want, failed):
    """Two mutants that together explain where the answer is wrong, overlapping on some probes: "probably"."""
    if ex.teaching is None:
        return None
    found = _mutants.pair(_mutants.error_model(ex, want), mine, failed, ex, probably=True)
    return (*_mutants.speak(ex, found, probably=True), True) if found else None


def _mostly_mutant(ex, answer, mine, want, failed):
    """A mutant that explains most of where the answer is wrong; the rest is said plainly."""
    if ex.teaching is None:
        return None
    found = _mutants.mostly(_mutants.error_model(ex, want), mine, failed, ex)
    if not found:
        return None
    whole = _relations(ex, answer, mine, want, failed) if ex.returns != "value" else None
    if whole and whole[0] in _SIZE_FACTORS:             # one factor of the sizes explains every failing probe
        return None
    code, said = _mutants.speak(ex, found[0], probably=True)
    rest = "; ".join(ex.probes[p].label for p in found[1])
    return code, f"{said} Something else is off as well, on {rest}.", True


def _probable_mutant(ex, answer, mine, want, failed):
    """A mutant that behaves like the answer wherever the answer is wrong: said with "probably"."""
    if ex.teaching is None:
        return None
    found = _mutants.probable(_mutants.error_model(ex, want), mine, failed, ex)
    return (*_mutants.speak(ex, found, probably=True), True) if found else None


def _where(probe) -> str:
    return f"{probe.label} (the probe for {probe.what_for})"


# --------------------------------------------------------------------------- 1. known variants


def _known(ex, answer, mine, want, failed, late=False):
    names = None
    for m, theirs in ex.variant_outcomes():
        if m.late != late or m.patch:              # a patch is a mutant: the error model matches it
            continue
        if theirs is not None:
            hit = outcomes_match(mine, theirs, ex.rtol, ex.atol)
        else:
            hit = _holds(m.test, mine, want, ex.probes)
        if hit and m.code == "transpose_all_axes":
            names = attribute_names(answer) if names is None else names
            hit = bool(names & {"T", "transpose"})     # only with the evidence in the code
        if isinstance(hit, tuple):                 # a test that locates the mistake names its own code
            return hit
        if hit:
            return m.code, hit if isinstance(hit, str) else m.detail
    return None


def _holds(test, mine, want, probes):
    """A test matches only if it holds; one that trips over odd output does not."""
    try:
        return test(mine, want, probes)
    except Exception:
        return False


# --------------------------------------------------------------------------- 2. telling errors and dtypes

_MATH = ("only length-1 arrays", "only 0-dimensional arrays", "only size-1 arrays", "must be real number",
         "math range error", "math domain error", "truth value of an array with more than one element")
_PATTERNS = {   # what an error message says -> the idea behind it
    "unsupported operand type(s) for ^": "caret_not_power",
    "mismatch in its core dimension": "matmul_mismatch",
    "not aligned": "matmul_mismatch",
    "could not be broadcast": "broadcast_mismatch",
}


def _lost_axis(text: str) -> bool:
    """A broadcast error between a shape and the same shape without its last axis: a lost ``keepdims``."""
    shapes = [tuple(int(n) for n in re.findall(r"\d+", s)) for s in re.findall(r"\(([\d, ]*)\)", text)]
    return len(shapes) >= 2 and shapes[0] != shapes[1] and (shapes[0][:-1] == shapes[1] or shapes[1][:-1] == shapes[0])


def _error_code(outcome, ex) -> str | None:
    text, kind = outcome.error or "", outcome.error_type or ""
    if "could not be broadcast" in text and _lost_axis(text):
        return "missing_keepdims"
    for pattern, code in ex.errors.items():
        if pattern in text:
            return code
    if kind in ("TypeError", "OverflowError", "ValueError") and any(p in text for p in _MATH):
        return "math_on_array"
    if kind == "RecursionError":
        return "infinite_recursion"
    if kind in ("MemoryError", "_ArrayMemoryError"):
        return "out_of_memory"
    return next((code for pattern, code in _PATTERNS.items() if pattern in text), None)


def _error_detail(probe, outcome) -> str:
    line = f" at {outcome.line}" if outcome.line else ""
    return f"On {_where(probe)}, your function raised `{outcome.error}`{line}."


def _telling(ex, answer, mine, want, failed):
    for probe, m, w, bad in zip(ex.probes, mine, want, failed, strict=True):
        if bad and m.raised and not w.raised:
            code = _error_code(m, ex)
            if code in ("math_on_array", "infinite_recursion", "out_of_memory", "caret_not_power"):
                return code, _error_detail(probe, m)
    for probe, m, w, bad in zip(ex.probes, mine, want, failed, strict=True):
        if not bad or m.raised or w.raised:
            continue
        for y, r in _components(m.value, w.value):
            if y is None or r is None or r.dtype.kind != "f":
                continue
            if y.dtype.kind in "iu":
                return "integer_result", f"It shows on {probe.label}."
            if precision(y) == "float16":
                return "low_precision", f"It shows on {_where(probe)}."
    return None


_SIDES = {"q": "queries", "k": "keys", "v": "values"}


def _sides(name: str) -> set:
    return {part for part in name.split("_") if part in _SIDES}


def _crossed_name(ex, answer, mine, want, failed):
    """The line that raised makes a key-side name (``v_cache``, ``k``) from a name of another side (``k_new``,
    ``n_q``): one same-kind name used for another, said with the name that belongs there."""
    for probe, m, w, bad in zip(ex.probes, mine, want, failed, strict=True):
        if not (bad and m.raised and not w.raised and m.line):
            continue
        try:
            stmt = ast.parse(m.line.split(": ", 1)[-1].strip()).body[0]
        except (SyntaxError, IndexError):
            return None
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            return None
        made = stmt.targets[0].id
        mine_sides = _sides(made)
        used = [n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)]
        for name in dict.fromkeys(used):
            other = _sides(name) - mine_sides
            if len(mine_sides) == 1 and len(other) == 1 and not _sides(name) & mine_sides:
                side, = mine_sides
                wrong, = other
                belongs = "_".join(side if part == wrong else part for part in name.split("_"))
                return "name_confused", (f"On {_where(probe)}, your function raised `{m.error}` at {m.line}. There "
                                         f"`{name}`, a name of the {_SIDES[wrong]}, is used to make `{made}`, one of "
                                         f"the {_SIDES[side]}: by its name, `{belongs}` belongs there.")
        return None
    return None


_NEW_AXIS = re.compile(r"(\w+)\)?\[\s*:\s*,\s*None\s*\]")


def _axis_misplaced(ex, answer, mine, want, failed):
    """An input given a new axis 1 (``mask[:, None]``) where it has too few axes for it, so that it no longer
    broadcasts: said with the input's shape before and after."""
    params = _mutate.parse(ex.teaching).params if ex.teaching is not None else ()
    for probe, m, w, bad in zip(ex.probes, mine, want, failed, strict=True):
        if not (bad and m.raised and not w.raised and m.line and "broadcast" in (m.error or "")):
            continue
        for name in _NEW_AXIS.findall(m.line):
            if name not in params:
                continue
            i = params.index(name)
            value = probe.args[i] if i < len(probe.args) else probe.kwargs.get(name)
            shape = np.shape(value) if value is not None else ()
            if len(shape) < 2:
                continue
            made = (shape[0], 1, *shape[1:])
            if "(" + ",".join(map(str, made)) + ")" in m.error.replace(" ", ""):
                said = (f"On {_where(probe)}, `{name}` is {shape}: your `[:, None]` makes it {made}, and its axes "
                        f"no longer line up with the others' (`{m.error.strip()}` at {m.line}). A new axis belongs "
                        f"only where `{name}` has the axis it must sit beside: check `{name}.ndim` first, or count "
                        "axes from the end.")
                return "broadcast_mismatch", said, True
    return None


def _own_value(ex, answer, mine, want, failed):
    """Wrong where an optional argument is left at its default, and there giving what the reference gives for the
    value another probe passes (on the same inputs): the argument is replaced by a number of the learner's own."""
    defaults = _mutate.parse(ex.teaching).defaults if ex.teaching is not None else {}
    for i, (probe, bad) in enumerate(zip(ex.probes, failed, strict=True)):
        if not bad or mine[i].raised:
            continue
        for j, other in enumerate(ex.probes):
            passed = [name for name in other.kwargs if name in defaults and name not in probe.kwargs]
            if failed[j] or not passed or len(other.args) != len(probe.args) or \
                    any(a is not b for a, b in zip(other.args, probe.args, strict=True)):
                continue
            if outcome_matches(mine[i], want[j], ex.rtol, ex.atol):
                name = passed[0]
                return "argument_ignored", (f"With `{name}` left at its default ({defaults[name]:g}), yours gives what "
                                            f"`{name}={other.kwargs[name]:g}` gives: it uses its own `{name}`, "
                                            f"not the argument `{name}` ({probe.label}).")
    return None


# --------------------------------------------------------------------------- 3. which probes fail


def _purposes(ex, answer, mine, want, failed):
    probes = ex.probes
    bad = [p for p, f in zip(probes, failed, strict=True) if f]
    good = [p for p, f in zip(probes, failed, strict=True) if not f]
    if not good:
        return None
    for tag, (code, detail) in ex.purposes.items():
        if tag.startswith("only:"):                      # see _right_only_where
            continue
        if all(tag in p.tags for p in bad):
            if code == "no_max_subtraction" and _names_max(answer):
                code = "max_not_per_row"                 # a maximum is there: it is the wrong one
            if code == "fully_masked_row_nan" and not _mutants.has_nan([m for m, f in zip(mine, failed,
                                                                                              strict=True) if f]):
                return "blocked_row_not_zero", _join(detail, f"Only {_where(bad[0])} fails.")   # a value, not NaN
            return code, _join(detail, f"Only {_where(bad[0])} fails.")
    found = _axes_count(answer, probes, mine, good, bad)
    if found:
        return found
    square = {id(p) for p in probes if "square" in p.tags}
    if square and {id(p) for p in good} == square and _misshapen(probes, mine, want, bad):
        return "square_only", f"It fails on {bad[0].label}."      # right exactly where n_q = n_k
    return None


def _right_only_where(ex, answer, mine, want, failed):
    """Right exactly on the probes of one purpose (``only:one_head`` in ``ex.purposes``): a clue, weaker than a
    mutant that explains most of the failures, so it is tried after them."""
    good = {id(p) for p, f in zip(ex.probes, failed, strict=True) if not f}
    for tag, (code, detail) in ex.purposes.items():
        if tag.startswith("only:") and good and good == {id(p) for p in ex.probes if tag[5:] in p.tags}:
            return code, detail
    return None


def _names_max(answer) -> bool:
    """The code takes a maximum somewhere (``np.max``, ``.max()``, ``np.amax``, ``np.maximum`` or ``max``)."""
    return bool(attribute_names(answer) & {"max", "amax", "nanmax", "maximum"})


def _misshapen(probes, mine, want, bad) -> bool:
    """Some failing probe raised or came back in another shape: an axis mix-up, not a numerical slip."""
    for probe in bad:
        got, ref = mine[probes.index(probe)], want[probes.index(probe)]
        if got.raised or np.shape(as_array(got.value)) != np.shape(as_array(ref.value)):
            return True
    return False


SHAPE_PURPOSES = {"basic", "2-D", "batched", "heads", "1-D", "square", "temperature", "extra_axis"}
"""Probes that differ from each other in their number of axes only, not in what their numbers test."""


def _axes_count(answer, probes, mine, good, bad):
    """Right for some numbers of axes and wrong for all others: leading axes not handled.

    Only probes that differ in their number of axes take part (not the large logits, the zero vector,
    ``axis=0``...), and passing on 1-D input alone says nothing: a vector has one axis only.
    """
    good = [p for p in good if p.tags <= SHAPE_PURPOSES]
    bad = [p for p in bad if p.tags <= SHAPE_PURPOSES]
    nd_good, nd_bad = {p.ndim for p in good}, {p.ndim for p in bad}
    if not good or not bad or nd_good & nd_bad or 0 in nd_good | nd_bad or nd_good == {1}:
        return None
    first = bad[0]
    outcome = mine[probes.index(first)]
    seen = f"On {first.label}, it {'raised `' + outcome.error + '`' if outcome.raised else 'is off'}."
    if nd_bad == {1}:
        return "vector_not_handled", seen
    if max(nd_good) < min(nd_bad):
        names = attribute_names(answer)
        if "T" in names:
            return "transpose_all_axes", seen
        return "batch_not_handled", _join(_evidence(names), seen)
    axes = " and ".join(f"{n}-D" for n in sorted(nd_good))
    return "fixed_ndim", f"It is right on the {axes} inputs only. {seen}"


def _evidence(names: set) -> str:
    """One sentence on the likely culprit, from the names the learner's code uses."""
    if names & {"zip", "range", "enumerate"}:
        return "Here a loop over the first axis assumes how many axes there are."
    if names & {"dot", "inner", "outer"}:
        return "Here `np.dot` (or `np.inner`, `np.outer`) is the culprit: it does not treat leading axes as a batch."
    if "transpose" in names:
        return "Here a transpose with a fixed axis order fits one number of axes only."
    return ""


def _join(*parts) -> str:
    return " ".join(p for p in parts if p)


# --------------------------------------------------------------------------- 4. how the numbers are off


def _is_pair(ref) -> bool:
    """The reference returned several things (out and weights), even when they happen to share a shape."""
    return isinstance(ref, tuple) and (as_array(ref) is None or all(isinstance(x, np.ndarray) for x in ref))


def _components(value, ref):
    """Pairs of arrays to compare: one pair, or one per item of a returned (out, weights) pair."""
    ref_pair = ref if _is_pair(ref) else None
    if ref_pair is None:
        return [(as_array(value), as_array(ref))]
    pair = as_pair(value)
    if pair is None or len(pair) != len(ref_pair):
        return [(None, None)]
    return [(as_array(y), as_array(r)) for y, r in zip(pair, ref_pair, strict=True)]


def _off(ex, y, r) -> bool:
    """This part of an answer is missing, misshapen or not close to the reference's."""
    return y is None or r is None or y.shape != r.shape or not _close(ex, y, r)


def _failing_component(ex, value, ref):
    """The (learner, reference) arrays to study: for a pair, the weights first (they come first in the maths)."""
    pairs = _components(value, ref)
    if ex.returns == "tuple":                            # several parts: study the first one that is off
        for y, r in pairs:
            if _off(ex, y, r):
                return y, r, ex.output
        return None, None, None
    if len(pairs) == 2:
        for index in (1, 0):
            y, r = pairs[index]
            if _off(ex, y, r):
                return y, r, ("weights" if index == 1 else "values")
        return None, None, None
    y, r = pairs[0]
    return y, r, ex.output


def _close(ex, y, r) -> bool:
    rtol, atol = tolerance(y, r, ex.rtol, ex.atol)
    with np.errstate(all="ignore"):
        return bool(np.allclose(y.astype(float), r.astype(float), rtol=rtol, atol=atol, equal_nan=True))


def _relation(ex, probe, y, r, output) -> rel.Relation | None:
    tol = rel.CLOSE
    y, r = y.astype(float), r.astype(float)
    if y.shape != r.shape:
        return (rel.transposed(y, r, tol) or rel.reversed_axes(y, r, tol) or rel.diagonal(y, r, tol) or _reshaped(y, r)
                or rel.not_summed(y, r, tol) or _shaped_like_an_input(ex, probe, y, r) or rel.rearranged(y, r, tol))
    if output == "weights":
        axis = ex.weights_axis(probe) if ex.returns != "pair" else -1
        found = (rel.normalised_elsewhere(y, r, axis, tol) or rel.masked(y, r, tol)
                 or rel.rows_proportional(y, r, axis, tol) or rel.tempered(y, r, axis, tol))
        if found:
            return found
    for relation in rel.ARRAY_RELATIONS:
        found = relation(y, r, tol)
        if found:
            return found
    rtol, atol = tolerance(y, r, ex.rtol, ex.atol)
    return rel.wrong_rows(y, r, rtol, atol) or rel.monotone(y, r, tol) or rel.rearranged(y, r, tol)


def _shaped_like_an_input(ex, probe, y, r) -> rel.Relation | None:
    """A result whose shape gives away which input it was built from (``ex.arguments`` names them).

    An output of width d where d_v is expected was averaged from the keys; scores shaped like the
    queries were summed over the keys instead of the features.
    """
    args = {name: np.shape(probe.args[i]) for name, i in ex.arguments.items() if i < len(probe.args)}
    k, v, q = args.get("k"), args.get("v"), args.get("q")
    if k and v and k[-1] != v[-1] and y.shape == r.shape[:-1] + (k[-1],):
        return rel.Relation("from_keys")
    if q and k and ex.output == "scores" and y.shape == q:
        return rel.Relation("summed_wrong_axis")
    return None


def _reshaped(y, r) -> rel.Relation | None:
    if (y.size == r.size and y.ndim != r.ndim and np.squeeze(y).shape == np.squeeze(r).shape
            and np.allclose(np.squeeze(y), np.squeeze(r), equal_nan=True)):
        return rel.Relation("extra_axis")
    return None


def _degenerate(y) -> bool:
    return y is None or not np.all(np.isfinite(y)) or not np.any(y)


MASK_KEYS = ("mask_inverted", "mask_leak")


def _relations(ex, answer, mine, want, failed):
    if ex.output == "mask":
        return _mask_relation(ex, mine, want, failed)
    if ex.returns == "value":
        return _value_relation(ex, mine[0], want[0])
    found, studied, unmasked, unexplained = [], [], [], False
    for probe, m, w, bad in zip(ex.probes, mine, want, failed, strict=True):
        if not bad or m.raised or w.raised:
            continue
        y, r, output = _failing_component(ex, m.value, w.value)
        if y is None or r is None:
            return None
        studied.append((probe, y))
        relation = _relation(ex, probe, y, r, output) or _built_from_keys(ex, probe, m.value, w.value)
        if relation is not None:
            found.append((probe, relation))
        elif _degenerate(y) or ("large" in probe.tags and sum(failed) > 1):
            continue                        # extreme numbers may hide a relation the other probes show
        elif output == "weights" and y.shape == r.shape and not np.any(r == 0):
            unmasked.append(probe)          # nothing blocked here, so a mask mistake could not show
        else:
            unexplained = True
    calm = [(p, f) for p, f in found if "large" not in p.tags]       # extreme numbers may bend a relation
    if len({f.key for _, f in found}) > 1 and calm and len({f.key for _, f in calm}) == 1:
        found = calm
    keys = {f.key for _, f in found}
    if keys and keys <= set(MASK_KEYS) and not unexplained:
        voters = calm or found
        inverted = sum(f.key == "mask_inverted" for _, f in voters)
        key = "mask_inverted" if 2 * inverted > len(voters) else "mask_leak"
        return _mapped(ex, key, DEFAULT_CODES[key], f"It shows on {found[0][0].label}.")
    if unexplained or unmasked:
        return _elementwise(ex, studied, mine, want, failed)
    if not found or len(keys) != 1:
        return None
    code, detail = _name(ex, answer, found, mine, failed)
    return code, _join(detail, _which_part(ex, mine, want, failed))


def _which_part(ex, mine, want, failed) -> str:
    """For a tuple answer, the part the relation was found in: ``your `dv` is the one that is off``."""
    if ex.returns != "tuple" or not ex.parts:
        return ""
    m, w = next((m, w) for m, w, bad in zip(mine, want, failed, strict=True) if bad and not m.raised)
    for name, (y, r) in zip(ex.parts, _components(m.value, w.value), strict=False):
        if _off(ex, y, r):
            return f"It is your `{name}` that is off."
    return ""


def _mask_relation(ex, mine, want, failed):
    """A mask in another form than asked: additive (0 and −∞) instead of boolean, or mirrored along the keys."""
    keys = set()
    for m, w, bad in zip(mine, want, failed, strict=True):
        if not bad or m.raised or w.raised:
            continue
        y, r = as_array(m.value), as_array(w.value)
        if y is None or r is None or y.shape != r.shape or r.dtype != bool:
            return None
        if y.dtype.kind == "f" and np.array_equal(y == 0, r) and np.all(y[~r] <= -1e4):
            keys.add("additive")
        elif r.ndim and not np.array_equal(r, r[..., ::-1]) and np.array_equal(y.astype(bool), r[..., ::-1]):
            keys.add("mirrored")
        else:
            return None
    if len(keys) != 1:
        return None
    key = keys.pop()
    return _mapped(ex, key, {"additive": "additive_mask_returned", "mirrored": "mask_mirrored"}[key], "")


def _built_from_keys(ex, probe, value, ref) -> rel.Relation | None:
    """An (out, weights) answer whose weights are right but whose output averages the keys: out = weights @ k."""
    if ex.returns != "pair" or "k" not in ex.arguments:
        return None
    pair, ref_pair = as_pair(value), ref
    if pair is None or len(pair) != 2:
        return None
    out, weights = as_array(pair[0]), as_array(ref_pair[1])
    k = np.asarray(probe.args[ex.arguments["k"]], dtype=float)
    if out is None or weights is None or not values_close(ex, pair[1], ref_pair[1]):
        return None
    blended = weights @ k                                # (..., n_q, d): the keys, averaged
    if out.shape == blended.shape and _close(ex, out.astype(float), blended):
        return rel.Relation("from_keys")
    return None


def _value_relation(ex, got, ref):
    """A pen-and-paper answer: rounded, an extra axis, or weights with the right proportions."""
    y, r = (None, None) if got.raised else (as_array(got.value), as_array(ref.value))
    if y is None or r is None or r.dtype.kind != "f":
        return None
    y = y.astype(float)
    if y.shape != r.shape:
        if _reshaped(y, r):
            return "extra_axis", f"Yours has shape {y.shape}."
        return ("output_not_summed", f"Yours has shape {y.shape}.") if rel.not_summed(y, r) else None
    if np.all(np.isfinite(y)) and np.allclose(y, r, rtol=3e-2, atol=6e-3) and looks_rounded(y, r):
        return "imprecise", ""
    if y.ndim and np.allclose(np.sort(y, axis=None), np.sort(r, axis=None)):
        return "wrong_order", ""
    found = rel.applied(y, r) if y.ndim else None
    if found and found.key in ("exp", "log"):
        return DEFAULT_CODES[found.key], ""
    if ex.output == "weights" and y.ndim:
        found = rel.normalised_elsewhere(y, r, -1) or rel.rows_proportional(y, r, -1)
        if found:
            return DEFAULT_CODES[found.key], ""
    return None


def _elementwise(ex, studied, mine, want, failed):
    """Softmax-like exercises: an output that is one function of each input entry, row sums ignored."""
    if ex.output != "weights" or ex.returns != "array":
        return None
    pairs = []
    for probe, m, bad in zip(ex.probes, mine, failed, strict=True):
        y = None if m.raised else as_array(m.value)
        x = as_array(probe.args[0]) if probe.args else None
        if bad and y is not None and x is not None and y.shape == x.shape:
            pairs.append((x.astype(float), y.astype(float)))
    found = rel.elementwise(pairs) if pairs else None
    if found:
        return _mapped(ex, "elementwise", "elementwise_not_normalised", "")
    return None


def _mapped(ex, key, code, detail):
    code, extra = ex.relations.get(key, (code, ""))
    return code, _join(extra, detail)


DEFAULT_CODES = {
    "transposed": "transposed_result", "reversed": "transpose_all_axes", "permuted": "axes_in_wrong_order",
    "rearranged": "values_rearranged", "sign": "sign_flipped", "shift": "constant_shift", "exp": "exp_applied",
    "log": "log_applied", "softmax": "softmax_applied", "monotone": "monotone_transform",
    "unnormalised": "missing_normalisation", "other_axis": "softmax_wrong_axis",
    "whole_array": "normalised_whole_array", "rows": "wrong_rows", "extra_axis": "extra_axis",
    "diagonal": "diagonal_only", "mask_inverted": "mask_polarity_inverted", "mask_leak": "mask_leak",
    "not_summed": "output_not_summed", "from_keys": "output_from_keys", "summed_wrong_axis": "summed_wrong_axis",
}


def _name(ex, answer, found, mine, failed):
    key = found[0][1].key
    where = f"It shows on {found[0][0].label}."
    if key == "factor":
        values = [r.value for _, r in found]
        said = (f"On every failing input your numbers are {values[0]:.3g} times the right ones.{_unit(values[0])}"
                if np.allclose(values, values[0], rtol=1e-4) else
                "The factor changes with the input's shape, so it depends on a size: check which one you use.")
        return _factor(ex, found, "constant_factor", said)
    if key in ("permuted", "rearranged") and "T" in attribute_names(answer):
        return _mapped(ex, key, "transpose_all_axes", where)   # `.T` reverses every axis of a 3-D or 4-D array
    if key == "tempered":
        return _tempered(ex, found)
    if key == "rows":
        probe, relation = found[0]
        return _mapped(ex, "rows", "wrong_rows", _rows_detail(probe, relation.rows))
    return _mapped(ex, key, DEFAULT_CODES[key], where)


def _tempered(ex, found):
    """A scale on the scores, read from the power between the weights: √d left out, d for √d, another size."""
    probe, relation = found[0]
    said = f"On {probe.label}, your scores are {relation.value:.3g} times the right ones (the weights are sharper or " \
           "flatter)."
    if not all(r.key == "tempered" for _, r in found):
        return _mapped(ex, "tempered", "scores_scale_off", said)
    return _factor(ex, found, "scores_scale_off", said, "scores")


def _sizes(ex, probe) -> dict:
    """The sizes a probe's numbers can depend on, by name: d, n_q, n_k, d_v from the arrays the exercise names,
    and every number passed beside them by its parameter's name (τ for a temperature)."""
    sizes = {}
    for name, axes in (("q", (("d", -1), ("n_q", -2))), ("k", (("n_k", -2),)), ("v", (("d_v", -1),))):
        shape = np.shape(probe.args[ex.arguments[name]]) if ex.arguments.get(name, 99) < len(probe.args) else ()
        sizes.update({size: int(shape[axis]) for size, axis in axes if len(shape) >= -axis})
    if "d" not in sizes and "W_q" in ex.arguments:
        sizes["d"] = int(np.shape(probe.args[ex.arguments["W_q"]])[-1])
    names = re.findall(r"(\w+)\s*(?:=[^,)]*)?[,)]", ex.signature.partition("(")[2])
    given = {**dict(zip(names, probe.args, strict=False)), **probe.kwargs}
    for name, value in given.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            sizes[{"temperature": "τ", "tau": "τ", "bandwidth": "τ"}.get(name, name)] = value
    for name, value in _shape_names(ex, given).items():
        sizes.setdefault(name, value)
    return sizes


def _shape_names(ex, given) -> dict:
    """The sizes the teaching reference names from its inputs' shapes (``n = logits.shape[0]``, ``B, T, D =
    x.shape``), read off this probe's inputs."""
    if ex.teaching is None:
        return {}
    found = {}
    for stmt in _mutate.parse(ex.teaching).tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target, value = stmt.targets[0], stmt.value
        index = None
        if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant):
            index, value = value.slice.value, value.value
        if not (isinstance(value, ast.Attribute) and value.attr == "shape" and isinstance(value.value, ast.Name)):
            continue
        shape = np.shape(given.get(value.value.id)) if value.value.id in given else None
        names = [target] if index is not None else getattr(target, "elts", [])
        axes = [index] if index is not None else range(len(names))
        if shape is None or len(names) != len(axes):
            continue
        for name, axis in zip(names, axes, strict=True):
            if isinstance(name, ast.Name) and isinstance(axis, int) and -len(shape) <= axis < len(shape):
                found[name.id] = int(shape[axis])
    return found


_POWERS = {1: "{}", 0.5: "√{}", 2: "{}²", 4: "{}⁴"}
_RANK = {e: i for i, e in enumerate((1, -1, 0.5, -0.5, 2, -2, 4, -4))}


def _factors(sizes: dict) -> dict[str, tuple[float, tuple]]:
    """Every factor ``2^a · x^e · y^f`` of at most two sizes, by name ("2/√d", "√d/√n_k", "τ²"), simplest first,
    with its value and the sizes it uses."""
    one = [(((x, e),), v**e) for x, v in sizes.items() for e in _RANK]
    two = [(s + t, u * w) for i, (s, u) in enumerate(one) for t, w in one[i + 1:]
           if s[0][0] != t[0][0] and abs(s[0][1]) <= 1 and abs(t[0][1]) <= 1]
    found = []
    for term, value in [((), 1.0), *one, *two]:
        for a in (0, 1, -1):
            top = ["2"] * (a == 1) + [_POWERS[e].format(x) for x, e in term if e > 0]
            bottom = ["2"] * (a == -1) + [_POWERS[-e].format(x) for x, e in term if e < 0]
            name = "·".join(top) or "1"
            name += ("/" + ("·".join(bottom) if len(bottom) == 1 else f"({'·'.join(bottom)})")) if bottom else ""
            if name != "1":
                rank = (len(term), a != 0, sum(_RANK[e] for _, e in term))
                found.append((rank, name, value * 2.0**a, tuple(x for x, _ in term)))
    return {name: (value, used) for _, name, value, used in sorted(found, key=lambda f: f[0])}


FACTOR_CODES = {"√d": "no_sqrt_d_scaling", "1/√d": "scaled_by_d", "d": "sqrt_d_multiplied", "2/√d": "power_precedence",
                "1/(2·√d)": "power_precedence"}
"""A factor's usual meaning on scores divided by √d (√d/x: x for d); an exercise's ``relations`` ("factor:τ²")
come first."""
_SIZE_FACTORS = {"scaled_by_wrong_dimension", *FACTOR_CODES.values()}
"""Codes of a factor read in the probe's sizes: one such factor on every failing probe outweighs a mutant that
explains only most of them."""


UNITS = {1 / 1024: "KiB", 1 / 1024**2: "MiB", 1 / 1024**3: "GiB", 1e-3: "kB", 1e-6: "MB", 1e-9: "GB"}
"""A factor that is a change of unit from bytes, said as that unit."""


def _unit(factor) -> str:
    for ratio, unit in UNITS.items():
        if np.isclose(factor, ratio, rtol=1e-6):
            power = {1 / 1024: "1/1024", 1 / 1024**2: "1/1024²", 1 / 1024**3: "1/1024³"}.get(ratio, f"{ratio:g}")
            return f" That is {power}: your result is in {unit}. Return it in the unit the question asks for."
    return ""


def _factor(ex, found, code, said, what="numbers"):
    """Name the factor between the learner's numbers and the right ones, the same expression in the sizes on every
    failing probe: "your numbers are √d times the right ones (2.45 at d = 6)"."""
    first, value = found[0][0], found[0][1].value
    sizes = _sizes(ex, first)
    tables = [_factors(_sizes(ex, p)) for p, _ in found]
    for name, (_, used) in tables[0].items():
        if all(name in t and np.isclose(r.value, t[name][0], rtol=1e-4)
               for t, (_, r) in zip(tables, found, strict=True)):
            at = ", ".join(f"{x} = {sizes[x]:g}" for x in used)
            told = (f"Your {what} are {name} times the right ones ({value:.3g} at {at} on {first.label})." if at
                    else f"On every failing input your {what} are {name} times the right ones.")
            usual = code if ex.output not in ("scores", "weights") else \
                "scaled_by_wrong_dimension" if name.startswith("√d/") else FACTOR_CODES.get(name, code)
            return _mapped(ex, f"factor:{name}", usual, told)
    return _mapped(ex, "factor", code, said)


def _rows_detail(probe, rows) -> str:
    for role, indices in probe.roles.items():
        if set(rows) == set(indices):
            return f"On {probe.label}, the {role} rows are the wrong ones."
    listed = ", ".join(str(i) for i in rows[:6])
    return f"On {probe.label}, rows {listed} are wrong and the others right."


# --------------------------------------------------------------------------- 5. structure


def _structure(ex, answer, mine, want, failed):
    for probe, m, w, bad in zip(ex.probes, mine, want, failed, strict=True):
        if bad:
            problem = _problem(ex, probe, m, w, answer)
            if problem:
                return problem
    return None


def _problem(ex, probe, got, want, answer=None):
    where = f"On {_where(probe)}"
    if got.raised:
        code = _error_code(got, ex) or "raised"
        return code, _error_detail(probe, got)
    value, ref = got.value, want.value
    if value is None:
        return "returned_none", f"It happened on {_where(probe)}."
    if hasattr(value, "explain"):                   # an answer the exercise's canonical form has judged already
        return value.explain(where)
    if _is_pair(ref):
        pair = _pair_problem(ex, probe, value, ref)
        if pair:
            return pair
    for index, (mine, theirs) in enumerate(_components(value, ref)):
        yours = f"your `{ex.parts[index]}`" if ex.returns == "tuple" and index < len(ex.parts) else "your result"
        if mine is None:
            return "wrong_type", (f"{where}, a number or an array of numbers was expected; "
                                  f"you returned {describe(value)}.")
        if theirs is not None and mine.shape != theirs.shape:
            if mine.size == theirs.size and _close(ex, mine.reshape(theirs.shape), theirs):
                return "extra_axis", f"{where}, {yours} has shape {mine.shape}."
            reversed_by_t = (sorted(mine.shape) == sorted(theirs.shape) and mine.ndim > 2 and answer is not None
                             and "T" in attribute_names(answer))
            if reversed_by_t:                    # `.T` on a 3-D or 4-D array reverses every axis
                return "transpose_all_axes", f"{where}, {yours} has shape {mine.shape}, not {theirs.shape}."
            shown = "" if ex.returns == "value" else f" where {theirs.shape} is expected"
            return "wrong_shape", (f"{where}, {yours} has shape {mine.shape}{shown}. "
                                   "Write down the shape of every intermediate array.")
        if theirs is not None and theirs.dtype == bool and mine.dtype != bool and np.array_equal(mine, theirs):
            return "float_mask", f"{where}, your mask has dtype {mine.dtype}."
        if theirs is not None and (mine.dtype == bool) != (theirs.dtype == bool):
            kind = "boolean" if theirs.dtype == bool else "floating-point"
            return "wrong_dtype", f"{where}, your result has dtype {mine.dtype}; a {kind} array is expected."
        if mine.dtype.kind == "f" and not np.all(np.isfinite(mine)) and np.all(np.isfinite(theirs)):
            return "not_finite", (f"{where}, your result contains NaN or inf. "
                                  "Look for exp overflow, division by zero, or -inf minus -inf.")
    return None


def _pair_problem(ex, probe, value, ref):
    where = f"On {_where(probe)}"
    pair = as_pair(value)
    if ex.returns == "tuple":
        if pair is None or len(pair) != len(ref):
            names = ", ".join(ex.parts) if ex.parts else ", ".join("…" for _ in ref)
            return "wrong_type", f"{where}, expected a tuple `({names})`; you returned {describe(value)}."
        return None
    if pair is None:
        arr = as_array(value)
        if arr is not None and arr.shape == np.shape(ref[0]) and _close(ex, arr, np.asarray(ref[0])):
            return "missing_weights", ""
        if arr is not None and arr.shape == np.shape(ref[1]) and _close(ex, arr, np.asarray(ref[1])):
            return "missing_output", ""
        return "wrong_type", f"{where}, expected a pair `(out, weights)`; you returned {describe(value)}."
    if len(pair) == 2 and values_close(ex, pair[0], ref[1]) and values_close(ex, pair[1], ref[0]):
        return "pair_swapped", ""
    if len(pair) != len(ref):
        return "wrong_type", f"{where}, expected a pair `(out, weights)`; you returned {describe(value)}."
    return None


def values_close(ex, a, b) -> bool:
    x, y = as_array(a), as_array(b)
    return x is not None and y is not None and x.shape == y.shape and _close(ex, x, y)


# --------------------------------------------------------------------------- 6. fallback


def _fallback(ex, mine, want, failed):
    probe, got, ref = next((p, m, w) for p, m, w, f in zip(ex.probes, mine, want, failed, strict=True) if f)
    if ex.returns == "value":
        return "wrong_values", "Your answer is not the expected one. Work it out again step by step on paper."
    passing = [p for p, f in zip(ex.probes, failed, strict=True) if not f]
    same_kind = _same_kind(got.value, ref.value)
    head = "Your result has the expected shape and type" if same_kind else "Your result has the expected shape"
    told = f"{head}; the first input where the numbers differ is {_where(probe)}."
    if passing:
        right = "; ".join(p.label for p in passing)
        told += f" It is right on {right}."
    return "wrong_values", told + " Work out one entry of that input by hand and compare."


def _known_late(ex, answer, mine, want, failed):
    return _known(ex, answer, mine, want, failed, late=True)


STEPS = (_known, _exact_mutant, _exact_pair, _telling, _crossed_name, _axis_misplaced, _own_value, _known_late,
         _purposes, _probable_mutant, _probable_pair, _mostly_mutant, _right_only_where, _relations, _structure)
"""The order in which a diagnosis is looked for; the first that speaks is given."""


def _same_kind(value, ref) -> bool:
    """Same container and dtype kind, so that 'shape and type are right' is true."""
    if isinstance(value, Foreign) or type(value) is not type(ref):
        return False
    pairs = _components(value, ref)
    return all(y is not None and r is not None and y.dtype.kind == r.dtype.kind for y, r in pairs)
