// The record of bench/matmul.ts (whose timing belongs to that script): turns its cases' names
// and interleaved times into a WorkloadRecord, so that `--json` carries matmul's rows to the
// orchestrator like every other workload's. A row's kind comes from its name: "adjoint …",
// "former …" (the plain i-p-j loop, the hand-written version), "TF.js WASM …", "TF.js CPU …";
// a row on more than one thread says so in its name ("2 threads", "all cores").
import { median, type Kind, type RowRecord, type WorkloadRecord } from "./harness";

export function kindOfName(name: string): Kind {
  if (/^adjoint/i.test(name)) return "adjoint";
  if (/former|i-p-j|hand-written/i.test(name)) return "hand";
  if (/TF\.js WASM/i.test(name)) return "tfjs-wasm";
  if (/TF\.js CPU/i.test(name)) return "tfjs-cpu";
  return "other";
}

export function matmulWorkload(
  dtype: string,
  [m, k, n]: readonly number[],
  names: readonly string[],
  times: readonly number[][],
): WorkloadRecord {
  const flop = 2 * m! * k! * n!;
  const rows: RowRecord[] = names.map((name, i) => ({
    name,
    kind: kindOfName(name),
    flop,
    stats: { medianMs: median(times[i]!), minMs: Math.min(...times[i]!), runs: times[i]!.length },
  }));
  // The gradient of a product is its two adjoint products (g·bᵀ for a, aᵀ·g for b).
  const adjoint = rows.filter((r) => r.kind === "adjoint");
  const product = adjoint.find((r) => /a, b\)|a·b/.test(r.name));
  const gradA = adjoint.find((r) => /GradA|g·bᵀ/.test(r.name));
  const gradB = adjoint.find((r) => /GradB|aᵀ·g/.test(r.name));
  const notes = [
    "Every row is one product of the same size; the first row of each kind is the forward product a·b, the one " +
      "the chart and the targets use (for adjoint, the first row on one thread).",
  ];
  if (rows.some((r) => r.kind === "hand"))
    notes.push(
      "The former i-p-j kernel (the runtime's loop before the blocked kernel) stands for a hand-written product.",
    );
  let gradientOverPrimal: number | undefined;
  if (product?.stats && gradA?.stats && gradB?.stats) {
    gradientOverPrimal = (gradA.stats.medianMs + gradB.stats.medianMs) / product.stats.medianMs;
    notes.push(`Gradient ÷ primal: (g·bᵀ + aᵀ·g) ÷ a·b = ${gradientOverPrimal.toFixed(2)}× (medians).`);
  }
  const size = `${m}×${k} @ ${k}×${n}`;
  const id = m === 256 && k === 784 && n === 256 ? `matmul-${dtype}` : `matmul-${m}x${k}x${n}-${dtype}`;
  return {
    id,
    title: `Matmul ${size}, ${dtype} (${(flop / 1e9).toFixed(3)} GFLOP a product)`,
    label: `matmul ${m}×${k}×${n}, ${dtype}`,
    dtype,
    // The former i-p-j loop where the script still times it; else TF.js WASM, else the first row.
    baseline: rows.some((r) => r.kind === "hand")
      ? "hand"
      : rows.some((r) => r.kind === "tfjs-wasm")
        ? "tfjs-wasm"
        : rows[0]!.kind,
    rows,
    notes,
    gradientOverPrimal,
  };
}
