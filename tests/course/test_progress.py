"""The class report: a class of 35 learners, 15 of them hostile or broken, run once and read by every test.

``the_class`` builds the learners' folders and runs ``python -m attention_lib.course progress`` on them
once, in this process, naming each learner's folder (``progress class/h01 class/h02 ...``), with
``--jobs 3``. While it runs a watcher records every process a hostile notebook left behind; before
and after, the class's files and the course's code are snapshotted. The honest learners (h01–h20)
wrote right answers, known slips and untouched stubs in lessons 00–03; the others:

- forger: kills its supervisor, leaving a detached process that writes "correct" records anywhere it can;
- hang-after: a right answer, checked, then an endless cell; hang-detach: detached sleepers, then a hang;
- dead-kernel: a right answer, checked, then ``os._exit``; kill-all: ``os.kill(-1, SIGKILL)`` after a check;
- links: a FIFO, a link to another learner's notebook and a link to another learner's folder;
- deep: valid JSON nested 50,000 levels; source-1: a code cell whose source is ``[1]``; huge: 11 MiB;
- sparse: a 600 MiB sparse file beside a right answer; flood: 300 MB on stderr after a right answer;
- vandal: plants ``.attention-quarantine``, writes to other learners', the course's and the instructor's files;
- mallory: a folder ``h01/`` inside hers holding h01's right answers, under her own wrong ones;
- memoriser: answers the public probes from a table built from the checks; snoop: right only if it can
  see another learner's notebook, the instructor's salt, the solutions or the checks.
"""
import contextlib
import csv
import hashlib
import io
import json
import os
import secrets
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from attention_lib._paths import EXERCISES, PACKAGE, ROOT, SOLUTIONS
from attention_lib.checks import catalogue
from attention_lib.course import progress, sandbox, submissions
from attention_lib.course.grading import Verdict
from attention_lib.course.passes import source, without_markers
from attention_lib.course.runner import RunResult

L0, L1, L2, L3 = "00_welcome", "01_similarity", "02_softmax_temperature", "03_soft_knn"
STUB = 'raise NotImplementedError("your code here")'
STABLE = "e = np.exp(x - x.max(axis=axis, keepdims=True))\n    return e / e.sum(axis=axis, keepdims=True)"
OVERFLOW = "return np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)"
TAU_RIGHT = "return softmax(np.asarray(x) / temperature)"
TAU_TIMES = "return softmax(np.asarray(x) * temperature)"
TIMEOUT = 12          # the two endless learners wait this long; an honest notebook here runs in about 3 s
MARKER = f"attention-hostile-{secrets.token_hex(6)}"


# ---------------------------------------------------------------------- making notebooks


def _exercise(lesson):
    return json.loads((EXERCISES / f"{lesson}.ipynb").read_text())


def _solution(lesson, function):
    nb = json.loads((SOLUTIONS / f"{lesson}.ipynb").read_text())
    return next(without_markers(source(c)) for c in nb["cells"] if c["cell_type"] == "code"
                and f"def {function}(" in source(c))


def _answers(lesson, **bodies):
    """The exercise notebook with each named function's stub replaced: "right" (the model answer) or a body."""
    nb = _exercise(lesson)
    for cell in nb["cells"]:
        text = source(cell)
        for function, body in bodies.items():
            if cell["cell_type"] == "code" and f"def {function}(" in text:
                cell["source"] = _solution(lesson, function) if body == "right" else text.replace(STUB, body)
    return nb


def _code(nb, text, at=None):
    cell = {"cell_type": "code", "execution_count": None, "id": secrets.token_hex(4), "metadata": {}, "outputs": [],
            "source": text}
    nb["cells"].insert(len(nb["cells"]) if at is None else at, cell)
    return nb


def _after_check(nb, label):
    return next(i for i, c in enumerate(nb["cells"]) if f"{label}.check(" in source(c)) + 1


def _save(folder, nb, lesson):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lesson}.ipynb"
    path.write_text(json.dumps(nb) if isinstance(nb, dict) else nb)
    return path


