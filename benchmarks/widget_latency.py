"""Widget latency in a real JupyterLab + Chromium: input event -> new pixels on screen.

Every widget is measured in one run, next to an ``ipywidgets.interact`` + matplotlib cell (the
reference, same run, same machine):

* steps: EVENTS slider steps (arrow keys, alternating right and left). The time runs from the
  keydown event to the start of the frame that paints the new figure: the chart layer's draw
  (it draws inside ``requestAnimationFrame``), or, for the reference, the first frame after its
  new PNG is decoded.
* held key: the arrow key repeated every 33 ms (a typical key-repeat rate) for up to HELD presses;
  a slider of one step (the head viewer's two heads) is stepped back and forth HELD times, so a
  held key has something to redraw. Frames per second with new pixels during the hold, and the lag
  from the last keydown to the last new frame.
* kernel: milliseconds per update in the kernel (numpy, building the panels, sending the message),
  timed in the kernel itself.
* the query playground's drag, computed in the browser: pointermove -> the frame that paints it,
  frames per second with new pixels, and the lag until numpy's readout catches up.

Run with ``make bench`` (``python -m benchmarks.widget_latency`` from the repository root). Prints the
table and rewrites the "Widget latency" section of benchmarks/RESULTS.md, leaving other sections.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform

import numpy as np

from benchmarks.results import write_section
from tests.browser.harness import LabServer, kernel_eval, launch_browser, open_notebook, run_all, write_notebook

EVENTS = 60
HELD = 24
KEY_REPEAT_MS = 33
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
# name -> (cell source, slider name, the control in Python, two values to alternate for the kernel timing)
WIDGETS = {
    "temperature explorer": ("w_temperature = widgets.temperature_explorer(); w_temperature", "temperature τ",
                             "w_temperature.controls['tau']", (0.5, 1.0)),
    "scaling explorer": ("w_scaling = widgets.scaling_explorer(d=64); w_scaling", "dimension d",
                         "w_scaling.controls['d']", (64, 256)),
    "similarity explorer": ("w_similarity = widgets.similarity_explorer(); w_similarity", "query x",
                            "w_similarity.controls['qx']", (0.5, 0.8)),
    "bandwidth explorer": ("w_bandwidth = widgets.bandwidth_explorer(); w_bandwidth", "bandwidth τ",
                           "w_bandwidth.controls['bandwidth']", (0.4, 0.6)),
    "mask editor": ("w_mask = widgets.mask_editor(); w_mask", "real tokens", "w_mask.controls['length']", (2, 3)),
    "mechanism stepper": ("w_stepper = widgets.mechanism_stepper(); w_stepper", "query row",
                          "w_stepper.controls['step']", (3, 4)),
    "head viewer": ("w_heads = widgets.head_viewer(); w_heads", "head", "w_heads.controls['head']", (0, 1)),
    "training run (seed, before training)": ("w_training = widgets.training_run(); w_training", "seed",
                                             "w_training.controls['seed']", (0, 1)),
    "online softmax stepper": ("import numpy as np; w_online = widgets.online_softmax_stepper("
                               "np.random.default_rng(0).normal(size=40)); w_online", "next step",
                               "w_online.controls['step']", (3, 4)),
    "rope explorer": ("w_rope = widgets.rope_explorer(); w_rope", "shift both by s", "w_rope.controls['s']", (3, 4)),
    "text sampler (temperature)": ("w_sampler = widgets.text_sampler(); w_sampler", "temperature",
                                   "w_sampler.controls['temperature']", (0.5, 0.75)),
    REFERENCE: (INTERACT, None, "w_reference.children[0]", (0.5, 1.0)),
}
PLAYGROUND = "w_playground = widgets.query_playground(); w_playground"
TARGETS = {"kernel": "p50 ≤ 33, p95 ≤ 60, ≥ 3× faster than interact", "drag": "p50 ≤ 20, ≥ 50 fps"}

# Resolves window.__latency with the time from the next keydown to the first frame painting new pixels.
ARM_JS = """([i, kind]) => {
  const area = document.querySelectorAll('.jp-CodeCell')[i].querySelector('.jp-Cell-outputWrapper');
  const host = area.querySelector('[data-test-frames]');
  const frames0 = host && host.dataset.testFrames;
  const before = new Set([...area.querySelectorAll('img')].map((e) => e.src));
  let t0 = null, done = false;
  document.addEventListener('keydown', (e) => { t0 = e.timeStamp; }, {capture: true, once: true});
  window.__latency = new Promise((resolve) => {
    const finish = (t) => { if (!done) { done = true; obs.disconnect(); resolve(t); } };
    const obs = new MutationObserver(() => {
      if (t0 === null) return;
      if (kind === 'chart') { if (host.dataset.testFrames !== frames0) finish(performance.now() - t0); return; }
      const img = [...area.querySelectorAll('img')].find((e) => e.src && !before.has(e.src));
      if (!img) return;
      obs.disconnect();
      img.decode().catch(() => null).then(() => requestAnimationFrame(() => finish(performance.now() - t0)));
    });
    obs.observe(area, {subtree: true, childList: true, attributes: true, attributeFilter: ['src', 'data-test-frames']});
    setTimeout(() => finish(null), 5000);
  });
}"""

# Records input timestamps and the times of frames with new pixels until window.__stop() is called.
WATCH_JS = """([i, kind, input]) => {
  const area = document.querySelectorAll('.jp-CodeCell')[i].querySelector('.jp-Cell-outputWrapper');
  const host = area.querySelector('[data-test-frames]');
  const seen = new Set([...area.querySelectorAll('img')].map((e) => e.src));
  const log = window.__watch = {inputs: [], frames: [], readouts: []};
  const onInput = (e) => { log.inputs.push(e.timeStamp); };
  document.addEventListener(input, onInput, {capture: true});
  let frames = host && host.dataset.testFrames, live = true;
  const tick = () => {
    if (!live) return;
    if (host && host.dataset.testFrames !== frames) {
      frames = host.dataset.testFrames;
      log.frames.push(performance.now());
    }
    requestAnimationFrame(tick);
  };
  if (kind === 'chart' && input === 'pointermove') requestAnimationFrame(tick);   // drawn in the handler
  const obs = new MutationObserver((records) => {
    const inReadout = (r) => r.target.closest && r.target.closest('pre.attention-readout');
    if (records.some(inReadout)) log.readouts.push(performance.now());
    if (kind === 'chart' && input !== 'pointermove' && host.dataset.testFrames !== frames) {
      frames = host.dataset.testFrames; log.frames.push(performance.now());
    }
    if (kind === 'img') for (const img of area.querySelectorAll('img')) {
      if (!img.src || seen.has(img.src)) continue;
      seen.add(img.src);
      img.decode().catch(() => null).then(() => requestAnimationFrame(() => log.frames.push(performance.now())));
    }
  });
  obs.observe(area, {subtree: true, childList: true, characterData: true, attributes: true,
                     attributeFilter: ['src', 'data-test-frames']});
  window.__stop = () => {
    live = false;
    obs.disconnect();
    document.removeEventListener(input, onInput, {capture: true});
    return log;
  };
}"""

# Repeats `make(k)` events on `target` every `every` ms, in the page (no driver round trips per event).
REPEAT_JS = """async ([target, n, every, make]) => {
  const build = new Function('k', 'x0', 'y0', make);
  const box = target.getBoundingClientRect(), x0 = box.left + box.width / 2, y0 = box.top + box.height / 2;
  for (let k = 0; k < n; k++) {
    target.dispatchEvent(build(k, x0, y0));
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}"""
KEY = "return new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true, cancelable: true})"
BACK_AND_FORTH = ("return new KeyboardEvent('keydown', {key: k % 2 ? 'ArrowLeft' : 'ArrowRight', bubbles: true, "
                  "cancelable: true})")
MOVE = ("return new PointerEvent('pointermove', {clientX: x0 + 0.6 * k, clientY: y0 - 0.4 * k, pointerId: 1, "
        "isPrimary: true, pointerType: 'mouse', buttons: 1, bubbles: true})")
DRAG_JS = """(i) => {
  const canvas = document.querySelectorAll('.jp-CodeCell')[i].querySelector('canvas.chart-canvas');
  window.__drag = [];
  canvas.addEventListener('pointermove', (e) => {
    const t0 = e.timeStamp;
    requestAnimationFrame(() => window.__drag.push(performance.now() - t0));
  });
}"""


def percentiles(samples):
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def _cell(page, i):
    return page.locator(".jp-CodeCell").nth(i)


def _slider(page, cell, name):
    if name is None:                                   # the reference: an ipywidgets slider
        return _cell(page, cell).locator(".noUi-handle").first
    here = _cell(page, cell)                           # a slider, or a stepper's button (its group takes the arrows)
    return here.get_by_role("slider", name=name).or_(here.get_by_role("button", name=name, exact=True))


def measure_steps(page, cell, name, kind):
    h = _slider(page, cell, name)
    h.scroll_into_view_if_needed()
    times = []
    for n in range(EVENTS):
        page.evaluate(ARM_JS, [cell, kind])
        h.focus()
        h.press("ArrowRight" if n % 2 == 0 else "ArrowLeft")
        t = page.evaluate("() => window.__latency")
        if t is not None:
            times.append(t)
        page.wait_for_timeout(120)
    return times


def measure_held(page, cell, name, kind):
    """Hold an arrow key (repeats every KEY_REPEAT_MS): frames per second and lag after the last input."""
    h = _slider(page, cell, name)
    h.focus()
    h.press("Home")
    page.wait_for_timeout(800)
    steps = int(h.get_attribute("max") or HELD)                 # our sliders: never press past the end
    presses, key = (min(HELD, steps), KEY) if steps > 1 else (HELD, BACK_AND_FORTH)
    page.evaluate(WATCH_JS, [cell, kind, "keydown"])
    page.evaluate(REPEAT_JS, [h.element_handle(), presses, KEY_REPEAT_MS, key])
    page.wait_for_timeout(1500)
    return held_figures(page.evaluate("() => window.__stop()"))


def held_figures(log):
    """Frames per second with new pixels while the input lasts, and the lag after the last input."""
    inputs, frames = log["inputs"], log["frames"]
    if len(inputs) < 2 or not frames:
        return float("nan"), float("nan")
    during = [t for t in frames if inputs[0] <= t <= inputs[-1]]
    return 1000 * len(during) / (inputs[-1] - inputs[0]), frames[-1] - inputs[-1]


def measure_drag(page, cell):
    """Drag the playground's ring with pointer moves every 4 ms (faster than frames)."""
    canvas = _cell(page, cell).locator("canvas.chart-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.evaluate(DRAG_JS, cell)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.evaluate(WATCH_JS, [cell, "chart", "pointermove"])
    page.evaluate(REPEAT_JS, [canvas.element_handle(), 4 * EVENTS, 4, MOVE])
    page.mouse.up()
    page.wait_for_timeout(1500)
    log = page.evaluate("() => window.__stop()")
    fps, _ = held_figures(log)
    latencies = page.evaluate("() => window.__drag")
    catch_up = log["readouts"][-1] - log["inputs"][-1] if log["readouts"] and log["inputs"] else float("nan")
    return latencies, fps, catch_up


def kernel_ms(page, control, values, n=40):
    code = f"""import json, time
_times = []
for _i in range({n}):
    _t0 = time.perf_counter()
    {control}.value = {values!r}[_i % 2]
    _times.append(1000 * (time.perf_counter() - _t0))
print(json.dumps(_times))"""
    return float(np.median(json.loads(kernel_eval(page, code).strip().splitlines()[-1])))


def playground_kernel_ms(page, n=40):
    code = f"""import json, time
_times = []
for _i in range({n}):
    _t0 = time.perf_counter()
    w_playground.canvas.handles = {{"query": [0.1 * (_i % 2), 0.2]}}
    _times.append(1000 * (time.perf_counter() - _t0))
print(json.dumps(_times))"""
    return float(np.median(json.loads(kernel_eval(page, code).strip().splitlines()[-1])))


def main():
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()[0]                          # other jobs share the cores: say how busy they were

    sources = ["from attention_lib import widgets", *(src for src, *_ in WIDGETS.values()), PLAYGROUND]
    rows = []
    with LabServer(folders=()) as lab, sync_playwright() as p:
        write_notebook(lab.root / "latency.ipynb", sources)
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_notebook(page, lab, "latency.ipynb")
        run_all(page)
        page.wait_for_timeout(1000)
        for i, (name, (_, slider, control, values)) in enumerate(WIDGETS.items(), start=1):
            kind = "img" if name == REFERENCE else "chart"
            p50, p95 = percentiles(measure_steps(page, i, slider, kind))
            fps, lag = measure_held(page, i, slider, kind)
            rows.append((name, p50, p95, fps, lag, kernel_ms(page, control, values)))
        latencies, fps, catch_up = measure_drag(page, len(WIDGETS) + 1)
        p50, p95 = percentiles(latencies)
        rows.append((DRAG, p50, p95, fps, catch_up, playground_kernel_ms(page)))
        browser.close()
    verdicts = judge(rows)
    print(f"{'widget':38s} {'p50':>6s} {'p95':>6s} {'fps':>6s} {'lag':>7s} {'kernel':>7s}  target")
    for row, verdict in zip(rows, verdicts, strict=True):
        print(f"{row[0]:38s} {row[1]:6.1f} {row[2]:6.1f} {row[3]:6.1f} {row[4]:7.1f} {row[5]:7.2f}  {verdict}")
    write_results(rows, verdicts, load)


def judge(rows):
    """'ok' or 'MISSED' against the targets, per row; the reference is not judged."""
    reference = next(r for r in rows if r[0] == REFERENCE)
    out = []
    for name, p50, p95, fps, _lag, _kernel in rows:
        if name == REFERENCE:
            out.append("reference")
        elif name == DRAG:
            out.append("ok" if p50 <= 20 and fps >= 50 else "MISSED")
        else:
            out.append("ok" if p50 <= 33 and p95 <= 60 and reference[1] / p50 >= 3 else "MISSED")
    return out


def section(rows, verdicts, load):
    reference = next(r for r in rows if r[0] == REFERENCE)
    lines = [
        f"Measured {dt.date.today().isoformat()} by `make bench` (benchmarks/widget_latency.py) "
        f"on {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"JupyterLab + Debian Chromium (headless), device scale 1; load average {load:.1f} at the start "
        "(other jobs share the cores: compare with the interact row, measured in the same run).",
        f"Steps: {EVENTS} arrow-key slider steps per widget, from the keydown to the frame that paints the new figure. "
        f"Held: the key repeated every {KEY_REPEAT_MS} ms ({HELD} presses at most); frames per second with new "
        "pixels while the key is held, and the lag from the last keydown to the last new frame. "
        "Kernel: ms per update, timed in the kernel. "
        "The drag row is the playground computing in the browser: pointermove to the painted frame, and, in the lag "
        "column, the time until numpy's readout catches up.",
        f"Targets: kernel-side figures {TARGETS['kernel']} "
        f"(interact p50 here: {reference[1]:.1f} ms); in-browser drag {TARGETS['drag']}.",
        "",
        "| widget | p50 ms | p95 ms | held fps | lag ms | kernel ms | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {p50:.1f} | {p95:.1f} | {fps:.1f} | {lag:.1f} | {kernel:.2f} | {verdict} |"
              for (name, p50, p95, fps, lag, kernel), verdict in zip(rows, verdicts, strict=True)]
    return lines


def write_results(rows, verdicts, load):
    """Rewrite this benchmark's section of RESULTS.md; other sections stay as they are."""
    write_section("Widget latency", section(rows, verdicts, load))


if __name__ == "__main__":
    main()
