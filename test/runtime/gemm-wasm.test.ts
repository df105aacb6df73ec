// The WebAssembly SIMD matrix product (gemm.as.ts, loaded by runtime/ops/wasm/kernel.ts) against
// the JS kernel and a float64 reference: float64 gives the JS kernel's bits (the same sums in the
// same order), float32 stays within the rounding of a float32 sum of k products; every tile edge,
// every transposition, chunks of the shared dimension, subarray views, the fallback to the JS
// kernel when WebAssembly (or its synchronous compilation) is missing, worker threads, and the
// generated module's freshness.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomNormal } from "../../runtime";
import { configureMatmul, type MatmulSettings } from "../../runtime/internal";
import { gemm, threadsFor, view, type MatrixView } from "../../runtime/ops/gemm";
import { reloadWasmGemm, shareTimeoutMs, wasmGemm, type WasmApi } from "../../runtime/ops/wasm/kernel";
import type { WorkerPool } from "../../runtime/ops/wasm/threads";
import type { TypedArray } from "../../runtime/tensor";

const root = path.resolve(__dirname, "../..");
type DType = "float32" | "float64";
const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

interface Problem {
  readonly a: MatrixView;
  readonly b: MatrixView;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly dtype: DType;
}

let seed = 1;
function problem(dtype: DType, m: number, k: number, n: number, ta: boolean, tb: boolean): Problem {
  const a = randomNormal(ta ? [k, m] : [m, k], { seed: seed++, dtype });
  const b = randomNormal(tb ? [n, k] : [k, n], { seed: seed++, dtype });
  return { a: view(a.data, a.shape[1]!, ta), b: view(b.data, b.shape[1]!, tb), m, k, n, dtype };
}

/** gemm of the problem with the kernel and threads given. */
function product(p: Problem, kernel: MatmulSettings["kernel"], threads = 1): TypedArray {
  const out = p.dtype === "float32" ? new Float32Array(p.m * p.n) : new Float64Array(p.m * p.n);
  const previous = configureMatmul({ kernel, threads });
  try {
    gemm(p.a, p.b, out, p.m, p.k, p.n);
  } finally {
    configureMatmul(previous);
  }
  return out;
}

/** Whether C is op(A)·op(B) within k·eps·(|A|·|B|) of the product in float64, element by element. */
function expectWithinRounding(p: Problem, c: TypedArray, label: string): void {
  const { a, b, m, k, n } = p;
  const eps = p.dtype === "float32" ? 2 ** -24 : 2 ** -53;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let exact = 0;
      let magnitude = 0;
      for (let q = 0; q < k; q++) {
        const x = a.data[i * a.rowStride + q * a.colStride]! * b.data[q * b.rowStride + j * b.colStride]!;
        exact += x;
        magnitude += Math.abs(x);
      }
      const error = Math.abs(c[i * n + j]! - exact);
      if (!(error <= (k + 2) * eps * magnitude)) {
        expect.fail(`${label}: C[${i}][${j}] = ${c[i * n + j]}, float64 product ${exact}, error ${error}`);
      }
    }
  }
}

let settings: MatmulSettings;
beforeAll(async () => {
  settings = configureMatmul({});
  expect(await reloadWasmGemm(), "WebAssembly SIMD loads in Node").not.toBeNull();
});
afterAll(async () => {
  configureMatmul(settings);
  await reloadWasmGemm();
});

const MS = [1, 3, 4, 5, 17, 63, 65, 97];
const NS = [1, 3, 5, 8, 9, 17, 65];
// Past the chunk of the shared dimension (256) and several chunks.
const KS = [1, 3, 17, 255, 257, 600];