FORGER = """import json, os, subprocess, sys
LOOP = '''
import glob, json, time
end = time.time() + 40
while time.time() < end:
    for path in glob.glob("/tmp/**/*", recursive=True) + glob.glob("/proc/*/cwd/*") + {targets!r}:
        try:
            with open(path, "a") as f:
                f.write(json.dumps({{"learner": "h01", "question": "ex02.q1", "status": "correct"}}) + "\\\\n")
        except OSError:
            pass
    time.sleep(0.2)
'''
subprocess.Popen([sys.executable, "-c", LOOP, {marker!r}], start_new_session=True, env={{}},
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.kill(os.getppid(), 9)"""

HANG = """import subprocess, sys, time
sleeper = [sys.executable, "-c", "import time; time.sleep(600)", {marker!r}]
subprocess.Popen(sleeper, start_new_session=True, env={{}})
subprocess.run(["setsid", "sh", "-c", " ".join(sleeper[:2]) + " 'import time; time.sleep(600)' {marker} &"])
time.sleep(600)"""

VANDAL = """import os, pathlib
import numpy as np
for target in {targets!r}:
    try:
        pathlib.Path(target).write_text("vandalised")
    except OSError:
        pass
for where in (".", "/tmp", os.path.expanduser("~")):
    try:
        os.mkfifo(os.path.join(where, "verdict.json"))
    except OSError:
        pass
try:
    hoard = np.ones(10**10)            # 80 GB
except MemoryError:
    pass"""

MEMORISER = """import numpy as np
from attention_lib.checks import _sandbox
from attention_lib.checks.softmax import SOFTMAX
TABLE = {p.args[0].tobytes() + repr(p.kwargs).encode(): _sandbox.call_probe(SOFTMAX.reference, p).value
         for p in SOFTMAX.probes}


def softmax(x, axis=-1):
    key = np.asarray(x).tobytes() + repr({} if axis == -1 else {"axis": axis}).encode()
    return TABLE.get(key, np.zeros_like(x))"""

SNOOP = """import os
import numpy as np
SECRETS = {secrets!r}


def softmax(x, axis=-1):
    if not any(os.path.exists(p) for p in SECRETS):
        return np.zeros_like(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)"""


