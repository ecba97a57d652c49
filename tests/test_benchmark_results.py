"""benchmarks/RESULTS.md keeps the table the issue asks for: one row per widget, numbers only."""
import re

from attention_lib._paths import ROOT

RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def test_results_table_has_a_numeric_row_per_widget_and_the_interact_reference():
    text = RESULTS.read_text()
    assert re.search(r"Measured \d{4}-\d{2}-\d{2} .* on \d+ cores", text)
    rows = re.findall(r"^\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", text, re.M)
    data = [r for r in rows if r[0] not in ("widget", "---")]
    assert {"temperature explorer", "scaling explorer", "similarity explorer", "bandwidth explorer"} <= {r[0] for r in data}
    assert any("interact" in r[0] for r in data) and any("drag" in r[0] for r in data)
    for name, p50, p95 in data:
        assert float(p50) <= float(p95), name
