"""Widget latency in a real JupyterLab + Chromium: input event -> new pixels on screen.

Every widget with a slider or a stepper is measured in one run, next to an ``ipywidgets.interact`` +
matplotlib cell (the reference, same run, same machine). What counts is what the page paints, measured in
the page: a chart figure records the digest of what it drew (``data-test-drawn``) each time it draws,
inside ``requestAnimationFrame``; the reference's new frame is its new PNG, decoded and in a frame.

* step: EVENTS arrow-key steps (alternating right and left), from the keydown to the frame that paints
  the new figure.
* held key: the key repeated once per animation frame (as fast as a screen can show), sweeping the
  control from one end to the other and back, for HELD frames. A ``requestAnimationFrame`` loop reads the
  canvas's drawn state every frame: new frames per second are the frames whose drawn state differs from
  the frame before, over the time the key was held; the lag runs from the last keydown to the frame that
  paints the control's final value.
* kernel: milliseconds per update in the kernel (numpy, building the panels, sending the message), timed
  in the kernel itself.
* ahead: how much the widget sends ahead (frames, numbers, kilobytes of JSON and binary buffers) when a view
  opens, at its builder's defaults (computed here, in this process).
* the mask editor's click on a mask cell: it changes the data, so it waits for the kernel (a round trip).
* the query playground's drag, computed in the browser: pointermove -> the frame that paints it, new
  frames per second, and the lag until numpy's readout catches up.

Run with ``make bench`` (``python -m benchmarks.widget_latency`` from the repository root). Prints the
table and rewrites the "Widget latency" section of benchmarks/RESULTS.md, leaving other sections.
``--only NAME`` (repeatable) measures only the widgets whose names contain NAME, e.g. ``--only stepper
--only "head viewer" --only temperature``, and prints their rows without touching RESULTS.md.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform

import numpy as np

from benchmarks.results import write_section
from tests.browser.harness import LabServer, kernel_eval, launch_browser, open_notebook, run_all, write_notebook

EVENTS = 60
HELD = 90
SETTLE_MS = 1500
INTERACT = '''import ipywidgets, matplotlib.pyplot as plt, numpy as np
from attention_lib import softmax
scores = np.array([2.0, 1.0, 0.5, 0.0, -1.0])
def show(tau=1.0):
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(range(5), softmax(scores, temperature=tau))
    ax.set(ylim=(0, 1), title="softmax(scores / τ)")
    plt.show()
w_reference = ipywidgets.interactive(show, tau=ipywidgets.FloatSlider(value=1.0, min=0.05, max=20, step=0.05))
w_reference'''
REFERENCE = "interact + matplotlib (reference)"
DRAG = "query playground drag (in browser)"
CLICK = "mask editor click on a cell (round trip)"
# name -> (cell source, the control's accessible name, the widget's variable, the control's name in Python,
#          two values to alternate for the kernel timing)
WIDGETS = {
    "temperature explorer": ("w_temperature = widgets.temperature_explorer(); w_temperature", "temperature τ",
                             "w_temperature", "tau", (0.5, 1.0)),
    "scaling explorer": ("w_scaling = widgets.scaling_explorer(d=64); w_scaling", "dimension d", "w_scaling", "d",
                         (64, 256)),
    "similarity explorer": ("w_similarity = widgets.similarity_explorer(); w_similarity", "query x", "w_similarity",
                            "qx", (0.5, 0.8)),
    "bandwidth explorer": ("w_bandwidth = widgets.bandwidth_explorer(); w_bandwidth", "bandwidth τ", "w_bandwidth",
                           "bandwidth", (0.4, 0.6)),
    "query playground (τ)": ("w_playground = widgets.query_playground(); w_playground", "τ", "w_playground", "tau",
                             (0.5, 1.0)),
    "mask editor": ("w_mask = widgets.mask_editor(); w_mask", "real tokens", "w_mask", "length", (2, 3)),
    "mechanism stepper": ("w_stepper = widgets.mechanism_stepper(); w_stepper", "Next", "w_stepper", "step", (3, 4)),
    "head viewer": ("w_heads = widgets.head_viewer(); w_heads", "head", "w_heads", "head", (0, 1)),
    "training run (seed, before training)": ("w_training = widgets.training_run(); w_training", "seed",
                                             "w_training", "seed", (0, 1)),
    "online softmax stepper": ("import numpy as np; w_online = widgets.online_softmax_stepper("
                               "np.random.default_rng(0).normal(size=40)); w_online", "next step", "w_online", "step",
                               (3, 4)),
    "rope explorer": ("w_rope = widgets.rope_explorer(); w_rope", "shift both by s", "w_rope", "s", (3, 4)),
    "text sampler (temperature)": ("w_sampler = widgets.text_sampler(); w_sampler", "temperature", "w_sampler",
                                   "temperature", (0.5, 0.75)),
    REFERENCE: (INTERACT, None, "w_reference", None, (0.5, 1.0)),
}
TARGETS = {"step": "p50 ≤ 16, p95 ≤ 33", "held": "≥ 50 new frames/s, lag ≤ 50", "click": "p50 ≤ 33",
           "drag": "p50 ≤ 20, ≥ 50 fps"}

# Resolves window.__latency with the time from the next keydown (or click) to the frame painting new pixels.
ARM_JS = """([i, kind, input]) => {
  const area = document.querySelectorAll('.jp-CodeCell')[i].querySelector('.jp-Cell-outputWrapper');
  const host = area.querySelector('[data-test-drawn]');
  const drawn0 = host && host.dataset.testDrawn;
  const before = new Set([...area.querySelectorAll('img')].map((e) => e.src));
  let t0 = null, done = false;
  document.addEventListener(input, (e) => { t0 = e.timeStamp; }, {capture: true, once: true});
  window.__latency = new Promise((resolve) => {
    const finish = (t) => { if (!done) { done = true; obs.disconnect(); resolve(t); } };
    const obs = new MutationObserver(() => {
      if (t0 === null) return;
      if (kind === 'chart') {
        if (host.dataset.testDrawn !== drawn0) finish(Number(host.dataset.testDrawnAt) - t0);
        return;
      }
      const img = [...area.querySelectorAll('img')].find((e) => e.src && !before.has(e.src));
      if (!img) return;
      obs.disconnect();
      img.decode().catch(() => null).then(() => requestAnimationFrame(() => finish(performance.now() - t0)));
    });
    obs.observe(area, {subtree: true, childList: true, attributes: true, attributeFilter: ['src', 'data-test-drawn']});
    setTimeout(() => finish(null), 5000);
  });
}"""

# Every animation frame, reads what the figure in cell i has drawn; logs the frames whose drawn state is new,
# and the inputs, until window.__stop() is called.
WATCH_JS = """([i, kind, input]) => {
  const area = document.querySelectorAll('.jp-CodeCell')[i].querySelector('.jp-Cell-outputWrapper');
  const host = area.querySelector('[data-test-drawn]');
  const seen = new Set([...area.querySelectorAll('img')].map((e) => e.src));
  const log = window.__watch = {inputs: [], frames: [], readouts: [], ticks: []};
  const onInput = (e) => { log.inputs.push(e.timeStamp); };
  document.addEventListener(input, onInput, {capture: true});
  let drawn = host && host.dataset.testDrawn, live = true;
  const tick = (now) => {
    if (!live) return;
    log.ticks.push(now);                                   // every frame the page drew, new or not
    if (host && host.dataset.testDrawn !== drawn) {          // a new state painted in this frame
      drawn = host.dataset.testDrawn;
      log.frames.push(Number(host.dataset.testDrawnAt));
    }
    requestAnimationFrame(tick);
  };
  if (kind === 'chart') requestAnimationFrame(tick);
  const obs = new MutationObserver((records) => {
    const inReadout = (r) => r.target.closest && r.target.closest('pre.attention-readout');
    if (records.some(inReadout)) log.readouts.push(performance.now());
    if (kind === 'img') for (const img of area.querySelectorAll('img')) {
      if (!img.src || seen.has(img.src)) continue;
      seen.add(img.src);
      img.decode().catch(() => null).then(() => requestAnimationFrame(() => log.frames.push(performance.now())));
    }
  });
  obs.observe(area, {subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['src']});
  window.__stop = () => {
    live = false;
    obs.disconnect();
    document.removeEventListener(input, onInput, {capture: true});
    return log;
  };
}"""

# A held key: one keydown per animation frame, sweeping positions 0 … n-1 and back, `frames` times.
HOLD_JS = """async ([target, n, frames]) => {
  const key = (k) => {
    const lap = Math.max(1, n - 1), forward = Math.floor(k / lap) % 2 === 0;
    return forward ? 'ArrowRight' : 'ArrowLeft';
  };
  for (let k = 0; k < frames; k++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    target.dispatchEvent(new KeyboardEvent('keydown', {key: key(k), bubbles: true, cancelable: true}));
  }
}"""
# Pointer moves every 4 ms (faster than frames), in the page.
MOVES_JS = """async ([target, n]) => {
  const box = target.getBoundingClientRect(), x0 = box.left + box.width / 2, y0 = box.top + box.height / 2;
  for (let k = 0; k < n; k++) {
    target.dispatchEvent(new PointerEvent('pointermove', {clientX: x0 + 0.6 * k, clientY: y0 - 0.4 * k, pointerId: 1,
      isPrimary: true, pointerType: 'mouse', buttons: 1, bubbles: true}));
    await new Promise((resolve) => setTimeout(resolve, 4));
  }
}"""
DRAG_JS = """(i) => {
  const canvas = document.querySelectorAll('.jp-CodeCell')[i].querySelector('canvas.chart-canvas');
  window.__drag = [];
  canvas.addEventListener('pointermove', (e) => {
    const t0 = e.timeStamp;
    requestAnimationFrame(() => window.__drag.push(performance.now() - t0));
  });
}"""


PAGE_RATES = []
"""Frames per second the page drew during each held key (filled as the benchmark runs)."""


def percentiles(samples):
    if not samples:
        return math.nan, math.nan
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def _cell(page, i):
    return page.locator(".jp-CodeCell").nth(i)


def _control(page, cell, name):
    if name is None:                                   # the reference: an ipywidgets slider
        return _cell(page, cell).locator(".noUi-handle").first
    here = _cell(page, cell)                           # a slider, or a stepper's button (its group takes the arrows)
    return here.get_by_role("slider", name=name).or_(here.get_by_role("button", name=name, exact=True))


def _kernel_json(page, expr):
    return json.loads(kernel_eval(page, f"import json; print(json.dumps({expr}))").strip().splitlines()[-1])


def measure_steps(page, cell, name, kind):
    h = _control(page, cell, name)
    h.scroll_into_view_if_needed()
    times = []
    for n in range(EVENTS):
        page.evaluate(ARM_JS, [cell, kind, "keydown"])
        h.focus()
        h.press("ArrowRight" if n % 2 == 0 else "ArrowLeft")
        t = page.evaluate("() => window.__latency")
        if t is not None:
            times.append(t)
        page.wait_for_timeout(120)
    return times


def measure_held(page, cell, name, kind, positions):
    """Hold an arrow key (one keydown per frame): new frames per second, and the lag after the last keydown."""
    h = _control(page, cell, name)
    h.focus()
    h.press("Home")
    page.wait_for_timeout(800)
    page.evaluate(WATCH_JS, [cell, kind, "keydown"])
    page.evaluate(HOLD_JS, [h.element_handle(), positions, HELD])
    page.wait_for_timeout(SETTLE_MS if kind == "chart" else 3 * SETTLE_MS)
    log = page.evaluate("() => window.__stop()")
    PAGE_RATES.append(page_rate(log))
    return held_figures(log)


def held_figures(log):
    """New frames per second while the input lasts, and the lag from the last input to the last new frame."""
    inputs, frames = log["inputs"], log["frames"]
    if len(inputs) < 2 or not frames:
        return math.nan, math.nan
    during = [t for t in frames if inputs[0] <= t <= inputs[-1] + 1000 / 60]    # the last input's own frame too
    return 1000 * len(during) / (inputs[-1] - inputs[0] + 1000 / 60), frames[-1] - inputs[-1]


def page_rate(log):
    """Frames per second the page drew at all while the input lasted: the most any widget could paint then."""
    inputs, ticks = log["inputs"], log.get("ticks", [])
    during = [t for t in ticks if inputs[0] <= t <= inputs[-1]] if len(inputs) > 1 else []
    return 1000 * (len(during) - 1) / (during[-1] - during[0]) if len(during) > 2 else math.nan


def measure_clicks(page, cell):
    """Click one mask cell again and again (block, allow, …): the click to the frame painting the new mask."""
    target = _cell(page, cell).locator("[data-test-row='4'][data-test-col='1']")
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    times = []
    for _ in range(EVENTS):
        page.evaluate(ARM_JS, [cell, "chart", "click"])
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        t = page.evaluate("() => window.__latency")
        if t is not None:
            times.append(t)
        page.wait_for_timeout(120)
    return times


def measure_drag(page, cell):
    """Drag the playground's ring with pointer moves every 4 ms (faster than frames)."""
    canvas = _cell(page, cell).locator("canvas.chart-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.evaluate(DRAG_JS, cell)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.evaluate(WATCH_JS, [cell, "chart", "pointermove"])
    page.evaluate(MOVES_JS, [canvas.element_handle(), 4 * EVENTS])
    page.mouse.up()
    page.wait_for_timeout(SETTLE_MS)
    log = page.evaluate("() => window.__stop()")
    fps, _ = held_figures(log)
    latencies = page.evaluate("() => window.__drag")
    catch_up = log["readouts"][-1] - log["inputs"][-1] if log["readouts"] and log["inputs"] else math.nan
    return latencies, fps, catch_up


def kernel_ms(page, code, n=40):
    """Median milliseconds of ``code`` (run with ``_i`` = 0 … n-1) in the kernel."""
    body = "\n    ".join(code.splitlines())
    loop = f"""import json, time
_times = []
for _i in range({n}):
    _t0 = time.perf_counter()
    {body}
    _times.append(1000 * (time.perf_counter() - _t0))
print(json.dumps(_times))"""
    return float(np.median(json.loads(kernel_eval(page, loop).strip().splitlines()[-1])))


def sent_ahead(source, var):
    """What the widget of cell ``source`` sends ahead when a view opens (built here, at its start): frames,
    numbers and bytes."""
    from attention_lib import widgets

    names = {"widgets": widgets}
    exec(source.rsplit(";", 1)[0], names)            # the cell without its last line (which displays the widget)
    w = names[var]
    figure = w.canvas if hasattr(w, "canvas") else w.figure
    figure.send_frames = lambda message, buffers: None
    w.ahead.request(full=True)
    return w.ahead.stats()


def positions(page, var, control):
    """How many positions the control has (what a held key sweeps)."""
    if control is None:
        return int(round((20 - 0.05) / 0.05)) + 1
    return _kernel_json(page, f"len({var}.ahead.sources[{control!r}].values)")


def chosen(only):
    """The widgets to measure: all of WIDGETS, or those whose names contain one of ``only`` (case-insensitive)."""
    if not only:
        return dict(WIDGETS)
    picked = {name: spec for name, spec in WIDGETS.items() if any(o.lower() in name.lower() for o in only)}
    if not picked:
        raise SystemExit(f"no widget matches {', '.join(only)}: the widgets are {', '.join(WIDGETS)}")
    return picked


def main(argv=None):
    import argparse

    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Widget latency in JupyterLab + Chromium (make bench).")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="measure only the widgets whose names contain NAME (repeatable); the table is printed "
                             "and RESULTS.md is left as it is")
    args = parser.parse_args(argv)
    widgets = chosen(args.only)
    load = os.getloadavg()[0]                          # other jobs share the cores: say how busy they were

    sources = ["from attention_lib import widgets", *(src for src, *_ in widgets.values())]
    rows = []
    with LabServer(folders=()) as lab, sync_playwright() as p:
        write_notebook(lab.root / "latency.ipynb", sources)
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_notebook(page, lab, "latency.ipynb")
        run_all(page)
        page.wait_for_timeout(2000)                    # the figures ask for their frames ahead
        for i, (name, (source, label, var, control, values)) in enumerate(widgets.items(), start=1):
            kind = "img" if name == REFERENCE else "chart"
            setter = (f"{var}.children[0]" if control is None else f"{var}.controls[{control!r}]") + \
                f".value = {values!r}[_i % 2]"
            p50, p95 = percentiles(measure_steps(page, i, label, kind))
            fps, lag = measure_held(page, i, label, kind, positions(page, var, control))
            ahead = None if control is None else sent_ahead(source, var)
            rows.append((name, p50, p95, fps, lag, kernel_ms(page, setter), ahead))
            if name == "query playground (τ)":
                latencies, fps, catch_up = measure_drag(page, i)
                p50, p95 = percentiles(latencies)
                move = "w_playground.canvas.handles = {'query': [0.1 * (_i % 2), 0.2]}"
                rows.append((DRAG, p50, p95, fps, catch_up, kernel_ms(page, move), None))
            if name == "mask editor":
                p50, p95 = percentiles(measure_clicks(page, i))
                rows.append((CLICK, p50, p95, math.nan, math.nan, kernel_ms(page, "w_mask.toggle(4, 1)"), None))
        browser.close()
    verdicts = judge(rows)
    print(f"{'widget':42s} {'p50':>6s} {'p95':>6s} {'fps':>6s} {'lag':>7s} {'kernel':>7s} {'ahead':>22s}  verdict")
    for row, verdict in zip(rows, verdicts, strict=True):
        print(f"{row[0]:42s} {row[1]:6.1f} {row[2]:6.1f} {row[3]:6.1f} {row[4]:7.1f} {row[5]:7.2f} "
              f"{ahead_text(row[6]):>22s}  {verdict}")
    print(f"the page drew {np.nanmedian(PAGE_RATES or [math.nan]):.1f} frames/s at all while keys were held (median)")
    if not args.only:                                  # a partial table never replaces the whole one
        write_results(rows, verdicts, load)


