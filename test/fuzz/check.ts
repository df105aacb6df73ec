// The check behind the fuzzer and its regressions: compile a program, run its gradient,
// and compare it with a forward-mode reference and with finite differences.
import { createHash } from "node:crypto";
import ts from "typescript";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { tensor } from "../../runtime";
import { compile } from "../harness";
import type { Evaluation } from "./programs";

/**
 * Forward and reverse mode sum the same terms in different orders. Each agrees with the
 * other to 1e-9 relative to the result, or, where terms cancel, to 1e-14 relative to the
 * size of the terms (a few hundred roundings of the largest).
 */
export function agrees(generated: number, reference: number, magnitude: number): boolean {
  return Math.abs(generated - reference) <= 1e-9 * Math.max(1, Math.abs(reference)) + 1e-14 * magnitude;
}

const REGRESSIONS = path.resolve(__dirname, "regressions");

export interface Regression {
  readonly kind: "gradient" | "tensor" | "robustness" | "tensor-shapes" | "jvp" | "second-order";
  readonly source: string;
  readonly wrt: number[];
  /** Numbers, and the array parameter's elements as an array (tensor cases: flat). */
  readonly inputs: (number | number[])[];
  readonly note: string;
  /** The generated program itself, so the replay can use the forward-mode reference (tensor-shapes: the program and its inputs). */
  readonly program?: unknown;
  /** A known failure not fixed yet, and why (regressions.test.ts replays it with it.fails). */
  readonly open?: string;
}

