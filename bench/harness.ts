// What every workload script of `npm run bench` shares: the record it writes, interleaved
// timing with a time budget per row, the gradient check before timing, and the `--json`
// interface the orchestrator (bench/main.ts) reads.
//
// The interface: a workload script run as `node --expose-gc bench/dist/<script>.js --json <file>`
// writes a ScriptRecord to <file> and prints its markdown tables on stdout (progress on stderr).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { workloadTable } from "./report";

/**
 * What a row is, for the ratios, the chart and the targets: the transformer's generated code,
 * the runtime's ops composed by hand, a hand-written plain-JS version, or TensorFlow.js.
 */
export type Kind = "adjoint" | "composed" | "hand" | "tfjs-cpu" | "tfjs-wasm" | "other";

export interface Stats {
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
}

export interface RowRecord {
  readonly name: string;
  readonly kind: Kind;
  /** The gradient (or, for matmul, the product) timed; absent when the row could not run. */
  stats?: Stats;
  /** The same implementation's primal (the function's value alone), timed in the same rounds. */
  primal?: Stats;
  /** Floating-point operations per call, for GFLOP/s. */
  flop?: number;
  /** Worst error of this row's gradient in the check before timing (how it is measured: the workload's notes). */
  maxError?: number;
  /** Why the row has no numbers. */
  unavailable?: string;
}

export interface WorkloadRecord {
  /** Stable identifier the targets and the chart refer to: seed-float32, rosenbrock, mlp, dann, matmul-float32, … */
  readonly id: string;
  readonly title: string;
  /** A short name for the chart and the targets: "seed, float32", "MLP step", … */
  readonly label: string;
  readonly dtype: string;
  /** The kind every row's time is divided by ("hand" where there is a hand-written version). */
  readonly baseline: Kind;
  readonly rows: RowRecord[];
  readonly notes: string[];
  /** Set where the gradient is not one row's call: matmul's two adjoint products ÷ the product. */
  readonly gradientOverPrimal?: number;
}

export interface ScriptRecord {
  readonly script: string;
  readonly seconds: number;
  readonly workloads: WorkloadRecord[];
}

export type Data = Float32Array | Float64Array;

/** One implementation of a workload, as the harness runs it. */
export interface Impl {
  readonly name: string;
  readonly kind: Kind;
  /** Untimed, before every call: makes current what the call needs (TF.js: its backend); returns why it cannot run, or null. */
  readonly prepare?: () => Promise<string | null>;
  /** The timed gradient call. */
  readonly grad: () => unknown;
  /** The timed primal call, if the row has one. */
  readonly primal?: () => unknown;
  /** The gradient's arrays, for the check (untimed). */
  readonly read: (result: unknown) => Data[];
  /** Frees a result (untimed). */
  readonly release?: (result: unknown) => void;
  /** Frees what the implementation holds, after the last round. */
  readonly dispose?: () => void;
}

export interface Timing {
  /** Warm-up calls before the timed rounds (fewer for a slow call: at most a quarter of budgetMs). */
  readonly warmup: number;
  /** Timed rounds at most; a row gets fewer when its calls are slow. */
  readonly rounds: number;
  /** Timed rounds at least. */
  readonly minRounds: number;
  /** Time budget for one entry (a gradient or a primal): it leaves the rounds once its calls have taken this long. */
  readonly budgetMs: number;
}

/**
 * glibc malloc settings for the workload processes (bench/main.ts sets them). By default glibc
 * adapts: a freed 4–8 MB buffer goes back to the OS once the free memory at the heap's top passes
 * a threshold, and the next such allocation takes fresh pages, about 1,000 page faults per 4 MB
 * (≈3 ms at idle). Which call pays then depends on what the rows timed before it freed, not on
 * its own code: the generated seed gradient took fresh pages in most rounds and measured 1.8–1.9×
 * the hand-written loop that allocates the same array. With a fixed threshold and no trimming,
 * freed memory stays in the process and every row reuses warm pages.
 */
export const ALLOCATOR_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296";

/** `env` with ALLOCATOR_TUNABLES added to any GLIBC_TUNABLES it has (ignored where the C library is not glibc). */
export function withAllocatorTunables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = env.GLIBC_TUNABLES;
  return { ...env, GLIBC_TUNABLES: own ? `${own}:${ALLOCATOR_TUNABLES}` : ALLOCATOR_TUNABLES };
}