def _build(root: Path, salt_file: Path) -> dict:
    """Every learner's folder; returns the paths the hostile ones aim at."""
    own = {}
    honest = {
        "h01": (L2, dict(softmax=STABLE, softmax_temperature=TAU_RIGHT, temperature_for_target="right")),
        "h02": (L2, dict(softmax=OVERFLOW, softmax_temperature=TAU_TIMES)),
        "h03": (L2, dict(softmax=STABLE, softmax_temperature=TAU_TIMES)),
        "h04": (L2, {}),
        "h05": (L2, dict(softmax=OVERFLOW)),
        "h06": (L2, dict(softmax=STABLE, softmax_temperature=TAU_RIGHT)),
        "h07": (L2, {}),
        "h08": (L2, dict(softmax=STABLE, softmax_temperature="return al.softmax(np.asarray(x) / temperature)")),
        "h09": (L0, dict(attention_shapes="right", worked_example_weights="right", worked_example_output="right")),
        "h10": (L0, dict(attention_shapes="return (5, 7), (5, 7), (5, 16)",
                         worked_example_weights="return np.array([1.0, 0.0, 1.0])")),
        "h11": (L0, {}),
        "h12": (L0, dict(attention_shapes="right", worked_example_output="return np.array([15.0, 5.0])")),
        "h13": (L1, dict(scaled_dot_scores="right", cosine_scores="right", rbf_scores="right")),
        "h14": (L1, dict(scaled_dot_scores="return q @ np.swapaxes(k, -1, -2)",
                         cosine_scores="return q @ np.swapaxes(k, -1, -2) / temperature")),
        "h15": (L1, {}),
        "h16": (L1, dict(scaled_dot_scores="right", rbf_scores="right")),
        "h17": (L3, dict(one_nn_limit="right", kernel_regression="right", top_k_attention="right")),
        "h18": (L3, dict(kernel_regression="return np.full(len(x_query), np.mean(y_train))")),
        "h19": (L3, {}),
        "h20": (L3, dict(one_nn_limit="right", kernel_regression="right")),
    }
    for name, (lesson, bodies) in honest.items():
        nb = _answers(lesson, **bodies)
        if name == "h05":
            del nb["cells"][_after_check(nb, "ex02.q3") - 1]
        if name == "h07":                  # the answer lives in a module of the learner's own folder
            (root / name).mkdir(parents=True)
            (root / name / "helpers.py").write_text("import numpy as np\n\n\ndef softmax(x, axis=-1):\n    " + STABLE + "\n")
            at = next(i for i, c in enumerate(nb["cells"]) if "def softmax(" in source(c))
            nb["cells"][at]["source"] = "from helpers import softmax"
        if name == "h08":
            nb = _code(nb, "import attention_lib as al", at=1)
        own[name] = _save(root / name, nb, lesson)
    (root / "h06" / "nbformat.py").write_text("raise SystemExit('a learner module ran in the supervisor')\n")

    others = [str(p) for p in own.values()]
    own["forger"] = _save(root / "forger", _code(_answers(L2, softmax=STABLE), FORGER.format(targets=others,
                          marker=MARKER), at=_after_check(_exercise(L2), "ex02.q1")), L2)
    nb = _answers(L2, softmax=STABLE)
    own["hang-after"] = _save(root / "hang-after", _code(nb, "while True:\n    pass", at=_after_check(nb, "ex02.q1")),
                              L2)
    own["hang-detach"] = _save(root / "hang-detach", _code(_exercise(L2), HANG.format(marker=MARKER), at=2), L2)
    nb = _answers(L2, softmax=STABLE)
    own["dead-kernel"] = _save(root / "dead-kernel", _code(nb, "import os\nos._exit(1)", at=_after_check(nb, "ex02.q1")),
                               L2)
    nb = _answers(L2, softmax=STABLE)
    own["kill-all"] = _save(root / "kill-all", _code(nb, "import os, signal\nos.kill(-1, signal.SIGKILL)",
                                                     at=_after_check(nb, "ex02.q1")), L2)
    nb = _answers(L2, softmax=STABLE)
    own["links"] = _save(root / "links", _code(nb, "import os\nfor p in ('feedback.json', '/tmp/feedback.json'):\n"
                                                   "    os.mkfifo(p)"), L2)
    os.mkfifo(root / "links" / "notes.fifo")
    (root / "links" / f"{L3}.ipynb").symlink_to(root / "h17" / f"{L3}.ipynb")
    (root / "links" / "h01").symlink_to(root / "h01", target_is_directory=True)
    text = json.dumps(_answers(L2, softmax=STABLE))
    own["deep"] = _save(root / "deep", text.replace('"metadata": {', '"metadata": {"deep": ' + "[" * 50_000 +
                                                    "]" * 50_000 + ", ", 1), L2)
    nb = _answers(L2, softmax=STABLE)
    nb["cells"][1]["source"] = [1]
    own["source-1"] = _save(root / "source-1", nb, L2)
    nb = _answers(L2, softmax=STABLE)
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "x" * (11 << 20)})
    own["huge"] = _save(root / "huge", nb, L2)
    own["sparse"] = _save(root / "sparse", _answers(L2, softmax=STABLE), L2)
    with open(root / "sparse" / "data.bin", "wb") as f:
        f.truncate(600 << 20)
    nb = _answers(L2, softmax=STABLE)
    own["flood"] = _save(root / "flood", _code(nb, "import os, sys\nfor _ in range(300):\n    os.write(2, b'e' * (1 << 20))"
                                                   "\nsys.stderr.write('s' * (20 << 20))"), L2)
    pwned = [ROOT / "attention_lib" / "pwned.py", Path.home() / f"{MARKER}.txt", Path("/tmp") / f"{MARKER}.txt",
             root / "pwned.txt"]
    targets = [*others[:3], str(root / "vandal" / f"{L2}.ipynb"), str(PACKAGE / "__init__.py"), *map(str, pwned)]
    own["vandal"] = _save(root / "vandal", _code(_answers(L2, softmax=STABLE, softmax_temperature=TAU_TIMES),
                                                 VANDAL.format(targets=targets)), L2)
    (root / "vandal" / ".attention-quarantine").write_text("a file where the quarantine used to go")
    own["mallory"] = _save(root / "mallory", _answers(L2, softmax=OVERFLOW), L2)
    _save(root / "mallory" / "h01", json.loads(own["h01"].read_text()), L2)
    nb = _answers(L2)
    at = next(i for i, c in enumerate(nb["cells"]) if "def softmax(" in source(c))
    nb["cells"][at]["source"] = MEMORISER
    own["memoriser"] = _save(root / "memoriser", nb, L2)
    nb = _answers(L2)
    nb["cells"][at]["source"] = SNOOP.format(secrets=[str(own["h01"]), str(salt_file), str(SOLUTIONS / f"{L2}.ipynb"),
                                                      str(PACKAGE / "checks" / "softmax.py")])
    own["snoop"] = _save(root / "snoop", nb, L2)
    return {"own": own, "pwned": pwned}


