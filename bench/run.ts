// `npm run bench`: times the gradient of the seed notebook's modified function
// sum(f(x) + g(x) - stopGradient(g(x))), f(x) = x², g(x) = x³, on 1e6 elements, float32 and
// float64, in one process: the transformer's generated gradient, the same gradient composed
// from runtime ops by hand, a hand-written fused loop, and TensorFlow.js (CPU and WASM).
// Every implementation is checked against 2x + 3x² once before any timing.
// Prints a markdown table on stdout; progress goes to stderr.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { randomUniform, type Tensor } from "adjoint";
import { dModifiedComposed } from "./composed.js";
import { dModifiedLoop32, dModifiedLoop64 } from "./loop.js";
import { activate, dModifiedTf, tf, wasmFlavour } from "./tfjs.js";

const N = 1_000_000;
const WARMUP = 5;
const RUNS = 21;
/** Per-row budget for the timed runs; a slow row (TF.js CPU) gets fewer runs, never under MIN_RUNS. */
const ROW_BUDGET_MS = 6_000;
const MIN_RUNS = 7;
const TOLERANCE = { float32: 1e-5, float64: 1e-12 } as const;

type DType = "float32" | "float64";
type Data = Float32Array | Float64Array;

/** One implementation on one input: `call` is what is timed; reading and freeing are not. */
interface Case {
  activate?: () => Promise<string | null>;
  call: () => unknown;
  read: (result: unknown) => Data;
  release?: (result: unknown) => void;
  /** Frees what the case holds (TF.js input tensors). */
  dispose?: () => void;
}

interface Row {
  name: string;
  /** Set when the row cannot run: printed in place of numbers. */
  unavailable?: string;
  make?: (x: Tensor) => Case;
  /** Filled in by the run. */
  maxErr?: number;
  times?: number[];
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

// ---------------------------------------------------------------------------------------
// The generated gradient: bench/dist/workloads.js, when bench/build.mjs could build it.

async function loadGenerated(): Promise<{ fn: (x: Tensor) => Tensor } | { reason: string }> {
  const reasonFile = path.join(__dirname, "workloads.unavailable.txt");
  if (existsSync(reasonFile)) {
    const lines = readFileSync(reasonFile, "utf8").split("\n");
    const first = lines.find((l) => /\): error /.test(l)) ?? lines[0];
    const m = /^(.*?)\((\d+),(\d+)\): error TS\d+: (.*)$/.exec(first);
    return { reason: `unavailable: ${m ? `tspc ${m[1]}:${m[2]}: ${m[4]}` : first}` };
  }
  try {
    const mod = (await import("./workloads.js")) as { dModified: (x: Tensor) => Tensor };
    // grad() throws when the transformer did not rewrite the file; find out before timing.
    mod.dModified(randomUniform([3], { seed: 1 }));
    return { fn: mod.dModified };
  } catch (e) {
    const kind = e instanceof Error ? `${e.name} from bench/dist/workloads.js: ` : "";
    return { reason: `unavailable: ${kind}${errorMessage(e)}` };
  }
}

// ---------------------------------------------------------------------------------------
// Rows

