// Query playground: weights computed and drawn in the browser as you drag; the query is synced to
// Python, where numpy computes the same weights for the readout. The view writes back only what
// its own user changed (the query, by pointer or arrow keys).
const SIZE = 400, SPAN = 1.6, KEY_STEP = 0.05;   // canvas px, world half-width, arrow-key step

/** Softmax weights of one query against 2-D keys: RBF −‖q−k‖²/(2τ²) or dot q·k/τ. */
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

/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const dpr = window.devicePixelRatio || 1;
  const canvas = document.createElement("canvas");
  canvas.width = SIZE * dpr; canvas.height = SIZE * dpr;
  canvas.style.width = `${SIZE}px`; canvas.style.height = `${SIZE}px`;
  canvas.className = "playground-canvas";
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  const readout = document.createElement("div");
  readout.className = "playground-browser-readout";
  readout.setAttribute("aria-live", "polite");
  el.append(canvas, readout);
  const ctx = canvas.getContext("2d");
  ctx.scale(dpr, dpr);
  const toPx = ([x, y]) => [(x + SPAN) / (2 * SPAN) * SIZE, (SPAN - y) / (2 * SPAN) * SIZE];
  const toWorld = (px, py) => [px / SIZE * 2 * SPAN - SPAN, SPAN - py / SIZE * 2 * SPAN];
  const clamp = (v) => Math.max(-SPAN, Math.min(SPAN, v));
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
    canvas.setAttribute("aria-label", `Query playground. Query at (${q[0].toFixed(2)}, ${q[1].toFixed(2)}); `
      + `weights of keys 0 to ${w.length - 1}: ${text}. Drag the ring, or focus here and use the arrow keys.`);
    el.dataset.testWeights = JSON.stringify(w);
    el.dataset.testQuery = JSON.stringify(q);
    el.dataset.testDrawMs = (performance.now() - t0).toFixed(3);
    el.dataset.testFrames = String(Number(el.dataset.testFrames || 0) + 1);
  }

  // Only the learner's own moves are written back to the model: one message per frame at most.
  function sendQuery() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      model.set("query", q.slice());
      model.save_changes();
    });
  }

  function moveTo(event) {
    const box = canvas.getBoundingClientRect();
    q = toWorld(event.clientX - box.left, event.clientY - box.top).map(clamp);
    draw();
    sendQuery();
  }
  const onDown = (e) => { dragging = true; canvas.setPointerCapture(e.pointerId); canvas.classList.add("dragging"); moveTo(e); };
  const onMove = (e) => { if (dragging) moveTo(e); };
  const onUp = () => { dragging = false; canvas.classList.remove("dragging"); };
  const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  const onKey = (e) => {
    const step = ARROWS[e.key];
    if (!step) return;
    e.preventDefault();
    q = [clamp(q[0] + step[0] * KEY_STEP), clamp(q[1] + step[1] * KEY_STEP)];
    draw();
    sendQuery();
  };
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("keydown", onKey);

  const reduced = () => model.get("reduce_motion") || window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function glideTo(target) {
    if (animation) cancelAnimationFrame(animation);
    if (reduced()) { q = target.slice(); draw(); return; }
    const start = q.slice(), t0 = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - t0) / 200);
      q = start.map((v, i) => v + (target[i] - v) * t);
      draw();
      animation = t < 1 ? requestAnimationFrame(step) : null;
    };
    animation = requestAnimationFrame(step);
  }

  const onQuery = () => {
    const target = model.get("query");
    if (!dragging && (Math.abs(target[0] - q[0]) > 1e-12 || Math.abs(target[1] - q[1]) > 1e-12)) glideTo(target);
  };
  model.on("change:query", onQuery);
  model.on("change:similarity", draw);
  model.on("change:tau", draw);
  model.on("change:points", draw);
  draw();
  return () => {
    if (animation) cancelAnimationFrame(animation);
    model.off("change:query", onQuery);
    model.off("change:similarity", draw);
    model.off("change:tau", draw);
    model.off("change:points", draw);
  };
}

export default { render };
