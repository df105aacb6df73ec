// Builds the benchmark with tspc (bench/tsconfig.json, the adjoint transformer as a plugin)
// into bench/dist/.
//
// workloads.ts is user code for the transformer; while the transformer cannot compile it,
// the benchmark still runs: its diagnostics are written to bench/dist/workloads.unavailable.txt,
// the emitted (untransformed) workloads.js is removed, and run.js reports the generated row
// as unavailable with that reason. An error in any other file fails the build.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.join(import.meta.dirname, "..");
const dist = path.join(root, "bench", "dist");
const require = createRequire(import.meta.url);
const tspc = path.join(path.dirname(require.resolve("ts-patch/package.json")), "bin", "tspc.js");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

let output = "";
let failed = false;
try {
  output = execFileSync(process.execPath, [tspc, "-p", "bench/tsconfig.json", "--pretty", "false"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
} catch (e) {
  failed = true;
  output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
}

// Group the diagnostics by file: "bench/x.ts(12,3): error TS…: message", continuation lines indented.
const byFile = new Map();
let current = null;
for (const line of output.split(/\r?\n/)) {
  if (line.trim() === "") continue;
  const m = /^(.*?)\(\d+,\d+\): (error|warning|message)/.exec(line);
  if (m) current = path.resolve(root, m[1]);
  else if (!/^\s/.test(line)) current = "(no file)";
  if (!byFile.has(current)) byFile.set(current, []);
  byFile.get(current).push(line);
}

const workloads = path.join(root, "bench", "workloads.ts");
const others = [...byFile].filter(([file]) => file !== workloads);
if (others.length > 0 || (failed && byFile.size === 0)) {
  process.stderr.write(output || "tspc failed without output\n");
  process.stderr.write("bench/build.mjs: the benchmark harness did not compile (errors above)\n");
  process.exit(1);
}
if (byFile.has(workloads)) {
  const lines = byFile.get(workloads);
  const errors = lines.filter((l) => /\): error /.test(l));
  if (errors.length > 0) {
    const emitted = path.join(dist, "workloads.js");
    if (existsSync(emitted)) rmSync(emitted);
    writeFileSync(path.join(dist, "workloads.unavailable.txt"), lines.join("\n") + "\n");
    process.stderr.write(
      `bench/build.mjs: bench/workloads.ts did not compile; the generated row will be unavailable:\n`,
    );
    process.stderr.write(lines.map((l) => `  ${l}`).join("\n") + "\n");
  } else {
    process.stderr.write(lines.join("\n") + "\n");
  }
}