describe("the WASM matrix product", () => {
  for (const dtype of ["float64", "float32"] as const) {
    for (const [ta, tb] of TRANSPOSES) {
      const name = `${ta ? "aᵀ" : "a"}·${tb ? "bᵀ" : "b"}`;
      it(`${dtype}, ${name}: ${dtype === "float64" ? "the JS kernel's bits" : "within float32 rounding"} at every tile edge`, () => {
        let index = 0;
        for (const m of MS) {
          for (const n of NS) {
            const k = KS[index++ % KS.length]!;
            const p = problem(dtype, m, k, n, ta, tb);
            const wasm = product(p, "wasm");
            if (dtype === "float64")
              expect(Array.from(wasm), `m=${m} k=${k} n=${n}`).toEqual(Array.from(product(p, "js")));
            else expectWithinRounding(p, wasm, `m=${m} k=${k} n=${n}`);
          }
        }
      });
    }

    it(`${dtype}: blocks of rows past MC (96) and of columns past NC (1024), k past several chunks`, () => {
      for (const [m, k, n] of [
        [200, 300, 20],
        [5, 40, 1030],
        [33, 777, 9],
      ] as const) {
        for (const [ta, tb] of TRANSPOSES) {
          const p = problem(dtype, m, k, n, ta, tb);
          const wasm = product(p, "wasm");
          if (dtype === "float64") expect(Array.from(wasm)).toEqual(Array.from(product(p, "js")));
          else expectWithinRounding(p, wasm, `m=${m} k=${k} n=${n} ta=${ta} tb=${tb}`);
        }
      }
    });

    it(`${dtype}: operands that are subarrays of a larger buffer, as a batched matmul passes them`, () => {
      const [m, k, n] = [7, 19, 10];
      const batch = randomNormal([3, m * k + 5], { seed: 11, dtype }).data;
      const other = randomNormal([2, k * n + 3], { seed: 12, dtype }).data;
      for (const [ta, tb] of TRANSPOSES) {
        const a = batch.subarray(m * k + 5 + 2, 2 * (m * k + 5) + 2).subarray(0, m * k);
        const b = other.subarray(k * n + 3, 2 * (k * n + 3)).subarray(0, k * n);
        const p: Problem = { a: view(a, ta ? m : k, ta), b: view(b, tb ? k : n, tb), m, k, n, dtype };
        const copies: Problem = { ...p, a: view(a.slice(), ta ? m : k, ta), b: view(b.slice(), tb ? k : n, tb) };
        expect(Array.from(product(p, "wasm"))).toEqual(Array.from(product(copies, "wasm")));
        expectWithinRounding(p, product(p, "wasm"), `ta=${ta} tb=${tb}`);
      }
    });
  }

  it("mixed dtypes are multiplied in float64, the JS kernel's bits (a float32 result rounded once)", () => {
    const a32 = randomNormal([30, 40], { seed: 21, dtype: "float32" }).data;
    const b64 = randomNormal([40, 20], { seed: 22, dtype: "float64" }).data;
    for (const out of [new Float64Array(600), new Float32Array(600)]) {
      const p: Problem = { a: view(a32, 40), b: view(b64, 20), m: 30, k: 40, n: 20, dtype: "float64" };
      const run = (kernel: "js" | "wasm"): number[] => {
        const c = out.slice();
        const previous = configureMatmul({ kernel });
        gemm(p.a, p.b, c, 30, 40, 20);
        configureMatmul(previous);
        return Array.from(c);
      };
      expect(run("wasm")).toEqual(run("js"));
    }
  });

  it('"auto" keeps the JS kernel for small products and takes WASM for large ones', () => {
    const small = problem("float32", 4, 4, 4, false, false);
    expect(Array.from(product(small, "auto"))).toEqual(Array.from(product(small, "js")));
    const large = problem("float32", 64, 300, 64, false, false);
    const js = product(large, "js");
    const wasm = product(large, "wasm");
    expect(Array.from(wasm)).not.toEqual(Array.from(js)); // float32 sums in float32: some last bits differ
    expect(Array.from(product(large, "auto"))).toEqual(Array.from(wasm));
  });
});

describe("loading and the JS fallback", () => {
  const large = problem("float32", 64, 300, 64, true, false);

  it('with kernel "js", the JS kernel serves whatever the size', () => {
    const out = new Float32Array(64 * 64);
    // The JS kernel sums in float64 and rounds once.
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 64; j++) {
        let s = 0;
        for (let q = 0; q < 300; q++) s += large.a.data[i + q * 64]! * large.b.data[q * 64 + j]!;
        out[i * 64 + j] = s;
      }
    }
    expect(Array.from(product(large, "js"))).toEqual(Array.from(out));
  });

  it("where synchronous compilation throws (a browser's main thread), the JS kernel serves until the asynchronous compile is done", async () => {
    const js = product(large, "js");
    const wasm = product(large, "wasm");
    expect(Array.from(wasm)).not.toEqual(Array.from(js));
    const real = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    let compiled = 0;
    const mainThread: WasmApi = {
      validate: (bytes) => real.validate(bytes),
      Memory: real.Memory,
      Module: class {
        constructor() {
          throw new RangeError(
            "WebAssembly.Compile is disallowed on the main thread, if the buffer size is larger than 4KB",
          );
        }
      },
      Instance: class {
        constructor() {
          throw new RangeError("WebAssembly.Instance is disallowed on the main thread");
        }
      } as unknown as WasmApi["Instance"],
      compile: (bytes) => (compiled++, real.compile(bytes)),
      instantiate: (module, imports) => real.instantiate(module, imports),
    };
    const ready = reloadWasmGemm(mainThread);
    expect(wasmGemm()).toBeNull();
    expect(Array.from(product(large, "wasm"))).toEqual(Array.from(js));
    expect(await ready).not.toBeNull();
    expect(compiled).toBe(1);
    expect(Array.from(product(large, "wasm"))).toEqual(Array.from(wasm));
  });

  it("without WebAssembly, or where it lacks SIMD (the module does not validate), the JS kernel serves", async () => {
    const js = product(large, "js");
    expect(await reloadWasmGemm(null)).toBeNull();
    expect(Array.from(product(large, "wasm"))).toEqual(Array.from(js));
    const real = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    expect(await reloadWasmGemm({ ...real, validate: () => false })).toBeNull();
    expect(wasmGemm()).toBeNull();
    expect(Array.from(product(large, "auto"))).toEqual(Array.from(js));
    expect(await reloadWasmGemm()).not.toBeNull();
  });
});

