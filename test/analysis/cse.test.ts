// Common subexpressions: a primitive of the same operands computed earlier in the same
// block is reused, unless reusing it would be wrong.
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { CommonSubexpressions, valueKey } from "../../transformer/analysis/cse";
import { varAtom, type Atom, type LoweredFunction, type Stmt } from "../../transformer/ir";
import { lower, statements, v } from "./lowered";

const n = (value: number): Atom => ({ kind: "number", value });

describe("CommonSubexpressions", () => {
  it("finds a value recorded earlier in the same block only", () => {
    const cse = new CommonSubexpressions(new Set());
    const [block, other]: Stmt[][] = [[], []];
    cse.record(block, "*", [varAtom(0), n(2)], 5);
    expect(cse.find(block, "*", [varAtom(0), n(2)])).toBe(5);
    expect(cse.find(block, "*", [n(2), varAtom(0)])).toBeUndefined();
    expect(cse.find(block, "+", [varAtom(0), n(2)])).toBeUndefined();
    expect(cse.find(other, "*", [varAtom(0), n(2)])).toBeUndefined();
  });

  it("never reuses a marker with effects, a read of a written array, or an outer expression", () => {
    const written = new Set([3]);
    const cse = new CommonSubexpressions(written);
    const block: Stmt[] = [];
    for (const [prim, args] of [
      ["gradHook", [varAtom(0), varAtom(1)]],
      ["customGradient", [varAtom(0), varAtom(1)]],
      ["index", [varAtom(3), n(0)]],
    ] as const) {
      cse.record(block, prim, args, 7);
      expect(cse.find(block, prim, args)).toBeUndefined();
    }
    // A read of an array that is not written is a value like any other.
    cse.record(block, "index", [varAtom(4), n(0)], 8);
    expect(cse.find(block, "index", [varAtom(4), n(0)])).toBe(8);
    expect(valueKey("+", [varAtom(0), { kind: "constant", node: ts.factory.createIdentifier("k") }], written)).toBe(
      undefined,
    );
  });

  it("tells 0 from -0", () => {
    expect(valueKey("*", [varAtom(0), n(0)], new Set())).not.toBe(valueKey("*", [varAtom(0), n(-0)], new Set()));
  });
});

const prims = (fn: LoweredFunction, prim: string) =>
  statements(fn).filter((s) => s.kind === "let" && s.op.kind === "prim" && s.op.prim === prim);

describe("common subexpressions in lowered functions", () => {
  it("x[i] read three times is one read; x * y twice is one product", () => {
    const fn = lower(`
      export function f(xs: number[], i: number, x: number, y: number) {
        return xs[i] * xs[i] + xs[i] + x * y + x * y;
      }`);
    expect(prims(fn, "index")).toHaveLength(1);
    // xs[i] * xs[i], and x * y once.
    expect(prims(fn, "*")).toHaveLength(2);
  });

  it("a branch starts with nothing computed: its product is its own", () => {
    const fn = lower(`
      export function f(x: number, y: number) {
        let a = x * y;
        if (x > 0) a = a + x * y;
        return a;
      }`);
    expect(prims(fn, "*")).toHaveLength(2);
  });

  it("reads of an array the function writes are each their own (a store may come between)", () => {
    const fn = lower(`
      export function f(x: number) {
        const a = [x, 2 * x];
        a[1] = a[0] * 3;
        return a[0] + a[0];
      }`);
    expect(prims(fn, "index")).toHaveLength(3);
    const arrayId = v(fn, "a");
    expect(
      prims(fn, "index").every(
        (s) => s.kind === "let" && s.op.kind === "prim" && s.op.args[0]!.kind === "var" && s.op.args[0]!.id === arrayId,
      ),
    ).toBe(true);
  });
});
