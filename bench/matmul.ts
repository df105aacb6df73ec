// The matmul workload of `npm run bench`: the product 256×784 @ 784×256 (the first layer of
// an MLP on MNIST, batch 256) and the two products its adjoint needs, g·bᵀ and aᵀ·g, then a
// 1024×1024×1024 product, in GFLOP/s: the WASM SIMD kernel on one thread and on all cores, the
// plain-JS kernel (forced with configureMatmul), and TF.js's WASM backend (XNNPACK, float32 only,
// one thread). Rounds are interleaved in one process. Prints markdown tables on stdout.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { matmul, randomNormal } from "adjoint";
import { configureMatmul, matmulGradA, matmulGradB, type MatmulSettings } from "adjoint/internal";
import { writeFileSync } from "node:fs";
import { activate, tf } from "./tfjs";
import { matmulWorkload } from "./matmul-record";
import { jsonArgument, type WorkloadRecord } from "./harness";

const CORES = os.availableParallelism();
const ONE_THREAD: Partial<MatmulSettings> = { kernel: "auto", threads: 1 };
const ALL_CORES: Partial<MatmulSettings> = { kernel: "auto", threads: CORES };
const JS_KERNEL: Partial<MatmulSettings> = { kernel: "js" };

/** Runs f with the matmul settings given, restoring them after. */
function using(changes: Partial<MatmulSettings>, f: () => unknown): () => void {
  return () => {
    const previous = configureMatmul(changes);
    try {
      f();
    } finally {
      configureMatmul(previous);
    }
  };
}

interface Case {
  readonly name: string;
  readonly run: () => unknown;
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)]!;
}

function timeInterleaved(cases: readonly Case[], warmup: number, rounds: number): number[][] {
  const times = cases.map(() => [] as number[]);
  for (let round = 0; round < warmup + rounds; round++) {
    cases.forEach((c, i) => {
      const start = performance.now();
      c.run();
      const ms = performance.now() - start;
      if (round >= warmup) times[i]!.push(ms);
    });
  }
  return times;
}

/** Rows for `--json` (bench/harness.ts), one workload per table. */
const record: WorkloadRecord[] = [];

function table(
  dtype: string,
  [m, k, n]: readonly [number, number, number],
  cases: readonly Case[],
  warmup: number,
  rounds: number,
): string[] {
  const title = `${dtype}, ${m}×${k} @ ${k}×${n}`;
  const flop = 2 * m * k * n;
  const times = timeInterleaved(cases, warmup, rounds);
  record.push(
    matmulWorkload(
      dtype,
      [m, k, n],
      cases.map((c) => c.name),
      times,
    ),
  );
  const lines = [`### ${title} (${(flop / 1e9).toFixed(3)} GFLOP a product, ${rounds} rounds)`, ""];
  lines.push("| implementation | median ms | min ms | GFLOP/s (median) | GFLOP/s (min) |", "|---|--:|--:|--:|--:|");
  cases.forEach((c, i) => {
    const med = median(times[i]!);
    const min = Math.min(...times[i]!);
    const rate = (ms: number): string => (flop / 1e6 / ms).toFixed(2);
    lines.push(`| ${c.name} | ${med.toFixed(2)} | ${min.toFixed(2)} | ${rate(med)} | ${rate(min)} |`);
  });
  lines.push("");
  return lines;
}

const tfCase = (name: string, f: () => tf.Tensor): Case => ({
  name,
  run: () => {
    const r = f();
    r.dataSync();
    r.dispose();
  },
});

const tf2d = (t: { data: unknown; shape: readonly number[] }): tf.Tensor2D =>
  tf.tensor2d(t.data as Float32Array, t.shape as [number, number]);