export function saveRegression(r: Regression): string {
  mkdirSync(REGRESSIONS, { recursive: true });
  const file = path.join(REGRESSIONS, `${createHash("sha256").update(r.source).digest("hex").slice(0, 12)}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
  return file;
}

/**
 * Checks one program at some inputs; returns a description of the failure, or undefined.
 * `reference` is the forward-mode evaluation; finite differences are checked too when the
 * program has no marker that changes gradients on purpose and no kink is near the point.
 */
export function checkGradient(
  source: string,
  wrt: readonly number[],
  inputs: readonly (number | readonly number[])[],
  reference?: (x: readonly (number | readonly number[])[]) => Evaluation,
): string | undefined {
  const compiled = compile(source);
  if (compiled.typeErrors.length > 0)
    return `the generated program does not type-check: ${compiled.typeErrors.join("; ")}`;
  if (compiled.codes.length > 0) return `the transformer refused a supported program: ${compiled.codes.join(", ")}`;
  const again = compile(source).js["main.ts"];
  if (again !== compiled.js["main.ts"]) {
    return `the emitted code differs between two compilations\n${firstDifference(compiled.js["main.ts"] ?? "", again ?? "")}`;
  }
  let program: Record<string, any>;
  try {
    program = compiled.run();
  } catch (e) {
    return `the emitted code does not run: ${(e as Error).message}`;
  }
  const args = inputs.slice(0, program.f.length);
  let gradient: (number | number[])[];
  let value: number;
  try {
    gradient = program.df(...args) as (number | number[])[];
    value = program.f(...args) as number;
  } catch (e) {
    return `running the program threw: ${(e as Error).message}`;
  }
  let smooth = !/stopGradient\(|reverseGradient\(|gradHook\(/.test(source);
  if (reference) {
    const ref = reference(args);
    if (ref.unstable) return undefined;
    if (!Object.is(value, ref.value) && !(Math.abs(value - ref.value) <= 1e-12 * Math.max(1, Math.abs(ref.value)))) {
      return `the value ${value} differs from the reference ${ref.value}`;
    }
    const differs = (g: number, r: number, m: number): boolean => {
      if (Number.isNaN(r) && Number.isNaN(g)) return false;
      // At a singular point (sqrt, hypot or atan2 at 0) reverse mode meets 0·∞, as in
      // PyTorch and JAX, where the forward reference sees a zero tangent: a NaN there is expected.
      if (Number.isNaN(g) && ref.kink < 1e-9) return false;
      return !agrees(g, r, m);
    };
    for (let k = 0; k < wrt.length; k++) {
      const [g, r, m] = [gradient[k]!, ref.gradient[k]!, ref.magnitude[k]!];
      if (typeof r === "number") {
        if (typeof g !== "number" || differs(g, r, m as number))
          return `d/dp${wrt[k]}: generated ${g}, forward-mode reference ${r}`;
        continue;
      }
      if (!Array.isArray(g) || g.length !== r.length)
        return `d/dp${wrt[k]}: generated ${JSON.stringify(g)}, expected an array of ${r.length}`;
      for (let j = 0; j < r.length; j++) {
        if (differs(g[j]!, r[j]!, (m as number[])[j]!))
          return `d/dp${wrt[k]}[${j}]: generated ${g[j]}, forward-mode reference ${r[j]}`;
      }
    }
    smooth &&= ref.kink > 1e-4;
  }
  if (!smooth) return undefined;
  /** f with parameter i (element j of it, for an array) moved by d. */
  const moved = (i: number, j: number, d: number): number =>
    program.f(
      ...args.map((a, k) => (k !== i ? a : typeof a === "number" ? a + d : a.map((v, m) => (m === j ? v + d : v)))),
    );
  for (let k = 0; k < wrt.length; k++) {
    const h = 1e-6;
    const g = gradient[k]!;
    for (let j = 0; j < (typeof g === "number" ? 1 : g.length); j++) {
      const fd = (moved(wrt[k]!, j, h) - moved(wrt[k]!, j, -h)) / (2 * h);
      const scale = Math.max(1, Math.abs(fd), Math.abs(value));
      const gj = typeof g === "number" ? g : g[j]!;
      // At a kink (x > y ? ... with x = y) the central difference straddles it; reverse mode
      // gives one side's derivative, as the one-sided differences show.
      const side = (d: number) => (moved(wrt[k]!, j, d) - value) / d;
      const atKink = () =>
        Math.abs(side(1e-7) - side(-1e-7)) > 1e-3 * scale &&
        [side(1e-7), side(-1e-7)].some((s) => Math.abs(gj - s) <= 1e-4 * Math.max(1, Math.abs(s)));
      if (Number.isFinite(fd) && !(Math.abs(gj - fd) <= 1e-5 * scale) && !atKink()) {
        return `d/dp${wrt[k]}${typeof g === "number" ? "" : `[${j}]`}: generated ${gj}, finite differences ${fd}`;
      }
    }
  }
  return undefined;
}

type TensorLike = { data: ArrayLike<number>; shape: readonly number[]; dtype: string };

/** Checks a tensor program against its per-element forward-mode reference. */
export function checkTensorGradient(
  source: string,
  wrt: readonly number[],
  inputs: readonly (number | readonly number[])[],
  reference: Evaluation,
): string | undefined {
  if (reference.unstable) return undefined;
  const compiled = compile(source);
  if (compiled.typeErrors.length > 0)
    return `the generated program does not type-check: ${compiled.typeErrors.join("; ")}`;
  if (compiled.codes.length > 0) return `the transformer refused a supported program: ${compiled.codes.join(", ")}`;
  let program: Record<string, any>;
  try {
    program = compiled.run();
  } catch (e) {
    return `the emitted code does not run: ${(e as Error).message}`;
  }
  const args = inputs.map((x) => (typeof x === "number" ? x : tensor(x as number[])));
  const out = program.f(...args) as number | TensorLike;
  const value = typeof out === "number" ? out : out.data[0]!;
  const singular = reference.kink < 1e-9; // see checkGradient
  const close = (a: number, b: number, magnitude: number) =>
    (Number.isNaN(a) && (Number.isNaN(b) || singular)) || agrees(a, b, magnitude);
  // Past 1e150 the runtime's x·x·x and Math.pow overflow at different points: nothing to compare.
  if (Math.abs(reference.value) > 1e150) return undefined;
  // The runtime's kernels round differently from Math (pow(x, 3) is x·x·x): 1e-9, not 1e-12.
  if (!close(value, reference.value, 0)) return `the value ${value} differs from the reference ${reference.value}`;
  const gradient = program.df(...args) as (number | TensorLike)[];
  for (let k = 0; k < wrt.length; k++) {
    const [g, r, m] = [gradient[k]!, reference.gradient[k]!, reference.magnitude[k]!];
    if (typeof r === "number") {
      if (typeof g !== "number") return `d/dp${wrt[k]}: a number parameter got a ${typeof g} gradient`;
      if (!close(g, r, m as number)) return `d/dp${wrt[k]}: generated ${g}, forward-mode reference ${r}`;
      continue;
    }
    if (typeof g === "number" || g.shape.join() !== "3" || g.dtype !== "float64")
      return `d/dp${wrt[k]}: the gradient is not a float64 tensor of shape [3]`;
    for (let j = 0; j < 3; j++) {
      if (!close(g.data[j]!, r[j]!, (m as number[])[j]!))
        return `d/dp${wrt[k]}[${j}]: generated ${g.data[j]}, forward-mode reference ${r[j]}`;
    }
  }
  return undefined;
}

/** Where two emitted texts first differ, with a few lines of each around it (for a determinism failure). */
function firstDifference(a: string, b: string): string {
  const la = a.split("\n");
  const lb = b.split("\n");
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  const around = (lines: string[]): string => lines.slice(Math.max(0, i - 3), i + 4).join("\n");
  return `first difference at line ${i + 1}\n--- first compilation ---\n${around(la)}\n--- second compilation ---\n${around(lb)}`;
}

/**
 * Programs forward mode or a second derivative refused with ADJ215 (a construct it does not
 * support yet, named by the message): counted by message, not failures. Any other refusal is one.
 */
export const higherRefusals = new Map<string, number>();
/** How many second derivatives were compared with finite differences (the others: near a kink or not finite). */
export const secondOrderStats = { differenced: 0 };

/** Compiles a program and runs it; null when forward mode refused it with ADJ215; or why not. */
function compileAndRun(source: string): Record<string, any> | string | null {
  const compiled = compile(source);
  if (compiled.typeErrors.length > 0)
    return `the generated program does not type-check: ${compiled.typeErrors.join("; ")}`;
  if (compiled.codes.length > 0 && compiled.codes.every((c) => c.startsWith("ADJ215"))) {
    for (const d of compiled.diagnostics) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
      higherRefusals.set(message, (higherRefusals.get(message) ?? 0) + 1);
    }
    return null;
  }
  if (compiled.codes.length > 0) return `the transformer refused a supported program: ${compiled.codes.join(", ")}`;
  try {
    return compiled.run();
  } catch (e) {
    return `the emitted code does not run: ${(e as Error).message}`;
  }
}

/**
 * Checks `jf = jvp(f, { wrt: k })` at some inputs with tangent 1: its value is f's, to 1e-12,
 * and its tangent the dual-number reference's derivative along parameter k (`reference`
 * evaluates with wrt [k]), to the tolerance of `agrees`.
 */
export function checkJvp(
  source: string,
  k: number,
  inputs: readonly (number | readonly number[])[],
  reference: (x: readonly (number | readonly number[])[]) => Evaluation,
): string | undefined {
  const program = compileAndRun(source);
  if (program === null) return undefined;
  if (typeof program === "string") return program;
  const args = inputs.slice(0, program.f.length);
  let value: number;
  let out: { value: number; tangent: number };
  try {
    value = program.f(...args) as number;
    out = program.jf(...args, 1);
  } catch (e) {
    return `running the program threw: ${(e as Error).message}`;
  }
  const ref = reference(args);
  if (ref.unstable) return undefined;
  if (typeof out !== "object" || out === null || typeof out.value !== "number" || typeof out.tangent !== "number")
    return `jvp returned ${JSON.stringify(out)}, not { value, tangent } of numbers`;
  const sameValue = (a: number, b: number) =>
    Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
  if (!sameValue(out.value, value)) return `jvp's value ${out.value} differs from f's ${value}`;
  if (!sameValue(value, ref.value)) return `the value ${value} differs from the reference ${ref.value}`;
  const [t, r, m] = [out.tangent, ref.gradient[0] as number, ref.magnitude[0] as number];
  if (Number.isNaN(r) && Number.isNaN(t)) return undefined;
  // At a singular point (sqrt, hypot or atan2 at 0) a tangent meets 0·∞ (see checkGradient).
  if (Number.isNaN(t) && ref.kink < 1e-9) return undefined;
  if (!agrees(t, r, m)) return `jvp tangent along p${k}: generated ${t}, dual-number reference ${r}`;
  return undefined;
}

/**
 * Checks `d2 = grad(grad(f, { wrt: k }), { wrt: k })` against central differences of
 * `d1 = grad(f, { wrt: k })` (itself checked against the dual-number reference), away from
 * kinks: a kink of f' within reach of the differences is told apart by one-sided differences,
 * as in checkGradient.
 */
export function checkSecondDerivative(
  source: string,
  k: number,
  inputs: readonly (number | readonly number[])[],
  reference?: (x: readonly (number | readonly number[])[]) => Evaluation,
): string | undefined {
  const program = compileAndRun(source);
  if (program === null) return undefined;
  if (typeof program === "string") return program;
  const args = inputs.slice(0, program.f.length);
  const moved = (d: number): number => program.d1(...args.map((a, i) => (i === k ? (a as number) + d : a)));
  let first: number;
  let second: number;
  try {
    first = moved(0);
    second = program.d2(...args);
  } catch (e) {
    return `running the program threw: ${(e as Error).message}`;
  }
  // Without a reference (a case minimised by hand), f' is not checked and f is taken as smooth.
  const ref = reference?.(args) ?? { unstable: false, kink: Infinity, gradient: [first], magnitude: [Math.abs(first)] };
  if (ref.unstable) return undefined;
  const [r, m] = [ref.gradient[0] as number, ref.magnitude[0] as number];
  if (!(Number.isNaN(r) && Number.isNaN(first)) && !(Number.isNaN(first) && ref.kink < 1e-9) && !agrees(first, r, m))
    return `d/dp${k}: generated ${first}, forward-mode reference ${r}`;
  if (typeof second !== "number") return `grad(grad(f)) returned ${JSON.stringify(second)}, not a number`;
  // Near a kink of f (and so of f'), or where f' is not finite, differences of f' say nothing.
  if (!(ref.kink > 1e-4) || !Number.isFinite(first)) return undefined;
  const h = 1e-6;
  const fd = (moved(h) - moved(-h)) / (2 * h);
  if (!Number.isFinite(fd)) return undefined;
  secondOrderStats.differenced++;
  // f' carries rounding errors of about 1e-14 times the size of its terms (see agrees);
  // differences divide them by h.
  const tolerance = 1e-5 * Math.max(1, Math.abs(fd), Math.abs(first)) + (1e-14 * m) / h;
  if (Math.abs(second - fd) <= tolerance) return undefined;
  const side = (d: number) => (moved(d) - first) / d;
  const [right, left] = [side(1e-7), side(-1e-7)];
  const atKink =
    Math.abs(right - left) > 1e-3 * Math.max(1, Math.abs(fd)) &&
    [right, left].some((s) => Math.abs(second - s) <= 1e-4 * Math.max(1, Math.abs(s)));
  if (atKink) return undefined;
  return `d²/dp${k}²: generated ${second}, finite differences of grad ${fd} (one-sided ${left}, ${right}; f' = ${first})`;
}
