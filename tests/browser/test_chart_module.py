"""chart.js's pure helpers, run in Chromium: they draw what Python meant (palettes, ticks, layout, text)."""
import numpy as np
import pytest

from attention_lib._paths import STATIC
from attention_lib.widgets import _style

IMPORT = """async ([source, call, args]) => {
  const url = URL.createObjectURL(new Blob([source], {type: 'text/javascript'}));
  const chart = await import(url);
  return new Function('chart', 'args', call)(chart, args);
}"""


@pytest.fixture(scope="module")
def chart(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>chart.js</title>")
    source = (STATIC / "chart.js").read_text()
    yield lambda call, *args: page.evaluate(IMPORT, [source, call, list(args)])
    page.close()


@pytest.mark.parametrize("name", sorted(_style.PALETTES))
def test_browser_colours_a_value_as_python_does(chart, name):
    t = np.linspace(0, 1, 41)
    js = chart("return args[1].map((t) => chart.paletteRgb(args[0], t));", list(_style.PALETTES[name]), t.tolist())
    expected = _style.hex_to_rgb(_style.palette_colors(name, t)) * 255
    np.testing.assert_allclose(js, expected, atol=1)


@pytest.mark.parametrize("lo,hi", [(0, 1), (-1.83, 1.83), (0.05, 0.7), (-2, 2), (3, 3.1)])
def test_linear_ticks_are_round_numbers_inside_the_range_without_float_noise(chart, lo, hi):
    out = chart("return chart.linearTicks(args[0], args[1], 5);", lo, hi)
    ticks, labels = np.array(out["ticks"]), out["labels"]
    assert 2 <= len(ticks) <= 11 and ticks.min() >= lo - 1e-9 and ticks.max() <= hi + 1e-9
    assert all(len(label) <= 6 for label in labels), labels
    np.testing.assert_allclose([float(label) for label in labels], ticks, atol=1e-12)


def test_log_ticks_are_powers_of_ten_and_their_doubles_and_halves(chart):
    assert chart("return chart.logTicks(0.1, 3).labels;") == ["0.1", "0.2", "0.5", "1", "2"]
    assert chart("return chart.logTicks(1, 10000).ticks;") == [1, 10, 100, 1000, 10000]


def test_narrow_containers_stack_the_panels_one_per_row(chart):
    wide = chart("return chart.layoutPanels({columns: [1, 1, 1], height: 300}, 3, 900);")
    narrow = chart("return chart.layoutPanels({columns: [1, 1, 1], height: 300}, 3, 500);")
    assert [r["y"] for r in wide["rects"]] == [0, 0, 0] and wide["height"] == 300
    assert [r["x"] for r in narrow["rects"]] == [0, 0, 0] and narrow["height"] == 900


def test_a_figure_is_described_with_the_numbers_it_draws(chart):
    text = chart("""return chart.describeFigure('weights', [{title: 'softmax', x: {}, y: {}, marks: [
        {type: 'bars', x: [0, 1, 2], y: [0.7, 0.2, 0.1], label: 'weights'},
        {type: 'heatmap', values: [[1, null], [0.25, 0.5]], shape: [2, 2], rows: ['a', 'b'], cols: ['a', 'b'], decimals: 2}]}]);""")
    assert text.startswith("weights. softmax: weights: bars at 0, 1, 2 with heights 0.7, 0.2, 0.1")
    assert "row a: 1, blocked; row b: 0.25, 0.5" in text


def test_buffers_from_the_kernel_decode_to_the_same_numbers(chart):
    values = np.random.default_rng(1).normal(size=300)
    got = chart("""const bytes = new Uint8Array(args[0]);
        const view = new DataView(bytes.buffer);
        return Array.from(chart.flat({dtype: 'float64', shape: [300], buffer: view}));""",
                list(values.astype("<f8").tobytes()))
    np.testing.assert_array_equal(got, values)


FRAMES = {"version": 3, "reset": True, "nodes": {
    "a1": {"type": "bars", "y": [0.7, 0.3]}, "a2": {"type": "bars", "y": [0.6, 0.4]},
    "p1": {"title": "w", "marks": [{"$": "a1"}]}, "p2": {"title": "w", "marks": [{"$": "a2"}]},
    "f1": {"panels": [{"$": "p1"}], "readout": "τ = 1"}, "f2": {"panels": [{"$": "p2"}], "readout": "τ = 2"},
    "h": {"type": "heatmap", "values": {"dtype": "float64", "shape": [2], "buffer": {"$b": "b1"}}},
    "f3": {"panels": [{"title": "m", "marks": [{"$": "h"}]}], "readout": "head 1"}},
    "buffers": ["b1"],
    "axes": {"tau": {"base": {"head": 0}, "lo": 4, "frames": ["f1", "f2"]},
             "head": {"base": {"tau": 4}, "lo": 1, "frames": ["f3"]}}}


def test_a_frame_is_built_from_shared_nodes_and_buffers_once(chart):
    out = chart("""const store = chart.frameStore();
        const ok = store.take(args[0], [new DataView(new Float64Array([0.25, 0.75]).buffer)]);
        const a = store.frame('f1'), b = store.frame('f1'), h = store.frame('f3');
        return {ok, same: a === b, y: a.panels[0].marks[0].y, readout: store.frame('f2').readout,
                heat: Array.from(chart.flat(h.panels[0].marks[0].values)), missing: store.frame('nope')};""", FRAMES)
    assert out == {"ok": True, "same": True, "y": [0.7, 0.3], "readout": "τ = 2", "heat": [0.25, 0.75],
                   "missing": None}


def test_a_message_that_lists_a_frame_the_view_never_got_says_so(chart):
    later = {**FRAMES, "reset": False, "nodes": {"f4": {"panels": [{"$": "p9"}], "readout": "?"}}, "buffers": [],
             "axes": {"tau": {"base": {"head": 0}, "lo": 4, "frames": ["f1", "f4"]}}}
    out = chart("""const store = chart.frameStore();
        store.take(args[0], [new DataView(new Float64Array([0.25, 0.75]).buffer)]);
        const kept = store.take(args[1], []);
        const fresh = chart.frameStore().take(args[1], []);
        return [kept, fresh, store.frame('f1').readout];""", FRAMES, later)
    assert out == [False, False, "τ = 1"]               # p9 never came: the view asks for everything again


@pytest.mark.parametrize("state,expected", [
    ({"tau": 4, "head": 0}, {"kind": "base"}),                       # where the kernel's own panels are
    ({"tau": 5, "head": 0}, {"kind": "ahead", "key": "f2"}),          # τ moved: its frame, head unchanged
    ({"tau": 4, "head": 1}, {"kind": "ahead", "key": "f3"}),          # head moved: its frame, τ unchanged
    ({"tau": 5, "head": 1}, None),                                    # both moved: no frame, keep what is drawn
    ({"tau": 9, "head": 0}, None),                                    # beyond the window: wait for the kernel
    (None, {"kind": "base"}),                                         # controls not followed (a saved page)
])
def test_the_frame_drawn_is_the_kernels_or_one_sent_ahead_for_exactly_these_positions(chart, state, expected):
    at = {"version": 3, "state": {"tau": 4, "head": 0}, "key": "k"}
    got = chart("return chart.pickFrame({version: 3, axes: args[0].axes}, args[1], args[2]);", FRAMES, at, state)
    assert got == expected


def test_frames_of_an_older_version_of_the_data_are_not_drawn(chart):
    at = {"version": 4, "state": {"tau": 4, "head": 0}}
    got = chart("return chart.pickFrame({version: 3, axes: args[0].axes}, args[1], {tau: 5, head: 0});", FRAMES, at)
    assert got is None


def test_kept_frames_push_out_other_figures_first_and_a_full_figure_keeps_no_more(chart):
    got = chart("""const kept = chart.bitmapCache(100), closed = [];
        const bitmap = (name) => ({width: 5, height: 10, close() { closed.push(name); }});   // 50 pixels each
        const put = (key, owner) => kept.put(key, bitmap(key), {key}, owner);
        const out = {puts: [put('a1', 'a'), put('b1', 'b')], full: kept.pixels};
        out.puts.push(put('a2', 'a'));                 // b's frame goes, not a's own a1
        out.afterA2 = {b1: kept.get('b1'), a1: kept.get('a1').extra.key, fitsA: kept.fits(50, 'a'), fitsB: kept.fits(50, 'b')};
        out.puts.push(put('a3', 'a'));                 // a fills the budget: a3 is not kept, a1 and a2 stay
        out.afterA3 = {a3: kept.get('a3'), a2: kept.get('a2') !== null, size: kept.size, pixels: kept.pixels};
        kept.forget('a');
        out.forgotten = {size: kept.size, pixels: kept.pixels};
        out.closed = closed;
        return out;""")
    assert got["puts"] == [True, True, True, False] and got["full"] == 100
    assert got["afterA2"] == {"b1": None, "a1": "a1", "fitsA": False, "fitsB": True}
    assert got["afterA3"] == {"a3": None, "a2": True, "size": 2, "pixels": 100}
    assert got["forgotten"] == {"size": 0, "pixels": 0}
    assert got["closed"] == ["b1", "a3", "a1", "a2"]       # every bitmap let go is closed, a1 before a2 (used earlier)
