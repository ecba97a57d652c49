"""Notebook-processing passes: small functions from a notebook dict to a new notebook dict.

A tool is a pipeline of passes. ``build-exercises`` is::

    drop_tagged(SOLUTION_ONLY) → strip_solutions → clear_outputs → stamp_checksum
    [→ keep_learner_additions(the notebook it replaces), when that one was not edited]

Each pass copies its input, so a caller's notebook is never changed.
"""
from __future__ import annotations

import copy
import hashlib
import json

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HANDOUT = "### HANDOUT"
"""Inside a solution region: what follows, commented out, is what learners get instead of the stub
(a broken function to repair, say). Each such line is written ``# code`` at the marker's indentation."""
STUB = 'raise NotImplementedError("your code here")'
SOLUTION_ONLY = "solution-only"
META_KEY = "attention_course"


class MarkerError(ValueError):
    """A solution region is malformed; the message names the notebook and the cell."""


def source(cell) -> str:
    """A cell's source as one string (nbformat allows a string or a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_marker(line: str) -> bool:
    return line.strip() in (BEGIN, END, HANDOUT)


def _handed_out(line: str, indent: str, where: str, number: int) -> str:
    """A handout line as the learner gets it: ``# code`` at the marker's indentation becomes ``code``."""
    if not line.strip():
        return line
    body = line[len(indent):] if line.startswith(indent) else ""
    if body.rstrip("\n") == "#":
        return "\n"
    if not body.startswith("# "):
        raise MarkerError(f"{where}: line {number}, after {HANDOUT}, must be commented out at the marker's "
                          f"indentation ({indent!r} + '# ')")
    return indent + body[2:]


def strip_region(text: str, where: str) -> str:
    """Replace every solution region in one cell's source with the stub (or its handout), at its marker's indent."""
    out, indent, start, handout = [], None, None, False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if indent is not None:
                raise MarkerError(f"{where}: nested {BEGIN} at line {number} (the one at line {start} is still open)")
            indent = line[: len(line) - len(line.lstrip())]
            if not indent:
                raise MarkerError(f"{where}: {BEGIN} at line {number} must sit inside a function body (indented)")
            start, handout = number, False
            out.append(f"{indent}{STUB}\n")
        elif marker == HANDOUT:
            if indent is None or handout:
                raise MarkerError(f"{where}: {HANDOUT} at line {number} must sit inside a solution region, once")
            handout = True
            out.pop()                                    # the handout replaces the stub
        elif marker == END:
            if indent is None:
                raise MarkerError(f"{where}: {END} at line {number} has no matching {BEGIN}")
            indent = None
        elif indent is None:
            out.append(line)
        elif handout:
            out.append(_handed_out(line, indent, where, number))
    if indent is not None:
        raise MarkerError(f"{where}: {BEGIN} at line {start} is never closed by {END}")
    stripped = "".join(out)
    return stripped.rstrip("\n") if not text.endswith("\n") else stripped


def without_markers(text: str) -> str:
    """The model answer as a reader sees it: the source without marker lines and handouts."""
    out, handout = [], False
    for line in text.splitlines():
        marker = line.strip()
        handout = (handout or marker == HANDOUT) and marker != END
        if not handout and not is_marker(line):
            out.append(line)
    return "\n".join(out)


def drop_tagged(nb: dict, tag: str = SOLUTION_ONLY) -> dict:
    """Remove every cell carrying ``tag``."""
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"] if tag not in c.get("metadata", {}).get("tags", [])]
    return nb


def strip_solutions(nb: dict, name: str) -> dict:
    """Replace solution regions in code cells with the stub; markers outside code cells are an error."""
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb["cells"]):
        text = source(cell)
        if cell["cell_type"] == "code":
            cell["source"] = strip_region(text, f"{name}, cell {index}").splitlines(keepends=True)
        elif BEGIN in text or END in text:
            raise MarkerError(f"{name}, cell {index}: solution markers belong in code cells")
    return nb


def clear_outputs(nb: dict) -> dict:
    """Empty every code cell's outputs and execution count (and nbclient's timing metadata)."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
    return nb


def _setup_only(text: str) -> bool:
    """A code cell that only imports and configures: nothing to show on a slide."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return bool(lines) and all(line.startswith(("import ", "from ", "warnings.", "plt.rcParams", "np.set_printoptions",
                                                "%")) for line in lines)


