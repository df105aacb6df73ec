// The markers' TypeScript types: a gradient has its parameter's type, an array `wrt`
// gives a tuple in that order, valueAndGrad pairs the value with it, vjp takes the seed
// last. Checked by type-checking programs that must (and must not) compile.
import { describe, expect, it } from "vitest";
import { compile } from "./harness";

const HEADER = `import { grad, vjp, valueAndGrad } from "adjoint";
function f(a: number, label: string, c: number) { return label.length > 0 ? a * c : a; }
`;

describe("marker types", () => {
  it("gradients, tuples, value and seed have precise types", () => {
    const { typeErrors, codes } = compile(`${HEADER}
      export const one: number = grad(f)(1, "x", 2);
      export const pair: [number, number] = grad(f, { wrt: [2, 0] })(1, "x", 2);
      export const both: { value: number; grad: [number] } = valueAndGrad(f, { wrt: [0] })(1, "x", 2);
      export const pulled: number = vjp(f, { wrt: 2 })(1, "x", 2, 0.5);
    `);
    expect(typeErrors).toEqual([]);
    expect(codes).toEqual([]);
  });

  it("a wrong use is a type error", () => {
    const { typeErrors } = compile(`${HEADER}
      export const wrongType: string = grad(f)(1, "x", 2);
      export const wrongArity = grad(f)(1, "x");
      export const missingSeed = vjp(f)(1, "x", 2, "seed");
    `);
    expect(typeErrors).toHaveLength(3);
  });
});