export const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stats(times: readonly number[]): Stats {
  return { medianMs: median(times), minMs: Math.min(...times), runs: times.length };
}

type Gc = (options?: { type: "major" | "minor" }) => void;
const collectGarbage = (): void => (globalThis as { gc?: Gc }).gc?.();
/**
 * A scavenge before every timed call. V8 runs one inside an ArrayBuffer allocation once the
 * buffers allocated since the last one hold twice the semispace (32 MB): the call that crosses
 * pays it ("external memory pressure"), whoever allocated the rest. Without it, the generated
 * seed gradient, timed after the user's primal and the composed ops (40 and 32 MB of buffers),
 * paid one in 32 of 81 calls (15 ms median for those, against 4.9) and the hand loop in 1.
 * A scavenge costs about a millisecond; a full collection before every call would cost 10–40.
 */
const collectYoungGarbage = (): void => (globalThis as { gc?: Gc }).gc?.({ type: "minor" });

let sink = 0;

/** One timed thing: an implementation's gradient or its primal. */
interface Entry {
  readonly impl: Impl;
  readonly call: () => unknown;
  readonly isPrimal: boolean;
  times: number[];
}

async function timedCall(e: Entry): Promise<number> {
  await e.impl.prepare?.();
  const t0 = performance.now();
  const r = e.call();
  const ms = performance.now() - t0;
  // Keep V8 from treating the result as dead; read untimed.
  sink += Array.isArray(r) ? r.length : typeof r === "number" ? r : 1;
  e.impl.release?.(r);
  return ms;
}

/**
 * Checks every implementation once (`check` throws on a wrong gradient, else returns its worst
 * error), then times gradients and primals in interleaved rounds: each round calls every entry
 * once, so that drift in the machine's speed affects all rows alike. An entry stops when it has
 * spent its time budget (a slow row gets fewer rounds), never before `minRounds`.
 */
