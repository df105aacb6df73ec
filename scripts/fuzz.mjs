// npm run fuzz -- --runs 20000 [--seed N] [--jobs J]: the differential fuzzer with as many
// runs as asked and a random seed (printed, so a failure can be replayed with --seed). The
// eight properties run in processes of their own, J at a time (default: one per core, at
// most three). Failures are saved under test/fuzz/regressions/, which `npm test` replays.
import { execFileSync, spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const runs = option("runs", 1000);
const seed = option("seed", Math.floor(Math.random() * 2 ** 31));
const jobs = Math.max(1, option("jobs", Math.min(3, os.availableParallelism())));
/** Patterns that pick each property's test by its name. */
const PROPERTIES = [
  "random programs:",
  "random tensor programs:",
  "random shaped tensor programs:",
  "random programs read through structures",
  "random programs applied over arrays",
  "random statements in",
  "random programs in forward mode",
  "random programs differentiated twice",
];
console.log(`fuzz: ${runs} runs per property, seed ${seed} (replay with --seed ${seed}), ${jobs} at a time`);

const root = path.join(import.meta.dirname, "..");
const vitest = path.join(root, "node_modules/vitest/vitest.mjs");

// dist/ is built once, here: each vitest process would otherwise rebuild it in its global
// setup, from scratch, while the others compile programs against its declarations (a
// property that started late emptied dist/ under one still running, whose emitted code
// then changed between two compilations).
execFileSync(process.execPath, [path.join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });

/** Runs one property in its own vitest process; resolves to its exit code, printing its output when it ends. */
function runProperty(name) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, "run", "test/fuzz/fuzz.test.ts", "-t", name], {
      cwd: root,
      env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed), NO_COLOR: "1", ADJOINT_DIST_BUILT: "1" },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (exit) => {
      // A pattern that matched no test would pass silently: exactly one must have run.
      const code = exit === 0 && !/Tests\s+1 passed/.test(output.replace(/\x1b\[[0-9;]*m/g, "")) ? 1 : exit;
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      console.log(`\n=== ${name.replace(/:$/, "")}: ${code === 0 ? "passed" : "FAILED"} in ${seconds} s ===`);
      if (code !== 0) console.log(output);
      resolve(code ?? 1);
    });
  });
}

const queue = [...PROPERTIES];
const codes = [];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (queue.length > 0) codes.push(await runProperty(queue.shift()));
  }),
);
const failed = codes.filter((c) => c !== 0).length;
console.log(
  `\nfuzz: ${PROPERTIES.length - failed} of ${PROPERTIES.length} properties passed ${runs} runs with seed ${seed}`,
);
process.exit(failed === 0 ? 0 : 1);