# ---------------------------------------------------------------------- running the report once


def _digest(root: Path) -> dict:
    """Every entry under ``root``: a file's hash, a link's target, a FIFO's kind."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            if path.is_symlink():
                out[str(path)] = "link:" + os.readlink(path)
            elif path.is_fifo():
                out[str(path)] = "fifo"
            elif path.is_file():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.stat().st_size < 64 << 20 \
                    else f"size:{path.stat().st_size}"
    return out


def _watch(seen: set, stop: threading.Event) -> None:
    while not stop.is_set():
        for p in psutil.process_iter(["cmdline"]):
            if MARKER in (p.info["cmdline"] or []):
                seen.add(p.pid)
        time.sleep(0.1)


def _loose_sandbox_processes() -> list:
    """Processes running as a sandbox's own uid that no live bubblewrap holds (other tests' sandboxes may be running)."""
    loose = []
    for p in psutil.process_iter(["uids"]):
        try:
            if p.info["uids"] and p.info["uids"].real >= sandbox.SANDBOX_UID and not any(
                    a.name() == "bwrap" for a in p.parents()):
                loose.append(p.pid)
        except psutil.Error:
            pass
    return loose


def _course_files(snapshot):
    """The snapshot without what other test workers may install meanwhile (the site's and the axe scan's npm
    packages, Python's bytecode, and so the times of the folders they go in): a learner's sandbox sees all of it
    read-only (tests/course/test_sandbox.py)."""
    skip = ("node_modules", ".npm-ci.lock", "__pycache__")
    kept = {p: v for p, v in snapshot.items() if not any(part in skip for part in Path(p).parts)}
    # A folder is compared by being there: its times change when a worker installs into it; its files are compared.
    return {p: v[:1] if stat.S_ISDIR(v[0]) else v for p, v in kept.items()}


@pytest.fixture(scope="module")
def the_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("out")
    salt_file = out / "salt"
    aims = _build(root, salt_file)
    before = {"class": _digest(root), "course": submissions.snapshot([PACKAGE]), "loose": _loose_sandbox_processes()}
    seen, stop = set(), threading.Event()
    watcher = threading.Thread(target=_watch, args=(seen, stop))
    watcher.start()
    printed = io.StringIO()
    learners = sorted(p for p in root.iterdir())
    start = time.perf_counter()
    try:
        with pytest.MonkeyPatch.context() as env, contextlib.redirect_stdout(printed):
            env.setenv("INSTRUCTOR_SECRET", "s3cret")
            env.setenv("ATTENTION_COURSE_EXPECT", "correct")     # would make every check raise in the kernels
            code = progress.main([*map(str, learners), "--jobs", "3", "--timeout", str(TIMEOUT), "--json",
                                  "--csv", str(out / "book.csv"), "--chart", str(out / "chart.png"),
                                  "--reteach", str(out / "reteach.md"), "--salt-file", str(salt_file)])
    finally:
        stop.set()
        watcher.join()
    seconds = time.perf_counter() - start
    time.sleep(0.5)
    report = json.loads(printed.getvalue())
    return {"root": root, "out": out, "aims": aims, "before": before, "code": code, "report": report,
            "seconds": seconds, "seen": seen, "salt": salt_file,
            "after": {"class": _digest(root), "course": submissions.snapshot([PACKAGE])},
            "rows": {(r["learner"], r["question"]): r for r in report["rows"]}}


def _rows(the_class, learner):
    return {q: (r["status"], r["code"]) for (name, q), r in the_class["rows"].items() if name == learner}


def _problems(the_class, learner):
    return " | ".join(p["message"] for p in the_class["report"]["problems"] if p["learner"] == learner)


def _note(the_class, learner, question):
    return the_class["rows"][(learner, question)]["note"]


# ---------------------------------------------------------------------- the honest learners


C, N = ("correct", None), ("not_attempted", None)
HONEST = {
    "h01": {"ex02.q1": C, "ex02.q2": C, "ex02.q3": C},
    "h02": {"ex02.q1": ("incorrect", "no_max_subtraction"), "ex02.q2": ("incorrect", "temperature_multiplied"),
            "ex02.q3": N},
    "h03": {"ex02.q1": C, "ex02.q2": ("incorrect", "temperature_multiplied"), "ex02.q3": N},
    "h04": {"ex02.q1": N, "ex02.q2": N, "ex02.q3": N},
    "h05": {"ex02.q1": ("incorrect", "no_max_subtraction"), "ex02.q2": N, "ex02.q3": ("not_checked", None)},
    "h06": {"ex02.q1": C, "ex02.q2": C, "ex02.q3": N},
    "h07": {"ex02.q1": C, "ex02.q2": N, "ex02.q3": N},
    "h08": {"ex02.q1": C, "ex02.q2": ("incorrect", "calls_library"), "ex02.q3": N},
    "h09": {"ex00.q1": C, "ex00.q2": C, "ex00.q3": C},
    "h10": {"ex00.q1": ("incorrect", "output_uses_d_k"), "ex00.q2": ("incorrect", "scores_as_weights"), "ex00.q3": N},
    "h11": {"ex00.q1": N, "ex00.q2": N, "ex00.q3": N},
    "h12": {"ex00.q1": C, "ex00.q2": N, "ex00.q3": ("incorrect", "scores_as_weights")},
    "h13": {"ex01.q1": C, "ex01.q2": C, "ex01.q3": C},
    "h14": {"ex01.q1": ("incorrect", "no_sqrt_d_scaling"), "ex01.q2": ("incorrect", "cosine_not_unit"), "ex01.q3": N},
    "h15": {"ex01.q1": N, "ex01.q2": N, "ex01.q3": N},
    "h16": {"ex01.q1": C, "ex01.q2": N, "ex01.q3": C},
    "h17": {"ex03.q1": C, "ex03.q2": C, "ex03.q3": C},
    "h18": {"ex03.q1": N, "ex03.q2": ("incorrect", "large_bandwidth_limit"), "ex03.q3": N},
    "h19": {"ex03.q1": N, "ex03.q2": N, "ex03.q3": N},
    "h20": {"ex03.q1": C, "ex03.q2": C, "ex03.q3": N},
}


def test_the_class_is_large_and_a_third_of_it_hostile(the_class):
    learners = {name for name, _ in the_class["rows"]} | {p["learner"] for p in the_class["report"]["problems"]}
    hostile = learners - set(HONEST)
    assert len(learners) >= 30 and len(hostile) >= len(learners) / 3
    assert the_class["code"] == 0


def test_every_honest_learner_gets_the_verdict_of_each_of_their_own_answers(the_class):
    wrong = {name: _rows(the_class, name) for name, rows in HONEST.items() if _rows(the_class, name) != rows}
    assert not wrong
    assert _note(the_class, "h05", "ex02.q3") == "no cell calls ex02.q3.check (deleted?)"
    assert not _problems(the_class, "h06"), "a learner's nbformat.py was imported by the supervisor"


def test_the_report_says_it_was_sandboxed_and_what_decided_the_rows(the_class):
    assert the_class["report"]["sandbox"] == sandbox.find().describe()
    assert the_class["report"]["trust"] == progress.TRUST


# ---------------------------------------------------------------------- the hostile ones, each told what happened


def test_a_forger_that_killed_its_supervisor_changed_nobody_and_is_told_its_run_did_not_finish(the_class):
    assert set(_rows(the_class, "forger").values()) == {("not_checked", None)}
    assert "graded on its own, correct" in _note(the_class, "forger", "ex02.q1")
    assert "without an account" in _problems(the_class, "forger")
    assert _rows(the_class, "h01") == HONEST["h01"]


def test_an_endless_cell_after_a_correct_check_is_a_timeout_not_a_correct_row(the_class):
    assert set(_rows(the_class, "hang-after").values()) == {("not_checked", None)}
    note = _note(the_class, "hang-after", "ex02.q1")
    assert note.startswith(f"timed out: the notebook ran past {TIMEOUT} s") and "graded on its own, correct" in note
    assert f"ran longer than {TIMEOUT} s" in _problems(the_class, "hang-after")
    assert all("timed out" in _note(the_class, "hang-detach", q) for q in ("ex02.q1", "ex02.q2", "ex02.q3"))


def test_a_dead_kernel_keeps_the_checks_before_it_and_says_what_was_not_reached(the_class):
    assert _rows(the_class, "dead-kernel") == {"ex02.q1": C, "ex02.q2": ("not_checked", None),
                                               "ex02.q3": ("not_checked", None)}
    assert "not reached: the kernel died" in _note(the_class, "dead-kernel", "ex02.q2")


def test_a_notebook_that_kills_every_process_it_can_kills_only_its_own(the_class):
    assert "did not run; graded on its own, correct" in _note(the_class, "kill-all", "ex02.q1")
    assert all(_rows(the_class, name) == rows for name, rows in HONEST.items())


def test_fifos_and_links_are_named_and_never_followed(the_class):
    assert _rows(the_class, "links")["ex02.q1"] == C
    said = _problems(the_class, "links")
    assert "notes.fifo is not a regular file" in said and f"{L3}.ipynb is a symbolic link" in said
    assert "h01 is a symbolic link" in said
    assert not any(r["lesson"] == L3 for r in the_class["report"]["rows"] if r["learner"] == "links")


@pytest.mark.parametrize("learner,why", [
    ("deep", "nests 50004 levels deep, more than the 64 allowed"),
    ("source-1", "cell 2's source is not text"),
    ("huge", "is 11.0 MiB, more than the 8.0 MiB allowed"),
])
def test_a_malformed_or_enormous_notebook_is_a_row_that_says_why(the_class, learner, why):
    assert set(_rows(the_class, learner).values()) == {("not_checked", None)}
    assert why in _note(the_class, learner, "ex02.q1") and why in _problems(the_class, learner)


def test_a_600_mib_sparse_file_costs_only_its_own_copy(the_class):
    assert _rows(the_class, "sparse")["ex02.q1"] == C
    assert "data.bin: data.bin is 600.0 MiB" in _problems(the_class, "sparse")


def test_a_300_mb_flood_on_stderr_leaves_the_report_and_the_row_whole(the_class):
    assert _rows(the_class, "flood")["ex02.q1"] == C


def test_a_vandal_changed_no_file_outside_its_own_sandbox(the_class):
    assert _rows(the_class, "vandal") == {"ex02.q1": C, "ex02.q2": ("incorrect", "temperature_multiplied"),
                                          "ex02.q3": N}
    assert the_class["after"]["class"] == the_class["before"]["class"]
    assert _course_files(the_class["after"]["course"]) == _course_files(the_class["before"]["course"])
    assert not any(path.exists() for path in the_class["aims"]["pwned"])


def test_a_subfolder_named_like_another_learner_gives_that_learner_no_rows(the_class):
    assert _rows(the_class, "mallory")["ex02.q1"] == ("incorrect", "no_max_subtraction")
    assert f"h01/{L2}.ipynb is another {L2} notebook" in _problems(the_class, "mallory")
    assert sum(1 for name, _ in the_class["rows"] if name == "h01") == 3


def test_answers_made_for_the_public_probes_or_from_what_the_sandbox_should_hide_fail(the_class):
    assert _rows(the_class, "memoriser")["ex02.q1"][0] == "incorrect"
    assert _rows(the_class, "snoop")["ex02.q1"][0] == "incorrect"


def test_no_process_a_notebook_started_outlives_the_report(the_class):
    assert the_class["seen"], "no hostile process was ever seen running: this test proves nothing"
    alive = [p for p in the_class["seen"] if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert alive == []
    assert _loose_sandbox_processes() == the_class["before"]["loose"]


def test_the_salt_stays_with_the_instructor(the_class):
    salt = the_class["salt"]
    assert salt.stat().st_mode & 0o077 == 0 and int(salt.read_text(), 16) > 0
    assert progress.read_salt(salt) == int(salt.read_text(), 16)


# ---------------------------------------------------------------------- what the instructor takes away


def test_the_gradebook_csv_has_every_row_in_learner_and_lesson_order(the_class):
    with open(the_class["out"] / "book.csv", newline="") as f:
        book = list(csv.DictReader(f))
    rows = the_class["report"]["rows"]
    assert [(b["learner"], b["question"], b["status"]) for b in book] == [(r["learner"], r["question"], r["status"])
                                                                          for r in rows]
    keys = [(r["learner"], r["lesson"]) for r in rows]
    assert keys == sorted(keys, key=lambda k: (k[0], int(k[1][:2])))


def test_the_reteach_page_and_the_chart_come_from_the_same_rows(the_class):
    text = (the_class["out"] / "reteach.md").read_text()
    assert text.startswith("# What to re-teach next session") and progress.TRUST in text
    assert catalogue.title("no_max_subtraction") in text
    assert (the_class["out"] / "chart.png").stat().st_size > 1000


# ---------------------------------------------------------------------- the command line, on its own


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "attention_lib.progress", *map(str, args)], capture_output=True,
                          text=True, timeout=600, env=env)


def test_without_a_sandbox_the_report_refuses_and_names_what_to_install(tmp_path):
    _save(tmp_path / "ada", _exercise(L2), L2)
    proc = _cli(tmp_path, env={"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert proc.returncode == 2 and "bubblewrap" in proc.stderr and "--no-sandbox" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_with_no_sandbox_a_class_folder_runs_and_the_report_says_it_was_unsandboxed(tmp_path):
    _save(tmp_path / "class" / "zoe", _answers(L2, softmax=STABLE), L2)
    _save(tmp_path / "class" / "abe" / "exercises", _answers(L2, softmax=OVERFLOW), L2)
    proc = _cli(tmp_path / "class", "--no-sandbox", "--json", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["sandbox"].startswith("UNSANDBOXED")
    assert [(r["learner"], r["question"], r["status"]) for r in report["rows"]][::3] == [
        ("abe", "ex02.q1", "incorrect"), ("zoe", "ex02.q1", "correct")]


@pytest.mark.parametrize("make,message", [(lambda p: p / "missing", "does not exist"),
                                          (lambda p: p, "no notebooks")])
def test_a_path_that_is_missing_or_holds_no_notebooks_exits_non_zero_with_a_message(tmp_path, make, message):
    (tmp_path / "notes.txt").write_text("not a notebook")
    proc = _cli(make(tmp_path))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------- rows from a run, and the outputs, on their own

QUESTIONS = progress.lesson_questions(L2)
CELLS = [(1, "def softmax(x, axis=-1): ..."), (2, "ex02.q1.check(softmax)"), (4, "ex02.q2.check(f)"),
         (6, "ex02.q3.check(g)")]


def test_a_dead_kernel_grades_the_questions_whose_check_came_before_it():
    verdicts = dict.fromkeys(("ex02.q1", "ex02.q2", "ex02.q3"), Verdict("correct"))
    rows, problems = progress.rows_for("ada", L2, QUESTIONS, CELLS, RunResult("dead_kernel", "died", cell=4),
                                       verdicts, 30)
    assert [(r.status, r.note) for r in rows] == [("correct", ""), ("not_checked", "not reached: the kernel died in "
                                                                                   "cell 5"),
                                                  ("not_checked", "not reached: the kernel died in cell 5")]
    assert [p.message for p in problems] == ["died in cell 5"]


def test_a_timeout_grades_nothing_but_says_what_each_answer_would_have_got():
    verdicts = {"ex02.q1": Verdict("correct"), "ex02.q2": Verdict("incorrect", "temperature_multiplied"),
                "ex02.q3": Verdict("not_checked", note="x")}
    rows, _ = progress.rows_for("ada", L2, QUESTIONS, CELLS, RunResult("timeout", "ran longer than 30 s", cell=5),
                                verdicts, 30)
    assert {r.status for r in rows} == {"not_checked"}
    assert [r.note.split("; ")[1] for r in rows] == ["graded on its own, correct",
                                                      "graded on its own, incorrect (temperature_multiplied)",
                                                      "graded on its own, it could not be graded either"]


def _synthetic_class():
    Row = progress.Row
    rows = [Row("ada", "02_softmax_temperature", "ex02.q1", "softmax", "incorrect", "no_max_subtraction"),
            Row("bo", "02_softmax_temperature", "ex02.q1", "softmax", "incorrect", "no_max_subtraction"),
            Row("bo", "02_softmax_temperature", "ex02.q2", "softmax_temperature", "incorrect", "temperature_multiplied"),
            Row("cy", "02_softmax_temperature", "ex02.q1", "softmax", "correct"),
            Row("cy", "02_softmax_temperature", "ex02.q2", "softmax_temperature", "not_attempted"),
            Row("ada", "01_similarity", "ex01.q1", "scaled_dot_scores", "incorrect", "no_max_subtraction")]
    return progress.ClassReport(rows, [], [])


def test_the_gradebook_csv_quotes_cells_a_spreadsheet_would_run_and_titles_each_code(tmp_path):
    rows = [progress.Row("=HYPERLINK(1)", L2, "ex02.q1", "softmax", "incorrect", "no_max_subtraction"),
            progress.Row("@bo", L2, "ex02.q2", "softmax_temperature", "incorrect", "no_such_code")]
    progress.write_csv(progress.ClassReport(rows, [], []), tmp_path / "book.csv")
    with open(tmp_path / "book.csv", newline="") as f:
        book = list(csv.DictReader(f))
    assert [b["learner"] for b in book] == ["'=HYPERLINK(1)", "'@bo"]
    assert [b["title"] for b in book] == [catalogue.title("no_max_subtraction"), "no_such_code"]


def test_a_learner_counts_once_per_misconception_however_many_questions_showed_it():
    counts = progress.misconception_counts(_synthetic_class())
    assert counts[0] == ("no_max_subtraction", 2, ["scaled_dot_scores", "softmax"])
    assert counts[1] == ("temperature_multiplied", 1, ["softmax_temperature"])


def test_the_reteach_summary_ranks_misconceptions_with_their_message_and_lists_the_hardest_questions():
    text = progress.reteach(_synthetic_class())
    assert text.startswith("# What to re-teach next session") and progress.TRUST in text
    first = text.index("Softmax overflows on large scores")
    assert first < text.index("Temperature multiplies instead of divides")
    assert "2 of 3 learners" in text and "Subtract each row's maximum" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| 02_softmax")]
    assert table_rows[0].startswith("| 02_softmax_temperature | ex02.q1 | `softmax` | 1 | 2 | 0 |")


def test_the_chart_is_a_png_with_one_bar_per_misconception(tmp_path):
    import numpy as np
    from PIL import Image

    progress.write_chart(_synthetic_class(), tmp_path / "class.png")
    image = Image.open(tmp_path / "class.png")
    assert image.size[0] > 800
    pixels = np.asarray(image.convert("L"))
    assert pixels.min() < 100 < pixels.max(), "a chart, not a blank image"
    empty = progress.ClassReport([progress.Row("ada", "00_welcome", "ex00.q1", "attention_shapes", "correct")], [], [])
    progress.write_chart(empty, tmp_path / "none.png")
    assert (tmp_path / "none.png").stat().st_size > 1000


SHADOW = """\
import pathlib
pathlib.Path({marker!r}).write_text("a learner's module ran in the instructor's tools")
raise SystemExit("shadowed")
"""


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "no-sandbox"])
def test_a_learners_modules_named_like_the_standard_librarys_are_never_imported_by_the_report(tmp_path, sandboxed):
    marker = tmp_path / "ran"
    folder = tmp_path / "class" / "eve"
    _save(folder, _answers(L2, softmax=STABLE), L2)
    for name in ("json", "os", "subprocess", "attention_lib"):          # beside the notebook, where `python -m` looks
        (folder / f"{name}.py").write_text(SHADOW.format(marker=str(marker)))
    proc = _cli(tmp_path / "class", "--json", *([] if sandboxed else ["--no-sandbox"]))
    assert proc.returncode == 0, proc.stderr
    rows = [(r["learner"], r["question"], r["status"]) for r in json.loads(proc.stdout)["rows"]]
    assert rows[0] == ("eve", "ex02.q1", "correct")
    assert not marker.exists()
