"""Progress of one learner, or a class report, from exercise notebooks.

``python -m attention_lib.course progress PATH... [--timeout S] [--json]``
(``python -m attention_lib.progress`` is the same command.)

Each notebook runs headlessly in its own subprocess (with a timeout) and every
``exNN.qK.check(...)`` call in it is recorded. The output is a table of
exercise × status × misconception. With several learners (a folder of
submissions, one sub-folder per learner) it adds the most common
misconceptions: what to revisit before the next session.

Layouts understood: ``PATH/learner/NN_topic.ipynb`` (one folder per learner),
or notebooks directly (the learner is then the file's folder name).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..text import table
from .runner import execute


def find_notebooks(paths) -> list[Path]:
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += [n for n in sorted(p.rglob("*.ipynb")) if not any(part.startswith(".") for part in n.parts)]
        elif p.suffix == ".ipynb":
            found.append(p)
    return found


def run_one(notebook: Path, timeout: float) -> tuple[list[dict], str | None]:
    """Run one notebook in a subprocess; return its check records and an error (or None)."""
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "checks.jsonl"
        env = {**os.environ, "ATTENTION_COURSE_RECORD": str(record)}
        env.pop("ATTENTION_COURSE_EXPECT", None)
        cmd = [sys.executable, "-m", "attention_lib.course.progress", "--execute", str(notebook),
               "--timeout", str(timeout)]
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout + 30)
            error = None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["failed"])[-1]
        except subprocess.TimeoutExpired:
            error = f"timed out after {timeout:.0f} s"
        rows = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return rows, error


def _execute(notebook: Path, timeout: float) -> None:
    """Inside the subprocess: run every cell, carrying on past errors (a learner's crash is data)."""
    execute(notebook, timeout=timeout, allow_errors=True)


def collect(paths, timeout: float = 120) -> list[dict]:
    rows = []
    for nb in find_notebooks(paths):
        records, error = run_one(nb, timeout)
        learner = nb.parent.name
        if error and not records:
            rows.append({"learner": learner, "notebook": nb.stem, "question": "-", "exercise": "-",
                         "status": "error", "code": error})
        # the last check of each question counts (a learner may re-run a cell)
        latest = {r["question"]: r for r in records}
        rows += [{"learner": learner, **r} for r in latest.values()]
    return rows


def report(rows: list[dict]) -> str:
    header = ["learner", "notebook", "question", "exercise", "status", "misconception"]
    cells = [[r["learner"], r.get("notebook", ""), r["question"], r["exercise"], r["status"], r.get("code") or ""]
             for r in rows]
    out = [table(header, cells, align="left", rule=True)]
    learners = {r["learner"] for r in rows}
    statuses = collections.Counter(r["status"] for r in rows)
    out.append("")
    kinds = ("correct", "incorrect", "not_attempted", "error")
    out.append("totals: " + ", ".join(f"{statuses[s]} {s}" for s in kinds if statuses[s]))
    if len(learners) > 1:
        common = collections.Counter((r["exercise"], r["code"]) for r in rows
                                     if r["status"] == "incorrect" and r.get("code"))
        out.append(f"\nmost common misconceptions ({len(learners)} learners):")
        for (exercise, code), n in common.most_common(10):
            out.append(f"  {n:3d} × {code}  ({exercise})")
        if not common:
            out.append("  none")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attention_lib.course progress",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per notebook")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--execute", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.execute:
        try:
            _execute(Path(args.paths[0]), args.timeout)
        except Exception as exc:  # one clean line for the parent's table
            reason = "timed out" if "Timeout" in type(exc).__name__ else type(exc).__name__
            message = f"{reason} after {args.timeout:.0f} s in a cell" if reason == "timed out" else f"failed: {reason}"
            print(message, file=sys.stderr)
            return 3
        return 0
    rows = collect(args.paths, args.timeout)
    print(json.dumps(rows, indent=1) if args.json else report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
