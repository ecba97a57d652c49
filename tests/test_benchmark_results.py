"""benchmarks/RESULTS.md keeps the tables the issues ask for, one section per benchmark, numbers only."""
import re

from benchmarks.results import RESULTS, sections

ROW = re.compile(r"^\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$")


def _section(title):
    body = sections(RESULTS.read_text())[f"# {title}"]
    text = "\n".join(body)
    assert re.search(r"Measured \d{4}-\d{2}-\d{2} .* on \d+ cores", text), f"{title}: say when and where"
    rows = [ROW.match(line).groups() for line in body if ROW.match(line)]
    return text, [r for r in rows[1:] if not r[0].startswith("---")]


def test_results_table_has_a_numeric_row_per_widget_and_the_interact_reference():
    _, data = _section("Widget latency")
    assert {"temperature explorer", "scaling explorer", "similarity explorer", "bandwidth explorer"} <= {r[0] for r in data}
    assert any("interact" in r[0] for r in data) and any("drag" in r[0] for r in data)
    for name, p50, p95 in data:
        assert float(p50) <= float(p95), name


def test_class_report_speed_has_both_configurations_for_30_notebooks():
    text, data = _section("Class report speed")
    count = int(re.search(r"(\d+) learner notebooks", text).group(1))
    assert count == 30
    assert [r[0] for r in data] == ["one at a time", "--jobs 2"]
    for name, median, per_notebook in data:
        assert float(median) > 0 and abs(float(median) / count - float(per_notebook)) < 0.01, name
