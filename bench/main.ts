// `npm run bench`: the project's performance record. Runs each workload script in its own
// process (`node --expose-gc bench/dist/<script>.js --json <file>`, see bench/harness.ts),
// then bench/build-cost.mjs if present, and writes
//   bench/results.json   every row, the machine, the load, how long each script took;
//   bench/chart.svg      time relative to the hand-written version, per workload;
//   BENCHMARKS.md        the generated part between its record markers (tables, targets);
// and prints the same markdown on stdout (the scripts' progress and tables go to stderr).
//
//   node bench/dist/main.js                 everything (what npm run bench runs after building)
//   node bench/dist/main.js mlp dann        only these scripts; prints, writes nothing
//   node bench/dist/main.js hvp             the Hessian-vector product ÷ gradient rows (bench/hvp.ts)
//   node bench/dist/main.js --render        rewrites the chart and BENCHMARKS.md from results.json
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ALLOCATOR_TUNABLES, isGlibc, withAllocatorTunables, type ScriptRecord, type WorkloadRecord } from "./harness";
import { chartSvg, targets, targetsTable, workloadTable, type BuildCost } from "./report";

const SCRIPTS = ["seed", "rosenbrock", "mlp", "dann", "matmul", "hvp"] as const;
const root = path.join(__dirname, "..", "..");
const files = {
  results: path.join(root, "bench", "results.json"),
  chart: path.join(root, "bench", "chart.svg"),
  doc: path.join(root, "BENCHMARKS.md"),
  buildCost: path.join(root, "bench", "build-cost.mjs"),
  pluginCost: path.join(root, "bench", "plugin-cost.mjs"),
};
const MARKERS = ["<!-- record:begin (written by npm run bench) -->", "<!-- record:end -->"] as const;

interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  /** The C allocator's settings the workload scripts ran with (bench/harness.ts, ALLOCATOR_TUNABLES); absent in older records. */
  readonly allocator?: string;
}

interface Record {
  readonly date: string;
  readonly machine: Machine;
  /** os.loadavg() (1, 5, 15 minutes) before the first script and after the last. */
  readonly load: { readonly start: number[]; readonly end: number[] };
  readonly seconds: number;
  readonly scripts: { readonly script: string; readonly seconds: number; readonly error?: string }[];
  readonly workloads: WorkloadRecord[];
  readonly buildCost?: BuildCost;
  /** Why there is no build cost. */
  readonly buildCostMissing?: string;
  /** bench/plugin-cost.mjs: what a bundler plugin costs per file; absent in older records. */
  readonly pluginCost?: BuildCost;
  readonly pluginCostMissing?: string;
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown CPU",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    ...(isGlibc() ? { allocator: `glibc malloc, GLIBC_TUNABLES=${ALLOCATOR_TUNABLES}` } : {}),
  };
}

