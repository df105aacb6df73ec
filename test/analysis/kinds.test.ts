// The lowering works out the type of arithmetic on two numbers itself (lower/context.ts)
// instead of asking the checker again: each value's kind must be the one the checker's type gives.
import { describe, expect, it } from "vitest";
import { valueKind } from "../../transformer/lower";
import { lowerWithChecker, statements } from "./lowered";

describe("the kinds of lowered values", () => {
  it("are those of the checker's types, for arithmetic on numbers, literals, enums and any", () => {
    const { fn, checker } = lowerWithChecker(`
      import { add, type Tensor } from "adjoint";
      enum E { A = 1, B = 2 }
      export function f(x: number, a: any, t: Tensor, k: 1 | 2, e: E): Tensor {
        const y = ((x * x + k) * (x - 3)) / (x ** 2 % 5) - -x;
        const z = a * x + (a + x) * (x + a);
        const w = e + x * k - (e - k);
        return add(t, y + z + w);
      }
    `);
    const lets = statements(fn).flatMap((s) => (s.kind === "let" ? [s] : []));
    expect(lets.length).toBeGreaterThan(10);
    const kinds = lets.map((s) => [s.node.getText(), fn.vars[s.target]!.kind]);
    expect(kinds).toEqual(lets.map((s) => [s.node.getText(), valueKind(checker.getTypeAtLocation(s.node))]));
    // any + number is any (a tensor's gradient, decided at run time); any * number is a number.
    expect(new Set(kinds.map(([, kind]) => kind))).toEqual(new Set(["number", "tensor"]));
  });
});
