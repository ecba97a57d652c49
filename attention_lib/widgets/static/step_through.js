// A step-through control: previous, next and play over the steps 0 … last, from the kernel's `value`.
// Native buttons (Tab reaches them; Enter or Space presses them); anywhere in the group the arrow keys
// step, Home and End jump. Play advances one step per `interval_ms` until the last step, and stops on
// any other input. With reduced motion (the kernel's flag or the browser's prefers-reduced-motion),
// play does not animate: it goes to the last step at once, and next/previous still show every step.
// The view writes back only what its own user changed: the value.
/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const group = document.createElement("div");
  group.className = "attention-step-through";
  group.setAttribute("role", "group");
  const button = (text, name, cls) => {
    const b = document.createElement("button");
    b.type = "button"; b.className = cls; b.textContent = text; b.setAttribute("aria-label", name);
    return b;
  };
  const previous = button("◀ previous", "previous step", "stepper-previous");
  const next = button("next ▶", "next step", "stepper-next");
  const play = button("▶ play", "play", "stepper-play");
  const status = document.createElement("span");
  status.className = "step-through-status";
  group.append(previous, next, play, status);
  el.append(group);

  let timer = 0;
  const reduced = () => model.get("reduce_motion") || window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const last = () => model.get("last");

  const sync = () => {
    const v = model.get("value"), n = last();
    group.setAttribute("aria-label", model.get("description"));
    status.textContent = `step ${v} of ${n}`;
    previous.setAttribute("aria-disabled", String(v <= 0));   // not `disabled`: a pressed button keeps the focus
    next.setAttribute("aria-disabled", String(v >= n));
    el.dataset.testStep = String(v);
  };
  const go = (v) => {
    const target = Math.min(last(), Math.max(0, v));
    if (target === model.get("value")) return;
    model.set("value", target);
    model.save_changes();
    sync();
  };
  const stop = () => {
    if (timer) { clearInterval(timer); timer = 0; }
    play.textContent = "▶ play"; play.setAttribute("aria-label", "play"); play.setAttribute("aria-pressed", "false");
  };
  const start = () => {
    if (reduced()) { go(last()); return; }              // the same last state, without the slide show
    if (model.get("value") >= last()) go(0);
    play.textContent = "❚❚ pause"; play.setAttribute("aria-label", "pause"); play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => {
      go(model.get("value") + 1);
      if (model.get("value") >= last()) stop();
    }, model.get("interval_ms"));
  };
  const onPrevious = () => { stop(); go(model.get("value") - 1); };
  const onNext = () => { stop(); go(model.get("value") + 1); };
  const onPlay = () => { if (timer) stop(); else start(); };
  // JupyterLab's command-mode shortcuts must not see these keys: the group keeps them.
  const onKey = (e) => {
    const steps = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1 };
    if (e.key === "Enter" || e.key === " ") { e.stopPropagation(); return; }   // the focused button clicks
    let target = null;
    if (e.key in steps) target = model.get("value") + steps[e.key];
    else if (e.key === "Home") target = 0;
    else if (e.key === "End") target = last();
    if (target === null) return;
    e.preventDefault(); e.stopPropagation();
    stop();
    go(target);
  };
  previous.addEventListener("click", onPrevious);
  next.addEventListener("click", onNext);
  play.addEventListener("click", onPlay);
  group.addEventListener("keydown", onKey);
  const events = "change:value change:last change:description";
  model.on(events, sync);
  stop();
  sync();
  return () => {
    stop();
    model.off(events, sync);
    previous.removeEventListener("click", onPrevious);
    next.removeEventListener("click", onNext);
    play.removeEventListener("click", onPlay);
    group.removeEventListener("keydown", onKey);
  };
}

export default { render };
