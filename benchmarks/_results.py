"""benchmarks/RESULTS.md holds one section per benchmark; each benchmark rewrites only its own."""
from __future__ import annotations


def replace_section(text, heading, section):
    """``text`` with the section under ``heading`` (up to the next ``# `` heading) replaced by ``section``.

    ``heading`` is a whole line such as ``"# Attention speed and memory (lesson 08)"`` and ``section``
    starts with it. A section that is not there yet is appended at the end.
    """
    lines = text.splitlines(keepends=True)
    if heading + "\n" not in lines:
        return text.rstrip("\n") + ("\n\n" if text.strip() else "") + section
    start = lines.index(heading + "\n")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# ")), len(lines))
    rest = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + rest if rest else "")
