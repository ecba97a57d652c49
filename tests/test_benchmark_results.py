"""benchmarks/RESULTS.md keeps the table the issue asks for: one row per widget, numbers only."""
import re

from attention_lib._paths import ROOT
from benchmarks._results import replace_section

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


ATTENTION_SPEED = "# Attention speed and memory (lesson 08)"
ATTENTION_SPEED_ROWS = (
    "attention ÷ (q @ kᵀ + w @ v), n = 4096",
    "np.exp of the n × n scores alone ÷ (q @ kᵀ + w @ v), n = 4096",
    "flash_attention ÷ attention, time, n = 8192",
    "flash_attention ÷ attention, peak memory, n = 8192",
    "decoding 512 tokens, no cache ÷ cache, time",
    "cost per token against t, log-log slope, with cache",
    "cost per token against t, log-log slope, no cache",
)


def attention_speed_section(text):
    """The lines of the "# Attention speed and memory (lesson 08)" section, up to the next top-level heading."""
    lines = text.splitlines()
    start = lines.index(ATTENTION_SPEED)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("# ")), len(lines))
    return lines[start:end]


def test_attention_speed_section_has_its_conditions_and_one_numeric_row_per_figure():
    section = attention_speed_section(RESULTS.read_text())
    header = " ".join(section[:5])
    assert re.search(r"Measured \d{4}-\d{2}-\d{2} by `make bench` \(benchmarks/attention_speed\.py\) on \d+ cores", header)
    assert re.search(r"numpy \d+\.\d+", header) and re.search(r"OPENBLAS_NUM_THREADS=\S+;", header)
    assert re.search(r"load average \d+\.\d\d before, \d+\.\d\d after", header)
    rows = [re.fullmatch(r"\| (.+?) \| (.+?) \| (.+?) \| (.+?) \|", line) for line in section if line.startswith("| ")]
    data = {m[1]: m for m in rows if m and m[1] not in ("figure", "---")}
    assert list(data) == list(ATTENTION_SPEED_ROWS)
    for name, m in data.items():
        assert re.fullmatch(r"-?\d+(\.\d+)?(×|%)?", m[2]), f"{name}: value {m[2]!r} is not a number"
    for name in ATTENTION_SPEED_ROWS[:5]:
        assert data[name][2][-1] in "×%", f"{name}: a ratio needs its unit"
        assert re.search(r"\d s vs \d|\d MiB vs \d", data[name][4]), f"{name}: the reference measured in the same run"


def test_a_benchmark_rewrites_only_its_own_section():
    other = "# Widget latency\n\nrow\n\n# Someone else's benchmark\n\nkeep me\n"
    new = f"{ATTENTION_SPEED}\n\nnew figures\n"
    once = replace_section(other, ATTENTION_SPEED, new)
    assert once.startswith(other.rstrip("\n")) and once.endswith(new)
    middle = replace_section(f"# Widget latency\n\nrow\n\n{ATTENTION_SPEED}\n\nold figures\n\n# Last\n\nkeep\n", ATTENTION_SPEED, new)
    assert middle == f"# Widget latency\n\nrow\n\n{ATTENTION_SPEED}\n\nnew figures\n\n# Last\n\nkeep\n"
    assert replace_section(once, ATTENTION_SPEED, new) == once
