// The chart layer: draws figures whose every number numpy computed in the kernel.
//
// A figure is a list of panels; a panel has an x and a y axis and a list of marks (bars, heatmap,
// points, line, arrows, rule). The Python builders in attention_lib/widgets/_chart.py write the
// specs; this module only lays them out and draws them, on a canvas sized to its container and
// drawn at the device pixel ratio. Palettes arrive as data from _style.py.
//
// Interaction goes back to the kernel as events, never as rewritten data: a heatmap made with
// `interactive` sends {event: "cell", panel, mark, row, col}; one made with `row_focus` writes the row
// pointed at or focused into the figure's `row`; a points mark with a `handle` can be dragged (pointer or
// arrow keys) and the view writes only `handles`, the one thing its user moved. A named preview (PREVIEWS)
// may recompute marks in the browser while dragging, at frame rate.
//
// Frames ahead: the figure's `sources` name controls with a finite set of values (a slider, a drop-down,
// a stepper, the figure's own `row`). numpy computed the figure at their other values and sent those
// frames in one message; when a control moves here, the view draws its frame in the next animation frame,
// without a round trip to the kernel, and the readout switches with it. `at` says which positions the
// kernel's own panels are for; until a frame is there, the view keeps what it drew. It draws only when
// the content changes (each frame carries a digest). A frame the hand comes back to (drawn a second time) is
// kept as a bitmap, keyed by its digest, the figure's size, the device scale and the font, and copied back from
// then on: a held key sweeping a few values back and forth draws each one once or twice, then only copies.

/**
 * @typedef {number[] | {dtype: string, shape: number[], buffer: DataView | ArrayBuffer}} Numbers
 * @typedef {{label?: string, lim?: [number, number], scale?: "linear" | "log", ticks?: number[],
 *            tick_labels?: string[], visible?: boolean}} AxisSpec
 * @typedef {{type: string, label?: string | null, [key: string]: any}} MarkSpec
 * @typedef {{title?: string, x: AxisSpec, y: AxisSpec, marks: MarkSpec[], aspect?: "equal" | null,
 *            legend?: string | null}} PanelSpec
 * @typedef {{columns?: number[], rows?: number[], height?: number, aspect?: number, max_width?: number,
 *            min_panel_width?: number, key_step?: number}} GridSpec
 * @typedef {{(v: number): number, invert: (px: number) => number, lo: number, hi: number, log: boolean}} Scale
 * @typedef {{x: number, y: number, w: number, h: number}} Rect
 */

const INK = "#222", MUTED = "#555", GRID = "#e8e8e8", BLOCKED = "#d9d9d9";
const MIN_PANEL_WIDTH = 260, MAX_WIDTH = 980, MAX_LISTED = 48;

// ------------------------------------------------------------------ data from the kernel

/** The numbers of an array from the kernel, flat: a (nested) list with nulls, or a binary buffer.
 * @param {Numbers | null | undefined} value
 * @returns {ArrayLike<number>} */
export function flat(value) {
  if (value == null) return [];
  if (Array.isArray(value)) return value.flat(Infinity).map((v) => (v === null ? NaN : Number(v)));
  const b = value.buffer;
  const bytes = b instanceof DataView ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : b;
  return new Float64Array(bytes);
}

/** `#rrggbb` as [r, g, b] in 0..255. @param {string} hex */
export function hexToRgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }

const parsed = new WeakMap();   // palette stops -> [r, g, b] each, parsed once

/** The colour at t in [0, 1] of a palette given as evenly spaced stops (linear interpolation).
 * @param {string[]} stops @param {number} t @returns {number[]} */
export function paletteRgb(stops, t) {
  const rgb = parsed.get(stops) || parsed.set(stops, stops.map(hexToRgb)).get(stops);
  const x = Math.min(1, Math.max(0, t)) * (rgb.length - 1);
  const i = Math.min(rgb.length - 2, Math.floor(x)), f = x - i;
  return rgb[i].map((c, j) => Math.round(c + (rgb[i + 1][j] - c) * f));
}

/** CSS colour of [r, g, b]. @param {number[]} rgb */
export const css = (rgb) => `rgb(${rgb.map(Math.round).join(",")})`;

/** Black or white, whichever reads better on a background [r, g, b]. @param {number[]} rgb */
export function textOn(rgb) {
  const [r, g, b] = rgb.map((c) => c / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 ? "#000" : "#fff";
}

/** The i-th colour of a mark's `colors`: one colour for all, or one each. */
const colorAt = (colors, i) => (Array.isArray(colors) ? colors[i % colors.length] : colors);

/** A number as text, with at most `decimals` decimals and no float noise. */
export const fmt = (v, decimals = 3) => (Number.isFinite(v) ? Number(v.toFixed(decimals)).toString() : String(v));

// ------------------------------------------------------------------ scales and ticks

/** A step of 1, 2 or 5 × 10^k giving about `count` ticks over `span`. */
export function niceStep(span, count) {
  const raw = span / Math.max(1, count), mag = 10 ** Math.floor(Math.log10(raw)), f = raw / mag;
  return mag * (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10);
}

/** Ticks on a linear axis, with labels that carry just the decimals the step needs.
 * @returns {{ticks: number[], labels: string[]}} */
export function linearTicks(lo, hi, count) {
  if (!(hi > lo)) return { ticks: [lo], labels: [fmt(lo)] };
  const step = niceStep(hi - lo, count), decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toFixed(12)));
  return { ticks, labels: ticks.map((t) => (t === 0 ? 0 : t).toFixed(decimals)) };
}

/** Ticks on a log axis: powers of ten, and 2 and 5 times them when the range is short. */
export function logTicks(lo, hi) {
  const ticks = [], first = Math.floor(Math.log10(lo)), last = Math.ceil(Math.log10(hi));
  const mantissas = last - first <= 2 ? [1, 2, 5] : [1];
  for (let e = first; e <= last; e++) {
    for (const m of mantissas) {
      const t = Number((m * 10 ** e).toPrecision(6));
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push(t);
    }
  }
  return { ticks, labels: ticks.map((t) => (t >= 1e-3 && t < 1e5 ? String(t) : t.toExponential(0))) };
}

/** A scale from data [lo, hi] to pixels [a, b]; `log` for a logarithmic axis. @returns {Scale} */
export function makeScale(lo, hi, a, b, log = false) {
  const f = log ? Math.log10 : (v) => v, g = log ? (v) => 10 ** v : (v) => v;
  const l0 = f(lo), k = (b - a) / (f(hi) - l0 || 1);
  const s = /** @type {Scale} */ ((v) => a + (f(v) - l0) * k);
  s.invert = (px) => g(l0 + (px - a) / k);
  Object.assign(s, { lo, hi, log });
  return s;
}

// ------------------------------------------------------------------ limits of a panel

function extent(values, into) {
  for (const v of values) if (Number.isFinite(v)) { into[0] = Math.min(into[0], v); into[1] = Math.max(into[1], v); }
  return into;
}

/** Data limits of one axis ("x" or "y") from the marks, when the spec gives none. */
function autoLimits(panel, key) {
  const e = [Infinity, -Infinity];
  for (const m of panel.marks) {
    if (m.type === "bars") {
      if (key === "y") extent([0, ...flat(m.y)], e);
      else extent([...flat(m.x)].flatMap((x) => [x - m.width / 2, x + m.width / 2]), e);
    } else if (m.type === "heatmap") {
      const [r, c] = m.shape;
      extent(key === "x" ? [-0.5, c - 0.5] : [r - 0.5, -0.5], e);
    } else if (m.type === "arrows") extent([...flat(m[key + "0"]), ...flat(m[key + "1"])], e);
    else if (m.type === "rule") { if (m[key] != null) extent([m[key]], e); }
    else extent(flat(m[key]), e);
  }
  if (!Number.isFinite(e[0])) return [0, 1];
  if (e[0] === e[1]) return [e[0] - 0.5, e[1] + 0.5];
  const heat = panel.marks.some((m) => m.type === "heatmap"), pad = heat ? 0 : 0.05 * (e[1] - e[0]);
  return key === "y" && heat ? [e[1], e[0]] : [e[0] - pad, e[1] + pad];
}

