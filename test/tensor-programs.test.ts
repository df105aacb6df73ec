// Tensor programs through the whole pipeline: non-scalar outputs (the gradient of their
// sum), explicit vjp seeds, dtypes and shapes of gradients, numbers and tensors mixed,
// hooks that see the whole gradient, and the mission's example.
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../runtime";
import { compile } from "./harness";

function build(source: string): Record<string, any> {
  const compiled = compile(
    `import { grad, vjp, valueAndGrad, stopGradient, gradHook, reverseGradient, Tensor, tensor, zeros, add, sub, mul, div, pow, exp, log, sum, mean, matmul, relu, tanh, square } from "adjoint";\n${source}`,
  );
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return compiled.run();
}

const values = (t: Tensor | number): number[] => (typeof t === "number" ? [t] : Array.from(t.data));

function expectAll(actual: Tensor, expected: number[], tolerance = 1e-12): void {
  expect(actual.size).toBe(expected.length);
  values(actual).forEach((v, i) =>
    expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected[i]!))),
  );
}

describe("tensor gradients", () => {
  it("the mission's example: value f, gradient f' + g'", () => {
    const p = build(`
      const f = (x: Tensor) => mul(x, x), g = (x: Tensor) => pow(x, 3);
      const modified = (x: Tensor) => add(f(x), sub(g(x), stopGradient(g(x))));
      export const df = grad(modified);
    `);
    expect(values(p.df(tensor([0.5, -1.2]))).map((v) => Number(v.toFixed(12)))).toEqual([1.75, 1.92]);
  });

  it("a non-scalar output gives the gradient of its sum; vjp takes the seed", () => {
    const p = build(`
      const f = (x: Tensor) => mul(exp(x), 2);
      export const df = grad(f);
      export const pullback = vjp(f);
    `);
    const x = tensor([0.1, -0.4, 2]);
    expectAll(
      p.df(x),
      values(x).map((v) => 2 * Math.exp(v)),
    );
    expectAll(
      p.pullback(x, tensor([1, 0, -3])),
      values(x).map((v, i) => [1, 0, -3][i]! * 2 * Math.exp(v)),
    );
  });

  it("a gradient has its parameter's dtype and shape, a zero gradient included", () => {
    const p = build(`
      export const df = grad((x: Tensor, y: Tensor) => sum(mul(x, 3)), { wrt: [0, 1] });
    `);
    const [dx, dy] = p.df(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: "float32" },
      ),
      tensor([5, 6, 7]),
    );
    expect(dx.dtype).toBe("float32");
    expect(dx.shape).toEqual([2, 2]);
    expectAll(dx, [3, 3, 3, 3]);
    expect(dy.shape).toEqual([3]);
    expectAll(dy, [0, 0, 0]);
  });

  it("numbers and tensors mixed: a number parameter gets a number gradient", () => {
    const p = build(`
      export const loss = (w: Tensor, scale: number, x: Tensor) => mean(square(sub(mul(x, w), scale)));
      export const dl = grad(loss, { wrt: [0, 1] });
    `);
    const w = tensor([0.5, -1]);
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const [dw, dscale] = p.dl(w, 0.3, x);
    expect(typeof dscale).toBe("number");
    expect(dw.shape).toEqual([2]);
    // Finite differences.
    const h = 1e-6;
    const f = (w2: Tensor, s: number) => Number(p.loss(w2, s, x).item());
    expect(Math.abs(dscale - (f(w, 0.3 + h) - f(w, 0.3 - h)) / (2 * h))).toBeLessThan(1e-6);
    const w0 = tensor([0.5 + h, -1]);
    const w1 = tensor([0.5 - h, -1]);
    expect(Math.abs(values(dw)[0]! - (f(w0, 0.3) - f(w1, 0.3)) / (2 * h))).toBeLessThan(1e-6);
  });

  it("a hook sees the whole gradient, shaped like its value", () => {
    const p = build(`
      export const shapes: string[] = [];
      export const df = grad((x: Tensor) => sum(gradHook(mul(x, 2), (g) => { shapes.push(String(g.shape)); return mul(g, 10); })));
    `);
    expectAll(p.df(tensor([[1, 2, 3]])), [20, 20, 20]);
    expect(p.shapes).toEqual(["1,3"]);
  });

  it("reverseGradient and stopGradient on tensors", () => {
    const p = build(`
      export const dr = grad((x: Tensor, lambda: number) => sum(reverseGradient(mul(x, x), lambda)));
      export const ds = grad((x: Tensor) => sum(mul(stopGradient(x), x)));
    `);
    expectAll(p.dr(tensor([1, -2]), 0.5), [-1, 2]);
    expectAll(p.ds(tensor([1, -2])), [1, -2]);
  });

  it("a small network: matmul, bias broadcast, relu, tanh, through a helper function", () => {
    const p = build(`
      function layer(x: Tensor, w: Tensor, b: Tensor) { return relu(add(matmul(x, w), b)); }
      export const loss = (w: Tensor, b: Tensor, x: Tensor) => mean(tanh(layer(x, w, b)));
      export const dl = grad(loss, { wrt: [0, 1] });
    `);
    const x = tensor([
      [0.2, -0.5, 1],
      [1.5, 0.3, -0.7],
    ]);
    const w = tensor([
      [0.1, 0.4],
      [-0.3, 0.8],
      [0.5, -0.2],
    ]);
    const b = tensor([0.05, -0.1]);
    const [dw, db] = p.dl(w, b, x);
    expect(dw.shape).toEqual([3, 2]);
    expect(db.shape).toEqual([2]);
    const h = 1e-6;
    const f = (w2: Tensor, b2: Tensor) => Number(p.loss(w2, b2, x).item());
    values(w).forEach((_, k) => {
      const plus = Float64Array.from(w.data);
      const minus = Float64Array.from(w.data);
      plus[k]! += h;
      minus[k]! -= h;
      const fd = (f(tensor(plus, { shape: [3, 2] }), b) - f(tensor(minus, { shape: [3, 2] }), b)) / (2 * h);
      expect(Math.abs(values(dw)[k]! - fd)).toBeLessThan(1e-7);
    });
  });

  it("tensor accumulators across branches", () => {
    const p = build(`
      export const df = grad((x: Tensor, big: boolean) => {
        let y = mul(x, 2);
        if (big) y = mul(y, y);
        return sum(y);
      });
    `);
    expectAll(p.df(tensor([1, 3]), true), [8, 24]);
    expectAll(p.df(tensor([1, 3]), false), [2, 2]);
  });
});
