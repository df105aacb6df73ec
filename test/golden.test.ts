// Golden tests, one per supported construct, in the manner of Clad's test/Gradient/*.C: each
// test/golden/<construct>.ts holds a small program (the function, its grad/vjp/valueAndGrad
// and the points to check at, as `export const checks`). All of them are compiled as one
// program (ES module output, as a user reads it); each module's emitted code is kept in
// test/golden/__snapshots__/<construct>.js, so a change to the code generated for any
// construct shows in review, and each check compares the generated gradient, run from that
// same emitted code, with central finite differences. `vitest -u` rewrites the snapshots
// after an intended change.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import * as prettier from "prettier";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { Tensor, tensor } from "../runtime";
import { compile, expectClose } from "./harness";

const GOLDEN = path.resolve(__dirname, "golden");
const names = readdirSync(GOLDEN)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.replace(/\.ts$/, ""))
  .sort();
const sources = Object.fromEntries(names.map((n) => [`${n}.ts`, readFileSync(path.join(GOLDEN, `${n}.ts`), "utf8")]));

/** A value a differentiated function takes or returns. */
type Value = number | number[] | Float64Array | Tensor;

/**
 * One check a golden program exports. Exactly one of `grad`, `vjp`, `valueAndGrad` or
 * `checkGrad` is given. The gradient at each point of `at` must match central finite
 * differences of `reference` (default `f`): markers that change a gradient on purpose
 * name the function whose true derivative their gradient is.
 */
interface Check {
  /** The function differentiated (a checkGrad call names its own). */
  f?: (...args: any[]) => Value;
  grad?: (...args: any[]) => any;
  vjp?: (...args: any[]) => any;
  valueAndGrad?: (...args: any[]) => { value: Value; grad: any };
  /** A call of checkGrad: it returns the worst relative error, or throws. */
  checkGrad?: () => number;
  /** The arguments of each call; for vjp the last one is the seed. */
  at?: Value[][];
  /** The `wrt` of the gradient function (default 0); an array gives a tuple. */
  wrt?: number | number[];
  reference?: (...args: any[]) => Value;
}

const compiled = compile(sources, { module: ts.ModuleKind.ES2022 });

describe("golden programs", () => {
  it("compile without diagnostics or type errors", () => {
    expect(compiled.codes).toEqual([]);
    expect(compiled.typeErrors).toEqual([]);
  });

  describe.each(names)("%s", (name) => {
    it("emits the code in its snapshot", async () => {
      const file = path.join(GOLDEN, "__snapshots__", `${name}.js`);
      const options = { ...(await prettier.resolveConfig(file)), filepath: file };
      const js = await prettier.format(compiled.js[`${name}.ts`]!, options);
      await expect(js).toMatchFileSnapshot(file);
    });

    it("gives the gradient of finite differences", () => {
      const checks = compiled.run(`${name}.ts`).checks as Check[] | undefined;
      if (checks === undefined) {
        // A module without checks is a callee of another golden program, checked through it.
        const importers = names.filter((n) => sources[`${n}.ts`]!.includes(`from "./${name}"`));
        expect(importers, `${name}.ts exports no checks and no golden program imports it`).not.toEqual([]);
        return;
      }
      expect(checks.length).toBeGreaterThan(0);
      checks.forEach((check, k) => {
        if (check.checkGrad) return withContext(`checks[${k}]`, () => expect(check.checkGrad!()).toBeLessThan(1e-6));
        expect(check.at?.length, `checks[${k}] gives no points`).toBeGreaterThan(0);
        for (const call of check.at!) withContext(`checks[${k}] at (${call.join(", ")})`, () => checkCall(check, call));
      });
    });
  });
});

/** Runs `body`, naming `context` in the message of what it throws. */
function withContext(context: string, body: () => void): void {
  try {
    body();
  } catch (e) {
    if (e instanceof Error) e.message = `${context}: ${e.message}`;
    throw e;
  }
}

/** Calls the check's gradient function with `call` and compares each gradient with finite differences. */
function checkCall(check: Check, call: Value[]): void {
  const wrt = check.wrt ?? 0;
  const indices = typeof wrt === "number" ? [wrt] : wrt;
  const args = check.vjp ? call.slice(0, -1) : call;
  const seed = check.vjp ? call.at(-1) : undefined;
  let gradient: unknown;
  if (check.grad) gradient = check.grad(...args);
  else if (check.vjp) gradient = check.vjp(...call);
  else if (check.valueAndGrad) {
    const result = check.valueAndGrad(...args);
    expectSameValues(flatten(result.value), flatten(check.f!(...args)), 0);
    gradient = result.grad;
  } else throw new Error("a check names grad, vjp, valueAndGrad or checkGrad");
  const perParameter = typeof wrt === "number" ? [gradient] : (gradient as unknown[]);
  expect(perParameter).toHaveLength(indices.length);
  const reference = check.reference ?? check.f!;
  indices.forEach((index, k) => {
    const g = perParameter[k] as Value;
    expectSameKind(g, args[index]!);
    const numeric = finiteDifferences((...a: Value[]) => scalarOf(reference(...a), seed), args, index);
    expectSameValues(flatten(g), numeric, 1e-5);
  });
}

/** The scalar that is differentiated: the sum of a tensor's elements, weighted by a vjp's seed. */
function scalarOf(output: Value, seed: Value | undefined): number {
  const values = flatten(output);
  const weights = seed === undefined ? values.map(() => 1) : flatten(seed);
  expect(weights).toHaveLength(values.length);
  return values.reduce((total, v, i) => total + v * weights[i]!, 0);
}

/** Central differences of `f` in every element of argument `index`, in float64. */
function finiteDifferences(f: (...args: Value[]) => number, args: Value[], index: number): number[] {
  const at = flatten(args[index]!);
  return at.map((v, i) => {
    const h = 1e-6 * Math.max(1, Math.abs(v));
    const shifted = (delta: number) => {
      const values = [...at];
      values[i] = v + delta;
      const copy = [...args];
      copy[index] = rebuild(args[index]!, values);
      return f(...copy);
    };
    return (shifted(h) - shifted(-h)) / (2 * h);
  });
}

function flatten(value: Value): number[] {
  if (typeof value === "number") return [value];
  if (value instanceof Tensor) return Array.from(value.data);
  return Array.from(value);
}

/** A value of the same kind and shape as `like`, holding `values`. */
function rebuild(like: Value, values: number[]): Value {
  if (typeof like === "number") return values[0]!;
  if (like instanceof Tensor) return tensor(Float64Array.from(values), { shape: [...like.shape], dtype: like.dtype });
  if (like instanceof Float64Array) return Float64Array.from(values);
  return values;
}

/** A gradient has its parameter's kind: a number, an array of the same class and length, or a tensor of its shape. */
function expectSameKind(gradient: Value, parameter: Value): void {
  if (parameter instanceof Tensor) {
    expect(gradient).toBeInstanceOf(Tensor);
    expect((gradient as Tensor).shape).toEqual(parameter.shape);
    expect((gradient as Tensor).dtype).toBe(parameter.dtype);
  } else if (typeof parameter === "number") expect(typeof gradient).toBe("number");
  else {
    expect(gradient.constructor).toBe(parameter.constructor);
    expect((gradient as number[]).length).toBe(parameter.length);
  }
}

function expectSameValues(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => (tolerance === 0 ? expect(v).toBe(expected[i]) : expectClose(v, expected[i]!, tolerance)));
}
