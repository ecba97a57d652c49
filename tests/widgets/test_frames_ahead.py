"""Frames ahead, from Python: what numpy sends ahead for a control's other values is exactly what the widget
shows once the control is there; nothing is computed until a browser asks; long sliders send a window that is
refilled, not recomputed, as the hand moves; and no widget sends 1 MB or more."""
import json

import ipywidgets
import numpy as np
import pytest

from attention_lib import training as tr
from attention_lib import widgets
from attention_lib.widgets._base import Explorer
from attention_lib.widgets._chart import MAX_BYTES, Figure, Source, bars, panel

BUILDERS = {
    "temperature_explorer": widgets.temperature_explorer,
    "scaling_explorer": widgets.scaling_explorer,
    "similarity_explorer": widgets.similarity_explorer,
    "bandwidth_explorer": widgets.bandwidth_explorer,
    "query_playground": widgets.query_playground,
    "mask_editor": widgets.mask_editor,
    "mechanism_stepper": widgets.mechanism_stepper,
    "head_viewer": widgets.head_viewer,
    "training_run": lambda: widgets.training_run(tr.RecallConfig(steps=10, n_eval=50)),
    "online_softmax_stepper": widgets.online_softmax_stepper,
    "rope_explorer": widgets.rope_explorer,
    "text_sampler": lambda: widgets.text_sampler(n_new=40),
}


def _figure(w):
    return w.canvas if hasattr(w, "canvas") else w.figure


def _listen(w):
    """Ask for frames as a browser view does when it opens; return the messages the figure sends."""
    sent = []
    _figure(w).send_frames = lambda message, buffers: sent.append((message, buffers))
    _figure(w)._handle_custom_msg({"event": "ahead", "full": True}, [])
    return sent


def _built(messages):
    """Every frame the messages carry, built from the node tables as a view builds them (independently of the
    encoder): {source: {position: content}} of the last message."""
    nodes, buffers = {}, {}
    for message, bufs in messages:
        if message["reset"]:
            nodes, buffers = {}, {}
        nodes.update(message["nodes"])
        buffers.update(zip(message["buffers"], bufs, strict=True))

    def build(x):
        if isinstance(x, dict) and set(x) == {"$"}:
            return build(nodes[x["$"]])
        if isinstance(x, dict) and set(x) == {"$b"}:
            return buffers[x["$b"]]
        if isinstance(x, dict):
            return {k: build(v) for k, v in x.items()}
        if isinstance(x, list):
            return [build(v) for v in x]
        return x

    last = messages[-1][0]
    return {name: {axis["lo"] + i: build({"$": d}) for i, d in enumerate(axis["frames"])}
            for name, axis in last["axes"].items()}


