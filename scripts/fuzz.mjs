// npm run fuzz -- --runs 20000 [--seed N]: the differential fuzzer with as many runs as
// asked and a random seed (printed, so a failure can be replayed with --seed). Failures
// are saved under test/fuzz/regressions/, which `npm test` replays.
import { spawnSync } from "node:child_process";
import path from "node:path";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const runs = option("runs", 1000);
const seed = option("seed", Math.floor(Math.random() * 2 ** 31));
console.log(`fuzz: ${runs} runs per property, seed ${seed} (replay with --seed ${seed})`);
const root = path.join(import.meta.dirname, "..");
const result = spawnSync(process.execPath, [path.join(root, "node_modules/vitest/vitest.mjs"), "run", "test/fuzz/fuzz.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed) },
});
process.exit(result.status ?? 1);
