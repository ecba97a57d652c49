"""Nothing a learner reads names a folder of a developer's machine, or cites a source nobody can look up.

Every tracked notebook (its cells' sources and stored outputs) and Markdown file is scanned. A learner's
machine has no ``/work`` or ``/home/alice``, and a title with no author, link or venue cannot be found.
"""
import json
import re
import subprocess

import pytest

from attention_lib import _paths

MACHINE_PATHS = re.compile(
    r"(?<![\w.~$/-])(?:/(?:work|tmp|root|private/var|var/folders)(?![\w.-])"   # working and temporary folders
    r"|/(?:home|Users)/[A-Za-z0-9_.-]+"                                          # a home directory
    r"|[A-Za-z]:\\+(?:Users|Documents and Settings)\\+)"                         # the same on Windows
)
UNFINDABLE = re.compile(
    r"[\"“'‘]Attention Mechanisms[\"”'’]"                  # no author, no link: a title nobody can look up
    r"|The Attention Mechanism Explained"
    r"|Attention: Q/K/V, Softmax Weights"
    r"|(?i:Attention (?:=|is) Soft k-?NN)"                   # the course's commissioning documents are never cited
)


def tracked_files():
    listing = subprocess.run(["git", "ls-files", "*.ipynb", "*.md"], cwd=_paths.ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    return sorted(_paths.ROOT / name for name in listing)


def texts(path):
    """(where, text) pairs: a Markdown file whole, a notebook cell by cell, source and outputs apart."""
    if path.suffix == ".md":
        return [("", path.read_text(encoding="utf-8"))]
    found = []
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        found.append((f"cell {i}", "".join(cell["source"])))
        for out in cell.get("outputs", []):
            pieces = [out.get("text", ""), out.get("evalue", ""), *out.get("traceback", [])]
            pieces += [v if isinstance(v, str) else "".join(v) if isinstance(v, list) else json.dumps(v)
                       for v in out.get("data", {}).values()]
            found.append((f"cell {i} output", "".join("".join(p) if isinstance(p, list) else p for p in pieces)))
    return found


def problems(path, name=None):
    name = name or path.relative_to(_paths.ROOT)
    found = []
    for where, text in texts(path):
        for pattern, what in ((MACHINE_PATHS, "names a path of a developer's machine"),
                              (UNFINDABLE, "cites a source a learner cannot look up")):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name} {where + ' ' if where else ''}line {line}: {what}: {match.group(0)!r}")
    return found


def test_the_scan_covers_the_lessons_the_exercises_and_the_docs():
    names = {p.relative_to(_paths.ROOT).as_posix() for p in tracked_files()}
    assert {"README.md", "docs/learner-questions.md", "notebooks/00_welcome.ipynb",
            "exercises/04_masking.ipynb", "solutions/05_qkv_self_cross.ipynb"} <= names


def test_no_tracked_notebook_or_markdown_file_names_a_machine_path_or_an_unfindable_source():
    found = [p for path in tracked_files() for p in problems(path)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("text", [
    "see /work/wt/text-a/notebooks", "saved to /tmp/x.png", "cd /root", "/home/alice/course",
    "C:\\Users\\alice\\course", "C:\\\\Users\\\\alice", "/Users/bob/Desktop", "the file is /tmp",
    'the lesson "Attention Mechanisms" works an example', "“Attention Mechanisms” lists",
    "both \"The Attention Mechanism Explained\" and", "the lab 'Attention: Q/K/V, Softmax Weights, and Context'",
    'the article "Attention = Soft k-NN" (2025)', "as Attention is Soft KNN shows",
])
def test_what_the_scan_catches(text):
    assert MACHINE_PATHS.search(text) or UNFINDABLE.search(text)


@pytest.mark.parametrize("text", [
    "https://github.com/owner/repo/tree/main/work/x", "docs/tmp/notes", "$HOME/.cache", "~/work/course",
    "attention mechanisms in general", "https://example.org/understanding-attention-mechanisms-part-1",
    "a/tmp-file", "notebooks/05_qkv_self_cross.ipynb",
])
def test_what_the_scan_lets_through(text):
    assert not MACHINE_PATHS.search(text) and not UNFINDABLE.search(text)


def test_a_path_in_a_stored_output_is_reported_with_its_cell(tmp_path):
    cell = {"cell_type": "code", "metadata": {}, "source": "print(path)", "execution_count": 1,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["saved\n", "to /home/dev/plot.png\n"]}]}
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# A lesson"}, cell],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert problems(path, "lesson.ipynb") == [
        "lesson.ipynb cell 1 output line 2: names a path of a developer's machine: '/home/dev'"]