// ------------------------------------------------------------------ layout

/** Panel rectangles (CSS px) for a figure `width` wide; narrow containers stack the panels.
 * @param {GridSpec} grid @param {number} n @param {number} width
 * @returns {{rects: Rect[], height: number}} */
export function layoutPanels(grid, n, width) {
  let columns = grid.columns || [1], rows = grid.rows || [1];
  let height = grid.height || Math.round(width * (grid.aspect || 0.4));
  if (columns.length > 1 && width / columns.length < (grid.min_panel_width || MIN_PANEL_WIDTH)) {
    height = Math.round((height / rows.length) * n);       // one panel per row, each as tall as before
    columns = [1]; rows = Array(n).fill(1);
  }
  const cw = columns.reduce((a, b) => a + b, 0), rh = rows.reduce((a, b) => a + b, 0);
  const rects = [];
  for (let i = 0; i < n; i++) {
    const c = i % columns.length, r = Math.floor(i / columns.length);
    const x = (columns.slice(0, c).reduce((a, b) => a + b, 0) / cw) * width;
    const y = (rows.slice(0, r).reduce((a, b) => a + b, 0) / rh) * height;
    rects.push({ x, y, w: (columns[c] / cw) * width, h: ((rows[r] ?? 1) / rh) * height });
  }
  return { rects, height };
}

/** The plot area inside a panel's rectangle, leaving room for title, ticks, labels, colour bar. */
function plotArea(panel, rect, font, ticks) {
  const heat = panel.marks.find((m) => m.type === "heatmap");
  const yChars = Math.max(1, ...ticks.y.labels.map((t) => t.length));
  const left = panel.y.visible === false ? 8 : 10 + 0.6 * font * yChars + (panel.y.label ? 1.5 * font : 0);
  const bottom = panel.x.visible === false ? 8 : 8 + 1.4 * font + (panel.x.label ? 1.4 * font : 0);
  const top = panel.title ? 1.9 * font : 0.8 * font;
  const right = heat && heat.colorbar ? 4.5 * font + 26 : 14;
  const area = { x: rect.x + left, y: rect.y + top, w: rect.w - left - right, h: rect.h - top - bottom };
  if (panel.aspect === "equal") {
    const xs = Math.abs(ticks.xlim[1] - ticks.xlim[0]) / area.w, ys = Math.abs(ticks.ylim[1] - ticks.ylim[0]) / area.h;
    if (xs > ys) { const h = Math.abs(ticks.ylim[1] - ticks.ylim[0]) / xs; area.y += (area.h - h) / 2; area.h = h; }
    else { const w = Math.abs(ticks.xlim[1] - ticks.xlim[0]) / ys; area.x += (area.w - w) / 2; area.w = w; }
  }
  return area;
}

function axisTicks(spec, lim, count) {
  if (spec.ticks) return { ticks: spec.ticks, labels: spec.tick_labels || spec.ticks.map((t) => fmt(t)) };
  return spec.scale === "log" ? logTicks(Math.min(...lim), Math.max(...lim)) : linearTicks(Math.min(...lim), Math.max(...lim), count);
}

/** Limits, ticks, plot area and scales of one panel. */
export function panelFrame(panel, rect, font, area = null) {
  const xlim = panel.x.lim || autoLimits(panel, "x"), ylim = panel.y.lim || autoLimits(panel, "y");
  const heat = panel.marks.find((m) => m.type === "heatmap");
  let nx = Math.max(2, rect.w / 90), ny = Math.max(2, rect.h / 50);
  if (panel.aspect === "equal") nx = ny = Math.max(nx, ny);        // the same grid both ways
  const ticks = { xlim, ylim, x: axisTicks(panel.x, xlim, nx), y: axisTicks(panel.y, ylim, ny) };
  if (heat && !panel.x.ticks) ticks.x = categoryTicks(heat.cols, heat.shape[1]);
  if (heat && !panel.y.ticks) ticks.y = categoryTicks(heat.rows, heat.shape[0]);
  area = area || plotArea(panel, rect, font, ticks);
  const sx = makeScale(xlim[0], xlim[1], area.x, area.x + area.w, panel.x.scale === "log");
  const sy = makeScale(ylim[0], ylim[1], area.y + area.h, area.y, panel.y.scale === "log");
  return { area, sx, sy, ticks };
}

function categoryTicks(names, n) {
  const ticks = Array.from({ length: n }, (_, i) => i);
  return { ticks, labels: names || ticks.map(String) };
}

// ------------------------------------------------------------------ drawing

/** Size a canvas to `span` × `height` CSS px at the device pixel ratio, for a figure `width` ≤ `span` wide drawn
 * from its left edge; returns its cleared 2-D context. A figure whose width changes from frame to frame (a
 * stepper's steps show different matrices) passes the widest `span` it has drawn: resizing a canvas allocates
 * and rasterises a new bitmap, which costs more than a frame has, and the strip on the right stays transparent. */
export function sizeCanvas(canvas, width, height, span = width) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(Math.max(width, span) * dpr), h = Math.round(height * dpr);
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  canvas.style.width = `${Math.max(width, span)}px`; canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function drawAxes(ctx, panel, frame, font) {
  const { area, sx, sy, ticks } = frame;
  ctx.font = `${font}px sans-serif`; ctx.fillStyle = INK; ctx.strokeStyle = MUTED; ctx.lineWidth = 1;
  const heat = panel.marks.some((m) => m.type === "heatmap");
  if (panel.y.visible !== false) {
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    ticks.y.ticks.forEach((t, i) => {
      const y = Math.round(sy(t)) + 0.5;
      if (y < area.y - 1 || y > area.y + area.h + 1) return;
      if (!heat) { ctx.strokeStyle = GRID; ctx.beginPath(); ctx.moveTo(area.x, y); ctx.lineTo(area.x + area.w, y); ctx.stroke(); }
      ctx.strokeStyle = MUTED; ctx.beginPath(); ctx.moveTo(area.x - 5, y); ctx.lineTo(area.x, y); ctx.stroke();
      ctx.fillText(ticks.y.labels[i], area.x - 8, y);
    });
    if (panel.y.label) {
      ctx.save(); ctx.translate(area.x - 12 - 0.6 * font * Math.max(...ticks.y.labels.map((t) => t.length)), area.y + area.h / 2);
      ctx.rotate(-Math.PI / 2); ctx.textAlign = "center"; ctx.textBaseline = "bottom";
      ctx.fillText(panel.y.label, 0, 0); ctx.restore();
    }
  }
  if (panel.x.visible !== false) {
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    let lastRight = -Infinity;
    ticks.x.ticks.forEach((t, i) => {
      const x = Math.round(sx(t)) + 0.5;
      if (x < area.x - 1 || x > area.x + area.w + 1) return;
      ctx.beginPath(); ctx.moveTo(x, area.y + area.h); ctx.lineTo(x, area.y + area.h + 5); ctx.stroke();
      const label = ticks.x.labels[i], half = ctx.measureText(label).width / 2;
      if (x - half > lastRight + 4) { ctx.fillText(label, x, area.y + area.h + 7); lastRight = x + half; }
    });
    if (panel.x.label) { ctx.textBaseline = "bottom"; ctx.fillText(panel.x.label, area.x + area.w / 2, area.y + area.h + 9 + 2.6 * font); }
  }
  if (!heat) {
    ctx.strokeStyle = MUTED; ctx.beginPath();
    ctx.moveTo(area.x + 0.5, area.y); ctx.lineTo(area.x + 0.5, area.y + area.h + 0.5); ctx.lineTo(area.x + area.w, area.y + area.h + 0.5);
    ctx.stroke();
  }
  if (panel.title) {
    ctx.font = `bold ${font}px sans-serif`; ctx.textAlign = "center"; ctx.textBaseline = "top"; ctx.fillStyle = INK;
    ctx.fillText(panel.title, area.x + area.w / 2, area.y - 1.6 * font);
  }
}

