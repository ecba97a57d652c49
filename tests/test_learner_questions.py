"""docs/learner-questions.md keeps its promises: every question it lists is answered, under the heading it names,
with the numbers it quotes, in a lesson notebook that exists.

The record has one section per lesson (``## NN_slug``) holding a table
``| id | kind | question or belief | asked at | answered under | primary source | numbers |``.
A section's notebook is checked when the manifest marks its lesson ready (a lesson still on its own branch has
only its table checked).
"""
import json
import re
import shutil

import pytest

from attention_lib import _paths
from attention_lib.course import lessons

DOC = _paths.ROOT / "docs" / "learner-questions.md"
COLUMNS = ["id", "kind", "question or belief", "asked at", "answered under", "primary source", "numbers"]
MIN_QUESTIONS, MIN_BELIEFS = 6, 3
URL = re.compile(r"https?://\S+")
THREAD = re.compile(r'\bthe [A-Z][\w.&\- ]* (?:thread|question) "[^"]{8,}"')
"""A thread named by its site and title, for one whose original address could not be established:
``the Stack Overflow question "why softmax get small gradient ..."``."""
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
LINK = re.compile(r"\]\(#((?:[^()\s]|\([^()\s]*\))+)\)")   # an anchor may hold balanced parentheses


def _cells(row):
    """The cells of a Markdown table row; ``\\|`` is a literal bar inside a cell."""
    parts = re.split(r"(?<!\\)\|", row.strip().strip("|"))
    return [p.strip().replace("\\|", "|") for p in parts]


def parse(text):
    """``{slug: [row dict, ...]}`` from the record's text, in the order the sections appear."""
    sections, slug, header = {}, None, None
    for line in text.splitlines():
        if line.startswith("## "):
            slug, header = line[3:].strip(), None
            sections[slug] = []
        elif slug and line.lstrip().startswith("|"):
            cells = _cells(line)
            if header is None:
                header = cells
                assert header == COLUMNS, f"section {slug}: the table's columns must be {COLUMNS}, got {header}"
            elif not set("".join(cells)) <= set("-: "):
                assert len(cells) == len(COLUMNS), f"section {slug}: row {cells[0]!r} has {len(cells)} cells"
                sections[slug].append(dict(zip(COLUMNS, cells, strict=True)))
    return sections


def headings(nb):
    """The text of every Markdown heading in a notebook, without its leading #'s."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                match = HEADING.match(line)
                if match:
                    found.append(match.group(2))
    return found


def anchor(heading):
    """JupyterLab's anchor for a heading: its text with spaces replaced by '-' (Markdown marks dropped)."""
    return re.sub(r"[*`]", "", heading).replace(" ", "-")


def stored_outputs(nb):
    """All text a notebook's code cells printed or returned, skipping cells whose output nbval ignores
    (their numbers change from run to run, so a record must not quote them).

    Consecutive stream outputs of one cell are joined as Jupyter shows them, with nothing between: the kernel may
    flush one ``print`` in two pieces, and where it cuts depends on the machine's load."""
    texts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            continue
        stream = None
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                if stream is not None and out.get("name") == stream:
                    texts[-1] += "".join(out["text"])
                else:
                    texts.append("".join(out["text"]))
                stream = out.get("name")
            else:
                stream = None
                if "text/plain" in out.get("data", {}):
                    texts.append("".join(out["data"]["text/plain"]))
    return "\n".join(texts)


