"""How long a lesson takes a newcomer: an estimate from what the notebook holds, at stated rates.

``reading_minutes("notebooks/05_qkv_self_cross.ipynb")`` adds up

- **prose**: the words of the Markdown cells (an inline formula counts as one word), read at
  :data:`PROSE_WPM` words a minute. Brysbaert (2019, "How many words do we read per minute? A review and
  meta-analysis of reading rate", *Journal of Memory and Language* 109, 104047,
  https://doi.org/10.1016/j.jml.2019.104047) finds 238 words a minute on average for silent reading of
  English non-fiction, with most adults between 175 and 300. A newcomer reading to learn unfamiliar
  technical material sits at the slow end, so we take 175;
- **equations**: :data:`EQUATION_SECONDS` for each displayed formula (``$$ … $$``), which packs a
  sentence's worth of relations into symbols that are read one at a time;
- **code**: :data:`CODE_SECONDS_PER_LINE` for each non-blank line of a code cell (or of a code block in
  Markdown), and :data:`OUTPUT_SECONDS_PER_LINE` for each line a cell printed. A line of the lessons' code
  holds about 9 words; read as prose that would be 3 seconds, and code must be traced as well as read,
  so we allow twice that;
- **widgets**: :data:`WIDGET_MINUTES` for each live widget, the time to try what its cell suggests;
- **running**: the seconds the kernel needs for the whole notebook (``run_seconds``), by default the
  course's budget of 10 seconds a lesson (CONTRIBUTING.md), which is small beside the rest.

The rates other than the prose rate are the course's own assumptions, stated here so that they can be
argued with. :func:`stated_minutes` reads the time a lesson's opening cell states ("*About 60 minutes.*");
``tests/course/test_reading.py`` keeps the two within :data:`TOLERANCE_MINUTES`.

**Optional parts.** Cells tagged :data:`OPTIONAL_TAG` form a part a reader may skip. ``part="core"`` counts
the other cells (with the running time), ``part="optional"`` only the tagged ones (without it), and the
opening cell states both: "*About 60 minutes, plus 20 for the optional part on …*"
(:func:`stated_optional_minutes` reads the second number).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PROSE_WPM = 175
EQUATION_SECONDS = 30
CODE_SECONDS_PER_LINE = 6
OUTPUT_SECONDS_PER_LINE = 2
WIDGET_MINUTES = 2
RUN_SECONDS = 10
TOLERANCE_MINUTES = 5
"""How far a stated time may be from the estimate. Stated times are rounded to 5 minutes (up to 2.5 off),
and 2.5 more lets a paragraph be added or cut (about 440 words) before the stated time must change; a
finer promise would claim more than the rates can give, since readers differ by ±25 % around the mean."""

OPTIONAL_TAG = "optional"
"""The cell tag that marks a lesson's optional part."""
PARTS = ("all", "core", "optional")

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"\$[^$\n]+\$")
_FENCED = re.compile(r"```.*?```", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_STATED = re.compile(r"\bAbout (\d+) minutes\b")
_STATED_OPTIONAL = re.compile(r"\bAbout \d+ minutes, plus (\d+) (?:minutes )?for the optional\b")


@dataclass(frozen=True)
class Estimate:
    """What a lesson holds, and the minutes a newcomer needs for it."""
    prose_words: int
    equations: int
    code_lines: int
    output_lines: int
    widgets: int
    run_seconds: float

    @property
    def minutes(self) -> float:
        seconds = (60 * self.prose_words / PROSE_WPM + EQUATION_SECONDS * self.equations
                   + CODE_SECONDS_PER_LINE * self.code_lines + OUTPUT_SECONDS_PER_LINE * self.output_lines
                   + 60 * WIDGET_MINUTES * self.widgets + self.run_seconds)
        return seconds / 60


def _lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def _output_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    return "".join(output.get("data", {}).get("text/plain", ""))


def is_optional(cell: dict) -> bool:
    """Whether a notebook cell belongs to the lesson's optional part (it carries :data:`OPTIONAL_TAG`)."""
    return OPTIONAL_TAG in cell.get("metadata", {}).get("tags", [])


def estimate(notebook_path, run_seconds: float | None = None, *, part: str = "all") -> Estimate:
    """Count what the notebook at ``notebook_path`` holds (see the module's docstring for what counts).

    ``part`` is ``"all"`` (every cell), ``"core"`` (the cells not tagged :data:`OPTIONAL_TAG`) or
    ``"optional"`` (only the tagged ones). ``run_seconds`` defaults to :data:`RUN_SECONDS`, except for the
    optional part, whose running time is counted with the core (0).
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    if run_seconds is None:
        run_seconds = 0 if part == "optional" else RUN_SECONDS
    nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    words = equations = code = output = widgets = 0
    for cell in nb["cells"]:
        if part != "all" and is_optional(cell) != (part == "optional"):
            continue
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            code += sum(_lines(block.strip("`")) - 1 for block in _FENCED.findall(source))   # minus the language line
            text = _FENCED.sub(" ", source)
            equations += len(_DISPLAY_MATH.findall(text))
            text = _INLINE_MATH.sub(" formula ", _DISPLAY_MATH.sub(" ", text))
            words += len(_WORD.findall(_TAG.sub(" ", _LINK_TARGET.sub("]", text))))
        elif cell["cell_type"] == "code":
            code += _lines(source)
            for out in cell.get("outputs", []):
                if WIDGET_MIME in out.get("data", {}):
                    widgets += 1
                else:
                    output += _lines(_output_text(out))
    return Estimate(words, equations, code, output, widgets, run_seconds)


def reading_minutes(notebook_path, run_seconds: float | None = None, *, part: str = "all") -> float:
    """A newcomer's minutes for the lesson at ``notebook_path`` (or one ``part`` of it, as in :func:`estimate`):
    reading, tracing the code, trying the widgets."""
    return estimate(notebook_path, run_seconds, part=part).minutes


def _opening(notebook_path) -> str:
    nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    first = next((cell for cell in nb["cells"] if cell["cell_type"] == "markdown"), None)
    return "".join(first["source"]) if first else ""


def stated_minutes(notebook_path) -> float | None:
    """The minutes the lesson's opening cell states ("About 60 minutes"), or None if it states none.

    For a lesson with an optional part this is the time of the rest (the core)."""
    match = _STATED.search(_opening(notebook_path))
    return float(match.group(1)) if match else None


def stated_optional_minutes(notebook_path) -> float | None:
    """The minutes the opening cell states for the optional part ("About 60 minutes, plus 20 for the
    optional part on …"), or None if it states none."""
    match = _STATED_OPTIONAL.search(_opening(notebook_path))
    return float(match.group(1)) if match else None