function drawBars(ctx, m, f) {
  const x = flat(m.x), y = flat(m.y), base = f.sy.log ? f.sy.lo : 0;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) continue;
    const x0 = f.sx(x[i] - m.width / 2), x1 = f.sx(x[i] + m.width / 2), y0 = f.sy(base), y1 = f.sy(y[i]);
    ctx.fillStyle = colorAt(m.colors, i);
    ctx.fillRect(x0, Math.min(y0, y1), Math.max(1, x1 - x0 - (m.width < 1 ? 0 : 0.5)), Math.abs(y1 - y0));
  }
}

/** Draws a heatmap; returns each cell's rectangle (CSS px) for hit-testing, row-major. */
function drawHeatmap(ctx, m, f, palettes, font) {
  const v = flat(m.values), [rows, cols] = m.shape, stops = palettes[m.palette];
  const cells = [], widths = new Map();
  ctx.font = `${font}px sans-serif`;
  const wide = (text) => widths.get(text) ?? widths.set(text, ctx.measureText(text).width).get(text);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x0 = f.sx(c - 0.5), x1 = f.sx(c + 0.5), y0 = f.sy(r - 0.5), y1 = f.sy(r + 0.5);
      const rect = { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
      cells.push(rect);
      const value = v[r * cols + c];
      if (!Number.isFinite(value)) { hatch(ctx, rect); continue; }
      const rgb = paletteRgb(stops, (value - m.vmin) / (m.vmax - m.vmin));
      ctx.fillStyle = css(rgb); ctx.fillRect(rect.x, rect.y, rect.w + 0.5, rect.h + 0.5);
      const text = value.toFixed(m.decimals);
      if (m.cell_labels && wide(text) + 6 < rect.w && font + 4 < rect.h) {
        ctx.fillStyle = textOn(rgb); ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillText(text, rect.x + rect.w / 2, rect.y + rect.h / 2);
      }
    }
  }
  if (m.highlight_row != null && m.highlight_row < rows) {
    const a = cells[m.highlight_row * cols], b = cells[m.highlight_row * cols + cols - 1];
    ctx.strokeStyle = m.highlight_color; ctx.lineWidth = 3;
    ctx.strokeRect(a.x + 1.5, a.y + 1.5, b.x + b.w - a.x - 3, a.h - 3);
  }
  if (m.colorbar) drawColorbar(ctx, m, f, stops, font);
  return cells;
}

const hatches = new WeakMap();   // context -> [device pixel ratio, pattern]

/** A blocked cell: grey, hatched with diagonal lines 8 CSS px apart, drawn at device pixels (one pattern fill,
 * not a clip and a stroke per line: a figure with many blocked cells stays cheap to paint in every frame). */
function hatch(ctx, rect) {
  const dpr = ctx.getTransform().a;
  let [at, pattern] = hatches.get(ctx) || [0, null];
  if (at !== dpr) {
    const n = Math.round(8 * dpr), tile = Object.assign(document.createElement("canvas"), { width: n, height: n });
    const t = tile.getContext("2d");
    t.fillStyle = BLOCKED; t.fillRect(0, 0, n, n);
    t.strokeStyle = "#9a9a9a"; t.lineWidth = dpr;
    for (const d of [-n, 0, n]) { t.beginPath(); t.moveTo(d, n); t.lineTo(d + n, 0); t.stroke(); }
    pattern = ctx.createPattern(tile, "repeat");
    pattern.setTransform(new DOMMatrix([1 / dpr, 0, 0, 1 / dpr, 0, 0]));   // one tile pixel per device pixel
    hatches.set(ctx, [dpr, pattern]);
  }
  ctx.fillStyle = pattern; ctx.fillRect(rect.x, rect.y, rect.w + 0.5, rect.h + 0.5);
}

function drawColorbar(ctx, m, f, stops, font) {
  const x = f.area.x + f.area.w + 12, w = 14, y0 = f.area.y, h = f.area.h;
  const ramp = ctx.createLinearGradient(0, y0 + h, 0, y0);     // the palette's stops, interpolated as paletteRgb does
  stops.forEach((c, i) => ramp.addColorStop(i / (stops.length - 1), c));
  ctx.fillStyle = ramp; ctx.fillRect(x, y0, w, h);
  ctx.strokeStyle = MUTED; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y0 + 0.5, w, h);
  const { ticks, labels } = linearTicks(m.vmin, m.vmax, Math.max(2, h / 45));
  ctx.font = `${font}px sans-serif`; ctx.fillStyle = INK; ctx.textAlign = "left"; ctx.textBaseline = "middle";
  ticks.forEach((t, i) => {
    const y = y0 + h - ((t - m.vmin) / (m.vmax - m.vmin)) * h;
    ctx.beginPath(); ctx.moveTo(x + w, y); ctx.lineTo(x + w + 4, y); ctx.stroke();
    ctx.fillText(labels[i], x + w + 6, y);
  });
}

/** One marker of radius r at (x, y). */
export function marker(ctx, shape, x, y, r, fill) {
  ctx.beginPath();
  if (shape === "star") {
    for (let k = 0; k < 10; k++) {
      const a = -Math.PI / 2 + (k * Math.PI) / 5, rr = k % 2 ? r * 0.45 : r * 1.15;
      ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
    }
    ctx.closePath(); ctx.fillStyle = fill; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
  } else if (shape === "cross") {
    ctx.strokeStyle = "#fff"; ctx.lineWidth = r * 0.75 + 2; ctx.lineCap = "round";
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r); ctx.stroke();
    ctx.strokeStyle = fill; ctx.lineWidth = r * 0.75; ctx.stroke(); ctx.lineCap = "butt";
  } else if (shape === "ring") {
    ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fillStyle = fill; ctx.fill(); ctx.strokeStyle = INK; ctx.lineWidth = 4; ctx.stroke();
  } else {
    ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fillStyle = fill; ctx.fill(); ctx.strokeStyle = INK; ctx.lineWidth = 1; ctx.stroke();
  }
}

function drawPoints(ctx, m, f, font) {
  const x = flat(m.x), y = flat(m.y);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    const px = f.sx(x[i]), py = f.sy(y[i]);
    marker(ctx, m.marker, px, py, m.size, colorAt(m.colors, i));
    if (m.labels) {
      ctx.font = `${font}px sans-serif`; ctx.fillStyle = INK; ctx.textAlign = "left"; ctx.textBaseline = "bottom";
      ctx.fillText(m.labels[i], px + m.size + 2, py - m.size + 2);
    }
  }
}

function drawLine(ctx, m, f) {
  const x = flat(m.x), y = flat(m.y);
  ctx.strokeStyle = m.color; ctx.lineWidth = m.width; ctx.setLineDash(m.dash || []); ctx.lineJoin = "round";
  ctx.beginPath();
  let down = false;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) { down = false; continue; }
    if (down) ctx.lineTo(f.sx(x[i]), f.sy(y[i])); else ctx.moveTo(f.sx(x[i]), f.sy(y[i]));
    down = true;
  }
  ctx.stroke(); ctx.setLineDash([]);
}

function drawArrows(ctx, m, f) {
  const x0 = flat(m.x0), y0 = flat(m.y0), x1 = flat(m.x1), y1 = flat(m.y1);
  const widths = typeof m.widths === "number" ? null : flat(m.widths);
  for (let i = 0; i < x0.length; i++) {
    const a = [f.sx(x0[i]), f.sy(y0[i])], b = [f.sx(x1[i]), f.sy(y1[i])], w = widths ? widths[i] : m.widths;
    ctx.strokeStyle = colorAt(m.colors, i); ctx.fillStyle = ctx.strokeStyle; ctx.lineWidth = w;
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
    if (m.head) {
      const ang = Math.atan2(b[1] - a[1], b[0] - a[0]), s = 7 + 1.5 * w;
      ctx.beginPath(); ctx.moveTo(b[0], b[1]);
      ctx.lineTo(b[0] - s * Math.cos(ang - 0.4), b[1] - s * Math.sin(ang - 0.4));
      ctx.lineTo(b[0] - s * Math.cos(ang + 0.4), b[1] - s * Math.sin(ang + 0.4)); ctx.closePath(); ctx.fill();
    }
  }
}

