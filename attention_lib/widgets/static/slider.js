// A slider over a list of values from the kernel: a native range input, so it has an accessible
// name (its label) and announces the value's text ("0.5"), never the option's index. The view
// writes back only what its own user changed: the value.
let count = 0;

/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const id = `attention-slider-${++count}`;
  const wrap = document.createElement("div");
  wrap.className = "attention-slider";
  const label = document.createElement("label");
  label.htmlFor = id;
  const input = document.createElement("input");
  Object.assign(input, { type: "range", id, min: "0", step: "1" });
  const shown = document.createElement("output");
  shown.htmlFor = id;
  shown.setAttribute("aria-hidden", "true");      // the input announces the same text itself
  wrap.append(label, input, shown);
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
    label.textContent = model.get("description");
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
  input.addEventListener("input", onInput);
  const events = "change:value change:options change:labels change:description";
  model.on(events, sync);
  sync();
  return () => { model.off(events, sync); input.removeEventListener("input", onInput); };
}

export default { render };