/** Runs one command with `--json <tmp file>`; its stdout and stderr go to our stderr. */
function runWithJson(
  label: string,
  args: string[],
  dir: string,
): { json?: unknown; stdout: string; error?: string; seconds: number } {
  const file = path.join(dir, `${label}.json`);
  log(`\n== ${label} ==`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...args, "--json", file], {
    cwd: root,
    env: withAllocatorTunables(process.env),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 2 ** 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(r.stdout ?? "");
  log(`== ${label}: ${seconds.toFixed(1)} s`);
  if (r.status !== 0 || !existsSync(file)) {
    const why = r.error ? r.error.message : `exit status ${r.status}${existsSync(file) ? "" : ", no --json output"}`;
    return { stdout: r.stdout ?? "", error: why, seconds };
  }
  return { json: JSON.parse(readFileSync(file, "utf8")), stdout: r.stdout ?? "", seconds };
}

function run(only: readonly string[]): Record {
  const started = performance.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-bench-"));
  const startLoad = os.loadavg();
  const scripts: Record["scripts"][number][] = [];
  const workloads: WorkloadRecord[] = [];
  try {
    for (const script of SCRIPTS.filter((s) => only.length === 0 || only.includes(s))) {
      // The seed workload runs each dtype in a process of its own (bench/seed.ts says why).
      const runs =
        script === "seed"
          ? [
              ["--dtype", "float32"],
              ["--dtype", "float64"],
            ]
          : [[]];
      for (const extra of runs) {
        const label = [script, ...extra.slice(1)].join("-");
        const r = runWithJson(label, ["--expose-gc", path.join(root, "bench", "dist", `${script}.js`), ...extra], dir);
        scripts.push({ script: label, seconds: r.seconds, ...(r.error ? { error: r.error } : {}) });
        if (r.json) workloads.push(...(r.json as ScriptRecord).workloads);
      }
    }
    let buildCost: BuildCost | undefined;
    let buildCostMissing: string | undefined;
    if (only.length > 0 && !only.includes("build-cost")) buildCostMissing = "not run (a subset of the scripts)";
    else if (!existsSync(files.buildCost)) buildCostMissing = "bench/build-cost.mjs is missing";
    else {
      const r = runWithJson("build-cost", [files.buildCost], dir);
      scripts.push({ script: "build-cost", seconds: r.seconds, ...(r.error ? { error: r.error } : {}) });
      if (r.json !== undefined) buildCost = { table: r.stdout.trim(), json: r.json };
      else buildCostMissing = `bench/build-cost.mjs failed: ${r.error}`;
    }
    let pluginCost: BuildCost | undefined;
    let pluginCostMissing: string | undefined;
    if (only.length > 0 && !only.includes("plugin-cost")) pluginCostMissing = "not run (a subset of the scripts)";
    else {
      const r = runWithJson("plugin-cost", [files.pluginCost], dir);
      scripts.push({ script: "plugin-cost", seconds: r.seconds, ...(r.error ? { error: r.error } : {}) });
      if (r.json !== undefined) pluginCost = { table: r.stdout.trim(), json: r.json };
      else pluginCostMissing = `bench/plugin-cost.mjs failed: ${r.error}`;
    }
    return {
      date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      machine: machine(),
      load: { start: startLoad, end: os.loadavg() },
      seconds: (performance.now() - started) / 1000,
      scripts,
      workloads,
      ...(buildCost ? { buildCost } : { buildCostMissing }),
      ...(pluginCost ? { pluginCost } : { pluginCostMissing }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describeMachine(r: Record): string {
  const m = r.machine;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
  return (
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}. ` +
    (m.allocator ? `${m.allocator} (freed memory stays in the process; bench/harness.ts says why). ` : "") +
    `Load average (1, 5, 15 min): ${load(r.load.start)} at the start, ${load(r.load.end)} at the end.`
  );
}

/** The generated part of BENCHMARKS.md, also printed on stdout. */
function markdown(r: Record): string {
  const failed = r.scripts.filter((s) => s.error);
  return [
    `Measured ${r.date.replace("T", " ").replace("Z", " UTC")} with \`npm run bench\` (${r.seconds.toFixed(0)} s of ` +
      `workloads after the build).`,
    "",
    `**Machine:** ${describeMachine(r)}`,
    "",
    "![Time relative to the hand-written version, per workload](bench/chart.svg)",
    "",
    ...(failed.length > 0 ? [...failed.map((s) => `**${s.script} failed:** ${s.error}`), ""] : []),
    "### Targets (issue #12)",
    "",
    targetsTable(targets(r.workloads, r.buildCost)),
    "",
    r.workloads.map(workloadTable).join("\n\n"),
    "",
    "### Build cost per `grad` call",
    "",
    r.buildCost ? r.buildCost.table : `Not measured: ${r.buildCostMissing}.`,
    "",
    "### Bundler plugin cost per file",
    "",
    r.pluginCost ? r.pluginCost.table : `Not measured: ${r.pluginCostMissing ?? "not in this record"}.`,
  ].join("\n");
}

function write(r: Record): void {
  writeFileSync(files.results, JSON.stringify(r, null, 2) + "\n");
  writeFileSync(
    files.chart,
    chartSvg(r.workloads, `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; ${r.date.slice(0, 10)}`),
  );
  const doc = readFileSync(files.doc, "utf8");
  const [begin, end] = [doc.indexOf(MARKERS[0]), doc.indexOf(MARKERS[1])];
  if (begin < 0 || end < begin) {
    log(`BENCHMARKS.md has no record markers; left as it is`);
    return;
  }
  writeFileSync(files.doc, doc.slice(0, begin + MARKERS[0].length) + "\n\n" + markdown(r) + "\n\n" + doc.slice(end));
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes("--render")) {
    const r = JSON.parse(readFileSync(files.results, "utf8")) as Record;
    write(r);
    console.log(markdown(r));
    return;
  }
  const r = run(args);
  console.log(markdown(r));
  if (args.length === 0) {
    write(r);
    log(`\nwrote bench/results.json, bench/chart.svg and BENCHMARKS.md's record (${r.seconds.toFixed(0)} s)`);
  }
  if (r.scripts.some((s) => s.error)) process.exitCode = 1;
}

main();