/** Whether this process runs on glibc, where ALLOCATOR_TUNABLES applies. */
export const isGlibc = (): boolean =>
  process.platform === "linux" &&
  (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    ?.glibcVersionRuntime !== undefined;

export async function runWorkload(
  workload: Omit<WorkloadRecord, "rows">,
  impls: readonly (Impl | { name: string; kind: Kind; unavailable: string })[],
  check: (grads: Data[], impl: Impl) => number,
  timing: Timing,
): Promise<WorkloadRecord> {
  if (!process.env.GLIBC_TUNABLES?.includes(ALLOCATOR_TUNABLES) && isGlibc())
    log(
      `note: GLIBC_TUNABLES=${ALLOCATOR_TUNABLES} is not set (bench/main.ts sets it): rows that allocate may pay page faults their neighbours caused`,
    );
  const rows: RowRecord[] = [];
  const entries: Entry[] = [];
  const live: [Impl, RowRecord][] = [];
  for (const impl of impls) {
    if ("unavailable" in impl) {
      rows.push({ name: impl.name, kind: impl.kind, unavailable: impl.unavailable });
      continue;
    }
    const row: RowRecord = { name: impl.name, kind: impl.kind };
    rows.push(row);
    const failure = await impl.prepare?.();
    if (failure) {
      row.unavailable = `unavailable: ${failure}`;
      continue;
    }
    const r = impl.grad();
    try {
      row.maxError = check(impl.read(r), impl);
    } catch (e) {
      throw new Error(`${workload.title}: ${impl.name}: wrong gradient: ${errorMessage(e)}`);
    } finally {
      impl.release?.(r);
    }
    log(`checked  ${workload.id}  ${impl.name}: max error ${row.maxError.toExponential(2)}`);
    live.push([impl, row]);
    entries.push({ impl, call: impl.grad, isPrimal: false, times: [] });
    if (impl.primal) entries.push({ impl, call: impl.primal, isPrimal: true, times: [] });
  }

  for (const e of entries) {
    collectGarbage();
    let spent = 0;
    for (let i = 0; i < timing.warmup && spent < timing.budgetMs / 4; i++) spent += await timedCall(e);
  }
  // An entry leaves the rounds once it has spent its budget, after minRounds at least.
  const wants = (e: Entry) =>
    e.times.length < timing.rounds &&
    (e.times.length < timing.minRounds || e.times.reduce((a, b) => a + b, 0) < timing.budgetMs);
  for (let round = 0; entries.some(wants); round++) {
    // Once a round, not before every call: a full collection takes 10–40 ms with TF.js loaded.
    collectGarbage();
    // Each round starts one entry further on, so that no row always comes first after the
    // collection. Fresh pages were the larger effect and depend on the neighbours, not the
    // order: ALLOCATOR_TUNABLES is what keeps them out of the timed calls.
    const active = entries.filter(wants);
    const start = round % active.length;
    for (const e of [...active.slice(start), ...active.slice(0, start)]) {
      collectYoungGarbage();
      e.times.push(await timedCall(e));
    }
  }

  for (const [impl, row] of live) {
    for (const e of entries.filter((x) => x.impl === impl)) {
      if (e.isPrimal) row.primal = stats(e.times);
      else row.stats = stats(e.times);
    }
    log(
      `timed    ${workload.id}  ${impl.name}: median ${row.stats!.medianMs.toFixed(2)} ms (${row.stats!.runs} runs)` +
        (row.primal ? `, primal ${row.primal.medianMs.toFixed(2)} ms` : ""),
    );
    impl.dispose?.();
  }
  return { ...workload, rows };
}

/** Prints the workloads' tables and, given `--json <file>`, writes the script's record there. */
export function finish(script: string, started: number, workloads: WorkloadRecord[]): void {
  const seconds = (performance.now() - started) / 1000;
  console.log(workloads.map(workloadTable).join("\n\n"));
  console.log(`\n${script}: ${seconds.toFixed(1)} s (checksum ${sink})`);
  const file = jsonArgument();
  if (file !== undefined) {
    const record: ScriptRecord = { script, seconds, workloads };
    writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  }
}

/** The file given by `--json <file>`, if any. */
export function jsonArgument(): string | undefined {
  const i = process.argv.indexOf("--json");
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * Loads a module of user code that bench/build.mjs compiled with the transformer, or says why
 * it is unavailable (tspc's diagnostics, or an error from calling it). `probe` calls the
 * generated gradient once: grad() throws when the transformer did not rewrite the file.
 */
export async function loadUserCode<M>(
  file: string,
  probe: (m: M) => unknown,
): Promise<{ module: M } | { reason: string }> {
  const reasonFile = path.join(__dirname, `${file}.unavailable.txt`);
  if (existsSync(reasonFile)) {
    const lines = readFileSync(reasonFile, "utf8").split("\n");
    const first = lines.find((l) => /\): error /.test(l)) ?? lines[0]!;
    const m = /^(.*?)\((\d+),(\d+)\): error TS\d+: (.*)$/.exec(first);
    return { reason: `unavailable: ${m ? `tspc ${m[1]}:${m[2]}: ${m[4]}` : first}` };
  }
  try {
    const module = (await import(`./${file}.js`)) as M;
    probe(module);
    return { module };
  } catch (e) {
    const kind = e instanceof Error ? `${e.name} from bench/dist/${file}.js: ` : "";
    return { reason: `unavailable: ${kind}${errorMessage(e)}` };
  }
}

/** The larger error; NaN is worse than any number and stays. */
export function worse(worst: number, err: number): number {
  return Number.isNaN(worst) || Number.isNaN(err) ? NaN : Math.max(worst, err);
}

/** Worst |got − want| over the elements, relative to the largest |want| of each array (a normwise error). */
export function maxNormwiseError(got: readonly Data[], want: readonly Data[]): number {
  if (got.length !== want.length) throw new Error(`${got.length} gradients, expected ${want.length}`);
  let worst = 0;
  got.forEach((g, k) => {
    const w = want[k]!;
    if (g.length !== w.length) throw new Error(`gradient ${k} has ${g.length} elements, expected ${w.length}`);
    let scale = 0;
    for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i]!));
    for (let i = 0; i < w.length; i++) worst = worse(worst, Math.abs(g[i]! - w[i]!) / (scale || 1));
  });
  return worst;
}
