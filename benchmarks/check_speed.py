"""How long one exercise check takes, from ``q.check(fn)`` to the verdict, warm and cold.

Warm: each check runs the learner's function on every probe of its exercise in a forked child (the
sandbox) and compares in the parent; the in-process path, which Windows and macOS use, is measured
beside it as the reference. Answers: the correct answers of tests/checks/answers/right.py and the
wrong ones of wrong.py and blind_dev.py (less those that run into the time limit on purpose), every
exercise, once its error model is cached. The same loop is also timed inside a real Jupyter kernel,
where fork has the kernel's threads and memory to copy. Target: p50 <= 50 ms per check in a kernel.

Cold: the first check of each exercise with an empty cache, on one of its wrong answers: the error
model (every mutant of the teaching reference, run on every probe in this trusted process) is built
then and saved. Target: <= 1 s for every exercise. The size of the cache it writes is printed too
(target: <= 5 MB).

Run with ``make bench`` (``python -m benchmarks.check_speed`` from the repository root).
Prints the figures and rewrites the "Check speed" section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from attention_lib import checks
from attention_lib._paths import ROOT
from attention_lib.checks import _mutants
from benchmarks.results import write_section
from tests.checks.answers import blind_dev, right
from tests.checks.answers.wrong import WRONG

TARGET_MS = 50
COLD_TARGET_MS = 1000
CACHE_TARGET_MB = 5
ROUNDS = 3


def answers() -> list[tuple[str, object]]:
    """(exercise id, function) for every correct and wrong answer that ends before the time limit."""
    pairs = [(ex, getattr(right, ex)) for ex in checks.exercise_ids()]
    pairs += [(w.exercise, w.fn) for w in WRONG.values() if w.code != "timeout"]
    pairs += [(e["id"], e["fn"]) for e in blind_dev.BANK if e["code"] != "timeout"]
    return pairs


def warm_up() -> float:
    """Compute every exercise's cached outcomes (reference and wrong variants); milliseconds it took."""
    start = time.perf_counter()
    for ex in checks.exercise_ids():
        checks.run(ex, getattr(right, ex))
        checks.get(ex).variant_outcomes()
    return 1000 * (time.perf_counter() - start)


def cold_checks() -> tuple[list[tuple[str, float]], int]:
    """``([(exercise id, ms of its first check with an empty cache)], bytes the cache then holds)``: each
    exercise's error model is dropped from memory, and the disk cache is an empty temporary directory."""
    first_wrong = {}
    for w in WRONG.values():
        if w.code != "timeout":
            first_wrong.setdefault(w.exercise, w.fn)
    times = []
    with tempfile.TemporaryDirectory() as folder:
        os.environ[_mutants.CACHE_ENV] = folder
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                for exercise_id in checks.exercise_ids():
                    ex = checks.get(exercise_id)
                    ex.reference_outcomes()              # the reference's outcomes come first in any check
                    ex._cache.pop("mutants", None)
                    start = time.perf_counter()
                    checks.run(exercise_id, first_wrong[exercise_id])
                    times.append((exercise_id, 1000 * (time.perf_counter() - start)))
        finally:
            os.environ.pop(_mutants.CACHE_ENV, None)
        size = sum(f.stat().st_size for f in Path(folder).iterdir())
    return times, size


def time_checks(pairs, rounds=ROUNDS) -> list[float]:
    """Milliseconds per check, once every exercise's cache is warm."""
    warm_up()
    times = []
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(rounds):
            for ex, fn in pairs:
                start = time.perf_counter()
                checks.run(ex, fn)
                times.append(1000 * (time.perf_counter() - start))
    return times


def percentiles(times) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


def in_process_python(mode: str) -> list[float]:
    os.environ["ATTENTION_COURSE_SANDBOX"] = mode
    try:
        return time_checks(answers())
    finally:
        os.environ.pop("ATTENTION_COURSE_SANDBOX", None)


KERNEL_CODE = """
import json, os
os.environ["ATTENTION_COURSE_SANDBOX"] = {mode!r}
from benchmarks.check_speed import answers, time_checks
print("TIMES" + json.dumps(time_checks(answers())))
"""


def in_kernel(mode: str) -> list[float]:
    """The same loop inside a Jupyter kernel (ipykernel: ZMQ threads, a bigger process to fork)."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(ROOT),
                                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        lines = []

        def keep(msg):
            if msg["msg_type"] == "stream":
                lines.append(msg["content"]["text"])

        client.execute_interactive(KERNEL_CODE.format(mode=mode), timeout=1200, output_hook=keep)
        text = "".join(lines)
        return json.loads(text[text.index("TIMES") + 5:].splitlines()[0])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    cold, size = cold_checks()
    slowest = sorted(cold, key=lambda c: -c[1])[:3]
    cold_p50 = statistics.median(ms for _, ms in cold)
    print(f"cold: first check of an exercise with an empty cache: p50 {cold_p50:.0f} ms, slowest "
          + ", ".join(f"{i} {ms:.0f} ms" for i, ms in slowest) + f"; the cache then holds {size / 1e6:.2f} MB")
    once = warm_up()
    print(f"one-off: every exercise's reference and variant outcomes, from memory or the cache, took {once:.0f} ms")
    rows = []
    for where, run in (("python process", in_process_python), ("Jupyter kernel", in_kernel)):
        for mode in ("fork", "inprocess"):
            p50, p95 = percentiles(run(mode))
            label = "sandbox (fork)" if mode == "fork" else "in-process (reference)"
            rows.append((where, label, p50, p95))
            print(f"{where:15} {label:24} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    n = len(answers())
    lines = [
        f"Measured {dt.date.today():%Y-%m-%d} by `make bench` (benchmarks/check_speed.py) on {os.cpu_count()} cores, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}.",
        f"{n} answers (correct and wrong) × {ROUNDS} rounds per path, once each exercise's error model is cached; "
        f"time from `checks.run` to the verdict. Target: p50 ≤ {TARGET_MS} ms per check in a kernel.",
        "",
        "| where | path | p50 ms per check | p95 ms per check |",
        "|---|---|---|---|",
        *(f"| {w} | {m} | {p50:.1f} | {p95:.1f} |" for w, m, p50, p95 in rows),
        "",
        f"Cold cache: the first check of each of the {len(cold)} exercises (a wrong answer), with an empty cache, "
        f"builds and saves its error model: p50 {cold_p50:.0f} ms; slowest "
        + ", ".join(f"`{i}` {ms:.0f} ms" for i, ms in slowest)
        + f". Target: ≤ {COLD_TARGET_MS} ms for every exercise. The whole cache holds {size / 1e6:.2f} MB "
        f"(target: ≤ {CACHE_TARGET_MB} MB).",
    ]
    write_section("Check speed", lines)
    print("wrote the Check speed section of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
