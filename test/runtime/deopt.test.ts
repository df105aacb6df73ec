// V8 keeps the runtime's kernels optimised: test/runtime/deopt-workload.cjs warms every
// elementwise row loop and reduction up on lengths that are multiples of four (float32,
// float64 and mixed), then runs them on other lengths and shapes, in a Node process that
// traces deoptimisations. None may happen in the runtime after the warm-up. The kernels used
// to be unrolled by four with a remainder loop those lengths never ran, which V8 compiled
// without type feedback and then left on every later call that reached it (thousands of
// bailouts in this workload). A control kernel of that shape runs alongside and must be
// deoptimised, so that a V8 whose tracing changed cannot make this test pass blindly.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const workload = path.join(__dirname, "deopt-workload.cjs");

interface Bailout {
  readonly fn: string;
  readonly reason: string;
  /** Where the bailout happened: the innermost position first, then the ones it was inlined at. */
  readonly at: string;
}

/** The bailouts of a --trace-deopt-verbose trace, in order. */
function bailouts(trace: string): Bailout[] {
  const found: { fn: string; reason: string; at: string }[] = [];
  for (const line of trace.split("\n")) {
    const begin = /^\[bailout \(kind: [\w-]+, reason: ([^)]*)\): begin\. deoptimizing \S+ <JSFunction (\S*)/.exec(line);
    if (begin) found.push({ fn: begin[2]!, reason: begin[1]!, at: "" });
    const at = /;;; deoptimize at (.*)$/.exec(line);
    const last = found[found.length - 1];
    if (at && last && last.at === "") last.at = at[1]!;
  }
  return found;
}

it("no kernel of the runtime is deoptimised after warm-up, whatever the length and dtype", () => {
  // Optimisation on the main thread, so that what is optimised when the check starts does
  // not depend on how busy the machine is.
  const flags = ["--allow-natives-syntax", "--no-concurrent-recompilation", "--no-concurrent-osr"];
  const run = spawnSync(process.execPath, [...flags, "--trace-deopt-verbose", workload], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  expect(run.status, run.stderr).toBe(0);
  const all = bailouts(run.stdout);
  const start = all.findIndex((b) => b.fn === "checkedPhaseStarts");
  expect(start, "the workload marks where the checked phase starts").toBeGreaterThanOrEqual(0);
  const checked = all.slice(start + 1);
  expect(
    checked.some((b) => b.fn === "controlSum" && /insufficient type feedback/i.test(b.reason)),
    "the control kernel with a cold remainder loop is deoptimised",
  ).toBe(true);
  const runtime = path.join(path.resolve(__dirname, "../.."), "dist", "runtime") + path.sep;
  const inRuntime = checked.filter((b) => b.at.includes(runtime));
  expect(inRuntime.map((b) => `${b.fn}: ${b.reason} at ${b.at}`)).toEqual([]);
});