function drawRule(ctx, m, f) {
  ctx.strokeStyle = m.color; ctx.lineWidth = m.width; ctx.setLineDash(m.dash || []);
  ctx.beginPath();
  if (m.x != null) { ctx.moveTo(f.sx(m.x), f.area.y); ctx.lineTo(f.sx(m.x), f.area.y + f.area.h); }
  else { ctx.moveTo(f.area.x, f.sy(m.y)); ctx.lineTo(f.area.x + f.area.w, f.sy(m.y)); }
  ctx.stroke(); ctx.setLineDash([]);
}

function drawLegend(ctx, panel, f, font) {
  const items = panel.marks.filter((m) => m.label && m.type !== "heatmap");
  if (!panel.legend || !items.length) return;
  ctx.font = `${font}px sans-serif`;
  const row = font + 8, w = 40 + Math.max(...items.map((m) => ctx.measureText(m.label).width)), h = row * items.length + 8;
  const right = panel.legend.includes("right"), upper = panel.legend.includes("upper");
  const x = right ? f.area.x + f.area.w - w - 8 : f.area.x + 8, y = upper ? f.area.y + 8 : f.area.y + f.area.h - h - 8;
  ctx.fillStyle = "rgba(255,255,255,0.88)"; ctx.fillRect(x, y, w, h); ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, w, h);
  items.forEach((m, i) => {
    const cy = y + 4 + row * i + row / 2, color = colorAt(m.colors || m.color, 0);
    if (m.type === "bars") { ctx.fillStyle = color; ctx.fillRect(x + 8, cy - 6, 20, 12); }
    else if (m.type === "points") marker(ctx, m.marker, x + 18, cy, Math.min(m.size, 7), color);
    else { ctx.strokeStyle = color; ctx.lineWidth = Math.min(m.width || 2, 4); ctx.setLineDash(m.dash || []);
      ctx.beginPath(); ctx.moveTo(x + 6, cy); ctx.lineTo(x + 30, cy); ctx.stroke(); ctx.setLineDash([]); }
    ctx.fillStyle = INK; ctx.textAlign = "left"; ctx.textBaseline = "middle"; ctx.fillText(m.label, x + 36, cy);
  });
}

/** Draws every panel; returns the frames (scales, areas) and the heatmaps' cell rectangles. */
export function drawFigure(ctx, panels, rects, palettes, font) {
  const frames = alignColumns(panels, rects, panels.map((panel, p) => panelFrame(panel, rects[p], font)), font);
  return panels.map((panel, p) => {
    const f = frames[p];
    drawAxes(ctx, panel, f, font);
    const cells = {};
    panel.marks.forEach((m, k) => { if (m.type === "heatmap") cells[k] = drawHeatmap(ctx, m, f, palettes, font); });
    ctx.save(); ctx.beginPath(); ctx.rect(f.area.x - 2, f.area.y - 2, f.area.w + 4, f.area.h + 4); ctx.clip();
    panel.marks.forEach((m) => {
      if (m.type === "bars") drawBars(ctx, m, f);
      else if (m.type === "points") drawPoints(ctx, m, f, font);
      else if (m.type === "line") drawLine(ctx, m, f);
      else if (m.type === "arrows") drawArrows(ctx, m, f);
      else if (m.type === "rule") drawRule(ctx, m, f);
    });
    ctx.restore();
    drawLegend(ctx, panel, f, font);
    return { ...f, cells };
  });
}

/** Panels stacked in one column share their plot's left and right edges, so their x axes line up. */
function alignColumns(panels, rects, frames, font) {
  const free = (p) => panels[p].aspect !== "equal";
  return frames.map((f, p) => {
    if (!free(p)) return f;
    const same = frames.map((_, q) => q).filter((q) => free(q) && Math.abs(rects[q].x - rects[p].x) < 0.5 && Math.abs(rects[q].w - rects[p].w) < 0.5);
    if (same.length < 2) return f;
    const left = Math.max(...same.map((q) => frames[q].area.x)), right = Math.min(...same.map((q) => frames[q].area.x + frames[q].area.w));
    return panelFrame(panels[p], rects[p], font, { ...f.area, x: left, w: right - left });
  });
}

// ------------------------------------------------------------------ the numbers, as text

const list = (values, decimals = 3, missing = "none") => {
  const shown = [...values].slice(0, MAX_LISTED).map((v) => (Number.isFinite(v) ? fmt(v, decimals) : missing));
  return shown.join(", ") + (values.length > MAX_LISTED ? `, … (${values.length} in all)` : "");
};

/** What one mark shows, in words and numbers (for the canvas's aria-label). */
export function describeMark(m) {
  const name = m.label ? `${m.label}: ` : "";
  if (m.type === "bars") return `${name}bars at ${list(flat(m.x), 2)} with heights ${list(flat(m.y))}`;
  if (m.type === "heatmap") {
    const v = flat(m.values), [r, c] = m.shape;
    const rows = Array.from({ length: Math.min(r, 12) }, (_, i) => `row ${m.rows ? m.rows[i] : i}: ${list(v.slice(i * c, (i + 1) * c), m.decimals, "blocked")}`);
    return `${name}heatmap of ${r} rows by ${c} columns${m.cols ? ` (${m.cols.join(", ")})` : ""}; ${rows.join("; ")}`
      + (m.highlight_row != null ? `; row ${m.highlight_row} highlighted` : "");
  }
  if (m.type === "points") {
    const x = flat(m.x), y = flat(m.y), shown = Array.from(x, (xi, i) => `(${fmt(xi, 2)}, ${fmt(y[i], 2)})`);
    return `${name}points ${shown.slice(0, MAX_LISTED).join(", ")}${x.length > MAX_LISTED ? ", …" : ""}`;
  }
  if (m.type === "line") { const y = flat(m.y); return `${name}a line through ${y.length} points, y from ${fmt(Math.min(...y))} to ${fmt(Math.max(...y))}`; }
  if (m.type === "arrows") return `${name}${flat(m.x0).length} lines, widths ${typeof m.widths === "number" ? fmt(m.widths) : list(flat(m.widths))}`;
  if (m.type === "rule") return `${name}a reference line at ${m.x != null ? "x" : "y"} = ${fmt(m.x ?? m.y)}`;
  return "";
}

/** The aria-label of a figure: its label, then each panel's title and marks with their numbers. */
export function describeFigure(label, panels) {
  const parts = panels.map((p) => `${p.title ? p.title + ": " : ""}${p.marks.map(describeMark).filter(Boolean).join("; ")}`);
  return [label, ...parts].filter(Boolean).join(". ");
}

/** The numbers of each mark as drawn (test hook): panels → marks → the mark's main numbers. */
function drawnNumbers(panels) {
  const main = { bars: "y", heatmap: "values", points: "y", line: "y", arrows: "widths" };
  return panels.map((p) => p.marks.map((m) => (m.type === "points"
    ? { x: [...flat(m.x)], y: [...flat(m.y)] }
    : m.type === "rule" ? [m.x ?? m.y] : [...flat(typeof m[main[m.type]] === "number" ? [m[main[m.type]]] : m[main[m.type]])])));
}

// ------------------------------------------------------------------ previews computed in the browser

