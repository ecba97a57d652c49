"""benchmarks/RESULTS.md holds one section per benchmark; each benchmark rewrites only its own."""
from __future__ import annotations

from attention_lib._paths import ROOT

RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def sections(text: str) -> dict[str, list[str]]:
    """``{"# Title": lines}`` for each top-level heading of ``text``, in order."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("# "):
            current = line
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return out


def write_section(title: str, lines: list[str]) -> None:
    """Replace (or add at the end) the section headed ``# title``, keeping the others as they are."""
    parts = sections(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    parts[f"# {title}"] = lines
    blocks = [heading + "\n\n" + "\n".join(body).strip("\n") for heading, body in parts.items()]
    RESULTS.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
