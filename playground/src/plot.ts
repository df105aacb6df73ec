// A hand-made SVG line chart of a few functions of one number over an interval, with axes,
// ticks and a legend: enough to show that the gradient of f + g − stop(g) is f′ + g′
// without a plotting library. Each curve is one <path class="curve">.
import type { PlotSpec } from "./run";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"];
const SVG = "http://www.w3.org/2000/svg";

/** Ticks at 1, 2 or 5 times a power of ten, about `count` of them over [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  // The step of 1, 2, 5 or 10 times the power whose tick count is nearest `count`.
  const step = [1, 2, 5, 10]
    .map((m) => m * power)
    .reduce((best, s) => (Math.abs((hi - lo) / s - count) < Math.abs((hi - lo) / best - count) ? s : best));
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const label = (v: number) => String(Number(v.toPrecision(6)));

export function drawPlot(spec: PlotSpec, width = 560, height = 320, samples = 241): SVGSVGElement {
  const [x0, x1] = spec.x ?? [-2, 2];
  const names = Object.keys(spec.curves);
  const xs = Array.from({ length: samples }, (_, i) => x0 + ((x1 - x0) * i) / (samples - 1));
  const ys = names.map((n) =>
    xs.map((x) => {
      const y = Number(spec.curves[n]!(x));
      return Number.isFinite(y) ? y : NaN;
    }),
  );
  const finite = ys.flat().filter(Number.isFinite);
  let [y0, y1] = finite.length ? [Math.min(...finite), Math.max(...finite)] : [-1, 1];
  if (y1 - y0 < 1e-12) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];

  // The legend: entries left to right, wrapped, their widths estimated from the names' lengths.
  const legend: { x: number; row: number }[] = [];
  let [lx, row] = [0, 0];
  for (const name of names) {
    const w = 40 + 6.8 * name.length;
    if (lx > 0 && lx + w > width - 60) [lx, row] = [0, row + 1];
    legend.push({ x: lx, row });
    lx += w;
  }
  const m = { left: 52, right: 16, top: 16, bottom: 54 + 20 * row };
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (width - m.left - m.right);
  const sy = (y: number) => height - m.bottom - ((y - y0) / (y1 - y0)) * (height - m.top - m.bottom);

  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, class: "plot", role: "img" }) as SVGSVGElement;
  const axisY = height - m.bottom;
  for (const t of ticks(x0, x1, 8)) {
    svg.append(el("line", { x1: sx(t), x2: sx(t), y1: m.top, y2: axisY, class: "grid" }));
    svg.append(el("text", { x: sx(t), y: axisY + 16, "text-anchor": "middle", class: "tick" }, label(t)));
  }
  for (const t of ticks(y0, y1, 6)) {
    svg.append(el("line", { x1: m.left, x2: width - m.right, y1: sy(t), y2: sy(t), class: "grid" }));
    svg.append(el("text", { x: m.left - 6, y: sy(t) + 4, "text-anchor": "end", class: "tick" }, label(t)));
  }
  // The axes through zero when zero is in range, else along the frame.
  const zx = x0 <= 0 && 0 <= x1 ? sx(0) : m.left;
  const zy = y0 <= 0 && 0 <= y1 ? sy(0) : axisY;
  svg.append(el("line", { x1: m.left, x2: width - m.right, y1: zy, y2: zy, class: "axis" }));
  svg.append(el("line", { x1: zx, x2: zx, y1: m.top, y2: axisY, class: "axis" }));
  svg.append(
    el("rect", { x: m.left, y: m.top, width: width - m.left - m.right, height: axisY - m.top, class: "frame" }),
  );

  names.forEach((name, k) => {
    let d = "";
    let pen = false;
    xs.forEach((x, i) => {
      const y = ys[k]![i]!;
      if (!Number.isFinite(y)) return void (pen = false);
      d += `${pen ? "L" : "M"}${sx(x).toFixed(2)},${sy(y).toFixed(2)}`;
      pen = true;
    });
    const color = COLORS[k % COLORS.length]!;
    const dashed = /dashed|\(for comparison\)/i.test(name);
    svg.append(el("path", { d, class: "curve", stroke: color, ...(dashed ? { "stroke-dasharray": "6 4" } : {}) }));
    const lx = m.left + legend[k]!.x;
    const ly = axisY + 38 + 20 * legend[k]!.row;
    svg.append(
      el("line", {
        x1: lx,
        x2: lx + 22,
        y1: ly - 4,
        y2: ly - 4,
        stroke: color,
        class: "swatch",
        ...(dashed ? { "stroke-dasharray": "6 4" } : {}),
      }),
    );
    svg.append(el("text", { x: lx + 28, y: ly, class: "legend" }, name));
  });
  return svg;
}