/** Softmax weights of one query against 2-D keys: RBF −‖q−k‖²/(2τ²) or dot q·k/τ. */
export function attentionWeights(q, keys, similarity, tau) {
  const s = keys.map(([x, y]) => (similarity === "rbf"
    ? -((q[0] - x) ** 2 + (q[1] - y) ** 2) / (2 * tau * tau)
    : (q[0] * x + q[1] * y) / tau));
  const top = Math.max(...s), e = s.map((v) => Math.exp(v - top)), total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** Previews: given the panels, the handles' positions and parameters, the marks to draw now. */
export const PREVIEWS = {
  /** One query (the handle) attending over 2-D keys; lines as wide as the weights, the query
   * filled with the weighted average of the key colours. */
  attention(panels, handles, params) {
    const q = handles[params.handle], keys = params.keys, colors = params.colors;
    const w = attentionWeights(q, keys, params.similarity, params.tau);
    const mix = [0, 0, 0];
    colors.forEach((c, i) => hexToRgb(c).forEach((v, j) => { mix[j] += w[i] * v; }));
    const marks = [
      { type: "arrows", x0: keys.map(() => q[0]), y0: keys.map(() => q[1]), x1: keys.map((k) => k[0]), y1: keys.map((k) => k[1]),
        colors, widths: w.map((v) => 0.5 + 14 * v), head: false, label: "weights" },
      { type: "points", x: keys.map((k) => k[0]), y: keys.map((k) => k[1]), colors, size: 12, marker: "circle",
        labels: keys.map((_, i) => `${i}`), label: "keys" },
      { type: "points", x: [q[0]], y: [q[1]], colors: css(mix), size: 17, marker: "ring", label: "query", handle: params.handle },
    ];
    const out = panels.map((p, i) => (i === (params.panel || 0) ? { ...p, marks: [...p.marks, ...marks] } : p));
    const text = `browser: query = [${q[0].toFixed(2)}, ${q[1].toFixed(2)}], weights [${w.map((v) => v.toFixed(3)).join(", ")}]`;
    return { panels: out, text, test: { weights: w, query: q } };
  },
};

// ------------------------------------------------------------------ the widget

/** A new element with a class and attributes. @returns {HTMLElement} */
function element(tag, className, attributes = {}) {
  const e = document.createElement(tag);
  e.className = className;
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
  return e;
}

const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

/** Sets an attribute only when it changes (a frame redrawn at the same place touches no layout). */
function label(e, text, name = "aria-label") { if (e.getAttribute(name) !== text) e.setAttribute(name, text); }

/** Puts an overlay element over `rect` (CSS px), only when it moved. */
function place(e, rect) {
  const where = `${rect.x},${rect.y},${rect.w},${rect.h}`;
  if (e.dataset.place === where) return;
  e.dataset.place = where;
  Object.assign(e.style, { left: `${rect.x}px`, top: `${rect.y}px`, width: `${rect.w}px`, height: `${rect.h}px` });
}

/** Where each draggable point is: the model's `handles`, else the mark's own first point. */
function handlePositions(panels, handles) {
  const out = { ...handles };
  panels.forEach((p) => p.marks.forEach((m) => {
    if (m.handle && !out[m.handle]) out[m.handle] = [flat(m.x)[0], flat(m.y)[0]];
  }));
  return out;
}

/** Builds the roving-focus grid over an interactive heatmap: one gridcell per cell, arrow keys move,
 * Enter or Space (or a click) sends the cell's (row, col) to the kernel, after `clicked(key)` (the figure
 * shows the click's frame, if numpy sent it ahead). */
function cellGrid(host, model, p, k, clicked) {
  const grid = element("div", "chart-cells", { role: "grid" });
  host.append(grid);
  let shape = [0, 0], focus = [0, 0];
  const cellAt = (r, c) => grid.querySelector(`[data-test-row="${r}"][data-test-col="${c}"]`);
  const send = (r, c) => { clicked(`cell:${p}:${k}:${r}:${c}`); model.send({ event: "cell", panel: p, mark: k, row: r, col: c }); };
  const onKey = (e) => {
    const t = e.target, r = Number(t.dataset.testRow), c = Number(t.dataset.testCol);
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.stopPropagation(); send(r, c); return; }
    const d = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] }[e.key];
    if (!d) return;
    e.preventDefault(); e.stopPropagation();      // not JupyterLab's command-mode shortcuts
    const next = [Math.min(shape[0] - 1, Math.max(0, r + d[0])), Math.min(shape[1] - 1, Math.max(0, c + d[1]))];
    t.tabIndex = -1; focus = next;
    const cell = cellAt(...next); cell.tabIndex = 0; cell.focus();
  };
  const onClick = (e) => { const t = e.target.closest("[data-test-row]"); if (t) send(Number(t.dataset.testRow), Number(t.dataset.testCol)); };
  grid.addEventListener("keydown", onKey); grid.addEventListener("click", onClick);
  return {
    update(m, rects) {
      const [rows, cols] = m.shape, v = flat(m.values);
      if (rows !== shape[0] || cols !== shape[1]) {
        grid.replaceChildren(); shape = [rows, cols]; focus = [0, 0];
        for (let r = 0; r < rows; r++) {
          const row = element("div", "chart-row", { role: "row" });
          for (let c = 0; c < cols; c++) {
            const cell = element("div", "chart-cell", { role: "gridcell" });
            cell.dataset.testRow = String(r); cell.dataset.testCol = String(c); cell.tabIndex = r === 0 && c === 0 ? 0 : -1;
            row.append(cell);
          }
          grid.append(row);
        }
      }
      label(grid, `${m.label || "matrix"}: arrow keys move, Enter or Space toggles a cell`);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
        const cell = cellAt(r, c), value = v[r * cols + c];
        place(cell, rects[r * cols + c]);
        label(cell, `row ${m.rows ? m.rows[r] : r}, column ${m.cols ? m.cols[c] : c}: ${Number.isFinite(value) ? value.toFixed(m.decimals) : "blocked"}`);
      }
      return focus;
    },
    remove() { grid.removeEventListener("keydown", onKey); grid.removeEventListener("click", onClick); grid.remove(); },
  };
}

/** The rectangle of each row of a heatmap, from its cells' rectangles (row-major). @returns {Rect[]} */
export function rowBands(cells, rows, cols) {
  return Array.from({ length: rows }, (_, r) => {
    const a = cells[r * cols], b = cells[r * cols + cols - 1];
    return { x: a.x, y: a.y, w: b.x + b.w - a.x, h: a.h };
  });
}

/** The row the keyboard moves to from row `r` of `n` (null: not a key that moves). */
export function nextRow(key, r, n) {
  const to = { ArrowUp: r - 1, ArrowDown: r + 1, Home: 0, End: n - 1, PageUp: r - 5, PageDown: r + 5 }[key];
  return to === undefined ? null : Math.min(n - 1, Math.max(0, to));
}

/** Builds the row list over a heatmap made with `row_focus`: one option per row, placed over it. The row
 * under the pointer, or the one the keyboard focus moves to (arrow keys, Home, End, Page Up/Down), is
 * written into the figure's `row`; the highlighted row of the frame drawn is the selected option. */
function rowList(host, model) {
  const list = element("div", "chart-rows", { role: "listbox" });
  host.append(list);
  const send = (r) => {                           // the figure's own `row`: its frame is drawn here at once
    if (model.get("row") === r) return;
    model.set("row", r);
    model.save_changes();
  };
  const rowOf = (e) => { const t = e.target.closest && e.target.closest("[data-test-row]"); return t ? Number(t.dataset.testRow) : null; };
  const onFocus = (e) => {
    const r = rowOf(e);
    if (r === null) return;
    [...list.children].forEach((o, i) => { o.tabIndex = i === r ? 0 : -1; });
    send(r);
  };
  const onOver = (e) => { const r = rowOf(e); if (r !== null) send(r); };
  const onKey = (e) => {
    const r = rowOf(e), next = r === null ? null : nextRow(e.key, r, list.children.length);
    if (next === null) return;
    e.preventDefault(); e.stopPropagation();      // not JupyterLab's command-mode shortcuts
    list.children[next].focus();
  };
  list.addEventListener("focusin", onFocus); list.addEventListener("pointerover", onOver); list.addEventListener("keydown", onKey);
  return {
    update(m, rects) {
      const [rows, cols] = m.shape, v = flat(m.values), name = (r) => (m.rows ? m.rows[r] : String(r));
      if (list.children.length !== rows) {
        list.replaceChildren(...Array.from({ length: rows }, (_, r) => {
          const o = element("div", "chart-band", { role: "option" });
          o.dataset.testRow = String(r); o.tabIndex = r === 0 ? 0 : -1;
          return o;
        }));
      }
      label(list, `${m.label || "matrix"}: one row at a time; the arrow keys move between rows`);
      rowBands(rects, rows, cols).forEach((b, r) => {
        const o = list.children[r], cells = Array.from(v.slice(r * cols, (r + 1) * cols),
          (x, c) => `${m.cols ? m.cols[c] : c} ${Number.isFinite(x) ? x.toFixed(m.decimals) : "blocked"}`);
        place(o, b);
        label(o, `row ${name(r)}: ${cells.join(", ")}`);
        label(o, String(r === m.highlight_row), "aria-selected");
      });
    },
    remove() {
      list.removeEventListener("focusin", onFocus); list.removeEventListener("pointerover", onOver);
      list.removeEventListener("keydown", onKey); list.remove();
    },
  };
}

