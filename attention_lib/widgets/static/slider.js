// A slider over a list of values from the kernel: a native range input, so it has an accessible
// name (its label) and announces the value's text ("0.5"), never the option's index. The view
// writes back only what its own user changed: the value.
/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const wrap = document.createElement("label");   // the label wraps the input: its accessible name
  wrap.className = "attention-slider";
  const name = document.createElement("span");
  const input = document.createElement("input");
  Object.assign(input, { type: "range", min: "0", step: "1" });
  const shown = document.createElement("output");
  shown.setAttribute("aria-hidden", "true");      // the input announces the same text itself
  wrap.append(name, input, shown);
  el.append(wrap);

  const nearest = (value) => {
    const options = model.get("options");
    let best = 0;
    options.forEach((v, i) => { if (Math.abs(v - value) < Math.abs(options[best] - value)) best = i; });
    return best;
  };
  const show = (i) => {
    const text = model.get("labels")[i];
    input.setAttribute("aria-valuetext", text);
    shown.textContent = text;
    el.dataset.testValue = text;
  };
  const sync = () => {
    name.textContent = model.get("description");
    input.max = String(model.get("options").length - 1);
    const i = nearest(model.get("value"));
    input.value = String(i);
    show(i);
  };
  const onInput = () => {
    const i = input.valueAsNumber;
    show(i);
    model.set("value", model.get("options")[i]);
    model.save_changes();
  };
  // JupyterLab's command-mode shortcuts would swallow the arrow keys, so the slider steps itself.
  const STEPS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 5, PageDown: -5 };
  const onKey = (e) => {
    const last = model.get("options").length - 1;
    const step = STEPS[e.key], i = input.valueAsNumber;
    const next = e.key === "Home" ? 0 : e.key === "End" ? last : step === undefined ? null : Math.min(last, Math.max(0, i + step));
    if (next === null) return;
    e.preventDefault(); e.stopPropagation();
    if (next === i) return;
    input.value = String(next);
    onInput();
  };
  input.addEventListener("input", onInput);
  input.addEventListener("keydown", onKey);
  const events = "change:value change:options change:labels change:description";
  model.on(events, sync);
  sync();
  return () => { model.off(events, sync); input.removeEventListener("input", onInput); input.removeEventListener("keydown", onKey); };
}

export default { render };
