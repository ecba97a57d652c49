"""benchmarks/RESULTS.md keeps the tables the issues ask for, one section per benchmark, numbers only.

These tests check the file's format, never the timings (the machines are noisy)."""
import re

import pytest

from benchmarks.results import RESULTS, sections

WIDGETS = {"temperature explorer", "scaling explorer", "similarity explorer", "bandwidth explorer", "mask editor",
           "mechanism stepper", "head viewer", "online softmax stepper"}


def _body(title):
    body = sections(RESULTS.read_text())[f"# {title}"]
    text = "\n".join(body)
    assert re.search(r"Measured \d{4}-\d{2}-\d{2} .* on \d+ cores", text), f"{title}: say when and where"
    return text


def _rows(text, columns):
    pattern = r"^\| ([^|]+) \|" + r" ([^|]+) \|" * (columns - 1) + "$"
    rows = re.findall(pattern, text, re.M)
    return [r for r in rows[1:] if not r[0].startswith("---")]


def test_widget_section_names_the_interact_reference_measured_in_the_same_run():
    assert re.search(r"interact p50 here: \d+\.\d ms", _body("Widget latency"))


def test_widget_table_has_a_numeric_row_per_widget_the_reference_the_drag_and_the_click():
    data = {r[0]: r[1:] for r in _rows(_body("Widget latency"), 8)}
    assert WIDGETS <= set(data)
    assert any("interact" in name for name in data) and any("drag" in name for name in data)
    assert any("click" in name for name in data)
    for name, (p50, p95, fps, lag, kernel, ahead, verdict) in data.items():
        assert 0 < float(p50) <= float(p95) and float(kernel) > 0, name
        if "click" not in name:                              # a click is one event: no held rate, no lag
            assert float(fps) >= 0 and float(lag) == float(lag), name
        if name in WIDGETS:                                  # frames / numbers / kB sent ahead, under 1 MB
            frames, numbers, kb = re.fullmatch(r"(\d+) / ([\d,]+) / (\d+) kB", ahead).groups()
            assert int(frames) > 0 and int(numbers.replace(",", "")) > 0 and int(kb) < 1000, name
        assert verdict in ("ok", "MISSED", "reference"), name


def test_make_bench_rewrites_only_its_own_section(tmp_path, monkeypatch):
    from benchmarks import results
    from benchmarks import widget_latency as bench

    path = tmp_path / "RESULTS.md"
    path.write_text("# Widget latency\n\nold table\n\n# Check speed\n\nanother benchmark's table\n")
    monkeypatch.setattr(results, "RESULTS", path)
    ahead = {"frames": 122, "numbers": 18223, "bytes": 465_800}
    rows = [(name, 8.0, 30.0, 55.0, 20.0, 2.0, ahead) for name in sorted(WIDGETS)]
    rows += [(bench.REFERENCE, 110.0, 140.0, 2.0, 300.0, 90.0, None), (bench.DRAG, 8.0, 12.0, 60.0, 40.0, 0.8, None),
             (bench.CLICK, 40.0, 60.0, float("nan"), float("nan"), 1.5, None)]
    bench.write_results(rows, bench.judge(rows), load=1.0)
    text = path.read_text()
    assert "old table" not in text and "# Check speed\n\nanother benchmark's table" in text
    assert "| bandwidth explorer | 8.0 | 30.0 | 55.0 | 20.0 | 2.00 | 122 / 18,223 / 466 kB | ok |" in text
    assert f"| {bench.CLICK} | 40.0 | 60.0 | — | — | 1.50 | — | MISSED |" in text      # a round trip over 33 ms
    assert text.count("# Widget latency") == 1


def test_class_report_speed_has_sandboxed_and_unsandboxed_rows_for_30_notebooks_and_a_larger_class():
    text = _body("Class report speed")
    count = int(re.search(r"(\d+) learner notebooks", text).group(1))
    assert count == 30
    data = _rows(text, 3)
    assert [r[0] for r in data] == ["--jobs 2, sandboxed", "--jobs 2, --no-sandbox"]
    for name, median, per_notebook in data:
        assert float(median) > 0 and abs(float(median) / count - float(per_notebook)) < 0.01, name
    large = re.search(r"A class of (\d+) notebooks, sandboxed, `--jobs 2`, once: (\d+\.\d) s \((\d+\.\d\d) s per "
                      r"notebook\); 300 notebooks: (\d+) s", text)
    assert large, "the larger class is measured once"
    n, seconds, per_notebook, three_hundred = int(large[1]), float(large[2]), float(large[3]), int(large[4])
    assert n >= 100 and abs(seconds / n - per_notebook) < 0.01 and abs(seconds * 300 / n - three_hundred) <= 1


def test_check_speed_has_both_paths_in_a_process_and_in_a_kernel():
    data = _rows(_body("Check speed"), 4)
    assert {(w, m) for w, m, _, _ in data} == {(w, m) for w in ("python process", "Jupyter kernel")
                                               for m in ("sandbox (fork)", "in-process (reference)")}
    for where, path, p50, p95 in data:
        assert 0 < float(p50) <= float(p95), (where, path)


ATTENTION_SPEED_ROWS = (
    "attention ÷ (q @ kᵀ + w @ v), n = 4096",
    "np.exp of the n × n scores alone ÷ (q @ kᵀ + w @ v), n = 4096",
    "flash_attention ÷ attention, time, n = 8192",
    "flash_attention ÷ attention, peak memory, n = 8192",
    "decoding 512 tokens, no cache ÷ cache, time",
    "cost per token against t, log-log slope, with cache",
    "cost per token against t, log-log slope, no cache",
)


def test_attention_speed_section_has_its_conditions_and_one_numeric_row_per_figure():
    text = _body("Attention speed and memory (lesson 08)")
    assert re.search(r"numpy \d+\.\d+", text) and re.search(r"OPENBLAS_NUM_THREADS=\S+;", text)
    assert re.search(r"load average \d+\.\d\d before, \d+\.\d\d after", text)
    data = {r[0]: r for r in _rows(text, 4)}
    assert list(data) == list(ATTENTION_SPEED_ROWS)
    for name, (_, value, _target, _measured) in data.items():
        assert re.fullmatch(r"-?\d+(\.\d+)?(×|%)?", value), f"{name}: value {value!r} is not a number"
    for name in ATTENTION_SPEED_ROWS[:5]:
        assert data[name][1][-1] in "×%", f"{name}: a ratio needs its unit"
        assert re.search(r"\d s vs \d|\d MiB vs \d", data[name][3]), f"{name}: the reference measured in the same run"


def test_only_picks_the_named_widgets_in_order_and_rejects_a_name_that_matches_none():
    from benchmarks import widget_latency as bench

    assert list(bench.chosen(["Head Viewer", "mechanism"])) == ["mechanism stepper", "head viewer"]
    assert list(bench.chosen(["stepper"])) == ["mechanism stepper", "online softmax stepper"]
    assert list(bench.chosen(None)) == list(bench.WIDGETS)
    with pytest.raises(SystemExit, match="no widget matches nothing-like-this"):
        bench.chosen(["nothing-like-this"])