def table_problems(slug, rows):
    """What is wrong with one section's table, whether or not its notebook is here."""
    problems = []
    kinds = [row["kind"] for row in rows]
    if kinds.count("question") < MIN_QUESTIONS or kinds.count("belief") < MIN_BELIEFS:
        problems.append(f"{slug}: {kinds.count('question')} questions and {kinds.count('belief')} beliefs; "
                        f"at least {MIN_QUESTIONS} and {MIN_BELIEFS} are needed")
    ids = [row["id"] for row in rows]
    problems += [f"{slug}: id {i} appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for row in rows:
        prefix = {"question": "Q", "belief": "B"}.get(row["kind"])
        if prefix is None:
            problems.append(f"{slug} {row['id']}: kind must be 'question' or 'belief', got {row['kind']!r}")
        elif not re.fullmatch(rf"{prefix}{slug[:2]}\.\d+", row["id"]):
            problems.append(f"{slug} {row['id']}: a {row['kind']} of lesson {slug[:2]} has an id like {prefix}{slug[:2]}.1")
        if not URL.search(row["asked at"]) and not THREAD.search(row["asked at"]):
            problems.append(f"{slug} {row['id']}: 'asked at' has neither an http(s) URL nor a thread named by its "
                            f"site and title")
        if not row["answered under"] or not row["primary source"] or not row["question or belief"]:
            problems.append(f"{slug} {row['id']}: a question, a heading and a primary source are required")
    return problems


def notebook_problems(slug, rows, nb):
    """What the lesson notebook does not back up: missing headings, numbers it never printed, dead anchors."""
    problems = []
    found, printed = headings(nb), stored_outputs(nb)
    for row in rows:
        if row["answered under"] not in found:
            problems.append(f"{slug} {row['id']}: no heading {row['answered under']!r} in notebooks/{slug}.ipynb")
        numbers = [] if row["numbers"] in ("", "—") else row["numbers"].split("; ")
        for number in numbers:
            if number.strip("`") not in printed:
                problems.append(f"{slug} {row['id']}: {number!r} is not in the notebook's stored outputs")
    section = questions_section(nb)
    if section is None:
        return problems + [f"{slug}: no '## Questions learners ask' section"]
    links, anchors = LINK.findall(section), {anchor(h) for h in found}
    if not links:
        problems.append(f"{slug}: 'Questions learners ask' links to no heading")
    return problems + [f"{slug}: the link #{link} matches no heading" for link in links if link not in anchors]


def questions_section(nb):
    """The text under the notebook's '## Questions learners ask' heading, up to the next heading of its level."""
    lines, inside = [], False
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            if line.strip() == "## Questions learners ask":
                inside = True
            elif inside and re.match(r"#{1,2}\s", line):
                return "\n".join(lines)
            elif inside:
                lines.append(line)
    return "\n".join(lines) if inside else None


def problems(doc_text, notebooks_dir, ready_slugs):
    """Every problem of the record, checking notebooks only for the ready lessons (listed in ``ready_slugs``)."""
    sections = parse(doc_text)
    found = []
    for slug, rows in sections.items():
        if slug not in {lesson.slug for lesson in lessons.LESSONS}:
            found.append(f"section {slug!r} is not a lesson of the manifest")
            continue
        found += table_problems(slug, rows)
        if slug in ready_slugs:
            path = notebooks_dir / f"{slug}.ipynb"
            if not path.is_file():
                found.append(f"{slug}: notebooks/{slug}.ipynb does not exist")
            else:
                found += notebook_problems(slug, rows, json.loads(path.read_text(encoding="utf-8")))
    found += [f"lesson {slug} is ready but has no section" for slug in sorted(ready_slugs - set(sections))]
    return found


READY = {lesson.slug for lesson in lessons.ready()}


def test_the_record_is_backed_by_the_lessons():
    assert problems(DOC.read_text(encoding="utf-8"), _paths.NOTEBOOKS, READY) == []


def test_the_readme_points_at_the_record():
    assert "docs/learner-questions.md" in (_paths.ROOT / "README.md").read_text(encoding="utf-8")


# The checker itself, on deliberately broken copies: each mistake must be reported.

LESSON = "02_softmax_temperature"


@pytest.fixture
def copy(tmp_path):
    shutil.copy(_paths.NOTEBOOKS / f"{LESSON}.ipynb", tmp_path)
    return tmp_path, DOC.read_text(encoding="utf-8")


def _load(folder):
    return json.loads((folder / f"{LESSON}.ipynb").read_text(encoding="utf-8"))


def _with_row(doc, row_id, column, value):
    """The record with one cell of row ``row_id`` (in the lesson's section) replaced."""
    lines, inside = doc.splitlines(), False
    for i, line in enumerate(lines):
        inside = line == f"## {LESSON}" or (inside and not line.startswith("## "))
        if inside and line.startswith("|") and _cells(line)[0] == row_id:
            cells = _cells(line)
            cells[COLUMNS.index(column)] = value
            lines[i] = "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
            return "\n".join(lines)
    raise AssertionError(f"no row {row_id} in section {LESSON}")


def test_a_renamed_heading_is_reported(copy):
    folder, doc = copy
    path = folder / f"{LESSON}.ipynb"
    text = path.read_text(encoding="utf-8")
    old, new = "### Why does a small test give the wrong variance?", "### Why does a small test mislead?"
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    found = problems(doc, folder, {LESSON})
    assert any("no heading 'Why does a small test give the wrong variance?'" in p for p in found)
    assert f"{LESSON}: the link #Why-does-a-small-test-give-the-wrong-variance? matches no heading" in found


def test_a_number_the_notebook_did_not_print_is_reported(copy):
    folder, doc = copy
    row = next(r for r in parse(doc)[LESSON] if r["numbers"] not in ("", "—"))
    first = row["numbers"].split("; ")[0]
    assert first in stored_outputs(_load(folder)), "the unbroken record passes"
    broken = _with_row(doc, row["id"], "numbers", f"{first}9; {row['numbers']}")
    assert f"{LESSON} {row['id']}: {first + '9'!r} is not in the notebook's stored outputs" in problems(broken, folder, {LESSON})


def test_a_number_printed_only_by_an_ignored_output_does_not_count(copy):
    folder, _ = copy
    nb = _load(folder)
    assert "entropy 0.110 of max ln 5" in stored_outputs(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "print(temperature.readout_text)" in "".join(cell["source"]):
            cell.setdefault("metadata", {})["tags"] = ["nbval-ignore-output"]
    assert "entropy 0.110 of max ln 5" not in stored_outputs(nb)


def test_a_missing_notebook_a_short_section_and_a_row_without_a_url_are_reported(copy):
    folder, doc = copy
    (folder / f"{LESSON}.ipynb").unlink()
    belief = next(r for r in parse(doc)[LESSON] if r["kind"] == "belief")
    broken = _with_row(doc, belief["id"], "asked at", "a forum thread")
    questions = [r["id"] for r in parse(doc)[LESSON] if r["kind"] == "question"]
    for row_id in questions[1:]:
        broken = _with_row(broken, row_id, "kind", "belief")
    found = problems(broken, folder, {LESSON})
    assert f"{LESSON}: notebooks/{LESSON}.ipynb does not exist" in found
    assert any(p.startswith(f"{LESSON}: 1 questions and ") for p in found)
    assert (f"{LESSON} {belief['id']}: 'asked at' has neither an http(s) URL nor a thread named by its site and "
            f"title") in found
    assert f"{LESSON} {questions[1]}: a belief of lesson 02 has an id like B02.1" in found


def test_a_print_the_kernel_flushed_in_two_pieces_reads_as_one_line():
    cell = {"cell_type": "code", "metadata": {}, "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["additive scores:"]},
        {"output_type": "stream", "name": "stdout", "text": [" (1, 6)\n"]},
        {"output_type": "stream", "name": "stderr", "text": ["a warning\n"]}]}
    assert stored_outputs({"cells": [cell]}) == "additive scores: (1, 6)\n\na warning\n"


def test_a_thread_named_by_its_site_and_title_needs_no_url(copy):
    folder, doc = copy
    belief = next(r for r in parse(doc)[LESSON] if r["kind"] == "belief")
    named = _with_row(doc, belief["id"], "asked at", 'the Stack Overflow question "why is my softmax saturated"')
    vague = _with_row(doc, belief["id"], "asked at", "the Stack Overflow question about softmax")
    assert not [p for p in problems(named, folder, {LESSON}) if "'asked at'" in p]
    assert [p for p in problems(vague, folder, {LESSON}) if "'asked at'" in p]


def test_a_ready_lesson_without_a_section_is_reported():
    assert "lesson 00_welcome is ready but has no section" in problems("", _paths.NOTEBOOKS, {"00_welcome"})
