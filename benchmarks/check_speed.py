"""How long one exercise check takes, from ``q.check(fn)`` to the verdict.

Each check runs the learner's function on every probe of its exercise in a forked child (the
sandbox) and compares in the parent; the in-process path, which Windows and macOS use, is measured
beside it as the reference. Answers: the correct answers of tests/checks/answers/right.py and the
wrong ones of wrong.py and blind_dev.py (less those that run into the time limit on purpose), every
exercise, once the caches are warm: the reference's and the wrong variants' outcomes are computed
once per exercise and process (that one-off cost is printed too). The same loop is also timed inside
a real Jupyter kernel, where fork has the kernel's threads and memory to copy.

Run with ``make bench`` (``python -m benchmarks.check_speed`` from the repository root).
Prints p50 and p95 per path and rewrites the "Check speed" section
of benchmarks/RESULTS.md. Target: p50 <= 100 ms per check.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import platform
import statistics
import time

from attention_lib import checks
from attention_lib._paths import ROOT
from benchmarks.results import write_section
from tests.checks.answers import blind_dev, right
from tests.checks.answers.wrong import WRONG

TARGET_MS = 100
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
    once = warm_up()
    print(f"one-off: computing every exercise's reference and variant outcomes took {once:.0f} ms")
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
        f"{n} answers (correct and wrong) × {ROUNDS} rounds per path, with warm caches; time from `checks.run` "
        f"to the verdict. Target: p50 ≤ {TARGET_MS} ms per check. Once per process, the references' and the "
        f"wrong variants' outcomes are computed and cached: {once:.0f} ms for all {len(checks.exercise_ids())} "
        "exercises.",
        "",
        "| where | path | p50 ms per check | p95 ms per check |",
        "|---|---|---|---|",
        *(f"| {w} | {m} | {p50:.1f} | {p95:.1f} |" for w, m, p50, p95 in rows),
    ]
    write_section("Check speed", lines)
    print("wrote the Check speed section of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