// ------------------------------------------------------------------ frames ahead

/** The frames a view holds: every dictionary the kernel sent ahead, by digest, and the latest list of
 * frames. `take(message, buffers)` adds a message (a full one starts again) and says whether every frame it
 * lists can be built; `frame(digest)` is a frame's content (panels, readout, grid, preview), built once.
 * A dictionary shared by many frames arrives once (`{$: digest}` points to it), a binary buffer beside the
 * JSON (`{$b: digest}`). */
export function frameStore() {
  const nodes = new Map(), buffers = new Map(), built = new Map();
  let latest = null;
  const missing = {};
  const build = (x) => {
    if (x === null || typeof x !== "object") return x;
    if (Array.isArray(x)) return x.some((v) => v !== null && typeof v === "object") ? x.map(build) : x;
    if ("$" in x) {
      if (!built.has(x.$)) {
        if (!nodes.has(x.$)) throw missing;
        built.set(x.$, build(nodes.get(x.$)));
      }
      return built.get(x.$);
    }
    if ("$b" in x) { if (!buffers.has(x.$b)) throw missing; return buffers.get(x.$b); }
    const out = {};
    for (const k of Object.keys(x)) out[k] = build(x[k]);
    return out;
  };
  const frame = (d) => { try { return build({ $: d }); } catch (e) { if (e === missing) return null; throw e; } };
  return {
    /** @param {{version: number, reset: boolean, axes: Object<string, {base: Object<string, number>, lo: number,
     *          frames: string[]}>, nodes: Object<string, any>, buffers: string[]}} message @param {any[]} bufs */
    take(message, bufs = []) {
      if (message.reset) { nodes.clear(); buffers.clear(); built.clear(); }
      for (const [d, n] of Object.entries(message.nodes || {})) nodes.set(d, n);
      (message.buffers || []).forEach((d, i) => buffers.set(d, bufs[i]));
      latest = { version: message.version, axes: message.axes || {}, clicks: message.clicks || null };
      const listed = Object.values(latest.axes).flatMap((a) => a.frames);
      if (latest.clicks) listed.push(...Object.values(latest.clicks.frames));
      return listed.every((d) => frame(d) !== null);
    },
    get latest() { return latest; },
    frame,
  };
}

/** Which frame to draw for the controls' positions `state` ({name: position}, or null when they cannot be
 * followed): the kernel's own panels when `at` is for these positions; else a frame sent ahead (`ahead`:
 * {version, axes}) whose other sources are where they are now; else null (keep what is drawn).
 * @returns {{kind: "base"} | {kind: "ahead", key: string} | null} */
export function pickFrame(ahead, at, state) {
  const here = (at && at.state) || {};
  if (!state || Object.keys(state).every((name) => here[name] === state[name])) return { kind: "base" };
  if (!ahead || ahead.version !== at.version) return null;
  for (const [name, axis] of Object.entries(ahead.axes)) {
    const i = state[name] - axis.lo;
    if (!(i >= 0 && i < axis.frames.length)) continue;
    if (Object.entries(axis.base).every(([k, v]) => state[k] === v)) return { kind: "ahead", key: axis.frames[i] };
  }
  return null;
}

/** The model behind a reference "IPY_MODEL_<id>" (null where there is no widget manager: a saved page). */
async function modelOf(model, ref) {
  const manager = model.widget_manager;
  if (!manager || typeof ref !== "string" || !ref.startsWith("IPY_MODEL_")) return null;
  try { return await manager.get_model(ref.slice("IPY_MODEL_".length)); } catch { return null; }
}

/** Follows the figure's `sources` in the browser: `state()` gives each one's position now ({name: index});
 * `onMove(name)` is called the moment one moves. Resolves to null when a source cannot be followed. */
async function followSources(model, specs, onMove) {
  const entries = await Promise.all(Object.entries(specs || {}).map(async ([name, s]) => {
    const m = s.model === "self" ? model : await modelOf(model, s.model);
    if (!m) return null;
    const positions = new Map(s.values.map((v, i) => [v, i])), moved = () => onMove(name);
    m.on(`change:${s.attr}`, moved);
    return { name, m, attr: s.attr, positions, moved };
  }));
  const live = entries.filter(Boolean);
  const dispose = () => live.forEach((e) => e.m.off(`change:${e.attr}`, e.moved));
  if (live.length !== entries.length) { dispose(); return null; }
  return {
    state() {
      const out = {};
      for (const e of live) out[e.name] = e.positions.has(e.m.get(e.attr)) ? e.positions.get(e.m.get(e.attr)) : -1;
      return out;
    },
    dispose,
  };
}

const SETTLE_MS = 150;   // the hand has rested this long: ask numpy to fill the frames around where it is

// ------------------------------------------------------------------ drawn frames, kept as bitmaps

/** Frames drawn once, kept as bitmaps of the canvas, least recently used first: when the hand comes back to a
 * frame (a held key sweeps a slider back and forth), one drawImage copies it back instead of laying out and
 * rasterising every mark and label again. At most `budget` device pixels in all (4 bytes each). Each entry has
 * an `owner` (a figure's view): a new frame pushes out other owners' frames first, least recently used first,
 * and an owner whose frames fill the budget keeps no more (`fits` says so before the snapshot is taken), so a
 * sweep over more frames than fit keeps the first ones instead of pushing out each frame just before it comes
 * round again. `extra` travels with the bitmap (the frame's scales and cell rectangles). */
export function bitmapCache(budget) {
  const entries = new Map();          // key -> {bitmap, pixels, extra, owner}, in order of use
  const owned = new Map();            // owner -> pixels
  let used = 0;
  const drop = (key) => {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key); used -= e.pixels; owned.set(e.owner, owned.get(e.owner) - e.pixels);
    if (!owned.get(e.owner)) owned.delete(e.owner);
    if (e.bitmap.close) e.bitmap.close();
  };
  return {
    /** The entry kept under `key` ({bitmap, extra}), now the most recently used; null if there is none. */
    get(key) {
      const e = entries.get(key);
      if (!e) return null;
      entries.delete(key); entries.set(key, e);
      return e;
    },
    /** Whether `owner` may keep a frame of `pixels` more without pushing out a frame of its own. */
    fits(pixels, owner) { return (owned.get(owner) || 0) + pixels <= budget; },
    /** Keeps `bitmap` under `key` for `owner`; says whether it was kept. */
    put(key, bitmap, extra = null, owner = "") {
      drop(key);
      const pixels = bitmap.width * bitmap.height;
      if (!this.fits(pixels, owner)) { if (bitmap.close) bitmap.close(); return false; }
      entries.set(key, { bitmap, pixels, extra, owner });
      used += pixels; owned.set(owner, (owned.get(owner) || 0) + pixels);
      for (const [k, e] of entries) { if (used <= budget) break; if (e.owner !== owner) drop(k); }
      return true;
    },
    /** Drops every frame of `owner` (a figure that went, or whose palettes changed). */
    forget(owner) { for (const [k, e] of [...entries]) if (e.owner === owner) drop(k); },
    get pixels() { return used; },
    get size() { return entries.size; },
  };
}

/** Device pixels of drawn frames a page keeps (64 MB): a dozen full-width figures at device scale 2. */
const KEPT_PIXELS = 16 * 1024 * 1024;
/** One cache for every figure on the page, and the count that names each view (each view's module may be an
 * instance of its own, so both live on the page's global object). */
const SHARED = globalThis[Symbol.for("attention-hands-on/kept-frames/1")] ??= { kept: bitmapCache(KEPT_PIXELS), views: 0 };
const KEPT = SHARED.kept;

// ------------------------------------------------------------------ the figure

