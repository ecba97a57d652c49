"""Compare a notebook's outputs, as a run produced them, with the outputs stored in the file, by nbval's strict rules.

The lessons run once in CI, in JupyterLab in a real browser (tests/browser/test_notebooks_in_lab.py), and that run
is compared here, cell by cell, with what the file stores: the same comparison `pytest --nbval` makes, so the
lessons need not run a second time headless. As in nbval: streams of one name are joined and ``\\r`` lines
resolved; metadata, execution counts, tracebacks, widget model ids and PNG/JPEG images are not compared; every
other MIME type is, after the substitutions of ``tests/nbval_sanitize.cfg``; a cell tagged ``nbval-ignore-output``
is not compared; outputs of different kinds may come in any order, those of one kind in theirs.
"""
from __future__ import annotations

import configparser
import re
from collections import defaultdict
from pathlib import Path

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
SKIP = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
        "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}
IGNORE_TAG = "nbval-ignore-output"


def sanitize_patterns(path: Path = SANITIZE) -> list[tuple[re.Pattern, str]]:
    parser = configparser.ConfigParser()
    parser.read(path)
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def _text(value):
    return "".join(value) if isinstance(value, list) else value


def _resolve_carriage_returns(text: str) -> str:
    while (shorter := re.sub(r"[^\n]\x08", "", text)) != text:      # a character and a backspace cancel out
        text = shorter
    return re.sub(r"^.*\r(?=[^\n])", "", text, flags=re.MULTILINE)


def _joined_streams(outputs: list[dict]) -> list[dict]:
    joined, streams = [], {}
    for out in outputs:
        if out.get("output_type") == "stream":
            if out["name"] in streams:
                streams[out["name"]]["text"] += _text(out["text"])
                continue
            out = {**out, "text": _text(out["text"])}
            streams[out["name"]] = out
        joined.append(out)
    for out in streams.values():
        out["text"] = _resolve_carriage_returns(out["text"])
    return joined


def flattened(outputs: list[dict], patterns) -> dict[str, list]:
    """Each compared key (a MIME type, a stream's name, ``ename``…) with its values in order."""
    def clean(value):
        value = _text(value)
        if isinstance(value, str):
            for regex, replace in patterns:
                value = regex.sub(replace, value)
        return value

    flat = defaultdict(list)
    for out in _joined_streams(outputs):
        if out.get("output_type") == "stream":           # keyed by the stream's name, as nbval does
            flat[out["name"]].append(clean(out["text"]))
            continue
        for key, value in out.items():
            if key in SKIP:
                continue
            if key == "data":
                for mime, content in value.items():
                    if mime not in SKIP:
                        flat[mime].append(clean(content))
            else:
                flat[key].append(clean(value))
    return dict(flat)


def differences(stored_cells: list[dict], run_cells: list[dict], patterns=None) -> list[str]:
    """One line per code cell whose run outputs differ from its stored ones (empty: they all agree)."""
    patterns = sanitize_patterns() if patterns is None else patterns
    stored = [c for c in stored_cells if c["cell_type"] == "code"]
    run = [c for c in run_cells if c["cell_type"] == "code"]
    if len(stored) != len(run):
        return [f"{len(run)} code cells ran, the file stores {len(stored)}"]
    found = []
    for index, (want, got) in enumerate(zip(stored, run, strict=True)):
        if IGNORE_TAG in want.get("metadata", {}).get("tags", []):
            continue
        a, b = flattened(want.get("outputs", []), patterns), flattened(got.get("outputs", []), patterns)
        if a != b:
            keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            detail = "; ".join(f"{k}: stored {str(a.get(k))[:300]!r}, ran {str(b.get(k))[:300]!r}" for k in keys)
            found.append(f"code cell {index} ({_text(want['source'])[:60]!r}): {detail}")
    return found