def ahead_text(ahead):
    if not ahead:
        return "—"
    return f"{ahead['frames']} / {ahead['numbers']:,} / {ahead['bytes'] / 1000:.0f} kB"


def judge(rows):
    """'ok' or 'MISSED' against the targets, per row; the reference is not judged."""
    out = []
    for name, p50, p95, fps, lag, _kernel, _ahead in rows:
        if name == REFERENCE:
            out.append("reference")
        elif name == DRAG:
            out.append("ok" if p50 <= 20 and fps >= 50 else "MISSED")
        elif name == CLICK:
            out.append("ok" if p50 <= 33 else "MISSED")
        else:
            out.append("ok" if p50 <= 16 and p95 <= 33 and fps >= 50 and lag <= 50 else "MISSED")
    return out


def section(rows, verdicts, load):
    reference = next(r for r in rows if r[0] == REFERENCE)
    lines = [
        f"Measured {dt.date.today().isoformat()} by `make bench` (benchmarks/widget_latency.py) "
        f"on {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"JupyterLab + Debian Chromium (headless), device scale 1; load average {load:.1f} at the start "
        "(other jobs share the cores: compare with the interact row, measured in the same run).",
        f"Step: {EVENTS} arrow-key steps per widget, from the keydown to the frame that paints the new figure. "
        f"Held: the key repeated once per animation frame for {HELD} frames, sweeping the control end to end and "
        "back; a requestAnimationFrame loop reads the canvas's drawn state every frame, and counts the frames "
        "whose drawn state is new (per second of holding), and the lag from the last keydown to the frame "
        f"painting the final value (the page drew {np.nanmedian(PAGE_RATES or [math.nan]):.1f} frames/s at all "
        "during the holds, median: the most a widget could paint then). "
        "Kernel: ms per update, timed in the kernel. Ahead: frames / numbers / kB "
        "(JSON and binary buffers) the widget sends ahead when a view opens, at its builder's defaults (every "
        "widget stays under 1 MB: tests/widgets/test_frames_ahead.py). "
        "The click row is the mask editor's click on a cell (it changes the data: a round trip to numpy). "
        "The drag row is the playground computing in the browser: pointermove to the painted frame, and, in "
        "the lag column, the time until numpy's readout catches up.",
        f"Targets: a slider or stepper {TARGETS['step']} ms per step, a held key {TARGETS['held']} ms; the click "
        f"{TARGETS['click']} ms; the drag {TARGETS['drag']} (interact p50 here: {reference[1]:.1f} ms).",
        "",
        "| widget | step p50 ms | step p95 ms | held new frames/s | lag ms | kernel ms | ahead: frames / numbers / kB "
        "| verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {p50:.1f} | {p95:.1f} | {_or_dash(fps)} | {_or_dash(lag)} | {kernel:.2f} | "
              f"{ahead_text(ahead)} | {verdict} |"
              for (name, p50, p95, fps, lag, kernel, ahead), verdict in zip(rows, verdicts, strict=True)]
    return lines


def _or_dash(x):
    return "—" if math.isnan(x) else f"{x:.1f}"


def write_results(rows, verdicts, load):
    """Rewrite this benchmark's section of RESULTS.md; other sections stay as they are."""
    write_section("Widget latency", section(rows, verdicts, load))


if __name__ == "__main__":
    main()
