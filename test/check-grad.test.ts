// checkGrad: the generated gradient against central finite differences (PyTorch's
// gradcheck, JAX's check_grads). It must pass on right gradients, name the parameter, the
// element, both values and the tolerance on wrong ones, and refuse to run untransformed.
import { describe, expect, it } from "vitest";
import { checkGrad, tensor } from "../runtime";
import { compile } from "./harness";

function build(source: string): Record<string, any> {
  const compiled = compile(
    `import { checkGrad, customGradient, Tensor, tensor, mul, sum, exp, add } from "adjoint";\n${source}`,
  );
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return compiled.run();
}

describe("checkGrad", () => {
  const p = build(`
    export const numbers = (a: number, b: number) => checkGrad((x: number, y: number) => x * Math.sin(y), [a, b], { wrt: [0, 1] });
    export const onlySecond = (a: number, b: number) => checkGrad((x: number, y: number) => x * Math.sin(y), [a, b], { wrt: 1 });
    const badExp = customGradient((x: Tensor) => exp(x), (g: Tensor, x: Tensor) => mul(g, mul(exp(x), 1.01)));
    export const wrong = (t: Tensor) => checkGrad((x: Tensor) => sum(badExp(x)), [t]);
    export const wrongLoose = (t: Tensor) => checkGrad((x: Tensor) => sum(badExp(x)), [t], { rtol: 0.05 });
    export const arrays = (xs: Float64Array) => checkGrad((v: Float64Array) => { let s = 0; for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!; return s; }, [xs]);
    export function loss(w: Tensor, b: Tensor) { return sum(mul(add(w, b), w)); }
    export const named = (w: Tensor, b: Tensor) => checkGrad(loss, [w, b], { wrt: [0, 1], eps: 1e-5 });
  `);

  it("passes on right gradients and returns the worst relative error", () => {
    const worst = p.numbers(0.3, -1.2);
    expect(worst).toBeGreaterThanOrEqual(0);
    expect(worst).toBeLessThan(1e-8);
    expect(p.onlySecond(0.3, -1.2)).toBeLessThan(1e-8);
    expect(p.arrays(Float64Array.from([1, -2, 0.5]))).toBeLessThan(1e-8);
    expect(
      p.named(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([0.5, -0.5]),
      ),
    ).toBeLessThan(1e-6);
    expect(
      p.named(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: "float32" },
        ),
        tensor([0.5, -0.5], { dtype: "float32" }),
      ),
    ).toBeLessThan(1e-3);
  });

  it("throws on a wrong gradient, naming the parameter, the element, both values and the tolerance", () => {
    let message = "";
    try {
      p.wrong(
        tensor([
          [0, 1],
          [2, 3],
        ]),
      );
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /checkGrad: parameter 0 \(x\) element 0 \(index \[0,0\]\): the generated gradient is 1\.01, finite differences give (1\.0000|0\.9999)\d* \(allowed \|difference\| ≤ 0\.00001 \+ 0\.001·\|numeric\|/,
    );
    expect(p.wrongLoose(tensor([0, 1]))).toBeCloseTo((0.01 * Math.E) / Math.max(1, Math.E), 6);
  });

  it("names a function declaration's parameters", () => {
    const bad = () =>
      p.named(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([0.5, -0.5, 1]),
      );
    expect(bad).toThrow(/add: shapes \[2,2\] and \[3\] cannot be broadcast/);
  });

  it("throws with the plugin's configuration when the transformer did not run", () => {
    expect(() => checkGrad((x: number) => x * x, [1])).toThrow(
      /transformer did not run on this file.*plugins.*adjoint\/transform/s,
    );
  });
});
