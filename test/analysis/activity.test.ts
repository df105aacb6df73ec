// Activity analysis on small lowered functions: a variable is active when it depends on a
// differentiated parameter (varied) and the result depends on it (useful).
import { describe, expect, it } from "vitest";
import { analyzeActivity } from "../../transformer/analysis/activity";
import { AdjointError } from "../../transformer/diagnostics";
import { lower, names } from "./lowered";

const active = (source: string, wrt: number[]): string[] => {
  const fn = lower(source);
  return names(fn, analyzeActivity(fn, wrt).active);
};

describe("activity analysis", () => {
  const products = `
    export function f(x: number, y: number) {
      const a = x * 2;
      const b = y * 3;
      const unused = x + 1;
      return a * b;
    }`;

  it("is varied and useful: x's path to the result, not y's, not what the result ignores", () => {
    // t1 is the result a * b.
    expect(active(products, [0])).toEqual(["a", "t1", "x"]);
    expect(active(products, [1])).toEqual(["b", "t1", "y"]);
    expect(active(products, [0, 1])).toEqual(["a", "b", "t1", "x", "y"]);
  });

  it("stops at stopGradient and at a comparison", () => {
    const source = `
      import { stopGradient } from "adjoint";
      export function f(x: number, y: number) {
        const a = stopGradient(x * x);
        const flag = x > y ? 1 : 0;
        return a * y + flag;
      }`;
    const fn = lower(source);
    const xs = names(fn, analyzeActivity(fn, [0]).active);
    expect(xs).toEqual([]);
    expect(names(fn, analyzeActivity(fn, [1]).active)).toContain("y");
  });

  it("follows a loop's carried variable through the cycle of its next value", () => {
    const source = `
      export function f(x: number, n: number) {
        let p = 1;
        let k = 0;
        for (let i = 0; i < n; i++) {
          p = p * x;
          k = k + i;
        }
        return p + k;
      }`;
    const xs = active(source, [0]);
    expect(xs).toContain("p");
    expect(xs).toContain("x");
    // k and i only count: they depend on no differentiated parameter.
    expect(xs.filter((n) => n.startsWith("k") || n.startsWith("i"))).toEqual([]);
  });

  it("refuses a gradient through a call it cannot see, and not when no gradient flows there", () => {
    const source = `
      declare function external(v: number): number;
      export function f(x: number, y: number) {
        return external(y) * x;
      }`;
    const fn = lower(source);
    expect(names(fn, analyzeActivity(fn, [0]).active)).toEqual(["t2", "x"]);
    expect(() => analyzeActivity(fn, [1])).toThrowError(AdjointError);
    try {
      analyzeActivity(fn, [1]);
    } catch (e) {
      expect((e as AdjointError).code).toBe("ADJ204");
    }
  });
});