async function buildRows(dtype: DType): Promise<Row[]> {
  const generated = await loadGenerated();
  const adjointCase =
    (fn: (x: Tensor) => Tensor) =>
    (x: Tensor): Case => ({
      call: () => fn(x),
      read: (r) => {
        const t = r as Tensor;
        if (t.dtype !== dtype) throw new Error(`gradient has dtype ${t.dtype}, expected ${dtype}`);
        if (t.shape.length !== 1 || t.shape[0] !== N) throw new Error(`gradient has shape [${t.shape}]`);
        return t.data;
      },
    });
  const rows: Row[] = [
    "fn" in generated
      ? { name: "adjoint: generated `grad(modified)`", make: adjointCase(generated.fn) }
      : { name: "adjoint: generated `grad(modified)`", unavailable: generated.reason },
    { name: "adjoint: runtime ops composed by hand", make: adjointCase(dModifiedComposed) },
    {
      name: "hand-written fused loop",
      make: (x) => ({
        call:
          dtype === "float32"
            ? () => dModifiedLoop32(x.data as Float32Array)
            : () => dModifiedLoop64(x.data as Float64Array),
        read: (r) => r as Data,
      }),
    },
  ];
  const tfVersion = tf.version.tfjs;
  for (const backend of ["cpu", "wasm"] as const) {
    const name = `TF.js ${tfVersion} ${backend === "cpu" ? "CPU" : "WASM"} backend, \`tf.grad\``;
    if (dtype === "float64") {
      rows.push({ name, unavailable: "n/a (TF.js has no float64)" });
      continue;
    }
    const failed = await activate(backend);
    if (failed !== null) {
      rows.push({ name, unavailable: `unavailable: ${failed}` });
      continue;
    }
    const flavour = backend === "wasm" ? ` (${await wasmFlavour()})` : "";
    rows.push({
      name: name + flavour,
      make: (x) => {
        let xt: tf.Tensor | undefined;
        return {
          // The input tensor is created once per row, outside the timed region, on this backend.
          activate: async () => {
            const failure = await activate(backend);
            if (failure === null && xt === undefined) xt = tf.tensor1d(x.data as Float32Array, "float32");
            return failure;
          },
          call: () => tf.tidy(() => dModifiedTf(xt!)),
          read: (r) => {
            const t = r as tf.Tensor;
            if (t.dtype !== "float32" || t.size !== N) throw new Error(`gradient has dtype ${t.dtype}, size ${t.size}`);
            return t.dataSync() as Float32Array;
          },
          release: (r) => (r as tf.Tensor).dispose(),
          dispose: () => xt?.dispose(),
        };
      },
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// Checking and timing

/** Max over i of |got - (2x + 3x²)| / (|2x| + 3x²), the reference computed in float64. */
function maxRelError(x: Data, got: Data): number {
  if (got.length !== x.length) throw new Error(`gradient has ${got.length} elements, expected ${x.length}`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const scale = Math.abs(2 * v) + 3 * v * v;
    const err = Math.abs(got[i] - (2 * v + 3 * v * v));
    const rel = err === 0 ? 0 : scale === 0 ? Infinity : err / scale;
    if (!(rel <= worst)) worst = rel; // NaN counts as the worst
  }
  return worst;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function check(row: Row, c: Case, dtype: DType, x: Tensor): Promise<void> {
  const r = c.call();
  try {
    const err = maxRelError(x.data, c.read(r));
    row.maxErr = err;
    if (!(err <= TOLERANCE[dtype])) {
      throw new Error(`max relative error ${err.toExponential(2)} exceeds ${TOLERANCE[dtype]}`);
    }
  } catch (e) {
    throw new Error(`${row.name}, ${dtype}: wrong gradient: ${errorMessage(e)}`);
  } finally {
    c.release?.(r);
  }
}

let sink = 0;

function time(c: Case): number[] {
  collectGarbage();
  let first = 0;
  for (let i = 0; i < WARMUP; i++) {
    const t0 = performance.now();
    const r = c.call();
    first = performance.now() - t0;
    sink += c.read(r)[0];
    c.release?.(r);
  }
  const runs = Math.max(MIN_RUNS, Math.min(RUNS, Math.floor(ROW_BUDGET_MS / Math.max(first, 1e-3)))) | 1;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = c.call();
    times.push(performance.now() - t0);
    sink += c.read(r)[0];
    c.release?.(r);
  }
  return times;
}

// ---------------------------------------------------------------------------------------
// Output

function machine(): string {
  const cpus = os.cpus();
  const gib = (os.totalmem() / 2 ** 30).toFixed(1);
  return (
    `Machine: ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, ${gib} GiB, ` +
    `Node ${process.version}, ${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`
  );
}

const ms = (t: number) => (t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2));
const ratio = (r: number) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)) + "×";

function table(dtype: DType, rows: Row[]): string {
  const med = (r: Row | undefined) => (r?.times ? median(r.times) : undefined);
  const loop = med(rows.find((r) => r.name === "hand-written fused loop"));
  const tfCpu = med(rows.find((r) => r.name.includes("CPU backend")));
  const out = [
    `### ${dtype}, n = ${N.toLocaleString("en-US")}`,
    "",
    "| implementation | median ms | min–max ms | runs | time ÷ loop | TF.js CPU ÷ time | max rel. error |",
    "|---|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows) {
    if (!r.times) {
      out.push(`| ${r.name} | ${r.unavailable ?? "unavailable"} | | | | | |`);
      continue;
    }
    const m = median(r.times);
    const cells = [
      r.name,
      ms(m),
      `${ms(Math.min(...r.times))}–${ms(Math.max(...r.times))}`,
      String(r.times.length),
      loop !== undefined ? ratio(m / loop) : "n/a",
      tfCpu !== undefined ? ratio(tfCpu / m) : "n/a",
      r.maxErr === 0 ? "0" : (r.maxErr ?? NaN).toExponential(1),
    ];
    out.push(`| ${cells.join(" | ")} |`);
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  // TF.js logs a "install tfjs-node" hint on first use of the CPU backend in Node; prod mode
  // only turns off its log and warn output (TF.js 4.x), not any checks that cost time.
  tf.enableProdMode();
  const started = performance.now();
  const date = new Date().toISOString().slice(0, 10);
  const sections: string[] = [];
  for (const dtype of ["float32", "float64"] as const) {
    // Uniform on [-1, 1]: includes both zeros of 2x + 3x² (0 and -2/3).
    const x = randomUniform([N], { seed: 20240601, dtype, low: -1, high: 1 });
    const rows = await buildRows(dtype);
    const live: [Row, Case][] = [];
    for (const row of rows) if (row.make) live.push([row, row.make(x)]);
    for (const [row, c] of live) {
      const failure = await c.activate?.();
      if (failure) {
        row.unavailable = `unavailable: ${failure}`;
        continue;
      }
      await check(row, c, dtype, x);
      log(`checked  ${dtype}  ${row.name}: max relative error ${row.maxErr!.toExponential(2)}`);
    }
    for (const [row, c] of live) {
      if (row.unavailable) continue;
      await c.activate?.();
      row.times = time(c);
      log(`timed    ${dtype}  ${row.name}: median ${ms(median(row.times))} ms over ${row.times.length} runs`);
    }
    for (const [, c] of live) c.dispose?.();
    sections.push(table(dtype, rows));
  }
  const tensorsLeft = tf.memory().numTensors;
  if (tensorsLeft !== 0) throw new Error(`TF.js leaked ${tensorsLeft} tensors`);
  const wall = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`# adjoint benchmark: gradient of sum(x² + x³ - stopGradient(x³)), ${date}\n`);
  console.log(machine() + "\n");
  console.log(
    `Median of timed runs after ${WARMUP} warm-up runs (${RUNS} timed, fewer for a row slower than ` +
      `${(ROW_BUDGET_MS / RUNS) | 0} ms a run). "time ÷ loop" is how many times slower than the fused loop; ` +
      `"TF.js CPU ÷ time" is the speed-up over TF.js CPU. Errors are relative to |2x| + 3x².\n`,
  );
  console.log(sections.join("\n\n"));
  console.log(`\nTotal ${wall} s (checksum ${sink.toFixed(3)}).`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${errorMessage(e)}\n`);
  process.exit(1);
});