async function main(): Promise<void> {
  const lines: string[] = [];
  const wasm = await activate("wasm");
  const [M, K, N] = [256, 784, 256];
  for (const dtype of ["float32", "float64"] as const) {
    const a = randomNormal([M, K], { seed: 1, dtype });
    const b = randomNormal([K, N], { seed: 2, dtype });
    const g = randomNormal([M, N], { seed: 3, dtype });
    const cases: Case[] = [
      { name: "adjoint `matmul(a, b)`, WASM, 1 thread", run: using(ONE_THREAD, () => matmul(a, b)) },
      { name: "adjoint `matmulGradA` (g·bᵀ), WASM, 1 thread", run: using(ONE_THREAD, () => matmulGradA(g, a, b)) },
      { name: "adjoint `matmulGradB` (aᵀ·g), WASM, 1 thread", run: using(ONE_THREAD, () => matmulGradB(g, a, b)) },
      { name: `adjoint \`matmul(a, b)\`, WASM, ${CORES} threads`, run: using(ALL_CORES, () => matmul(a, b)) },
      { name: `adjoint \`matmulGradA\`, WASM, ${CORES} threads`, run: using(ALL_CORES, () => matmulGradA(g, a, b)) },
      { name: `adjoint \`matmulGradB\`, WASM, ${CORES} threads`, run: using(ALL_CORES, () => matmulGradB(g, a, b)) },
      { name: "adjoint `matmul(a, b)`, JS kernel", run: using(JS_KERNEL, () => matmul(a, b)) },
      { name: "adjoint `matmulGradA`, JS kernel", run: using(JS_KERNEL, () => matmulGradA(g, a, b)) },
      { name: "adjoint `matmulGradB`, JS kernel", run: using(JS_KERNEL, () => matmulGradB(g, a, b)) },
    ];
    if (dtype === "float32" && wasm === null) {
      const [ta, tb, tg] = [a, b, g].map(tf2d);
      cases.push(
        tfCase("TF.js WASM `tf.matMul(a, b)`", () => tf.matMul(ta!, tb!)),
        tfCase("TF.js WASM `tf.matMul(g, b, false, true)`", () => tf.matMul(tg!, tb!, false, true)),
        tfCase("TF.js WASM `tf.matMul(a, g, true, false)`", () => tf.matMul(ta!, tg!, true, false)),
      );
    }
    lines.push(...table(dtype, [M, K, N], cases, 3, 15));
  }
  const S = 1024;
  for (const dtype of ["float32", "float64"] as const) {
    const a = randomNormal([S, S], { seed: 4, dtype });
    const b = randomNormal([S, S], { seed: 5, dtype });
    const cases: Case[] = [
      { name: "adjoint `matmul(a, b)`, WASM, 1 thread", run: using(ONE_THREAD, () => matmul(a, b)) },
      { name: `adjoint \`matmul(a, b)\`, WASM, ${CORES} threads`, run: using(ALL_CORES, () => matmul(a, b)) },
    ];
    // About a second a product: float32 only, to keep the script under a minute.
    if (dtype === "float32")
      cases.push({ name: "adjoint `matmul(a, b)`, JS kernel", run: using(JS_KERNEL, () => matmul(a, b)) });
    if (dtype === "float32" && wasm === null) {
      const [ta, tb] = [a, b].map(tf2d);
      cases.push(tfCase("TF.js WASM `tf.matMul(a, b)`", () => tf.matMul(ta!, tb!)));
    }
    lines.push(...table(dtype, [S, S, S], cases, 1, 7));
  }
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  console.log(
    `### Matmul workload (${cpu}, ${CORES} cores, load average ${load}, Node ${process.version}; TF.js WASM on one thread; interleaved rounds after warm-up)\n`,
  );
  if (wasm !== null) console.log(`TF.js WASM unavailable: ${wasm}\n`);
  console.log(lines.join("\n"));
  const json = jsonArgument();
  if (json)
    writeFileSync(json, JSON.stringify({ script: "matmul", seconds: performance.now() / 1000, workloads: record }));
}

void main();
