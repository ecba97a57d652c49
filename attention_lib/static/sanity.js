// Widget sanity check: the browser draws this box, and a click asks the kernel to answer.
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "sanity-box";
  box.style.cssText = "border:2px solid #1a7f37;background:#e6f4ea;padding:10px;border-radius:6px;font-family:sans-serif";
  const title = document.createElement("div");
  title.innerHTML = "<b>✅ Widgets are working</b>: your browser drew this box.";
  const button = document.createElement("button");
  button.textContent = "Ask the kernel";
  button.className = "sanity-ping";
  button.style.marginTop = "6px";
  const reply = document.createElement("div");
  reply.className = "sanity-reply";
  const show = () => { reply.textContent = model.get("reply") || "Click the button: the kernel should answer within a second."; };
  button.addEventListener("click", () => { model.set("pings", model.get("pings") + 1); model.save_changes(); });
  model.on("change:reply", show);
  box.append(title, button, reply);
  el.append(box);
  show();
  model.set("rendered", true);
  model.save_changes();
}
export default { render };