describe("worker threads", () => {
  it("by default a product is cut for the machine's cores (at most 8) once each share reaches half of 256³", () => {
    const defaults = configureMatmul({});
    configureMatmul(defaults);
    expect(defaults.threads).toBe(Math.min(8, os.availableParallelism()));
    const allowed = { kernel: "auto", threads: 4 } as const;
    expect(threadsFor(100 ** 3, allowed)).toBe(1);
    expect(threadsFor(256 * 784 * 256, allowed)).toBe(4);
    expect(threadsFor(256 ** 3, allowed)).toBe(2);
    expect(threadsFor(1024 ** 3, { kernel: "auto", threads: 1 })).toBe(1);
    expect(threadsFor(2 ** 3, { kernel: "wasm", threads: 3 })).toBe(3);
  });

  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: two threads give the one-thread result bit for bit, split by rows or by columns`, async () => {
      const gemmWasm = (await reloadWasmGemm())!;
      for (const [m, k, n] of [
        [37, 300, 11],
        [9, 70, 53],
        [2, 5, 3],
        [200, 257, 150],
      ] as const) {
        for (const [ta, tb] of TRANSPOSES) {
          const p = problem(dtype, m, k, n, ta, tb);
          const one = product(p, "wasm", 1);
          const out = dtype === "float32" ? new Float32Array(m * n) : new Float64Array(m * n);
          // Up to four threads, each with a share: the pool starts the workers it lacks.
          const parts = gemmWasm.run(p.a, p.b, out, m, k, n, 2);
          expect(parts, `m=${m} n=${n}`).toBe(Math.min(2, Math.ceil(Math.max(m, n) / 8)));
          expect(Array.from(out), `m=${m} k=${k} n=${n}`).toEqual(Array.from(one));
          expect(Array.from(product(p, "wasm", 3))).toEqual(Array.from(one));
        }
      }
    });
  }

  it("a worker that stops answering: the wait ends, the module retires and the JS kernel computes the product", async () => {
    const gemmWasm = (await reloadWasmGemm())!;
    const p = problem("float64", 64, 40, 48, false, false);
    const out = new Float64Array(64 * 48);
    expect(gemmWasm.run(p.a, p.b, out, 64, 40, 48, 2)).toBe(2);
    const pool = (gemmWasm as unknown as { pool: { workers: { terminate(): Promise<number> }[] } }).pool;
    await pool.workers[0]!.terminate();
    // The dead worker's share is never done: the pool reports it after the timeout instead of waiting for good.
    const job = Array.from({ length: 12 }, () => 0);
    const ownShare = (): void => {};
    expect((pool as unknown as WorkerPool).run(64, [job], ownShare, 50)).toBe(false);
    // The module then gives up for good (a worker that only slowed down could still write into its memory).
    const warn = console.warn;
    console.warn = () => {};
    try {
      (gemmWasm as unknown as { retire(): void }).retire();
    } finally {
      console.warn = warn;
    }
    expect(gemmWasm.run(p.a, p.b, out, 64, 40, 48, 2)).toBe(0);
    expect(shareTimeoutMs(4096 ** 3 / 2)).toBeGreaterThan(300_000);
    await reloadWasmGemm();
  });

  it("idle workers do not keep a process alive", () => {
    const script = [
      `const { matmul, randomNormal } = require(${JSON.stringify(path.join(root, "dist/runtime"))});`,
      `const { configureMatmul } = require(${JSON.stringify(path.join(root, "dist/runtime/internal"))});`,
      `configureMatmul({ kernel: "wasm", threads: 2 });`,
      `const a = randomNormal([40, 30], { seed: 1 });`,
      `console.log(matmul(a, randomNormal([30, 20], { seed: 2 })).shape.join("x"));`,
    ].join("\n");
    const output = execFileSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(output.trim()).toBe("40x20");
  });
});

describe("the generated module", () => {
  it("runtime/ops/wasm/gemm-module.generated.ts is what gemm.as.ts compiles to (run `npm run gen:wasm`)", async () => {
    const script = pathToFileURL(path.join(root, "scripts/gen-wasm.mjs")).href;
    const { generateWasmModule } = (await import(script)) as { generateWasmModule: () => Promise<string> };
    const file = path.join(root, "runtime/ops/wasm/gemm-module.generated.ts");
    expect(await generateWasmModule()).toBe(readFileSync(file, "utf8"));
  }, 180_000);
});
