// cleanUp makes its inlinings in batches (inlineWhileSettled), trusting that the passes it
// skips between two of them would have had nothing to do. Here it must give exactly what the
// plain fixed point gives (cleanUpStepwise: one inlineOnce per round), statement for
// statement, on every body the sweeps produce for the golden programs, for random programs
// of the fuzzer (numbers, arrays, tensors, shapes, statements) and for long functions.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import ts from "typescript";
import { describe, expect, it, vi } from "vitest";
import type * as js from "../../transformer/js";
import { compile } from "../harness";
import { printProgram, printTensorProgram, programArb, tensorProgramArb } from "../fuzz/programs";
import { robustnessArb } from "../fuzz/statements";
import { generateCase, printProgram as printShapedProgram } from "../fuzz/tensor-shapes";
import { parse, print } from "./spec";

/** Every body the sweeps handed to cleanUp, with its inlinable names. */
const recorded: { body: js.Statement[]; inlinable: ReadonlySet<string> }[] = [];

vi.mock("../../transformer/passes", async (importOriginal) => {
  const passes = await importOriginal<typeof import("../../transformer/passes")>();
  return {
    ...passes,
    cleanUp: (body: js.Statement[], inlinable: ReadonlySet<string>) => {
      recorded.push({ body, inlinable });
      return passes.cleanUp(body, inlinable);
    },
  };
});

/** The module itself, not the recording stand-in. */
const passes = () => vi.importActual<typeof import("../../transformer/passes")>("../../transformer/passes");

/** The statements as text: source nodes and symbols by identity, everything else by value. */
function fingerprint(body: readonly js.Statement[]): string {
  const ids = new Map<object, number>();
  const id = (o: object): string => {
    if (!ids.has(o)) ids.set(o, ids.size);
    return `#${ids.get(o)}`;
  };
  return JSON.stringify(body, (_key, value: unknown) => {
    if (value instanceof Map) return [...value].map(([k, v]) => [typeof k === "object" ? id(k) : k, v]);
    if (value && typeof value === "object" && (typeof (value as ts.Node).kind === "number" || "escapedName" in value))
      return id(value);
    return value;
  });
}

/** Compiles each source, then checks every recorded body; returns how many bodies were checked. */
async function checkAll(sources: Record<string, string>[]): Promise<number> {
  const { cleanUp, cleanUpStepwise } = await passes();
  recorded.length = 0;
  for (const files of sources) compile(files);
  for (const { body, inlinable } of recorded) {
    const batched = fingerprint(cleanUp(body, inlinable));
    expect(batched).toBe(fingerprint(cleanUpStepwise(body, inlinable)));
  }
  return recorded.length;
}

const SEED = 20261202;

describe("cleanUp in batches gives what the stepwise fixed point gives", () => {
  it("on the golden programs", async () => {
    const dir = path.resolve(__dirname, "../golden");
    const files = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith(".ts"))
        .map((f) => [f, readFileSync(path.join(dir, f), "utf8")]),
    );
    expect(await checkAll([files])).toBeGreaterThan(40);
  });

  it("on random programs of numbers, arrays and tensors", async () => {
    const numbers = fc.sample(programArb, { seed: SEED, numRuns: 60 }).map(printProgram);
    const tensors = fc.sample(tensorProgramArb, { seed: SEED, numRuns: 30 }).map(printTensorProgram);
    const statements = fc.sample(robustnessArb, { seed: SEED, numRuns: 30 });
    expect(await checkAll([...numbers, ...tensors, ...statements].map((s) => ({ "main.ts": s })))).toBeGreaterThan(80);
  }, 120_000);

  it("on random shaped tensor programs", async () => {
    const shaped: string[] = [];
    fc.assert(
      fc.property(fc.gen(), (g) => void shaped.push(printShapedProgram(generateCase(g).program))),
      { seed: SEED, numRuns: 30 },
    );
    expect(await checkAll(shaped.map((s) => ({ "main.ts": s })))).toBeGreaterThan(20);
  }, 120_000);

  it("on long functions with branches and loops", async () => {
    const block = (b: number): string => {
      const prev = b === 0 ? "x" : `s${b - 1}`;
      return `
  const a${b} = ${prev} * y + Math.sin(${prev});
  let s${b} = a${b} * a${b} - ${b + 1} * y;
  if (s${b} > ${prev}) {
    s${b} = Math.exp(-s${b} * s${b}) + a${b};
  } else {
    s${b} -= a${b} * 0.5;
  }
  for (let k = 0; k < 3; k++) {
    s${b} = s${b} * 0.9 + Math.tanh(a${b} + k);
  }
  s${b} = Math.sqrt(s${b} * s${b} + 1) * y / (1 + a${b} * a${b});`;
    };
    const source = (blocks: number): string =>
      `import { grad } from "adjoint";
export function long(x: number, y: number): number {${Array.from({ length: blocks }, (_, b) => block(b)).join("")}
  return s${blocks - 1};
}
export const dLong = grad(long, { wrt: [0, 1] });
`;
    expect(await checkAll([1, 3, 6].map((n) => ({ "main.ts": source(n) })))).toBe(3);
  }, 120_000);
});

describe("inlining in batches stops where a pass between two inlinings has work", () => {
  // Each body has an inlining after which the passes inlineOnce runs between two calls have
  // something to do (inlineWhileSettled's `unsettles`); the result must be the stepwise one.
  const cases: Record<string, [string, string[]]> = {
    "a loop body left with only updates (an idle loop)": [
      `let k = 3; let s = 0; while (k > 0) { const t = k - 1; k = t; } const a = x * 2; const b = a + 1; return b;`,
      ["t", "a"],
    ],
    "a use that becomes a literal": [
      `let m; const z = 0; if (c) { const t = z; m = t; } else { m = x; } return m * y;`,
      ["t"],
    ],
    "a copy made adjacent to a reset (an identity shuffle)": [
      `let dy = 1; let dx = 0; let trip = 3; while (trip > 0) { trip = trip - 1; const dyNext = dy; const t = 2; dy = 0; dx += dyNext * t; dy += dyNext; } return dx;`,
      ["t"],
    ],
    "an update of a shuffled variable": [
      `let dy = 1; let trip = 3; while (trip > 0) { trip = trip - 1; const dyNext = dy; dy = 0; const t = dyNext * w; dy += t; } return dy;`,
      ["t"],
    ],
    "a name declared twice (a loop recomputed by the backward sweep)": [
      `let k = 0; while (k < 3) { const t = x * k; const u = t + 1; s = s + u; k = k + 1; } let j = 3; while (j > 0) { j = j - 1; const t = x * j; const u = t + 1; dx += u; } return dx + s;`,
      ["t", "u"],
    ],
  };
  it.each(Object.entries(cases))("%s", async (_name, [text, inlinable]) => {
    const { cleanUp, cleanUpStepwise } = await passes();
    const body = parse(text);
    expect(print(cleanUp(body, new Set(inlinable)))).toBe(print(cleanUpStepwise(body, new Set(inlinable))));
  });
});
