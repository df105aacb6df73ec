// The matmul workload of `npm run bench`: the product 256×784 @ 784×256 (the first layer of
// an MLP on MNIST, batch 256) and the two products its adjoint needs, g·bᵀ and aᵀ·g, in
// GFLOP/s, against the i-p-j loop the runtime used before its blocked kernel and against
// TF.js's WASM backend (XNNPACK, float32 only). Rounds are interleaved in one process; one
// thread. Prints a markdown table on stdout.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { matmul, randomNormal, type Tensor } from "adjoint";
import { matmulGradA, matmulGradB } from "adjoint/internal";
import { activate, tf } from "./tfjs";
import { matmulWorkload } from "./matmul-record";
import { jsonArgument, type WorkloadRecord } from "./harness";
import { writeFileSync } from "node:fs";

const [M, K, N] = [256, 784, 256];
const FLOP = 2 * M * K * N;
const WARMUP = 3;
const ROUNDS = 15;

/** The kernel matmul had before (i-p-j with a float64 row accumulator), for op(a)·op(b) read through strides. */
function formerKernel(a: Tensor, ta: boolean, b: Tensor, tb: boolean): Float32Array | Float64Array {
  const [m, k] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const n = tb ? b.shape[0]! : b.shape[1]!;
  // The runtime materialised the transposes first; so does this.
  const A = ta ? transposed(a.data, a.shape[0]!, a.shape[1]!) : a.data;
  const B = tb ? transposed(b.data, b.shape[0]!, b.shape[1]!) : b.data;
  const out = a.dtype === "float32" ? new Float32Array(m * n) : new Float64Array(m * n);
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = A[i * k + p]!;
      const row = p * n;
      for (let j = 0; j < n; j++) acc[j]! += aip * B[row + j]!;
    }
    out.set(acc, i * n);
  }
  return out;
}

function transposed(x: Float32Array | Float64Array, rows: number, cols: number): Float32Array | Float64Array {
  const out = new (x.constructor as Float64ArrayConstructor)(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}

interface Case {
  readonly name: string;
  readonly run: () => unknown;
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)]!;
}

function timeInterleaved(cases: readonly Case[]): number[][] {
  const times = cases.map(() => [] as number[]);
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    cases.forEach((c, i) => {
      const start = performance.now();
      c.run();
      const ms = performance.now() - start;
      if (round >= WARMUP) times[i]!.push(ms);
    });
  }
  return times;
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const record: WorkloadRecord[] = []; // for --json (bench/harness.ts)
  const wasm = await activate("wasm");
  for (const dtype of ["float32", "float64"] as const) {
    const a = randomNormal([M, K], { seed: 1, dtype });
    const b = randomNormal([K, N], { seed: 2, dtype });
    const g = randomNormal([M, N], { seed: 3, dtype });
    const cases: Case[] = [
      { name: "adjoint `matmul(a, b)`", run: () => matmul(a, b) },
      { name: "adjoint `matmulGradA` (g·bᵀ)", run: () => matmulGradA(g, a, b) },
      { name: "adjoint `matmulGradB` (aᵀ·g)", run: () => matmulGradB(g, a, b) },
      { name: "former i-p-j kernel, a·b", run: () => formerKernel(a, false, b, false) },
      { name: "former i-p-j kernel, g·bᵀ", run: () => formerKernel(g, false, b, true) },
      { name: "former i-p-j kernel, aᵀ·g", run: () => formerKernel(a, true, g, false) },
    ];
    if (dtype === "float32" && wasm === null) {
      const [ta, tb, tg] = [a, b, g].map((t) => tf.tensor2d(t.data as Float32Array, t.shape as [number, number]));
      const tfCase = (name: string, f: () => tf.Tensor): Case => ({
        name,
        run: () => {
          const r = f();
          r.dataSync();
          r.dispose();
        },
      });
      cases.push(
        tfCase("TF.js WASM `tf.matMul(a, b)`", () => tf.matMul(ta!, tb!)),
        tfCase("TF.js WASM `tf.matMul(g, b, false, true)`", () => tf.matMul(tg!, tb!, false, true)),
        tfCase("TF.js WASM `tf.matMul(a, g, true, false)`", () => tf.matMul(ta!, tg!, true, false)),
      );
    }
    const times = timeInterleaved(cases);
    record.push(
      matmulWorkload(
        dtype,
        [M, K, N],
        cases.map((c) => c.name),
        times,
      ),
    );
    lines.push(`### ${dtype}, ${M}×${K} @ ${K}×${N} (${(FLOP / 1e9).toFixed(3)} GFLOP a product)`, "");
    lines.push("| implementation | median ms | min ms | GFLOP/s (median) |", "|---|--:|--:|--:|");
    cases.forEach((c, i) => {
      const med = median(times[i]!);
      const min = Math.min(...times[i]!);
      lines.push(`| ${c.name} | ${med.toFixed(2)} | ${min.toFixed(2)} | ${(FLOP / 1e6 / med).toFixed(2)} |`);
    });
    lines.push("");
  }
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  console.log(
    `### Matmul workload (${cpu}, Node ${process.version}, one thread, ${ROUNDS} interleaved rounds after ${WARMUP} warm-up)\n`,
  );
  if (wasm !== null) console.log(`TF.js WASM unavailable: ${wasm}\n`);
  console.log(lines.join("\n"));
  const json = jsonArgument();
  if (json)
    writeFileSync(json, JSON.stringify({ script: "matmul", seconds: performance.now() / 1000, workloads: record }));
}

void main();
