// A stepper over named steps from the kernel: Previous, Play and Next buttons, and the list of steps.
// The view writes back only what its user chose, the step (`value`); the kernel draws that step.
// Play advances one step every `interval_ms`, here in the browser, and stops at the last step. While
// playing, a bar fills towards the next step; with reduced motion (the model's `reduce_motion` or the
// browser's prefers-reduced-motion) play steps through the same states and nothing moves in between.
// Left and right arrow keys (and Home, End) step while focus is anywhere in the stepper.

/** A new element with a class and attributes. @returns {HTMLElement} */
function element(tag, className, attributes = {}) {
  const e = document.createElement(tag);
  e.className = className;
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
  return e;
}

/** A button whose accessible name is its visible text; the symbol beside it is decoration. */
function button(className, symbol, text, symbolAfter = false) {
  const b = element("button", `stepper-button ${className}`, { type: "button" });
  const icon = element("span", "stepper-icon", { "aria-hidden": "true" });
  const label = element("span", "stepper-label");
  icon.textContent = symbol; label.textContent = text;
  b.append(...(symbolAfter ? [label, icon] : [icon, label]));
  return b;
}

const KEYS = { ArrowLeft: -1, ArrowRight: 1 };

/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const root = element("div", "attention-stepper", { role: "group", "aria-keyshortcuts": "ArrowLeft ArrowRight Home End" });
  const status = element("div", "stepper-status");
  const row = element("div", "stepper-row");
  const prev = button("stepper-previous", "◀", "Previous");
  const play = button("stepper-play", "▶", "Play");
  const next = button("stepper-next", "▶", "Next", true);
  const list = element("ol", "stepper-steps");
  const bar = element("div", "stepper-progress", { "aria-hidden": "true" });
  const fill = element("div", "stepper-progress-fill");
  bar.append(fill);
  row.append(prev, play, next, list);
  root.append(status, row, bar);
  el.append(root);

  let timer = 0, playing = false;
  const last = () => Math.max(0, model.get("steps").length - 1);
  const reduced = () => model.get("reduce_motion") || window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function go(i) {
    const target = Math.min(last(), Math.max(0, i));
    if (target === model.get("value")) return;
    model.set("value", target);
    model.save_changes();
    sync();
  }
  /** The bar fills over one interval while playing; with reduced motion it is not shown at all. */
  function startBar() {
    fill.style.transition = "none";
    fill.style.width = "0%";
    if (!playing || reduced()) return;
    void fill.offsetWidth;                          // commit the empty bar before it starts to fill
    fill.style.transition = `width ${model.get("interval_ms")}ms linear`;
    fill.style.width = "100%";
  }
  function tick() {
    timer = 0;
    go(model.get("value") + 1);
    if (model.get("value") >= last()) stop(); else schedule();
  }
  function schedule() {
    timer = setTimeout(tick, model.get("interval_ms"));
    startBar();
  }
  function start() {
    if (model.get("value") >= last()) go(0);       // play from the start again
    playing = true;
    schedule();
    sync();
  }
  function stop() {
    if (timer) clearTimeout(timer);
    timer = 0; playing = false;
    startBar();
    sync();
  }

  function sync() {
    const steps = model.get("steps"), i = model.get("value");
    root.setAttribute("aria-label", model.get("description"));
    root.classList.toggle("reduce-motion", reduced());
    status.textContent = i === 0 ? `Start: ${steps[0] || ""}` : `Step ${i} of ${last()}: ${steps[i]}`;
    if (list.children.length !== steps.length) {
      list.replaceChildren(...steps.map((name, k) => {
        const item = element("li", "stepper-step");
        item.textContent = name;
        item.dataset.step = String(k);
        return item;
      }));
    }
    [...list.children].forEach((item, k) => {
      item.classList.toggle("current", k === i);
      item.classList.toggle("done", k < i);
      if (k === i) item.setAttribute("aria-current", "step"); else item.removeAttribute("aria-current");
    });
    // aria-disabled, not disabled: a focused button that became disabled would drop the focus
    prev.setAttribute("aria-disabled", String(i === 0));
    next.setAttribute("aria-disabled", String(i === last()));
    play.setAttribute("aria-pressed", String(playing));
    play.querySelector(".stepper-icon").textContent = playing ? "❚❚" : "▶";
    play.querySelector(".stepper-label").textContent = playing ? "Pause" : "Play";
    el.dataset.testStep = String(i);
    el.dataset.testPlaying = String(playing);
  }

  const onPrev = () => { stop(); go(model.get("value") - 1); };
  const onNext = () => { stop(); go(model.get("value") + 1); };
  const onPlay = () => (playing ? stop() : start());
  const onList = (e) => { const item = e.target.closest("[data-step]"); if (item) { stop(); go(Number(item.dataset.step)); } };
  // JupyterLab's command-mode shortcuts would take these keys, so the stepper handles them itself.
  const onKey = (e) => {
    const step = KEYS[e.key];
    const target = e.key === "Home" ? 0 : e.key === "End" ? last() : step === undefined ? null : model.get("value") + step;
    if (target === null) {
      if (e.key === "Enter" || e.key === " ") e.stopPropagation();   // the button's own click, not a notebook command
      return;
    }
    e.preventDefault(); e.stopPropagation();
    stop();
    go(target);
  };
  const listening = new AbortController(), signal = listening.signal;   // one abort removes every listener
  prev.addEventListener("click", onPrev, { signal });
  next.addEventListener("click", onNext, { signal });
  play.addEventListener("click", onPlay, { signal });
  list.addEventListener("click", onList, { signal });
  root.addEventListener("keydown", onKey, { signal });
  const events = "change:value change:steps change:description change:reduce_motion";
  model.on(events, sync);
  sync();
  return () => {
    if (timer) clearTimeout(timer);
    model.off(events, sync);
    listening.abort();
  };
}

export default { render };
