// Builds the benchmark with tspc (bench/tsconfig.json, the adjoint transformer as a plugin)
// into bench/dist/.
//
// workloads.ts, mlp-loss.ts and dann-loss.ts are user code for the transformer; while the
// transformer cannot compile one, the benchmark still runs: its diagnostics are written to
// bench/dist/<name>.unavailable.txt, the emitted (untransformed) <name>.js is removed, and
// the workload reports its generated row as unavailable with that reason (loadUserCode in
// bench/harness.ts). An error in any other file fails the build.
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

const userCode = ["workloads", "mlp-loss", "dann-loss"];
const isUserCode = (file) => userCode.some((name) => file === path.join(root, "bench", `${name}.ts`));
const others = [...byFile].filter(([file]) => !isUserCode(file));
if (others.length > 0 || (failed && byFile.size === 0)) {
  process.stderr.write(output || "tspc failed without output\n");
  process.stderr.write("bench/build.mjs: the benchmark harness did not compile (errors above)\n");
  process.exit(1);
}
for (const name of userCode) {
  const lines = byFile.get(path.join(root, "bench", `${name}.ts`));
  if (!lines) continue;
  const errors = lines.filter((l) => /\): error /.test(l));
  if (errors.length > 0) {
    const emitted = path.join(dist, `${name}.js`);
    if (existsSync(emitted)) rmSync(emitted);
    writeFileSync(path.join(dist, `${name}.unavailable.txt`), lines.join("\n") + "\n");
    process.stderr.write(`bench/build.mjs: bench/${name}.ts did not compile; its generated row will be unavailable:\n`);
    process.stderr.write(lines.map((l) => `  ${l}`).join("\n") + "\n");
  } else {
    process.stderr.write(lines.join("\n") + "\n");
  }
}