/** Renders a Figure model into `el`: canvas, caption, and the live readout. Returns the cleanup.
 * @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const root = element("div", "chart-figure"), stage = element("div", "chart-stage");
  const canvas = element("canvas", "chart-canvas", { role: "img" });
  const browserText = element("div", "chart-preview-readout"), caption = element("div", "chart-caption");
  const readout = element("pre", "attention-readout", { "aria-live": "polite" });   // stable: only its text changes
  stage.append(canvas);
  root.append(stage, caption, browserText, readout);   // the preview line sits beside numpy's readout
  el.append(root);

  let frames = [], grids = {}, local = {}, dragging = null, pending = 0, sendPending = 0, glide = 0, width = 0;
  const ahead = frameStore();
  let sources = null, settle = 0, content = null, drawnKey = "", moves = 0, baseKey = "", bases = 0;
  let force = true, gone = false, room = null, generation = 0, span = 0;
  const view = `view${++SHARED.views}`;     // names this view's frames in KEPT
  const seen = new Set();                   // the frames this view has drawn (their ids), kept or not
  const reduced = () => model.get("reduce_motion") || window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  /** The kernel's own panels, readout, layout and preview (what `at` describes). */
  const baseContent = () => ({ panels: model.get("panels") || [], readout: model.get("readout"), grid: model.get("grid"),
    preview: model.get("preview") });

  /** A click whose frame numpy sent ahead: drawn until the kernel's own panels for it arrive. */
  let click = null;
  function clicked(key) {
    const at = model.get("at") || {}, sent = ahead.latest && ahead.latest.clicks;
    if (click || !sent || sent.for !== at.key || drawnKey.split("|")[0] !== at.key || !sent.frames[key]) return;
    click = { key: sent.frames[key], since: at.key };
    schedule();
  }

  /** The frame to draw now: {key, content}, or null to keep what is drawn. */
  function choose() {
    const at = model.get("at") || {};
    if (click && click.since !== at.key) click = null;       // the kernel answered the click
    const after = click && ahead.frame(click.key);
    if (after) return { key: click.key, content: { ...baseContent(), ...after } };
    const pick = pickFrame(ahead.latest, at, sources ? sources.state() : null);
    const sent = pick && pick.kind === "ahead" ? ahead.frame(pick.key) : null;
    if (sent) return { key: pick.key, content: { ...baseContent(), ...sent } };
    if ((pick && pick.kind === "base") || !content) return { key: baseKey, content: baseContent() };
    return null;
  }

  /** The panels to draw for `c`: its panels, with handles where the learner put them and any preview. */
  function current(c) {
    const panels = c.panels || [], preview = c.preview || {};
    local = handlePositions(panels, { ...model.get("handles"), ...local });
    if (preview.kind && PREVIEWS[preview.kind]) return PREVIEWS[preview.kind](panels, local, preview);
    const moved = panels.map((p) => ({ ...p, marks: p.marks.map((m) => (m.handle && local[m.handle]
      ? { ...m, x: [local[m.handle][0]], y: [local[m.handle][1]] } : m)) }));
    return { panels: moved, text: "", test: null };
  }

  /** Once per animation frame at most: choose the frame, switch the readout, draw if anything changed. */
  function update() {
    pending = 0;
    if (gone) return;
    const next = choose();
    if (!next) return;
    content = next.content;
    const text = content.readout ?? "";
    if (readout.textContent !== text) readout.textContent = text;
    const key = `${next.key}|${moves}`;
    if (key === drawnKey && !force) return;
    if (draw(content, next.key)) {
      drawnKey = key; force = false;
      el.dataset.testDrawn = key;                       // the content drawn (and the handles' moves)
      el.dataset.testDrawnAt = String(performance.now());
    }
  }

  /** Draws content `c` (`key`: its digest, null when it has none); a frame drawn before at this size, device
   * scale and font is copied back from its bitmap. */
  function draw(c, key = null) {
    const t0 = performance.now();
    const grid = c.grid || {}, font = Math.max(13, model.get("font_px") || 14);
    if (room === null) room = root.clientWidth;   // once; then the ResizeObserver says (no layout forced per frame)
    width = Math.min(room || grid.max_width || MAX_WIDTH, grid.max_width || MAX_WIDTH);
    if (width <= 0) return false;
    const shown = current(c);
    const layout = layoutPanels(grid, shown.panels.length, width);
    span = Math.max(span, width);                 // the widest frame since the room last changed: no resize
    const ctx = sizeCanvas(canvas, width, layout.height, span);
    const dpr = ctx.getTransform().a, size = [Math.round(width * dpr), canvas.height];   // the figure, device px
    // a frame is its digest's only while no handle is moved here and nothing is previewed in the browser
    const still = key !== null && !Object.keys(local).length && !(c.preview && c.preview.kind);
    const id = still ? `${view}|${key}|${size.join("x")}@${dpr}|${font}` : null;
    const kept = id && KEPT.get(id);
    // kept from its second drawing on: a frame met once in a long sweep costs no snapshot
    const keeps = id && !kept && seen.has(id) && KEPT.fits(size[0] * size[1], view);
    if (id && !kept) seen.add(id);
    if (kept) {
      ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(kept.bitmap, 0, 0);           // device pixel for device pixel: the frame as it was drawn
      ctx.restore();
      frames = kept.extra;
    } else {
      frames = drawFigure(ctx, shown.panels, layout.rects, model.get("palettes") || {}, font);
      if (keeps) keep(id, size, frames);
    }
    el.dataset.testKept = kept ? "1" : "0";
    syncCellGrids(shown.panels);
    if (browserText.textContent !== shown.text) browserText.textContent = shown.text;
    if (shown.test) { el.dataset.testWeights = JSON.stringify(shown.test.weights); el.dataset.testQuery = JSON.stringify(shown.test.query); }
    if (!dragging) describe(shown);          // while dragging, once the pointer lets go
    el.dataset.testDrawMs = (performance.now() - t0).toFixed(3);
    el.dataset.testFrames = String(Number(el.dataset.testFrames || 0) + 1);
    return true;
  }
  /** The numbers drawn, for screen readers (aria-label) and tests (data-test-*). */
  function describe(shown) {
    canvas.setAttribute("aria-label", describeFigure(model.get("label"), shown.panels)
      + (Object.keys(local).length ? ". Drag the ring, or focus here and use the arrow keys." : ""));
    canvas.tabIndex = Object.keys(local).length ? 0 : -1;
    el.dataset.testMarks = JSON.stringify(drawnNumbers(shown.panels));
  }
  /** Keeps what the canvas shows now as frame `id` (a snapshot, taken at once; the bitmap arrives later). */
  function keep(id, [w, h], drawn) {
    const made = generation;
    const snapshot = w === canvas.width ? createImageBitmap(canvas) : createImageBitmap(canvas, 0, 0, w, h);
    snapshot.then((bitmap) => {
      if (gone || made !== generation) bitmap.close(); else KEPT.put(id, bitmap, drawn, view);
    }, () => null);
  }
  const schedule = () => { if (!pending) pending = requestAnimationFrame(update); };
  const redraw = () => { force = true; schedule(); };
  /** The palettes or the font changed: no frame drawn before may come back. */
  const restyle = () => { generation += 1; KEPT.forget(view); seen.clear(); redraw(); };
  // a new device scale (a zoom, a window moved to another screen) draws again, at the new scale
  let scaleQuery = null;
  const onScale = () => { watchScale(); span = 0; redraw(); };
  function watchScale() {
    if (scaleQuery) scaleQuery.removeEventListener("change", onScale);
    scaleQuery = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    scaleQuery.addEventListener("change", onScale);
  }

  // ---- frames ahead: follow the sources here, ask the kernel for frames when the hand rests
  let asks = 0, answers = 0;                 // counted for tests: a view has all it asked for when equal
  const ask = (full = false) => {
    settle = 0; delete el.dataset.testResting;
    if (gone) return;
    el.dataset.testAsked = String(++asks);
    model.send({ event: "ahead", full, state: sources ? sources.state() : null });
  };
  const rest = () => { if (settle) clearTimeout(settle); el.dataset.testResting = "1"; settle = setTimeout(ask, SETTLE_MS); };
  let held = 0, later = 0;                   // when a control last moved; a deferred overlay update
  const onSource = (name) => {
    if (((model.get("sources") || {})[name] || {}).model !== "self") held = performance.now();
    schedule(); rest();
  };
  function follow() {
    if (sources) sources.dispose();
    sources = null;
    followSources(model, model.get("sources"), onSource).then((s) => {
      if (gone) { if (s) s.dispose(); return; }
      sources = s;
      if (s && Object.keys(model.get("sources") || {}).length) ask(true);
      schedule();
    });
  }
  const onFrames = (msg, buffers) => {
    if (!msg || !msg.frames) return;
    if (msg.frames.answer) el.dataset.testAnswered = String(++answers);
    if (!ahead.take(msg.frames, buffers || [])) ask(true);    // a message missed: ask for everything again
    const latest = ahead.latest;
    el.dataset.testAhead = JSON.stringify({ version: latest.version,
      axes: Object.fromEntries(Object.entries(latest.axes).map(([n, a]) => [n, [a.lo, a.frames.length]])) });
    schedule();
  };
  // The kernel's panels changed: a new key for them, unless `at` (sent with them) carries their digest.
  let baseDirty = false, atFresh = false;
  const settleBase = () => {
    if (atFresh && (model.get("at") || {}).key) baseKey = model.get("at").key;
    else if (baseDirty) baseKey = `base#${++bases}`;
    baseDirty = atFresh = false;
    if (ahead.latest && (model.get("at") || {}).version !== ahead.latest.version) rest();   // new data: ask once it rests
    schedule();
  };
  const onBase = () => { if (!baseDirty && !atFresh) queueMicrotask(settleBase); baseDirty = true; };
  const onAt = () => { if (!baseDirty && !atFresh) queueMicrotask(settleBase); atFresh = true; };
  baseKey = (model.get("at") || {}).key || "base#0";

  /** The focusable overlays (cells, rows) over the heatmaps drawn. While a control is held they wait until it
   * rests: moving them in every frame costs a layout and a paint, and no one points at them mid-sweep. */
  function syncCellGrids(panels) {
    if (later) { clearTimeout(later); later = 0; }
    const wait = held + SETTLE_MS - performance.now();
    if (wait > 0 && Object.keys(grids).length) { later = setTimeout(() => { later = 0; syncCellGrids(panels); }, wait); return; }
    const seen = new Set();
    panels.forEach((p, i) => p.marks.forEach((m, k) => {
      const kind = m.type !== "heatmap" ? null : m.interactive ? "cells" : m.row_focus ? "rows" : null;
      if (!kind) return;
      const key = `${i}:${k}:${kind}`;
      seen.add(key);
      grids[key] = grids[key] || (kind === "cells" ? cellGrid(stage, model, i, k, clicked) : rowList(stage, model));
      const rects = frames[i].cells[k], at = `${rects[0].x},${rects[0].y},${rects[rects.length - 1].x},${rects[rects.length - 1].y}`;
      if (grids[key].mark === m && grids[key].at === at) return;     // the same mark at the same place: nothing to do
      grids[key].update(m, rects);
      Object.assign(grids[key], { mark: m, at });
    }));
    for (const key of Object.keys(grids)) if (!seen.has(key)) { grids[key].remove(); delete grids[key]; }
  }

  // ---- dragging: only the learner's own moves are written back, one message per frame at most
  function handleFrame(name) {
    const c = content || baseContent(), panels = c.panels || [], preview = c.preview || {};
    const i = panels.findIndex((p) => p.marks.some((m) => m.handle === name));
    return frames[i >= 0 ? i : preview.panel || 0];
  }
  function sendHandles() {
    if (sendPending) return;
    sendPending = requestAnimationFrame(() => {
      sendPending = 0;
      model.set("handles", { ...model.get("handles"), ...local });
      model.save_changes();
    });
  }
  function moveHandle(name, xy) {
    const f = handleFrame(name);
    const clampTo = (v, s) => Math.min(Math.max(v, Math.min(s.lo, s.hi)), Math.max(s.lo, s.hi));
    local[name] = [clampTo(xy[0], f.sx), clampTo(xy[1], f.sy)];
    moves += 1;
    schedule();                              // one draw per frame, however fast the pointer moves
    sendHandles();
    rest();
  }
  const pointer = (e) => { const b = canvas.getBoundingClientRect(); return [e.clientX - b.left, e.clientY - b.top]; };
  function onDown(e) {
    const [px, py] = pointer(e);
    let best = null, bestD = Infinity;
    for (const name of Object.keys(local)) {
      const f = handleFrame(name), d = Math.hypot(f.sx(local[name][0]) - px, f.sy(local[name][1]) - py);
      if (d < bestD) { best = name; bestD = d; }
    }
    if (best === null || bestD > 40) return;
    dragging = best; canvas.setPointerCapture(e.pointerId); canvas.classList.add("dragging");
    if (glide) { cancelAnimationFrame(glide); glide = 0; }
    const f = handleFrame(best);
    moveHandle(best, [f.sx.invert(px), f.sy.invert(py)]);
  }
  function onMove(e) {
    if (!dragging) return;
    const [px, py] = pointer(e), f = handleFrame(dragging);
    moveHandle(dragging, [f.sx.invert(px), f.sy.invert(py)]);
  }
  const onUp = () => { dragging = null; canvas.classList.remove("dragging"); redraw(); };
  function onKey(e) {
    const d = ARROWS[e.key], name = Object.keys(local)[0];
    if (!d || name === undefined) return;
    e.preventDefault(); e.stopPropagation();
    const step = ((content || baseContent()).grid || {}).key_step || 0.05;
    moveHandle(name, [local[name][0] + d[0] * step, local[name][1] + d[1] * step]);
  }
  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("keydown", onKey);

  /** The kernel moved a handle (e.g. set_query from Python): glide there unless motion is reduced. */
  function onHandles() {
    if (dragging) return;
    const target = model.get("handles") || {};
    const start = { ...local };
    const changed = Object.keys(target).filter((n) => !start[n] || Math.hypot(target[n][0] - start[n][0], target[n][1] - start[n][1]) > 1e-12);
    if (!changed.length) return;
    if (glide) cancelAnimationFrame(glide);
    if (reduced()) { changed.forEach((n) => { local[n] = target[n].slice(); }); moves += 1; schedule(); return; }
    const t0 = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - t0) / 200);
      changed.forEach((n) => { local[n] = start[n] ? start[n].map((v, i) => v + (target[n][i] - v) * t) : target[n].slice(); });
      moves += 1;
      update();
      glide = t < 1 ? requestAnimationFrame(step) : 0;
    };
    glide = requestAnimationFrame(step);
  }
  const onCaption = () => { caption.textContent = model.get("caption"); };
  const baseTraits = "change:panels change:readout change:grid change:preview";
  const looks = "change:palettes change:label change:font_px";
  model.on(baseTraits, onBase);
  model.on("change:at", onAt);
  model.on(looks, restyle);
  model.on("change:handles", onHandles);
  model.on("change:caption", onCaption);
  model.on("change:sources", follow);
  model.on("msg:custom", onFrames);
  const resize = new ResizeObserver((entries) => {
    const now = entries[entries.length - 1].contentRect.width;
    if (now !== room) span = 0;                   // the canvas follows the new room from the next frame on
    room = now;
    const grid = (content || baseContent()).grid || {};
    if (Math.min(room, grid.max_width || MAX_WIDTH) !== width || canvas.width > Math.ceil(room * (window.devicePixelRatio || 1))) redraw();
  });
  resize.observe(root);
  onCaption(); update(); follow(); watchScale();
  return () => {
    gone = true;
    KEPT.forget(view);
    scaleQuery.removeEventListener("change", onScale);
    resize.disconnect();
    if (sources) sources.dispose();
    if (pending) cancelAnimationFrame(pending);
    if (sendPending) cancelAnimationFrame(sendPending);
    if (glide) cancelAnimationFrame(glide);
    if (settle) clearTimeout(settle);
    if (later) clearTimeout(later);
    model.off(baseTraits, onBase);
    model.off("change:at", onAt);
    model.off(looks, restyle);
    model.off("change:handles", onHandles);
    model.off("change:caption", onCaption);
    model.off("change:sources", follow);
    model.off("msg:custom", onFrames);
    canvas.removeEventListener("pointerdown", onDown);
    canvas.removeEventListener("pointermove", onMove);
    canvas.removeEventListener("pointerup", onUp);
    canvas.removeEventListener("keydown", onKey);
    Object.values(grids).forEach((g) => g.remove());
  };
}

export default { render };
