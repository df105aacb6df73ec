// The loop workload of `npm run bench`: the gradient of the Rosenbrock function over a
// Float64Array of 1e6 elements, written as a loop and differentiated by the transformer,
// against a hand-written adjoint loop. Prints a markdown table on stdout.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { grad } from "adjoint";

const N = 1_000_000;
const WARMUP = 5;
const RUNS = 41;

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

/** Runs the implementations in turn, round after round, so that drift in the machine's speed affects them alike. */
function timeInterleaved(fs: readonly ((x: Float64Array) => Float64Array)[], x: Float64Array): number[][] {
  for (let i = 0; i < WARMUP; i++) fs.forEach((f) => f(x));
  const times = fs.map((): number[] => []);
  for (let round = 0; round < RUNS; round++) {
    fs.forEach((f, j) => {
      (globalThis as { gc?: () => void }).gc?.();
      const start = performance.now();
      f(x);
      times[j]!.push(performance.now() - start);
    });
  }
  return times;
}

const x = Float64Array.from({ length: N }, (_, i) => Math.sin(i * 0.001) * 1.5);
const [g, h] = [generated(x), handWritten(x)];
let maxError = 0;
for (let i = 0; i < N; i++) maxError = Math.max(maxError, Math.abs(g[i]! - h[i]!) / Math.max(1, Math.abs(h[i]!)));
if (!(maxError < 1e-12))
  throw new Error(`the generated Rosenbrock gradient differs from the hand-written one by ${maxError}`);

const [generatedTimes, handTimes] = timeInterleaved([generated, handWritten], x);
const rows = [
  { name: "adjoint: generated `grad(rosenbrock)` (loop)", times: generatedTimes! },
  { name: "hand-written adjoint loop", times: handTimes! },
];
const base = median(rows[1]!.times);
const baseMin = Math.min(...rows[1]!.times);
console.log(
  `\n### Loop workload: Rosenbrock over a Float64Array, n = 1,000,000 (${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version})\n`,
);
console.log(`${RUNS} interleaved runs each after ${WARMUP} warm-up rounds.\n`);
console.log(
  "| implementation | median ms | min–max ms | median ÷ hand-written | min ÷ hand-written min |\n|---|--:|--:|--:|--:|",
);
for (const r of rows) {
  const m = median(r.times);
  const min = Math.min(...r.times);
  console.log(
    `| ${r.name} | ${m.toFixed(2)} | ${min.toFixed(2)}–${Math.max(...r.times).toFixed(2)} | ${(m / base).toFixed(2)}× | ${(min / baseMin).toFixed(2)}× |`,
  );
}
console.log(`\nmax relative difference between the two gradients: ${maxError.toExponential(1)}`);
