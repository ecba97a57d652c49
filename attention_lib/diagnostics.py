"""The debugging checklist, run automatically on any attention function.

``diagnose_attention(fn)`` feeds ``fn(q, k, v, mask=None) -> (out, weights)`` a
handful of seeded probes and tests the invariants every correct attention
function satisfies: rows sum to 1, masked weights are exactly 0, no causal leak,
permutation equivariance, shift invariance, and the right shapes on an input where
``n_q != n_k`` and ``d != d_v``. It works on a learner's function and on the library's own.
"""
from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

from .masking import causal_mask, padding_mask


@dataclass
class Finding:
    """One invariant: its name, whether it held, and what was seen."""

    name: str
    passed: bool
    detail: str


@dataclass
class DiagnosticReport:
    """The result of :func:`diagnose_attention`: one :class:`Finding` per invariant."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.passed for f in self.findings)

    def __getitem__(self, name: str) -> Finding:
        return next(f for f in self.findings if f.name == name)

    def __str__(self) -> str:
        lines = [f"[{'PASS' if f.passed else 'FAIL'}] {f.name}: {f.detail}" for f in self.findings]
        broken = sum(not f.passed for f in self.findings)
        verdict = "all invariants hold" if self.ok else f"{broken} invariant(s) broken"
        return "\n".join(lines + [verdict])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        rows = "\n".join(f"| {'✓' if f.passed else '✗'} | {f.name} | {f.detail} |" for f in self.findings)
        return f"| | invariant | what was seen |\n|---|---|---|\n{rows}"


def _call(fn, q, k, v, mask=None):
    result = fn(q, k, v, mask=mask) if mask is not None else fn(q, k, v)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"expected (out, weights), got {type(result).__name__}")
    out, weights = (np.asarray(r, dtype=float) for r in result)
    return out, weights


ROUNDING = 1e-12
"""Below this, a difference is floating-point rounding: its last digits change with how numpy sums (the memory
alignment of the arrays), so the report says "less than 1e-12" instead of printing them."""


def _amount(err) -> str:
    return f"{err:.2e}" if err >= ROUNDING else f"less than {ROUNDING:.0e}"


def _rows_sum_to_one(fn, q, k, v, atol):
    _, w = _call(fn, q, k, v)
    err = np.max(np.abs(w.sum(-1) - 1))
    return err <= atol, f"largest |row sum - 1|: {_amount(err)}, over {w.shape[-2]} queries × {w.shape[:-2]} batch"


def _masked_weights_are_zero(fn, q, k, v, atol):
    lengths = np.arange(k.shape[-2] - 1, k.shape[-2] - 1 - k.shape[0], -1).clip(1)
    mask = padding_mask(lengths, k.shape[-2])            # (B, 1, n_k)
    _, w = _call(fn, q, k, v, mask)
    leaked = np.max(np.abs(np.where(mask, 0, w)))
    sums = np.max(np.abs(w.sum(-1) - 1))
    parts = [(leaked == 0, f"largest weight on a padded key: {'exactly 0' if leaked == 0 else _amount(leaked)}",
              "it must be exactly 0"),
             (sums <= atol, f"largest |row sum - 1|: {_amount(sums)}", "the allowed keys must share all the weight")]
    if all(held for held, _, _ in parts):
        return True, "; ".join(seen for _, seen, _ in parts)
    # a failing line leads with the number that fails, so it never opens with one that holds
    failed = [f"{seen} (fails: {why})" for held, seen, why in parts if not held]
    return False, "; ".join(failed + [f"{seen} (holds)" for held, seen, _ in parts if held])


def _no_causal_leak(fn, x, atol):
    n = x.shape[-2]
    mask = causal_mask(n)                                # (n, n)
    out, _ = _call(fn, x, x, x, mask)
    t = n // 2
    x2 = x.copy()
    x2[..., t + 1:, :] += 10.0                           # change only the future of position t
    out2, _ = _call(fn, x2, x2, x2, mask)
    change = np.max(np.abs(out2[..., : t + 1, :] - out[..., : t + 1, :]))
    return change <= atol, f"changing tokens after position {t} moved outputs up to {t} by {_amount(change)}"


def _permutation_equivariant(fn, x, atol):
    perm = np.random.default_rng(1).permutation(x.shape[-2])
    out, _ = _call(fn, x, x, x)
    out_p, _ = _call(fn, x[..., perm, :], x[..., perm, :], x[..., perm, :])
    err = np.max(np.abs(out_p - out[..., perm, :]))
    return err <= atol, f"|f(Px) - P f(x)|: {_amount(err)}, for a shuffle of {x.shape[-2]} tokens"


def _shift_invariant(fn, q, k, v, atol):
    c = np.random.default_rng(2).normal(size=k.shape[-1])  # (d,)
    _, w = _call(fn, q, k, v)
    _, w_shift = _call(fn, q, k + c, v)                  # each score row gains the constant q·c
    err = np.max(np.abs(w_shift - w))
    return err <= atol, f"adding q·c to every score of a row changed the weights by {_amount(err)}"


def _shapes_non_square(fn, q, k, v):
    out, w = _call(fn, q, k, v)
    want_out = q.shape[:-1] + v.shape[-1:]               # (B, n_q, d_v)
    want_w = q.shape[:-1] + k.shape[-2:-1]               # (B, n_q, n_k)
    sizes = f"n_q={q.shape[-2]}, n_k={k.shape[-2]}, d={q.shape[-1]}, d_v={v.shape[-1]}"
    ok = out.shape == want_out and w.shape[-2:] == want_w[-2:]
    seen = f"out {out.shape} (want {want_out}), weights {w.shape} (want (..., {want_w[-2]}, {want_w[-1]}))"
    return ok, f"{seen} for {sizes}"


def diagnose_attention(fn, *, batch=2, n_q=4, n_k=6, d=8, d_v=5, seed=0, atol=1e-6):
    """Run the debugging checklist on an attention function.

    Parameters
    ----------
    fn : callable
        ``fn(q, k, v, mask=None) -> (out, weights)`` with a boolean mask, True = may attend.
    batch, n_q, n_k, d, d_v : int
        Probe sizes; ``n_q != n_k`` and ``d != d_v`` on purpose, so that swapped axes and
        values mixed up with keys show.
    seed : int
        Seed for the probe inputs.
    atol : float
        Tolerance for the numeric comparisons.

    Returns
    -------
    DiagnosticReport
        Prints as a checklist; ``.ok`` is True when every invariant holds.
        The shift check assumes dot-product scores (cosine and RBF scores are not shifted by it).
    """
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(batch, n_q, d))                 # (B, n_q, d)
    k = rng.normal(size=(batch, n_k, d))                 # (B, n_k, d)
    v = rng.normal(size=(batch, n_k, d_v))               # (B, n_k, d_v)
    x = rng.normal(size=(batch, n_k, d))                 # (B, n, d) for self-attention
    checks = [
        ("rows sum to 1", lambda: _rows_sum_to_one(fn, q, k, v, atol)),
        ("masked weights are exactly 0", lambda: _masked_weights_are_zero(fn, q, k, v, atol)),
        ("no causal leak", lambda: _no_causal_leak(fn, x, atol)),
        ("permutation equivariance", lambda: _permutation_equivariant(fn, x, atol)),
        ("shift invariance of the scores", lambda: _shift_invariant(fn, q, k, v, atol)),
        ("shapes on a non-square input", lambda: _shapes_non_square(fn, q, k, v)),
    ]
    report = DiagnosticReport()
    for name, run in checks:
        try:
            passed, detail = run()
        except Exception as exc:  # the function under test failed: report, never raise
            last = traceback.extract_tb(exc.__traceback__)[-1]
            passed, detail = False, f"raised {type(exc).__name__}: {exc} (line {last.lineno}: {last.line})"
        report.findings.append(Finding(name, bool(passed), detail))
    return report


def check_attention(fn, **kwargs):
    """Deprecated name of :func:`diagnose_attention` (kept for one release)."""
    warnings.warn("check_attention is now diagnose_attention; \"check\" means grading in this course",
                  DeprecationWarning, stacklevel=2)
    return diagnose_attention(fn, **kwargs)
