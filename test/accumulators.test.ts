// Running sums of tensors in loops, added into in place (transformer/passes/accumulate.ts and
// runtime/internal/accumulator.ts), through the whole pipeline: the gradients against finite
// differences (checkGrad), sums that grow by broadcasting on their first trip, float32,
// nested loops, and starts that are the caller's tensors, which must come back unchanged.
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../runtime";
import { compile } from "./harness";

function build(source: string): { exports: Record<string, any>; js: string } {
  const compiled = compile(
    `import { checkGrad, grad, valueAndGrad, Tensor, add, sub, mul, sum, tanh, matmul } from "adjoint";\n${source}`,
  );
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return { exports: compiled.run(), js: compiled.js["main.ts"]! };
}

const accumulators = (js: string): number => js.split("adjoint.accumulator(").length - 1;

describe("running sums in loops", () => {
  it("a recurrent layer: the weights' and the input's gradients summed over the trips in place", () => {
    const { exports, js } = build(`
      export function f(w: Tensor, h0: Tensor, n: number) {
        let h = h0;
        for (let i = 0; i < n; i++) h = tanh(add(matmul(h, w), h0));
        return sum(mul(h, h));
      }
      export const check = (w: Tensor, h0: Tensor, n: number) => checkGrad(f, [w, h0, n], { wrt: [0, 1] });`);
    expect(accumulators(js)).toBe(2);
    const w = tensor([
      [0.5, -0.3, 0.1],
      [0.8, 0.2, -0.4],
      [-0.2, 0.6, 0.3],
    ]);
    const h0 = tensor([[0.4, -0.9, 0.2]]);
    expect(exports.check(w, h0, 7)).toBeLessThan(1e-6);
  });

  it("a sum that starts at 0 and grows by broadcasting on its first trip, in the primal and the sweep", () => {
    const { exports, js } = build(`
      export function f(x: Tensor, b: Tensor, n: number) {
        let acc: Tensor | number = 0;
        for (let i = 0; i < n; i++) acc = add(acc, mul(x, add(b, i)));
        return sum(mul(acc, acc));
      }
      export const df = grad(f, { wrt: [0, 1] });
      export const check = (x: Tensor, b: Tensor, n: number) => checkGrad(f, [x, b, n], { wrt: [0, 1] });`);
    expect(accumulators(js)).toBeGreaterThanOrEqual(2);
    // From the second trip on, x's and b's gradients are added into their sums' buffers by fused loops.
    expect(js).toContain("dxSum.fits(");
    const x = tensor([[0.5], [-1.5]]);
    const b = tensor([0.25, -0.75, 2]);
    expect(exports.check(x, b, 5)).toBeLessThan(1e-6);
    // Same shapes: every trip after the first takes the fused loops.
    expect(exports.check(tensor([0.5, -1.5, 0.25]), b, 5)).toBeLessThan(1e-6);
    const [dx, db] = exports.df(x, b, 5) as Tensor[];
    expect(dx!.shape).toEqual([2, 1]);
    expect(db!.shape).toEqual([3]);
  });

  it("nested loops, float32, and a start that is the caller's tensor, left unchanged", () => {
    const { exports, js } = build(`
      export function f(x: Tensor, start: Tensor, n: number) {
        let acc = start;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < 3; j++) acc = add(acc, mul(x, i - j));
        }
        return sum(tanh(acc));
      }
      export const vg = valueAndGrad(f, { wrt: [0, 1] });
      export const check = (x: Tensor, start: Tensor, n: number) => checkGrad(f, [x, start, n], { wrt: [0, 1] });`);
    expect(accumulators(js)).toBeGreaterThanOrEqual(2);
    const x = tensor([0.1, -0.2, 0.05], { dtype: "float32" });
    const start = tensor([1, 2, 3], { dtype: "float32" });
    const { grad: g } = exports.vg(x, start, 4);
    expect([...start.data]).toEqual([1, 2, 3]);
    expect([...x.data]).toEqual([...tensor([0.1, -0.2, 0.05], { dtype: "float32" }).data]);
    expect((g[0] as Tensor).dtype).toBe("float32");
    const x64 = tensor([0.1, -0.2, 0.05]);
    expect(exports.check(x64, tensor([1, 2, 3]), 4)).toBeLessThan(1e-6);
  });
});
