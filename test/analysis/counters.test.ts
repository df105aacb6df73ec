// Loop counters: carried variables that every iteration moves by the same integer.
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { counterStep } from "../../transformer/analysis/counters";
import { varAtom, type Atom, type Carried, type LoweredFunction, type Stmt, type VarId } from "../../transformer/ir";
import { lower, statements } from "./lowered";

const node = ts.factory.createEmptyStatement();
const add = (target: VarId, a: VarId, b: number, prim = "+"): Stmt => ({
  kind: "let",
  target,
  op: { kind: "prim", prim, args: [varAtom(a), { kind: "number", value: b }] },
  node,
});

describe("counterStep on IR", () => {
  // Variable 0 is carried; 1, 2, ... are computed in the body.
  it("adds up the integer steps back to the carried variable", () => {
    const block = [add(1, 0, 2), add(2, 1, 1, "-")];
    expect(counterStep(0, [{ value: varAtom(2), block, broke: false }])).toBe(1);
    expect(counterStep(0, [{ value: varAtom(1), block, broke: false }])).toBe(2);
  });

  it("a path that leaves it unchanged steps by 0", () => {
    expect(counterStep(0, [{ value: varAtom(0), block: [], broke: false }])).toBe(0);
  });

  it("paths that step differently, a fractional step or a product are no counter", () => {
    const block = [add(1, 0, 1), add(2, 0, 2), add(3, 0, 0.5), add(4, 0, 2, "*")];
    const end = (id: VarId, b = block) => ({ value: varAtom(id), block: b, broke: false });
    expect(counterStep(0, [end(1), end(2)])).toBeUndefined();
    expect(counterStep(0, [end(1), end(1)])).toBe(1);
    expect(counterStep(0, [end(3)])).toBeUndefined();
    expect(counterStep(0, [end(4)])).toBeUndefined();
    // The step must be computed in the block the path ends in (or the ifs nested there).
    expect(counterStep(0, [end(1, [])])).toBeUndefined();
  });

  it("a path that breaks may leave any value: no iteration follows", () => {
    const block = [add(1, 0, 3)];
    const broke: Atom = { kind: "number", value: 7 };
    expect(
      counterStep(0, [
        { value: varAtom(1), block, broke: false },
        { value: broke, block: [], broke: true },
      ]),
    ).toBe(3);
  });

  it("finds the step inside an if of the block", () => {
    const nested: Stmt = { kind: "if", cond: varAtom(9), then: [add(1, 0, 4)], else: [], merges: [] };
    expect(counterStep(0, [{ value: varAtom(1), block: [nested], broke: false }])).toBe(4);
  });
});

/** The carried variables of the function's loops, by name, with their steps. */
function steps(fn: LoweredFunction): Record<string, number | undefined> {
  const found: Record<string, number | undefined> = {};
  for (const s of statements(fn))
    if (s.kind === "loop") s.carried.forEach((c: Carried) => (found[fn.vars[c.var]!.name] = c.counterStep));
  return found;
}

describe("counters of lowered loops", () => {
  it("an index stepping by 2, and a product that is no counter", () => {
    const fn = lower(`
      export function f(x: number, n: number) {
        let p = 1;
        for (let i = 0; i < n; i += 2) p = p * x;
        return p;
      }`);
    expect(steps(fn)).toEqual({ i: 2, p: undefined });
  });

  it("from a fractional start it is no counter (start + step * k would not be exact)", () => {
    const fn = lower(`
      export function f(x: number, n: number) {
        let j = 0.5;
        let y = x;
        while (j < n) { j = j + 1; y = y * x; }
        return y;
      }`);
    expect(steps(fn).j).toBeUndefined();
  });

  it("paths ended by continue count when they agree, a break is free", () => {
    const agree = lower(`
      export function f(x: number) {
        let k = 10;
        let y = x;
        while (k > 0) {
          if (x > k) { k = k - 1; continue; }
          k = k - 3 + 2;
          y = y * x;
        }
        return y;
      }`);
    expect(steps(agree).k).toBe(-1);
    const disagree = lower(`
      export function f(x: number) {
        let k = 10;
        let y = x;
        while (k > 0) {
          if (x > k) { k = k - 1; continue; }
          k = k - 2;
          y = y * x;
        }
        return y;
      }`);
    expect(steps(disagree).k).toBeUndefined();
    const breaks = lower(`
      export function f(x: number, n: number) {
        let i = 0;
        let y = x;
        while (i < n) {
          if (y > 100) break;
          y = y * x;
          i = i + 1;
        }
        return y;
      }`);
    expect(steps(breaks).i).toBe(1);
  });

  it("for...of's hidden index counts by 1", () => {
    const fn = lower(`
      export function f(x: number, xs: number[]) {
        let y = x;
        for (const v of xs) y = y * v;
        return y;
      }`);
    expect(steps(fn).index).toBe(1);
  });
});
