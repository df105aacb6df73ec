// The benchmark's own logic, which the record depends on: the hand-written MLP gradient that
// checks the others, the gradient check that stops a run, the targets judged from the numbers,
// matmul's rows in the record, and the chart's log scale. No timing is asserted here.
import { describe, expect, it } from "vitest";
import {
  ALLOCATOR_TUNABLES,
  maxNormwiseError,
  runWorkload,
  withAllocatorTunables,
  type Impl,
  type WorkloadRecord,
} from "../bench/harness";
import { matmulWorkload } from "../bench/matmul-record";
import { mlpGradHand, mlpLossHand, type MlpData } from "../bench/mlp-hand";
import { addedBuildSeconds, chartSvg, targets, workloadTable } from "../bench/report";

/** A deterministic pseudo-random Float32Array. */
function values(n: number, seed: number, scale = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * 2 * scale;
  });
}

describe("bench/mlp-hand.ts", () => {
  it("matches central differences of its own loss in every parameter", () => {
    const shape = { batch: 3, inputs: 5, hidden: 4, classes: 3 };
    const y = new Float32Array(9);
    [2, 0, 1].forEach((c, b) => (y[b * 3 + c] = 1));
    const d: MlpData = {
      w1: values(20, 1, 0.8),
      b1: values(4, 2, 0.3),
      w2: values(12, 3, 0.8),
      b2: values(3, 4, 0.3),
      x: values(15, 5),
      y,
    };
    const grads = mlpGradHand(shape, d);
    (["w1", "b1", "w2", "b2"] as const).forEach((name, k) => {
      const p = d[name];
      for (let i = 0; i < p.length; i++) {
        const v = p[i]!;
        // The steps actually taken in float32, so that the quotient is exact in its denominator.
        p[i] = v + 1e-2;
        const [up, hi] = [mlpLossHand(shape, d), p[i]!];
        p[i] = v - 1e-2;
        const [down, lo] = [mlpLossHand(shape, d), p[i]!];
        p[i] = v;
        expect(grads[k]![i]).toBeCloseTo((up - down) / (hi - lo), 4);
      }
    });
  });
});

describe("bench/harness.ts", () => {
  const timing = { warmup: 1, rounds: 3, minRounds: 1, budgetMs: 1e9 };
  const impl = (name: string, value: number): Impl => ({
    name,
    kind: "adjoint",
    grad: () => Float64Array.of(value, 2),
    primal: () => 0,
    read: (r) => [r as Float64Array],
  });
  const workload = { id: "w", title: "w", label: "w", dtype: "float64", baseline: "hand" as const, notes: [] };
  const check = ([g]: (Float32Array | Float64Array)[]) => {
    const err = maxNormwiseError([g!], [Float64Array.of(1, 2)]);
    if (err > 1e-9) throw new Error(`error ${err}`);
    return err;
  };

  it("times every row and its primal after checking it", async () => {
    const w = await runWorkload(workload, [impl("right", 1)], check, timing);
    expect(w.rows[0]).toMatchObject({ name: "right", maxError: 0, stats: { runs: 3 }, primal: { runs: 3 } });
  });

  it("stops at a wrong gradient, naming the row", async () => {
    await expect(runWorkload(workload, [impl("right", 1), impl("wrong", 1.5)], check, timing)).rejects.toThrow(
      /wrong: wrong gradient: error 0\.25/,
    );
  });

  it("gives the workload processes the allocator settings, keeping any the caller set", () => {
    expect(withAllocatorTunables({ PATH: "/bin" })).toEqual({ PATH: "/bin", GLIBC_TUNABLES: ALLOCATOR_TUNABLES });
    expect(withAllocatorTunables({ GLIBC_TUNABLES: "glibc.malloc.arena_max=1" }).GLIBC_TUNABLES).toBe(
      `glibc.malloc.arena_max=1:${ALLOCATOR_TUNABLES}`,
    );
  });

  it("measures errors normwise, and counts NaN as the worst", () => {
    expect(maxNormwiseError([Float32Array.of(1, 4.5)], [Float64Array.of(1, 4)])).toBeCloseTo(0.125);
    expect(maxNormwiseError([Float32Array.of(NaN, 4)], [Float64Array.of(1, 4)])).toBeNaN();
    expect(maxNormwiseError([Float32Array.of(1, 4)], [Float64Array.of(1, NaN)])).toBeNaN();
  });
});

