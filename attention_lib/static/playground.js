// Query playground: weights computed and drawn in the browser, synced to Python.
const SIZE = 400, SPAN = 1.6;   // canvas px, world half-width

function weights(q, keys, similarity, tau) {
  const s = keys.map(([x, y]) => similarity === "rbf"
    ? -((q[0] - x) ** 2 + (q[1] - y) ** 2) / (2 * tau * tau)
    : (q[0] * x + q[1] * y) / tau);
  const top = Math.max(...s);
  const e = s.map((v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

function rgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }

function render({ model, el }) {
  const dpr = window.devicePixelRatio || 1;
  const canvas = document.createElement("canvas");
  canvas.width = SIZE * dpr; canvas.height = SIZE * dpr;
  canvas.style.width = `${SIZE}px`; canvas.style.height = `${SIZE}px`;
  canvas.style.touchAction = "none"; canvas.style.cursor = "grab";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Query playground: drag the ring to move the query");
  canvas.className = "playground-canvas";
  const readout = document.createElement("div");
  readout.className = "playground-browser-readout";
  readout.style.fontFamily = "monospace"; readout.style.fontSize = "0.9em";
  el.append(canvas, readout);
  const ctx = canvas.getContext("2d");
  ctx.scale(dpr, dpr);
  const toPx = ([x, y]) => [(x + SPAN) / (2 * SPAN) * SIZE, (SPAN - y) / (2 * SPAN) * SIZE];
  const toWorld = (px, py) => [px / SIZE * 2 * SPAN - SPAN, SPAN - py / SIZE * 2 * SPAN];
  let q = model.get("query").slice();
  let dragging = false, pending = false, animation = null;

  function draw() {
    const t0 = performance.now();
    const keys = model.get("points"), colors = model.get("colors");
    const w = weights(q, keys, model.get("similarity"), model.get("tau"));
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.fillStyle = "#fafafa"; ctx.fillRect(0, 0, SIZE, SIZE);
    const [qx, qy] = toPx(q);
    keys.forEach((k, i) => {
      const [kx, ky] = toPx(k);
      ctx.strokeStyle = colors[i]; ctx.lineWidth = 0.5 + 14 * w[i];
      ctx.beginPath(); ctx.moveTo(qx, qy); ctx.lineTo(kx, ky); ctx.stroke();
    });
    keys.forEach((k, i) => {
      const [kx, ky] = toPx(k);
      ctx.fillStyle = colors[i]; ctx.strokeStyle = "#222"; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.arc(kx, ky, 12, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      ctx.fillStyle = "#222"; ctx.font = "13px sans-serif"; ctx.fillText(`${i}`, kx + 14, ky - 10);
    });
    const mix = [0, 0, 0];
    colors.forEach((c, i) => rgb(c).forEach((v, j) => { mix[j] += w[i] * v; }));
    ctx.fillStyle = `rgb(${mix.map(Math.round).join(",")})`;
    ctx.strokeStyle = "#000"; ctx.lineWidth = 4;
    ctx.beginPath(); ctx.arc(qx, qy, 17, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    const text = w.map((v) => v.toFixed(3)).join(", ");
    readout.textContent = `browser: query = [${q[0].toFixed(2)}, ${q[1].toFixed(2)}], weights [${text}]`;
    el.dataset.weights = JSON.stringify(w);
    el.dataset.query = JSON.stringify(q);
    el.dataset.drawMs = (performance.now() - t0).toFixed(3);
    el.dataset.frames = String(Number(el.dataset.frames || 0) + 1);
    return w;
  }

  function sync() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      model.set("query", q.slice());
      model.set("js_weights", weights(q, model.get("points"), model.get("similarity"), model.get("tau")));
      model.save_changes();
    });
  }

  function moveTo(event) {
    const box = canvas.getBoundingClientRect();
    q = toWorld(event.clientX - box.left, event.clientY - box.top).map((v) => Math.max(-SPAN, Math.min(SPAN, v)));
    draw();
    sync();
  }

  canvas.addEventListener("pointerdown", (e) => { dragging = true; canvas.setPointerCapture(e.pointerId); canvas.style.cursor = "grabbing"; moveTo(e); });
  canvas.addEventListener("pointermove", (e) => { if (dragging) moveTo(e); });
  canvas.addEventListener("pointerup", () => { dragging = false; canvas.style.cursor = "grab"; });

  const reduced = () => model.get("reduce_motion") || window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function glideTo(target) {
    if (animation) cancelAnimationFrame(animation);
    if (reduced()) { q = target.slice(); draw(); sync(); return; }
    const start = q.slice(), t0 = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - t0) / 200);
      q = start.map((v, i) => v + (target[i] - v) * t);
      draw();
      if (t < 1) animation = requestAnimationFrame(step); else { animation = null; sync(); }
    };
    animation = requestAnimationFrame(step);
  }

  model.on("change:query", () => {
    const target = model.get("query");
    if (!dragging && (Math.abs(target[0] - q[0]) > 1e-12 || Math.abs(target[1] - q[1]) > 1e-12)) glideTo(target);
  });
  model.on("change:similarity", () => { draw(); sync(); });
  model.on("change:tau", () => { draw(); sync(); });
  model.on("change:points", () => { draw(); sync(); });
  draw();
  sync();
}

export default { render };
