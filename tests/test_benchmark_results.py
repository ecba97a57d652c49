"""benchmarks/RESULTS.md keeps the widget latency table the issue asks for, in its own section:
one row per widget with numbers only, the interact reference beside them, and the drag."""
import re

from attention_lib._paths import ROOT

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
WIDGETS = {"temperature explorer", "scaling explorer", "similarity explorer", "bandwidth explorer"}


def _section():
    text = RESULTS.read_text()
    match = re.search(r"^## Widget latency\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, "RESULTS.md has no '## Widget latency' section"
    return match.group(1)


def test_widget_section_says_when_and_where_it_was_measured():
    section = _section()
    assert re.search(r"Measured \d{4}-\d{2}-\d{2} .* on \d+ cores", section)
    assert re.search(r"interact p50 here: \d+\.\d ms", section)


def test_widget_table_has_a_numeric_row_per_widget_the_reference_and_the_drag():
    rows = re.findall(r"^\| ([^|]+) \|" + r" ([^|]+) \|" * 6 + "$", _section(), re.M)
    data = {r[0]: r[1:] for r in rows if r[0] not in ("widget", "---")}
    assert WIDGETS <= set(data)
    assert any("interact" in name for name in data) and any("drag" in name for name in data)
    for name, (p50, p95, fps, lag, kernel, verdict) in data.items():
        assert float(p50) <= float(p95), name
        assert float(fps) > 0 and float(kernel) > 0 and float(lag) == float(lag), name
        assert verdict in ("ok", "MISSED", "reference"), name