/** A workload with the given medians per kind (minimums the same). */
function record(
  id: string,
  medians: Partial<Record<"adjoint" | "hand" | "tfjs-wasm", number>>,
  primal?: number,
): WorkloadRecord {
  return {
    id,
    title: id,
    label: id,
    dtype: "float32",
    baseline: medians.hand !== undefined ? "hand" : "tfjs-wasm",
    notes: [],
    rows: Object.entries(medians).map(([kind, ms]) => ({
      name: kind,
      kind: kind as "adjoint",
      stats: { medianMs: ms, minMs: ms, runs: 5 },
      ...(kind === "adjoint" && primal !== undefined ? { primal: { medianMs: primal, minMs: primal, runs: 5 } } : {}),
    })),
  };
}

describe("bench/report.ts", () => {
  it("judges each target of issue #12 from the medians", () => {
    const matmul = matmulWorkload(
      "float32",
      [256, 784, 256],
      [
        "adjoint `matmul(a, b)`",
        "adjoint `matmulGradA` (g·bᵀ)",
        "adjoint `matmulGradB` (aᵀ·g)",
        "TF.js WASM `tf.matMul(a, b)`",
      ],
      [[2], [2], [2], [1]],
    );
    const ts = targets(
      [
        record("seed-float32", { adjoint: 11, hand: 10 }, 10),
        record("seed-float64", { adjoint: 13, hand: 10 }, 10),
        record("mlp", { adjoint: 40, hand: 100, "tfjs-wasm": 100 }, 10),
        matmul,
      ],
      { table: "", json: { build: { wall: { addedMs: 420 } } } },
    );
    expect(ts.map((t) => t.met)).toEqual([true, false, true, false, false, true]);
    expect(ts[4]!.measured).toContain("mlp 4.00×"); // the one workload over 3
    expect(ts[1]!.measured).toBe("51.38 vs 102.76 GFLOP/s (adjoint `matmul(a, b)` vs TF.js WASM `tf.matMul(a, b)`)");
  });

  it("says when a target has no numbers", () => {
    expect(targets([], undefined).every((t) => t.met === undefined)).toBe(true);
  });

  it("reads the wall time the transform adds from build-cost.mjs's JSON", () => {
    // The wall time added, not the CPU time per call that bench/build-cost.mjs also writes.
    const json = { build: { wall: { addedMs: 1402 }, cpu: { addedMs: 2513 }, addedPerCallCpuMs: 50 } };
    expect(addedBuildSeconds(json)).toBe(1.402);
    expect(addedBuildSeconds({ addedSeconds: 0.3 })).toBeUndefined();
  });

  it("puts matmul's two adjoint products over its product, and its rows' kinds from their names", () => {
    const w = matmulWorkload(
      "float64",
      [256, 784, 256],
      [
        "adjoint `matmul(a, b)`",
        "adjoint `matmulGradA` (g·bᵀ)",
        "adjoint `matmulGradB` (aᵀ·g)",
        "former i-p-j kernel, a·b",
      ],
      [[10], [12], [13], [40]],
    );
    expect(w.id).toBe("matmul-float64");
    expect(w.gradientOverPrimal).toBe(2.5);
    expect(w.rows.map((r) => r.kind)).toEqual(["adjoint", "adjoint", "adjoint", "hand"]);
    expect(workloadTable(w)).toContain("| former i-p-j kernel, a·b | 40.0 | 40.0 | 1 | 1.00× / 1.00× | 2.57 |");
  });

  it("compares matmul on one thread, and falls back to TF.js WASM as baseline without a hand-written row", () => {
    const w = matmulWorkload(
      "float32",
      [256, 784, 256],
      [
        "adjoint `matmul(a, b)`, WASM, 2 threads",
        "adjoint `matmul(a, b)`, WASM, 1 thread",
        "TF.js WASM `tf.matMul(a, b)`",
      ],
      [[1], [4], [5]],
    );
    expect(w.baseline).toBe("tfjs-wasm");
    expect(targets([w], undefined)[1]!.measured).toMatch(
      /^25\.69 vs 20\.55 GFLOP\/s \(adjoint `matmul\(a, b\)`, WASM, 1 thread vs/,
    );
  });

  it("draws each bar's length as the log of its ratio to the baseline", () => {
    const svg = chartSvg([record("a", { adjoint: 100, hand: 10 }), record("b", { adjoint: 1, "tfjs-wasm": 10 })], "");
    const widths = [...svg.matchAll(/<rect x="\d+" y="[\d.]+" width="([\d.]+)" height="15"/g)].map((m) => Number(m[1]));
    // a: 10× and the hand-written 1×; b: 0.1× and TF.js WASM's 1×. One decade apart each.
    expect(widths).toHaveLength(4);
    expect(widths[0]! - widths[1]!).toBeCloseTo(widths[1]! - widths[2]!, 0);
    expect(widths[3]).toBeCloseTo(widths[1]!, 0);
    expect(svg).toContain("÷ TF.js WASM");
    expect(svg).toContain("10.0× <tspan");
  });
});
