/* Small SVG charts drawn by our own code (no library, nothing from a CDN): a line chart
 * (now vs before), horizontal bars (mood distribution) and stacked bars (a timeline).
 * Colours come from CSS classes (s0…s7, now, prev), so light and dark themes apply, and no
 * inline style is needed under the page's strict CSP. Every chart is role="img" with a
 * label; the numbers are also on the page as text or in a table. */
(function () {
  "use strict";

  const D = window.xqDashboard;
  const NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** A round upper bound for an axis: 1, 2, 5 × 10^n. */
  function niceMax(value) {
    if (value <= 0) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 5, 10]) {
      if (value <= step * power) return step * power;
    }
    return 10 * power;
  }

  function frame(label, width, height) {
    return svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label,
                        class: "svg-chart", preserveAspectRatio: "xMidYMid meet" },
               svg("title", {}, label));
  }

  function yAxis(root, max, left, top, plotW, plotH) {
    for (let i = 0; i <= 4; i++) {
      const y = top + plotH - (plotH * i) / 4;
      root.append(svg("line", { x1: left, x2: left + plotW, y1: y, y2: y, class: "grid" }));
      root.append(svg("text", { x: left - 6, y: y + 4, class: "tick", "text-anchor": "end" },
                      D.num((max * i) / 4)));
    }
  }

  /** Lines over the same x positions: series [{name, values, cls}], xLabels [text]. */
  D.lineChart = function (container, label, series, xLabels, every) {
    const W = 640, H = 220, left = 44, right = 8, top = 10, bottom = 26;
    const plotW = W - left - right, plotH = H - top - bottom;
    const n = xLabels.length;
    const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
    const root = frame(label, W, H);
    yAxis(root, max, left, top, plotW, plotH);
    const x = (i) => left + (n <= 1 ? 0 : (plotW * i) / (n - 1));
    const y = (v) => top + plotH - (plotH * v) / max;
    xLabels.forEach((text, i) => {
      if (i % (every || 6) === 0) {
        root.append(svg("text", { x: x(i), y: H - 8, class: "tick", "text-anchor": "middle" }, text));
      }
    });
    for (const s of series) {
      const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      root.append(svg("polyline", { points, class: "line " + s.cls },
                      svg("title", {}, s.name)));
    }
    D.clear(container).append(root);
  };

  /** Horizontal bars: rows [{label, value, note, cls}]. */
  D.barChart = function (container, label, rows) {
    const W = 640, rowH = 34, left = 110, right = 120;
    const H = Math.max(rowH, rows.length * rowH) + 8;
    const max = Math.max(1, ...rows.map((r) => r.value));
    const root = frame(label, W, H);
    rows.forEach((row, i) => {
      const y = 4 + i * rowH;
      const w = ((W - left - right) * row.value) / max;
      root.append(svg("text", { x: left - 8, y: y + rowH / 2 + 5, class: "label", "text-anchor": "end" },
                      row.label));
      root.append(svg("rect", { x: left, y: y + 6, width: Math.max(w, row.value ? 2 : 0),
                                height: rowH - 12, rx: 3, class: "bar " + (row.cls || "s0") }));
      root.append(svg("text", { x: left + w + 8, y: y + rowH / 2 + 5, class: "value" }, row.note));
    });
    D.clear(container).append(root);
  };

  /** Stacked bars: buckets [{label, parts: [numbers per series]}], series [{name, cls}]. */
  D.stackedBars = function (container, label, series, buckets, every) {
    const W = 640, H = 220, left = 44, right = 8, top = 10, bottom = 26;
    const plotW = W - left - right, plotH = H - top - bottom;
    const totals = buckets.map((b) => b.parts.reduce((a, v) => a + v, 0));
    const max = niceMax(Math.max(0, ...totals));
    const root = frame(label, W, H);
    yAxis(root, max, left, top, plotW, plotH);
    const slot = plotW / Math.max(1, buckets.length);
    const barW = Math.max(1, slot * 0.7);
    buckets.forEach((bucket, i) => {
      let base = top + plotH;
      const x = left + i * slot + (slot - barW) / 2;
      bucket.parts.forEach((v, j) => {
        if (!v) return;
        const h = (plotH * v) / max;
        base -= h;
        root.append(svg("rect", { x: x.toFixed(1), y: base.toFixed(1), width: barW.toFixed(1),
                                  height: h.toFixed(1), class: "bar " + series[j].cls },
                        svg("title", {}, `${bucket.label} ${series[j].name} ${v}`)));
      });
      if (i % (every || 6) === 0) {
        root.append(svg("text", { x: x + barW / 2, y: H - 8, class: "tick", "text-anchor": "middle" },
                        bucket.label));
      }
    });
    D.clear(container).append(root);
  };
})();
