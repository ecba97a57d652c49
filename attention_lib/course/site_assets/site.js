// The static reading copy (make html): typesets the maths with the local KaTeX, and draws each stored
// figure with the course's own chart layer (chart.classic.js, made from widgets/static/chart.js at build
// time) from the numbers the notebook saved. Nothing here talks to a kernel or loads from the network.
(function () {
  "use strict";

  /** base64 -> DataView, as anywidget hands a binary buffer to a view. @param {string} text */
  function decode(text) {
    const raw = atob(text), bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return new DataView(bytes.buffer);
  }

  /** Puts each stored buffer back at its path inside the state. The saved state keeps the last value of
   * each trait, but a buffer from an earlier value may linger: one whose place is gone is left out. */
  function placeBuffers(state, buffers) {
    for (const { path, data } of buffers || []) {
      let target = state;
      for (const key of path.slice(0, -1)) target = target && typeof target === "object" ? target[key] : undefined;
      const last = path[path.length - 1];
      const fits = target && typeof target === "object" && (!Array.isArray(target) || Number.isInteger(last));
      if (fits) target[last] = decode(data);
    }
    return state;
  }

  /** A model that only remembers: get() reads the saved state, the rest does nothing (no kernel). */
  function storedModel(state) {
    const nothing = () => {};
    return { get: (name) => state[name], set: nothing, save_changes: nothing, send: nothing, on: nothing, off: nothing };
  }

  function drawFigures() {
    const source = document.getElementById("site-figures"), chart = window.AttentionChart;
    if (!source || !chart) return;
    const stored = JSON.parse(source.textContent);
    for (const block of document.querySelectorAll(".site-widget")) {
      const targets = block.querySelectorAll(".site-figure[data-model-id]");
      let drawn = 0;
      for (const el of targets) {
        const saved = stored[el.dataset.modelId];
        if (!saved) continue;
        chart.render({ model: storedModel(placeBuffers(saved.state, saved.buffers)), el });
        drawn += 1;
      }
      // Each drawn figure prints its own readout under it; the page's copy is for readers without scripts.
      if (targets.length && drawn === targets.length) block.classList.add("site-drawn");
    }
  }

  function typeset() {
    if (!window.renderMathInElement) return;
    window.renderMathInElement(document.querySelector("main") || document.body, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false },
        { left: "\\begin{equation}", right: "\\end{equation}", display: true },
        { left: "\\begin{align}", right: "\\end{align}", display: true },
      ],
      ignoredClasses: ["site-widget", "jp-OutputArea"],
      throwOnError: false,
    });
  }

  typeset();
  drawFigures();
})();
