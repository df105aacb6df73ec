// Shape facts on small lowered tensor functions: which values certainly share a shape.
import { describe, expect, it } from "vitest";
import { ShapeFacts } from "../../transformer/analysis/shapes";
import { varAtom } from "../../transformer/ir";
import { lower, v } from "./lowered";

const header = `import { Tensor, add, mul, exp, sum, mean, matmul } from "adjoint";`;

describe("shape facts", () => {
  const fn = lower(`${header}
    export function f(x: Tensor, y: Tensor, s: number) {
      const a = exp(x);
      const b = mul(a, s);
      const c = add(a, y);
      const m = matmul(x, y);
      const total = sum(b);
      return add(c, total);
    }`);
  const facts = new ShapeFacts(fn);

  it("an elementwise operation of one shape and numbers has that shape", () => {
    expect(facts.sameShape(varAtom(v(fn, "x")), v(fn, "a"))).toBe(true);
    expect(facts.sameShape(varAtom(v(fn, "a")), v(fn, "b"))).toBe(true);
    expect(facts.sameShape(varAtom(v(fn, "x")), v(fn, "b"))).toBe(true);
  });

  it("two parameters, a broadcast of them and a matmul have shapes of their own", () => {
    expect(facts.sameShape(varAtom(v(fn, "y")), v(fn, "x"))).toBe(false);
    expect(facts.sameShape(varAtom(v(fn, "a")), v(fn, "c"))).toBe(false);
    expect(facts.sameShape(varAtom(v(fn, "y")), v(fn, "c"))).toBe(false);
    expect(facts.sameShape(varAtom(v(fn, "x")), v(fn, "m"))).toBe(false);
  });

  it("a number operand never changes the shape; whole reductions are scalars", () => {
    expect(facts.sameShape({ kind: "number", value: 2 }, v(fn, "s"))).toBe(true);
    const scalars = lower(`${header}
      export function f(x: Tensor, y: Tensor) {
        return add(sum(x), mean(y));
      }`);
    expect(new ShapeFacts(scalars).resultShape()).toBe("scalar");
  });

  it("the result's shape is a parameter's when elementwise operations lead to it from that parameter alone", () => {
    const same = lower(`${header}
      export function f(w: Tensor, x: Tensor) {
        return mul(exp(x), 3);
      }`);
    expect(new ShapeFacts(same).resultShape()).toBe(1);
    expect(new ShapeFacts(fn).resultShape()).toBeUndefined();
  });

  it("a call takes the shape its callee's result is known to have", () => {
    const call = lower(`${header}
      function g(t: Tensor) { return exp(t); }
      export function f(x: Tensor, y: Tensor) {
        const r = g(y);
        return r;
      }`);
    expect(new ShapeFacts(call, () => 0).sameShape(varAtom(v(call, "y")), v(call, "r"))).toBe(true);
    expect(new ShapeFacts(call, () => undefined).sameShape(varAtom(v(call, "y")), v(call, "r"))).toBe(false);
    expect(new ShapeFacts(call, () => "scalar").resultShape()).toBe("scalar");
  });
});