def slide_type(cell, first_code: bool) -> str:
    """Where a cell falls in a slideshow: a ``#``/``##`` heading starts a slide, a ``###`` heading a
    sub-slide, the opening set-up cell is skipped, and every other cell continues its slide."""
    text = source(cell).lstrip()
    if cell["cell_type"] == "markdown" and text.startswith(("# ", "## ")):
        return "slide"
    if cell["cell_type"] == "markdown" and text.startswith("### "):
        return "subslide"
    if cell["cell_type"] == "code" and first_code and _setup_only(text):
        return "skip"
    return "-"


def stamp_slides(nb: dict) -> dict:
    """Give every cell its ``slideshow.slide_type`` (read by RISE and ``nbconvert --to slides``)."""
    nb = copy.deepcopy(nb)
    first_code = True
    for cell in nb["cells"]:
        cell.setdefault("metadata", {})["slideshow"] = {"slide_type": slide_type(cell, first_code)}
        first_code = first_code and cell["cell_type"] != "code"
    return nb


def content_checksum(cells) -> str:
    """SHA-256 of what a learner can edit: each cell's type and source."""
    payload = json.dumps([[c["cell_type"], source(c)] for c in cells], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def stamp_checksum(nb: dict, generated_from: str) -> dict:
    """Record where the notebook came from and a checksum of its cells, to detect later edits.

    The tags and attachment names the generator itself wrote are recorded too (``extras``, only
    when there are any), so that those a learner adds later can be told apart and kept.
    """
    nb = copy.deepcopy(nb)
    stamp = {
        "generated_from": generated_from,
        "checksum": content_checksum(nb["cells"]),
        "note": "Generated by `python -m attention_lib.course build-exercises`; edit solutions/ instead.",
    }
    extras = {c["id"]: {"tags": _tags(c), "attachments": sorted(c.get("attachments", {}))}
              for c in nb["cells"] if "id" in c and (_tags(c) or c.get("attachments"))}
    if extras:
        stamp["extras"] = extras
    nb.setdefault("metadata", {})[META_KEY] = stamp
    return nb


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def learner_additions(nb: dict) -> dict[str, dict]:
    """Per cell id, the tags and attachments in ``nb`` that the generator did not write (a learner's).

    Cells with nothing added are left out. Neither tags nor attachments change the checksum, so
    a notebook can carry them and still count as not edited.
    """
    generated = nb.get("metadata", {}).get(META_KEY, {}).get("extras", {})
    added = {}
    for index, cell in enumerate(nb.get("cells", [])):
        made = generated.get(cell.get("id"), {})
        tags = [t for t in _tags(cell) if t not in made.get("tags", [])]
        files = {k: v for k, v in cell.get("attachments", {}).items() if k not in made.get("attachments", [])}
        if tags or files:
            added[cell.get("id", f"#{index}")] = {"tags": tags, "attachments": files}
    return added


def keep_learner_additions(new: dict, old: dict) -> tuple[dict, list[str]]:
    """``new`` with the tags and attachments a learner added to ``old``, matched by cell id.

    Returns the notebook and a sentence for each addition that has no place in it (its cell is
    gone, or the new cell has an attachment of the same name with other content); a caller must
    then treat ``old`` as edited, so that nothing is lost.
    """
    nb = copy.deepcopy(new)
    cells = {c.get("id"): c for c in nb["cells"] if "id" in c}
    lost = []
    for cell_id, added in learner_additions(old).items():
        cell = cells.get(cell_id)
        if cell is None:
            lost.append(f"cell {cell_id} (its tags or attachments) is not in the new version")
            continue
        if added["tags"]:
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            tags += [t for t in added["tags"] if t not in tags]
        for name, data in added["attachments"].items():
            mine = cell.setdefault("attachments", {})
            if mine.get(name, data) != data:
                lost.append(f"cell {cell_id}: attachment {name!r} differs from the new version's")
            mine[name] = mine.get(name, data)
    return nb, lost


def stored_checksum(nb: dict) -> str | None:
    return nb.get("metadata", {}).get(META_KEY, {}).get("checksum")


def was_edited(nb: dict) -> bool:
    """True if the notebook differs from what the generator stamped into it."""
    return stored_checksum(nb) != content_checksum(nb.get("cells", []))


def dumps(nb: dict) -> str:
    """Serialise like nbformat does (indent 1, sorted keys), so output is byte-stable."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
