// Differential testing of the transformer with fast-check: random differentiable programs
// are compiled and their gradients compared with an independent forward-mode evaluator
// (to 1e-9 relative) and with central finite differences (away from kinks); random
// statements, supported or not, put in a function given to grad must give either a
// correct gradient or an ADJ diagnostic, never a crash or code that does not run. Random
// tensor programs over random shapes (tensor-shapes.ts: broadcasting, reductions, matmul,
// shape operations, markers, loops, float32) are compared with float64 finite differences
// and with TensorFlow.js.
// Forward mode and second order: jvp(f, { wrt: k }) of the random number programs is compared
// with the same dual-number reference and f's value, and grad(grad(f, { wrt: k }), { wrt: k })
// with central differences of grad(f, { wrt: k }) away from kinks.
//
// `npm test` runs a fixed seed; `npm run fuzz -- --runs 20000` a random one (printed). A
// failure prints the shrunk program, the inputs and both gradients, and is saved under
// test/fuzz/regressions/, which regressions.test.ts replays on every run.
import path from "node:path";
import fc from "fast-check";
import { describe, it } from "vitest";
import { compile } from "../harness";
import {
  checkGradient,
  checkJvp,
  checkSecondDerivative,
  checkTensorGradient,
  higherRefusals,
  saveRegression,
  secondOrderStats,
  type Regression,
} from "./check";
import {
  evaluate,
  evaluateTensor,
  isTensorParam,
  printHigherProgram,
  printProgram,
  printTensorProgram,
  programArb,
  tensorProgramArb,
  withoutMarkers,
  type Program,
} from "./programs";
import { robustnessArb } from "./statements";
import {
  checkCase,
  describeInputs,
  generateCase,
  printProgram as printShapedProgram,
  stats,
  type ShapedCase,
} from "./tensor-shapes";

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
/** The forward-mode and second-order properties under `npm test` (each run compiles jvp or grad of grad). */
const HIGHER_RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** Each run compiles a program or two (well under 100 ms); allow a second each. */
const TIMEOUT = 60_000 + RUNS * 1000;
/** The shaped tensor programs each cost a compilation, finite differences and a TF.js run (about 80 ms): 150 take about 12 s. */
const SHAPED_RUNS = Number(process.env.FUZZ_RUNS ?? 150);

// Inputs in [-2, 2] on a grid of 1e-3 (fast-check's doubles favour extremes such as
// subnormals, which test the reference's arithmetic more than the transformer).
const inputsArb = fc.array(
  fc.integer({ min: -2000, max: 2000 }).map((v) => v / 1000),
  { minLength: 3, maxLength: 3 },
);

function report(
  kind: Regression["kind"],
  source: string,
  wrt: number[],
  inputs: (number | number[])[],
  failure: string,
  program?: Program,
): string {
  const file = saveRegression({ kind, source, wrt, inputs, note: failure, program });
  return `${failure}\ninputs: ${JSON.stringify(inputs)}\nsaved: ${path.relative(process.cwd(), file)}\n--- program ---\n${source}`;
}

