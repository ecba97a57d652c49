"""Class report speed: the wall time of ``progress --jobs 2`` on 30 learner notebooks, sandboxed and not.

The class is made from exercises/: 10 learners × 3 lessons (01, 02, 03), and each answer is
right (the model answer from solutions/), wrong (a slip the checks know) or untouched, in turn,
so every third answer of each kind. Each configuration (sandboxed with bubblewrap, the default, and
``--no-sandbox``, the reference) runs ``REPEATS`` times, alternating, as the instructor would run it
(``python -m attention_lib.course progress DIR --jobs 2 --json``); every run must give the same rows, or
the benchmark fails.
Then a larger class (``--large N`` notebooks, 100 by default) runs once, sandboxed, and its time is
extrapolated to 300 notebooks.

Run with ``make bench`` (``python -m benchmarks.progress_speed [--repeats N] [--large N]`` from the
repository root). Prints the medians and writes them into benchmarks/RESULTS.md under "Class report speed".
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from attention_lib._paths import EXERCISES, ROOT, SOLUTIONS
from attention_lib.course.passes import STUB, source, without_markers
from benchmarks.results import write_section

LESSONS = ("01_similarity", "02_softmax_temperature", "03_soft_knn")
LEARNERS = 10
REPEATS = 3
LARGE = 100
CLASS = 300
CONFIGS = {"--jobs 2, sandboxed": ["--jobs", "2"], "--jobs 2, --no-sandbox": ["--jobs", "2", "--no-sandbox"]}
WRONG = {  # function -> a body with a slip a learner makes (what the lessons warn about)
    "scaled_dot_scores": "return q @ np.swapaxes(k, -1, -2)",
    "cosine_scores": "return q @ np.swapaxes(k, -1, -2) / temperature",
    "rbf_scores": "return -((q[..., :, None, :] - k[..., None, :, :]) ** 2).sum(-1) / temperature**2",
    "softmax": "return np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)",
    "softmax_temperature": "return softmax(np.asarray(x) * temperature)",
    "temperature_for_target": "return 0.9",
    "one_nn_limit": "return 1.0",
    "kernel_regression": "return np.full(len(x_query), np.mean(y_train))",
    "top_k_attention": "return softmax(q @ k.T) @ v",
}


def model_answers(lesson: str) -> dict[str, str]:
    """``{function: cell source}`` of the solution notebook's answer cells, without the markers."""
    nb = json.loads((SOLUTIONS / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    cells = [source(c) for c in nb["cells"] if c["cell_type"] == "code"]
    return {name: without_markers(text) for name in WRONG for text in cells if f"def {name}(" in text}


def learner_notebook(lesson: str, learner: int) -> dict:
    """The exercise notebook with answer ``i`` right, wrong or untouched as ``(learner + i) % 3``."""
    nb = json.loads((EXERCISES / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    right = model_answers(lesson)
    answers = [c for c in nb["cells"] if c["cell_type"] == "code" and STUB in source(c)]
    for i, cell in enumerate(answers):
        name = next(n for n in WRONG if f"def {n}(" in source(cell))
        kind = (learner + i) % 3
        if kind == 0:
            cell["source"] = right[name]
        elif kind == 1:
            cell["source"] = source(cell).replace(STUB, WRONG[name])
    return nb


def make_class(root: Path, learners: int = LEARNERS) -> int:
    for learner in range(learners):
        folder = root / f"learner{learner:02d}"
        folder.mkdir(parents=True)
        for lesson in LESSONS:
            (folder / f"{lesson}.ipynb").write_text(json.dumps(learner_notebook(lesson, learner)), encoding="utf-8")
    return learners * len(LESSONS)


def run_report(root: Path, extra: list[str]) -> tuple[float, list[dict]]:
    """Wall seconds of one report, and its rows."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "attention_lib.course", "progress", str(root), "--json", *extra],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return time.perf_counter() - start, json.loads(proc.stdout)["rows"]


def _counts(rows: list[dict]) -> dict[str, int]:
    return dict(sorted(collections.Counter(r["status"] for r in rows).items()))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--large", type=int, default=LARGE, help="notebooks in the large class (0: skip it)")
    args = parser.parse_args(argv)
    times, load, first = {name: [] for name in CONFIGS}, [], None
    with tempfile.TemporaryDirectory(prefix="attention-bench-") as tmp:
        count = make_class(Path(tmp))
        for repeat in range(args.repeats):
            for name, extra in CONFIGS.items():
                load.append(os.getloadavg()[0])
                seconds, rows = run_report(Path(tmp), extra)
                first = first or rows
                if rows != first:
                    raise AssertionError(f"{name} gave other rows than the first run: the sandbox changed a verdict")
                times[name].append(seconds)
                print(f"run {repeat + 1}, {name}: {seconds:.1f} s  ({_counts(rows)})", flush=True)
    large = None
    if args.large:
        with tempfile.TemporaryDirectory(prefix="attention-bench-") as tmp:
            n = make_class(Path(tmp), -(-args.large // len(LESSONS)))
            load.append(os.getloadavg()[0])
            seconds, rows = run_report(Path(tmp), CONFIGS["--jobs 2, sandboxed"])
            large = (n, seconds)
            print(f"large class, {n} notebooks, sandboxed: {seconds:.1f} s  ({_counts(rows)})")
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    print(f"\n{'configuration':24s} {'median s':>9s} {'per notebook s':>15s}")
    for name, median in medians.items():
        print(f"{name:24s} {median:9.1f} {median / count:15.2f}")
    if large:
        print(f"{large[0]} notebooks, sandboxed: {large[1]:.1f} s; {CLASS} notebooks: "
              f"{large[1] * CLASS / large[0]:.0f} s by extrapolation")
    write_results(medians, count, args.repeats, (min(load), max(load)), large)


def write_results(medians: dict[str, float], count: int, repeats: int, load: tuple[float, float],
                  large: tuple[int, float] | None = None) -> None:
    write_section("Class report speed", [
        f"Measured {dt.date.today().isoformat()} by `make bench` (benchmarks/progress_speed.py) "
        f"on {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}.",
        f"{count} learner notebooks ({LEARNERS} learners × {len(LESSONS)} lessons; answers right, wrong and untouched "
        f"in turn); wall time of `python -m attention_lib.course progress DIR --jobs 2`, median of {repeats} runs, "
        "sandboxed (bubblewrap: each notebook run and, alongside it, its answers graded on hidden probes, each in a "
        "sandbox of its own) and with `--no-sandbox` (the same work, unsandboxed) in the same runs. Every run gave the "
        "same rows. Target: at most 1.5 s per notebook sandboxed.",
        f"The cores are shared: the 1-minute load average was {load[0]:.1f} to {load[1]:.1f} during the runs.",
        "",
        "| configuration | median s | per notebook s |",
        "|---|---|---|",
        *(f"| {name} | {median:.1f} | {median / count:.2f} |" for name, median in medians.items()),
        *([] if large is None else [
            "", f"A class of {large[0]} notebooks, sandboxed, `--jobs 2`, once: {large[1]:.1f} s "
                f"({large[1] / large[0]:.2f} s per notebook); {CLASS} notebooks: {large[1] * CLASS / large[0]:.0f} s"
                + (" by extrapolation." if large[0] != CLASS else ".")]),
    ])


if __name__ == "__main__":
    main()