def _plain(x):
    """JSON-comparable: buffers as bytes, tuples as lists."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (memoryview, bytes)):
        return bytes(x)
    return x


def _move(w, name, value):
    """Move control ``name`` of ``w`` to ``value`` as the learner would (a pointer: the row under it)."""
    if name in getattr(w, "pointers", {}):
        w.set_query(value)
    else:
        w.controls[name].value = value


def _shown(w, keys):
    figure = _figure(w)
    return _plain({k: getattr(figure, k) for k in keys})


@pytest.mark.parametrize("name", BUILDERS)
def test_every_frame_sent_ahead_is_what_the_widget_shows_once_the_control_is_there(name):
    w = BUILDERS[name]()
    frames = _built(_listen(w))
    assert frames, f"{name} sent no frames"
    for source, by_position in frames.items():
        python = w.ahead.sources[source].python
        positions = sorted(by_position)
        for i in sorted({positions[0], positions[len(positions) // 2], positions[-1]}):
            twin = BUILDERS[name]()
            _move(twin, source, python[i])
            content = by_position[i]
            assert _shown(twin, content) == _plain(content), f"{name}: {source} at {python[i]!r}"


@pytest.mark.parametrize("name", BUILDERS)
def test_no_widget_sends_a_megabyte_ahead(name):
    w = BUILDERS[name]()
    _listen(w)
    for source, s in w.ahead.sources.items():          # the far end of each control too
        _move(w, source, s.python[-1])
        w.ahead.request()
        stats = w.ahead.stats()
        assert 0 < stats["bytes"] < MAX_BYTES and stats["numbers"] > 0, (name, source, stats)


def test_the_kernels_panels_carry_the_digest_of_the_frame_that_shows_them():
    w = widgets.temperature_explorer()
    message, _ = _listen(w)[-1]
    position = w.ahead.state()["tau"]
    assert message["axes"]["tau"]["frames"][position] == w.figure.at["key"]   # the browser need not redraw
    assert w.figure.at["state"] == {"tau": position} and w.figure.at["version"] == message["version"]


def test_nothing_is_computed_ahead_until_a_browser_asks():
    w = widgets.similarity_explorer()
    sent = []
    w.figure.send_frames = lambda message, buffers: sent.append(message)
    for x in (0.1, 0.2, 0.3):
        w.controls["qx"].value = x                      # a notebook cell (or nbval) moving the query
    assert w.ahead.axes == {} and sent == []
    assert w.figure.sources["qx"]["attr"] == "value" and len(w.figure.sources["qx"]["values"]) == 301


def test_a_long_slider_sends_a_window_that_moves_with_the_hand_and_keeps_what_it_has():
    w = widgets.similarity_explorer()
    calls = []
    render = w.ahead.render
    w.ahead.render = lambda s: calls.append(s["qx"]) or render(s)
    w.controls["qx"].value = -1.5                       # the left end, before any view
    messages = _listen(w)
    qx = messages[-1][0]["axes"]["qx"]
    assert (qx["lo"], len(qx["frames"])) == (0, 97)     # positions 0 … 96 of 301
    calls.clear()
    for k in range(1, 121):                              # a held key: 120 steps right
        w.controls["qx"].value = round(-1.5 + 0.01 * k, 10)
    moved = [m for m, _ in messages[1:]]
    assert len(moved) == 2                              # refilled at steps 73 and 98, not on every step
    assert len(calls) == len(set(calls)) == 146 - 96    # each new position computed once: 97 … 146
    last = moved[-1]["axes"]["qx"]
    assert last["lo"] <= 120 - 24 and last["lo"] + len(last["frames"]) - 1 >= 120 + 24
    others = {k: a["base"]["qx"] for k, a in moved[-1]["axes"].items() if k != "qx"}
    assert others == {"similarity": 0, "qy": 0, "tau": 0}   # the other controls' frames wait for the hand to rest
    assert not set(moved[-1]["nodes"]) & set(messages[0][0]["nodes"])          # no node sent twice
    w.figure._handle_custom_msg({"event": "ahead"}, [])  # the hand rests
    assert {k: a["base"]["qx"] for k, a in messages[-1][0]["axes"].items() if k != "qx"} == \
        {"similarity": 120, "qy": 120, "tau": 120}


def test_a_view_whose_controls_are_ahead_of_the_kernel_gets_the_frames_of_where_it_is():
    w = widgets.similarity_explorer()
    messages = _listen(w)
    here = w.ahead.state()
    ahead = {**here, "qx": here["qx"] + 5}               # the qx slider's message is still on its way
    w.figure._handle_custom_msg({"event": "ahead", "state": ahead}, [])
    frames = _built(messages)
    tau = messages[-1][0]["axes"]["tau"]
    assert tau["base"] == {k: v for k, v in ahead.items() if k != "tau"}
    twin = widgets.similarity_explorer()
    twin.controls["qx"].value = w.ahead.sources["qx"].python[ahead["qx"]]
    twin.controls["tau"].value = 2.0
    i = w.ahead.sources["tau"].python.index(2.0)
    assert frames["tau"][i]["readout"] == twin.readout_text


def test_a_click_keeps_the_frames_the_other_values_show_without_it():
    w = widgets.mask_editor()
    messages = _listen(w)
    axes = messages[0][0]["axes"]
    w.toggle(1, 1)                                       # a click: the kernel's panels change, the frames do not
    assert w.figure.at["version"] == messages[0][0]["version"] and messages[-1][0]["axes"] == axes
    assert w.values["edited"] == 1 and "1 cell toggled by hand" in w.figure.readout
    frames = _built(messages)
    here = w.ahead.state()["length"]
    assert "toggled by hand" not in frames["length"][here]["readout"]   # back here after a move: clicks dropped


def test_each_click_is_sent_ahead_as_the_frame_numpy_then_shows():
    w = widgets.mask_editor()
    messages = _listen(w)
    clicks = messages[-1][0]["clicks"]
    assert clicks["for"] == w.figure.at["key"] and len(clicks["frames"]) == 25
    predicted = clicks["frames"]["cell:0:0:3:0"]
    w.figure._handle_custom_msg({"event": "cell", "panel": 0, "mark": 0, "row": 3, "col": 0}, [])   # the click
    assert w.figure.at["key"] == predicted               # the kernel's panels are the frame the view showed
    assert w.mask[3, 0] and "1 cell toggled by hand" in w.figure.readout
    after = messages[-1][0]["clicks"]
    assert after["for"] == predicted and after["frames"]["cell:0:0:3:0"] == messages[0][0]["clicks"]["for"]   # undo
    w.controls["length"].value = 4                       # the hand moves: the clicks' frames wait for it to rest
    assert messages[-1][0]["clicks"]["for"] == predicted != w.figure.at["key"]


def test_new_data_make_every_frame_stale_and_the_views_ask_again():
    w = widgets.training_run(tr.RecallConfig(steps=10, n_eval=50))
    messages = _listen(w)
    version = w.figure.at["version"]
    w.run()
    assert w.figure.at["version"] == version + 1 and w.ahead.axes == {}
    w.figure._handle_custom_msg({"event": "ahead"}, [])   # the view saw the new version and asked once it rested
    frames = _built(messages)
    seed = w.ahead.state()["seed"]
    other = frames["seed"][seed + 1]
    assert messages[-1][0]["version"] == version + 1
    assert "previous run" in json.dumps(other["panels"])  # another seed's start shows this run to compare


def test_the_playground_drag_changes_the_data_of_its_tau_frames():
    w = widgets.query_playground()
    messages = _listen(w)
    w.set_query(0.5, -0.3)                               # a drag, reported by the browser
    assert w.ahead.axes == {} and w.canvas.at["version"] == messages[0][0]["version"] + 1
    w.canvas._handle_custom_msg({"event": "ahead"}, [])
    frames = _built(messages)
    tau = w.ahead.sources["tau"]
    i = tau.python.index(2.0)
    twin = widgets.query_playground()
    twin.set_query(0.5, -0.3)
    twin.controls["tau"].value = 2.0
    assert frames["tau"][i]["readout"] == twin.readout_text and frames["tau"][i]["preview"]["tau"] == 2.0


def test_a_row_of_the_head_viewer_is_a_source_the_figure_itself_holds():
    w = widgets.head_viewer(query=6)
    assert w.figure.sources["query"] == {"model": "self", "attr": "row", "values": list(range(8))}
    frames = _built(_listen(w))
    twin = widgets.head_viewer(query=6)
    twin.figure.set_state({"row": 2})                    # what the view writes when the pointer enters row 2
    assert twin.query == 2 and _plain(frames["query"][2]["panels"]) == _plain(twin.figure.panels)


class OldStyle(Explorer):
    """An explorer written before frames ahead: compute() reads the controls itself."""

    def __init__(self):
        super().__init__({"k": widgets.controls.slider("k", 1.0, 0.0, 2.0, 0.5)}, Figure(label="old"))
        self.refresh()

    def compute(self):
        return {"k": self.controls["k"].value}

    def panels(self, v):
        return [panel([bars([v["k"]])])]

    def describe(self, v):
        return f"k = {v['k']:.1f}"


def test_an_explorer_whose_compute_reads_the_controls_still_works_without_frames():
    w = OldStyle()
    w.controls["k"].value = 1.5
    assert w.readout_text == "k = 1.5" and w.figure.readout == "k = 1.5" and w.ahead is None
    assert w.figure.sources == {}                        # the browser waits for the kernel, as before


def test_controls_say_which_values_they_can_take():
    slider = widgets.controls.choice_slider("d", [4, 16, 64], 16)
    assert slider.frame_source() == Source(slider, "value", [4, 16, 64], [4, 16, 64])
    drop = ipywidgets.Dropdown(options=[("RBF", "rbf"), ("dot", "dot")])
    assert widgets.controls.frame_source(drop) == Source(drop, "index", [0, 1], ["rbf", "dot"])
    box = ipywidgets.Checkbox()
    assert widgets.controls.frame_source(box).values == [False, True]
    assert widgets.controls.frame_source(ipywidgets.Text()) is None       # a text box changes the data
    assert widgets.controls.frame_source(ipywidgets.FloatSlider()) is None
    assert Source(None, "value", [0.5, 1.0], [0.5, 1.0]).position(0.9999999) == 1
    np.testing.assert_array_equal(widgets.controls.frame_source(ipywidgets.IntSlider(min=2, max=5)).python, [2, 3, 4, 5])


class WithText(Explorer):
    """A prompt box (data) and a temperature slider (frames ahead), as a text sampler has."""

    def __init__(self):
        controls = {"prompt": ipywidgets.Text("ab"), "tau": widgets.controls.slider("τ", 1.0, 0.5, 2.0, 0.5)}
        super().__init__(controls, Figure(label="text"))
        self.refresh()

    def compute(self, s):
        return {"text": s["prompt"] * int(2 * s["tau"])}

    def panels(self, v):
        return [panel([bars([len(v["text"])])])]

    def describe(self, v):
        return v["text"]


def test_a_text_box_is_data_its_change_makes_the_frames_stale():
    w = WithText()
    messages = _listen(w)
    assert _built(messages)["tau"][2]["readout"] == "ab" * 3          # τ = 1.5 with the prompt "ab"
    w.controls["prompt"].value = "xyz"
    assert w.ahead.axes == {} and w.figure.at["version"] == messages[0][0]["version"] + 1
    w.figure._handle_custom_msg({"event": "ahead"}, [])
    assert _built(messages)["tau"][2]["readout"] == "xyz" * 3


def test_a_widget_can_name_the_controls_it_computes_ahead():
    w = widgets.text_sampler(n_new=20)
    assert set(w.ahead.sources) == {"temperature"}        # a text takes long to write: top-k and seed wait
    messages = _listen(w)
    w.controls["seed"].value = 3                          # not a source: data, so the temperature frames are stale
    assert w.ahead.axes == {} and w.figure.at["version"] == messages[0][0]["version"] + 1