describe("differential testing", () => {
  it(
    `random programs: generated gradients match forward mode and finite differences (${RUNS} runs, seed ${SEED})`,
    () => {
      fc.assert(
        fc.property(programArb, inputsArb, inputsArb, (program: Program, numbers: number[], elements: number[]) => {
          const source = printProgram(program);
          // The numbers the parameters take, then the array parameter's elements, if any.
          const inputs = [...numbers.slice(0, program.main.params.length), ...(program.array ? [elements] : [])];
          const failure = checkGradient(source, program.wrt, inputs, (x) => evaluate(program, x));
          if (failure) throw new Error(report("gradient", source, program.wrt, inputs, failure, program));
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    },
    TIMEOUT,
  );

  it(
    `random tensor programs: generated gradients match the per-element forward-mode reference (${RUNS} runs, seed ${SEED})`,
    () => {
      const tensorInputs = fc
        .tuple(inputsArb, inputsArb, inputsArb)
        .map(([a, b, c]) => [a, b[0]!, c] as (number | number[])[]);
      fc.assert(
        fc.property(tensorProgramArb, tensorInputs, (program: Program, inputs: (number | number[])[]) => {
          const source = printTensorProgram(program);
          const args = inputs
            .slice(0, program.main.params.length)
            .map((x, i) => (isTensorParam(i) ? x : (x as number)));
          const failure = checkTensorGradient(source, program.wrt, args, evaluateTensor(program, args));
          if (failure) throw new Error(report("tensor", source, program.wrt, args.flat(), failure, program));
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    },
    TIMEOUT,
  );

  it(
    `random shaped tensor programs: broadcasting, reductions, matmul, markers and loops match finite differences and TensorFlow.js (${SHAPED_RUNS} runs, seed ${SEED})`,
    () => {
      // Shrinking is on (fc.gen shrinks each random choice): the last failing case is the shrunk one.
      let last: { c: ShapedCase; failure: string } | undefined;
      // A long program shrinks for a long time (each step compiles it): shrinking stops after a
      // minute, every later candidate passing, and the smallest failure so far is reported.
      let firstFailure: number | undefined;
      const shrinkBudget = 60_000;
      const details = fc.check(
        fc.property(fc.gen(), (g) => {
          if (firstFailure !== undefined && Date.now() - firstFailure > shrinkBudget) return true;
          const c = generateCase(g);
          const failure = checkCase(c.program, c.inputs);
          if (failure) {
            last = { c, failure };
            firstFailure ??= Date.now();
            return false;
          }
          return true;
        }),
        { numRuns: SHAPED_RUNS, seed: SEED },
      );
      console.log(
        `shaped tensor programs: ${stats.checked} compiled and run, ${stats.kinks} near a kink and ${stats.wild} with values past 1e6 checked for shapes and dtypes only; ${stats.forward} also through jvp (${stats.secondOrder} hvp); ${stats.tfOutliers} gradient elements where TF.js's float32 disagreed with the float64 differences the generated gradient matched`,
      );
      if (details.failed && last) {
        const source = printShapedProgram(last.c.program);
        const wrt = Array.isArray(last.c.program.wrt) ? last.c.program.wrt : [last.c.program.wrt];
        const file = saveRegression({
          kind: "tensor-shapes",
          source,
          wrt,
          inputs: [],
          note: last.failure,
          program: last.c,
        });
        throw new Error(
          `${last.failure}\n--- inputs ---\n${describeInputs(last.c.inputs)}\nsaved: ${path.relative(process.cwd(), file)}\nreplay: FUZZ_SEED=${SEED} (${details.numRuns} runs, ${details.numShrinks} shrinks${firstFailure !== undefined && Date.now() - firstFailure > shrinkBudget ? ", shrinking stopped after a minute" : ""})\n--- program ---\n${source}`,
        );
      }
      if (details.failed) throw new Error(`the property failed without a failing case: ${details.errorInstance}`);
    },
    60_000 + SHAPED_RUNS * 3000,
  );

  it(
    `random programs in forward mode: jvp's tangent matches the dual-number reference and its value f's (${HIGHER_RUNS} runs, seed ${SEED})`,
    () => {
      fc.assert(
        fc.property(programArb, inputsArb, inputsArb, fc.nat(), (generated: Program, numbers, elements, pick) => {
          const k = pick % generated.main.params.length;
          const program = { ...withoutMarkers(generated, true), wrt: [k] };
          const source = printHigherProgram(program, k, "jvp");
          const inputs = [...numbers.slice(0, program.main.params.length), ...(program.array ? [elements] : [])];
          const failure = checkJvp(source, k, inputs, (x) => evaluate(program, x));
          if (failure) throw new Error(report("jvp", source, [k], inputs, failure, program));
        }),
        { numRuns: HIGHER_RUNS, seed: SEED, endOnFailure: true },
      );
      logRefusals();
    },
    60_000 + HIGHER_RUNS * 1000,
  );

  it(
    `random programs differentiated twice: grad(grad(f)) matches finite differences of grad(f) away from kinks (${HIGHER_RUNS} runs, seed ${SEED})`,
    () => {
      fc.assert(
        fc.property(programArb, inputsArb, inputsArb, fc.nat(), (generated: Program, numbers, elements, pick) => {
          const k = pick % generated.main.params.length;
          const program = { ...withoutMarkers(generated, false), wrt: [k] };
          const source = printHigherProgram(program, k, "second");
          const inputs = [...numbers.slice(0, program.main.params.length), ...(program.array ? [elements] : [])];
          const failure = checkSecondDerivative(source, k, inputs, (x) => evaluate(program, x));
          if (failure) throw new Error(report("second-order", source, [k], inputs, failure, program));
        }),
        { numRuns: HIGHER_RUNS, seed: SEED, endOnFailure: true },
      );
      logRefusals();
    },
    60_000 + HIGHER_RUNS * 1000,
  );

  it(
    `random programs read through structures: each field's gradient is the flat program's (${RUNS} runs, seed ${SEED})`,
    () => {
      // The form a random program's parameters reach it in: read by name, destructured, or
      // passed whole to a helper that reads them (the callee's gradient goes field by field).
      const forms = fc.constantFrom("fields", "destructured", "helper");
      fc.assert(
        fc.property(programArb, inputsArb, forms, (program: Program, numbers: number[], form: string) => {
          if (program.array) return;
          const n = program.main.params.length;
          const source = structuredProgram(printProgram(program), n, form);
          const inputs = numbers.slice(0, n);
          const failure = checkStructured(source, inputs);
          if (failure) throw new Error(report("gradient", source, program.wrt, inputs, failure, program));
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    },
    TIMEOUT,
  );

  it(
    `random programs applied over arrays by map, reduce, forEach, push and arrays of layers: the gradient is the plain loop's (${RUNS} runs, seed ${SEED})`,
    () => {
      const forms = fc.constantFrom(...Object.keys(ARRAY_FORMS));
      fc.assert(
        fc.property(
          programArb,
          inputsArb,
          inputsArb,
          forms,
          (program: Program, xs: number[], bs: number[], form: string) => {
            if (program.array) return;
            const source = arrayProgram(printProgram(program), program.main.params.length, form);
            const failure = checkArrayForm(source, xs, bs);
            if (failure) throw new Error(report("gradient", source, [0], [xs, bs], failure, program));
          },
        ),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    },
    TIMEOUT,
  );

  it(
    `random statements in a differentiated function: a correct gradient or an ADJ diagnostic (${RUNS} runs, seed ${SEED})`,
    () => {
      fc.assert(
        fc.property(robustnessArb, inputsArb, (source: string, inputs: number[]) => {
          let compiled;
          try {
            compiled = compile(source);
          } catch (e) {
            throw new Error(report("robustness", source, [0], inputs, `the transformer threw: ${(e as Error).stack}`));
          }
          if (compiled.codes.length > 0) {
            if (!compiled.codes.every((c) => c.startsWith("ADJ")))
              throw new Error(report("robustness", source, [0], inputs, `non-ADJ diagnostics ${compiled.codes}`));
            return;
          }
          const failure = checkGradient(source, [0], inputs);
          if (failure && !/does not type-check/.test(failure))
            throw new Error(report("robustness", source, [0], inputs, failure));
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    },
    TIMEOUT,
  );
});

/** Prints (and clears) the ADJ215 refusals the higher-order properties counted. */
function logRefusals(): void {
  const total = [...higherRefusals.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${total} of ${HIGHER_RUNS} programs refused with ADJ215 (not supported yet)` +
      [...higherRefusals].map(([message, n]) => `\n  ${n}× ${message}`).join("") +
      (secondOrderStats.differenced > 0 ? `\n${secondOrderStats.differenced} compared with finite differences` : ""),
  );
  higherRefusals.clear();
  secondOrderStats.differenced = 0;
}

/** Leaf i of the structure: s.first.v, s.pair[0], s.pair[1]. */
const PATHS = ["first.v", "pair[0]", "pair[1]"];

/**
 * The program with `g(s: S)`, which calls f with its parameters read from a structure, and
 * `ds = grad(g)` beside `dflat = grad(f)` with respect to every parameter.
 */
function structuredProgram(source: string, n: number, form: string): string {
  const args = PATHS.slice(0, n);
  const read =
    form === "destructured"
      ? [
          `  const { first, pair } = s;`,
          `  const [u, w] = pair;`,
          `  return f(${["first.v", "u", "w"].slice(0, n).join(", ")});`,
        ]
      : form === "helper"
        ? [`  return inner(s) * 1;`]
        : [`  return f(${args.map((a) => `s.${a}`).join(", ")});`];
  return [
    source,
    `interface S { first: { v: number; name: string }; pair: [number, number] }`,
    `function inner(t: S): number { return f(${args.map((a) => `t.${a}`).join(", ")}); }`,
    `function g(s: S): number {`,
    ...read,
    `}`,
    `export const ds = grad(g);`,
    `export const dflat = grad(f, { wrt: [${args.map((_, i) => i).join(", ")}] });`,
  ].join("\n");
}

function checkStructured(source: string, inputs: number[]): string | undefined {
  const compiled = compile(source);
  if (compiled.typeErrors.length > 0) return `the program does not type-check: ${compiled.typeErrors.join("; ")}`;
  if (compiled.codes.length > 0) return `the transformer refused a supported program: ${compiled.codes.join(", ")}`;
  const program = compiled.run();
  const s = { first: { v: inputs[0] ?? 0, name: "s" }, pair: [inputs[1] ?? 0, inputs[2] ?? 0] };
  let structured: { first: { v: number }; pair: [number, number] };
  let flat: number[];
  try {
    structured = program.ds(s);
    flat = program.dflat(...inputs);
  } catch (e) {
    return `running the program threw: ${(e as Error).message}`;
  }
  const got = [structured.first.v, structured.pair[0], structured.pair[1]];
  const expected = [...flat, 0, 0, 0].slice(0, 3);
  for (let i = 0; i < 3; i++) {
    const [a, b] = [got[i]!, expected[i]!];
    if (!(
      Object.is(a, b) ||
      Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) ||
      (Number.isNaN(a) && Number.isNaN(b))
    ))
      return `field ${PATHS[i]}: structured gradient ${a}, flat gradient ${b}`;
  }
  if ("name" in structured.first) return "a string field got a gradient entry";
  return undefined;
}

/**
 * Ways of applying the random program f over arrays, each beside the same computation
 * written as a plain index loop over parallel number arrays. `call(a, b, c)` calls f with
 * as many of the three as it takes. Each form takes (xs, layers) and its plain twin (xs, as, bs).
 */
type Call = (...args: string[]) => string;
const ARRAY_FORMS: Record<string, { form: (call: Call) => string[]; plain: (call: Call) => string[] }> = {
  mapReduce: {
    form: (call) => [
      `const ys = xs.map((x, i) => ${call("x", "xs[(i + 1) % xs.length]!", "i * 0.5")});`,
      `return ys.reduce((acc, y) => acc * 0.5 + y, 0);`,
    ],
    plain: (call) => [
      `let acc = 0;`,
      `for (let i = 0; i < xs.length; i++) acc = acc * 0.5 + ${call("xs[i]!", "xs[(i + 1) % xs.length]!", "i * 0.5")};`,
      `return acc;`,
    ],
  },
  push: {
    form: (call) => [
      `const ys: number[] = [];`,
      `for (const x of xs) ys.push(${call("x", "ys.length", "0.25")});`,
      `let s = 0;`,
      `for (let i = ys.length - 1; i >= 0; i--) s = s * 0.5 + ys[i]!;`,
      `return s;`,
    ],
    plain: (call) => [
      `let s = 0;`,
      `for (let i = xs.length - 1; i >= 0; i--) s = s * 0.5 + ${call("xs[i]!", "i", "0.25")};`,
      `return s;`,
    ],
  },
  forEach: {
    form: (call) => [
      `let s = 0;`,
      `xs.forEach((x, i) => {`,
      `  s = s + ${call("x", "s * 0.1", "i")} * (i + 1);`,
      `});`,
      `return s;`,
    ],
    plain: (call) => [
      `let s = 0;`,
      `for (let i = 0; i < xs.length; i++) s = s + ${call("xs[i]!", "s * 0.1", "i")} * (i + 1);`,
      `return s;`,
    ],
  },
  layers: {
    form: (call) => [`return layers.reduce((acc, { a, b }) => ${call("a", "b", "acc")}, xs[0]!);`],
    plain: (call) => [
      `let acc = xs[0]!;`,
      `for (let i = 0; i < as.length; i++) acc = ${call("as[i]!", "bs[i]!", "acc")};`,
      `return acc;`,
    ],
  },
  arrayFrom: {
    form: (call) => [
      `const ys = Array.from({ length: xs.length }, (_, i) => ${call("xs[i]!", "layers[i]!.b", "i")});`,
      `let s = 0;`,
      `for (const y of ys) s = s * 0.5 + y;`,
      `return s;`,
    ],
    plain: (call) => [
      `let s = 0;`,
      `for (let i = 0; i < xs.length; i++) s = s * 0.5 + ${call("xs[i]!", "bs[i]!", "i")};`,
      `return s;`,
    ],
  },
};

function arrayProgram(source: string, n: number, form: string): string {
  const call: Call = (...args) => `f(${args.slice(0, n).join(", ")})`;
  const { form: body, plain } = ARRAY_FORMS[form]!;
  return [
    source,
    `interface Layer { a: number; b: number; name: string }`,
    `export function g(xs: number[], layers: Layer[]): number {`,
    ...body(call).map((l) => `  ${l}`),
    `}`,
    `export function plain(xs: number[], as: number[], bs: number[]): number {`,
    ...plain(call).map((l) => `  ${l}`),
    `}`,
    `export const dg = grad(g, { wrt: [0, 1] });`,
    `export const dplain = grad(plain, { wrt: [0, 1, 2] });`,
  ].join("\n");
}

function checkArrayForm(source: string, xs: number[], bs: number[]): string | undefined {
  const compiled = compile(source);
  if (compiled.typeErrors.length > 0) return `the program does not type-check: ${compiled.typeErrors.join("; ")}`;
  if (compiled.codes.length > 0) return `the transformer refused a supported program: ${compiled.codes.join(", ")}`;
  const program = compiled.run();
  const layers = xs.map((a, i) => ({ a, b: bs[i]!, name: `layer ${i}` }));
  let got: [number[], { a: number; b: number }[]];
  let expected: [number[], number[], number[]];
  try {
    got = program.dg(xs, layers);
    expected = program.dplain(xs, xs, bs);
  } catch (e) {
    return `running the program threw: ${(e as Error).message}`;
  }
  // The plain twin reads xs (and as = the same values) where the form reads xs and the layers' a.
  const close = (a: number, b: number): boolean =>
    Object.is(a, b) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) || (Number.isNaN(a) && Number.isNaN(b));
  const [dxs, dLayers] = got;
  const [pxs, pas, pbs] = expected;
  if (dLayers.some((l) => "name" in l)) return "a string field got a gradient entry";
  for (let i = 0; i < xs.length; i++) {
    const combinedX = dxs[i]!;
    const plainX = pxs[i]!;
    if (!close(combinedX, plainX)) return `xs[${i}]: ${combinedX} against the plain loop's ${plainX}`;
    if (!close(dLayers[i]!.a, pas[i]!)) return `layers[${i}].a: ${dLayers[i]!.a} against the plain loop's ${pas[i]}`;
    if (!close(dLayers[i]!.b, pbs[i]!)) return `layers[${i}].b: ${dLayers[i]!.b} against the plain loop's ${pbs[i]}`;
  }
  return undefined;
}
