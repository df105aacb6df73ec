// The record as people read it: a markdown table per workload, the issue's targets with
// met / not met, and an SVG bar chart (hand-made, no dependency) of each row's time relative
// to its workload's baseline (the hand-written version where there is one), on a log scale.
import type { Kind, RowRecord, WorkloadRecord } from "./harness";

export const KIND_LABEL: Record<Kind, string> = {
  adjoint: "adjoint (generated)",
  composed: "adjoint runtime ops by hand",
  hand: "hand-written JS",
  "tfjs-cpu": "TF.js CPU",
  "tfjs-wasm": "TF.js WASM",
  other: "other",
};

export const fmtMs = (t: number): string =>
  t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t >= 1 ? t.toFixed(2) : t.toFixed(3);
export const fmtRatio = (r: number): string => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)) + "×";

/** The first row of a kind that has numbers. */
export function rowOf(w: WorkloadRecord, kind: Kind): RowRecord | undefined {
  return w.rows.find((r) => r.kind === kind && r.stats);
}

function baselineLabel(w: WorkloadRecord): string {
  if (w.baseline === "other") return rowOf(w, "other")?.name ?? KIND_LABEL.other;
  return w.baseline === "hand" ? "hand-written" : KIND_LABEL[w.baseline];
}

export function workloadTable(w: WorkloadRecord): string {
  const base = rowOf(w, w.baseline)?.stats;
  const wasmRow = rowOf(w, "tfjs-wasm");
  const wasm = wasmRow?.stats;
  // Columns that no row of this workload fills are left out (matmul has no primal, for one).
  const optional = {
    primal: w.rows.some((r) => r.primal),
    wasm: wasm !== undefined,
    flop: w.rows.some((r) => r.flop),
    error: w.rows.some((r) => r.maxError !== undefined),
  };
  const header = [
    "implementation",
    "median ms",
    "min ms",
    "runs",
    `÷ ${baselineLabel(w)} (median / min)`,
    ...(optional.primal ? ["gradient ÷ primal (primal median)"] : []),
    ...(optional.wasm ? ["speed-up over TF.js WASM"] : []),
    ...(optional.flop ? ["GFLOP/s (median)"] : []),
    ...(optional.error ? ["max error"] : []),
  ];
  const out = [
    `### ${w.title}`,
    "",
    `| ${header.join(" | ")} |`,
    `|---|${header
      .slice(1)
      .map(() => "--:")
      .join("|")}|`,
  ];
  for (const r of w.rows) {
    const s = r.stats;
    if (!s) {
      out.push(`| ${r.name} | ${r.unavailable ?? "unavailable"} |${" |".repeat(header.length - 2)}`);
      continue;
    }
    const cells = [
      r.name,
      fmtMs(s.medianMs),
      fmtMs(s.minMs),
      String(s.runs),
      base ? `${fmtRatio(s.medianMs / base.medianMs)} / ${fmtRatio(s.minMs / base.minMs)}` : "n/a",
      ...(optional.primal
        ? [r.primal ? `${fmtRatio(s.medianMs / r.primal.medianMs)} (${fmtMs(r.primal.medianMs)} ms)` : ""]
        : []),
      ...(optional.wasm ? [r === wasmRow ? "1×" : fmtRatio(wasm!.medianMs / s.medianMs)] : []),
      ...(optional.flop ? [r.flop ? (r.flop / 1e6 / s.medianMs).toFixed(2) : ""] : []),
      ...(optional.error ? [r.maxError === undefined ? "" : r.maxError === 0 ? "0" : r.maxError.toExponential(1)] : []),
    ];
    out.push(`| ${cells.join(" | ")} |`);
  }
  if (w.notes.length > 0) out.push("", ...w.notes.map((n) => `- ${n}`));
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------
// Targets (issue #12), judged from the numbers of one run

export interface Target {
  readonly target: string;
  readonly measured: string;
  /** undefined: the run has no numbers for it. */
  readonly met: boolean | undefined;
}

export interface BuildCost {
  /** The build-cost script's markdown table, as printed. */
  readonly table: string;
  /** Its `--json` output, as written. */
  readonly json: unknown;
}

/** The wall time the transform adds to the build, in seconds: `build.wall.addedMs` of bench/build-cost.mjs's `--json`. */
export function addedBuildSeconds(json: unknown): number | undefined {
  const added = (json as { build?: { wall?: { addedMs?: unknown } } } | null)?.build?.wall?.addedMs;
  return typeof added === "number" ? added / 1000 : undefined;
}

export function targets(workloads: readonly WorkloadRecord[], buildCost: BuildCost | undefined): Target[] {
  const byId = (id: string) => workloads.find((w) => w.id === id);
  const out: Target[] = [];

  const mlp = byId("mlp");
  const [mlpOurs, mlpWasm] = [mlp && rowOf(mlp, "adjoint"), mlp && rowOf(mlp, "tfjs-wasm")];
  out.push(
    mlpOurs?.stats && mlpWasm?.stats
      ? ratioTarget(
          "MLP step ≤ 0.5× TF.js WASM's time",
          mlpOurs.stats.medianMs,
          mlpWasm.stats.medianMs,
          0.5,
          "TF.js WASM",
        )
      : { target: "MLP step ≤ 0.5× TF.js WASM's time", measured: "no numbers", met: undefined },
  );

  const oneThread = (r: RowRecord) => !/\b([2-9]|\d\d+) threads|all cores|workers/i.test(r.name);
  const products = workloads.filter((w) => w.id.startsWith("matmul-") && w.dtype === "float32");
  for (const mm of products) {
    // The first adjoint row on one thread: the forward product (bench/matmul-record.ts).
    const ours = mm.rows.find((r) => r.kind === "adjoint" && r.stats && oneThread(r));
    const theirs = rowOf(mm, "tfjs-wasm");
    const target = `matmul float32 ≥ TF.js WASM's GFLOP/s, one thread (${mm.label})`;
    if (ours?.stats && theirs?.stats && ours.flop && theirs.flop) {
      const [a, b] = [ours.flop / 1e6 / ours.stats.medianMs, theirs.flop / 1e6 / theirs.stats.medianMs];
      out.push({
        target,
        measured: `${a.toFixed(2)} vs ${b.toFixed(2)} GFLOP/s (${ours.name} vs ${theirs.name})`,
        met: a >= b,
      });
    } else out.push({ target, measured: "no numbers", met: undefined });
  }
  if (products.length === 0)
    out.push({ target: "matmul float32 ≥ TF.js WASM's GFLOP/s, one thread", measured: "no numbers", met: undefined });

  for (const dtype of ["float32", "float64"]) {
    const seed = byId(`seed-${dtype}`);
    const [ours, loop] = [seed && rowOf(seed, "adjoint"), seed && rowOf(seed, "hand")];
    const name = `seed workload ≤ 1.2× the fused loop, ${dtype}`;
    out.push(
      ours?.stats && loop?.stats
        ? ratioTarget(name, ours.stats.medianMs, loop.stats.medianMs, 1.2, "the fused loop")
        : { target: name, measured: "no numbers", met: undefined },
    );
  }

  const ratios = workloads.flatMap((w) => {
    const r = rowOf(w, "adjoint");
    if (w.gradientOverPrimal !== undefined) return [{ label: w.label, ratio: w.gradientOverPrimal }];
    return r?.stats && r.primal ? [{ label: w.label, ratio: r.stats.medianMs / r.primal.medianMs }] : [];
  });
  out.push({
    target: "gradient ÷ primal ≤ 3 on every workload (generated code)",
    measured: ratios.map((r) => `${r.label} ${fmtRatio(r.ratio)}`).join(", ") || "no numbers",
    met: ratios.length > 0 ? ratios.every((r) => r.ratio <= 3) : undefined,
  });

  const added = buildCost && addedBuildSeconds(buildCost.json);
  out.push({
    target: "build: < 0.5 s added for a 1,000-line file with 50 grad calls",
    measured:
      added !== undefined ? `${added.toFixed(2)} s added` : buildCost ? "see the build-cost table" : "not measured",
    met: added !== undefined ? added < 0.5 : undefined,
  });
  return out;
}

function ratioTarget(target: string, ours: number, theirs: number, limit: number, what: string): Target {
  return {
    target,
    measured: `${fmtRatio(ours / theirs)} ${what} (${fmtMs(ours)} ms vs ${fmtMs(theirs)} ms)`,
    met: ours / theirs <= limit,
  };
}

export function targetsTable(ts: readonly Target[]): string {
  return [
    "| target | measured (medians) | met? |",
    "|---|---|---|",
    ...ts.map((t) => `| ${t.target} | ${t.measured} | ${t.met === undefined ? "—" : t.met ? "yes" : "**no**"} |`),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------
// The chart

const CHART_KINDS: readonly Kind[] = ["adjoint", "composed", "hand", "tfjs-cpu", "tfjs-wasm"];
const COLOR: Record<Kind, string> = {
  adjoint: "#1f77b4",
  composed: "#9ecae1",
  hand: "#7f7f7f",
  "tfjs-cpu": "#ff7f0e",
  "tfjs-wasm": "#d62728",
  other: "#bbbbbb",
};

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Horizontal bars, one group per workload, one bar per kind of implementation (its first row
 * with numbers): median time ÷ the workload's baseline median, on a log scale.
 */
export function chartSvg(workloads: readonly WorkloadRecord[], subtitle: string): string {
  const groups = workloads.flatMap((w) => {
    const base = rowOf(w, w.baseline)?.stats;
    if (!base) return [];
    const bars = CHART_KINDS.flatMap((kind) => {
      const r = rowOf(w, kind);
      return r?.stats ? [{ kind, ratio: r.stats.medianMs / base.medianMs, ms: r.stats.medianMs }] : [];
    });
    return bars.length > 1 ? [{ w, bars }] : [];
  });
  const ratios = groups.flatMap((g) => g.bars.map((b) => b.ratio));
  const lo = Math.min(0, Math.floor(Math.log10(Math.min(...ratios, 1) * 0.9)));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(...ratios, 1) * 1.1)));

  const [width, left, right, top, barH, gap, groupGap] = [900, 210, 110, 84, 15, 3, 16];
  const plotW = width - left - right;
  const x = (ratio: number) => left + ((Math.log10(ratio) - lo) / (hi - lo)) * plotW;
  const parts: string[] = [];
  let y = top;
  for (const { w, bars } of groups) {
    const h = bars.length * (barH + gap) - gap;
    const labelY = y + h / 2;
    const second = w.baseline === "hand" ? "" : `÷ ${KIND_LABEL[w.baseline]}`;
    parts.push(
      `<text x="${left - 10}" y="${(second ? labelY - 3 : labelY + 4).toFixed(1)}" text-anchor="end" font-size="13">${escapeXml(w.label)}</text>`,
    );
    if (second)
      parts.push(
        `<text x="${left - 10}" y="${(labelY + 12).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${escapeXml(second)}</text>`,
      );
    for (const b of bars) {
      const x1 = x(b.ratio);
      parts.push(
        `<rect x="${left}" y="${y}" width="${Math.max(1, x1 - left).toFixed(1)}" height="${barH}" fill="${COLOR[b.kind]}"><title>${escapeXml(`${KIND_LABEL[b.kind]}: ${fmtMs(b.ms)} ms, ${fmtRatio(b.ratio)}`)}</title></rect>`,
        `<text x="${(x1 + 4).toFixed(1)}" y="${y + barH - 3}" font-size="11" stroke="white" stroke-width="3" paint-order="stroke">${fmtRatio(b.ratio)} <tspan fill="#666">(${fmtMs(b.ms)} ms)</tspan></text>`,
      );
      y += barH + gap;
    }
    y += groupGap;
  }
  const bottom = y - groupGap + 10;
  const height = bottom + 46;

  const axis: string[] = [];
  for (let p = lo; p <= hi; p++) {
    const xp = x(10 ** p);
    axis.push(
      `<line x1="${xp.toFixed(1)}" y1="${top - 6}" x2="${xp.toFixed(1)}" y2="${bottom}" stroke="${p === 0 ? "#333" : "#ccc"}"${p === 0 ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${xp.toFixed(1)}" y="${bottom + 16}" text-anchor="middle" font-size="12">${10 ** p >= 1 ? 10 ** p : (10 ** p).toFixed(-p)}×</text>`,
    );
    if (p < hi)
      for (const m of [2, 5]) {
        const xm = x(m * 10 ** p);
        axis.push(`<line x1="${xm.toFixed(1)}" y1="${top - 6}" x2="${xm.toFixed(1)}" y2="${bottom}" stroke="#eee"/>`);
      }
  }
  const used = CHART_KINDS.filter((k) => groups.some((g) => g.bars.some((b) => b.kind === k)));
  // Legend entries side by side, each as wide as its text (about 6.5 px a character at 12 px).
  const legendX = used.map((_, i) => 20 + used.slice(0, i).reduce((x, k) => x + 40 + KIND_LABEL[k].length * 6.5, 0));
  const legend = used.map((k, i) => {
    const lx = legendX[i]!;
    return (
      `<rect x="${lx}" y="44" width="12" height="12" fill="${COLOR[k]}"/>` +
      `<text x="${lx + 17}" y="54" font-size="12">${escapeXml(KIND_LABEL[k])}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="20" y="20" font-size="15" font-weight="bold">Time relative to the hand-written version (median; lower is faster)</text>`,
    `<text x="20" y="36" font-size="11" fill="#555">${escapeXml(subtitle)}</text>`,
    ...legend,
    ...axis,
    ...parts,
    `<text x="${left + plotW / 2}" y="${bottom + 36}" text-anchor="middle" font-size="12">time ÷ baseline (log scale; the dashed line is the baseline, 1×)</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
