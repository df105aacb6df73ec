// The loop workload of `npm run bench`: the gradient of the Rosenbrock function over a
// Float64Array of 1e6 elements, written as a loop and differentiated by the transformer,
// against a hand-written adjoint loop. Prints a markdown table on stdout.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { grad } from "adjoint";

const N = 1_000_000;
const WARMUP = 5;
const RUNS = 15;

/** Written as a user would. */
function rosenbrock(x: Float64Array): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    total += 100 * a * a + b * b;
  }
  return total;
}

const generated = grad(rosenbrock);

/** The adjoint by hand: one backward-free pass, each term's partial derivatives added in place. */
function handWritten(x: Float64Array): Float64Array {
  const n = x.length;
  const dx = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) {
    const xi = x[i]!;
    const a = x[i + 1]! - xi * xi;
    dx[i]! += -400 * a * xi - 2 * (1 - xi);
    dx[i + 1]! += 200 * a;
  }
  return dx;
}

function median(values: number[]): number {
  const sorted = [...values].sort((p, q) => p - q);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(f: (x: Float64Array) => Float64Array, x: Float64Array): number[] {
  for (let i = 0; i < WARMUP; i++) f(x);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const start = performance.now();
    f(x);
    times.push(performance.now() - start);
  }
  return times;
}

const x = Float64Array.from({ length: N }, (_, i) => Math.sin(i * 0.001) * 1.5);
const [g, h] = [generated(x), handWritten(x)];
let maxError = 0;
for (let i = 0; i < N; i++) maxError = Math.max(maxError, Math.abs(g[i]! - h[i]!) / Math.max(1, Math.abs(h[i]!)));
if (!(maxError < 1e-12)) throw new Error(`the generated Rosenbrock gradient differs from the hand-written one by ${maxError}`);

const rows = [
  { name: "adjoint: generated `grad(rosenbrock)` (loop)", times: time(generated, x) },
  { name: "hand-written adjoint loop", times: time(handWritten, x) },
];
const base = median(rows[1]!.times);
console.log(`\n### Loop workload: Rosenbrock over a Float64Array, n = 1,000,000 (${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version})\n`);
console.log("| implementation | median ms | min–max ms | time ÷ hand-written |\n|---|--:|--:|--:|");
for (const r of rows) {
  const m = median(r.times);
  console.log(`| ${r.name} | ${m.toFixed(2)} | ${Math.min(...r.times).toFixed(2)}–${Math.max(...r.times).toFixed(2)} | ${(m / base).toFixed(2)}× |`);
}
console.log(`\nmax relative difference between the two gradients: ${maxError.toExponential(1)}`);
