// Widget sanity check: the browser draws this box, and a click asks the kernel to answer.
/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "sanity-box";
  const title = document.createElement("div");
  title.innerHTML = "<b>✓ Widgets are working</b>: your browser drew this box.";
  const button = document.createElement("button");
  button.textContent = "Ask the kernel";
  button.className = "sanity-ping";
  const reply = document.createElement("div");
  reply.className = "sanity-reply";
  reply.setAttribute("aria-live", "polite");
  const show = () => { reply.textContent = model.get("reply") || "Click the button: the kernel should answer within a second."; };
  const ping = () => { model.set("pings", model.get("pings") + 1); model.save_changes(); };
  button.addEventListener("click", ping);
  model.on("change:reply", show);
  box.append(title, button, reply);
  el.append(box);
  el.dataset.testRendered = "true";
  show();
  return () => { model.off("change:reply", show); button.removeEventListener("click", ping); };
}
export default { render };
