// Fused elementwise loops (transformer/passes/fuse.ts) through the whole pipeline: each
// program is checked against finite differences or against the per-operation runtime calls
// the loop replaces, for same-shape operands (the loop), broadcasting ones (the calls kept
// as written), 0-d tensors and numbers mixed in, float32, float64 and both, and NaN and
// infinities.
import { describe, expect, it } from "vitest";
import * as rt from "../runtime";
import { tensor, type Tensor } from "../runtime";
import { compile, expectClose } from "./harness";

function build(source: string): { exports: Record<string, any>; js: string } {
  const compiled = compile(
    `import { grad, valueAndGrad, stopGradient, Tensor, add, sub, mul, div, pow, exp, log, sum, mean, neg, relu, tanh, sqrt, square, maximum, minimum, abs, sigmoid } from "adjoint";\n${source}`,
  );
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return { exports: compiled.run(), js: compiled.js["main.ts"]! };
}

const loops = (js: string): number => js.split("adjoint.sameShapes(").length - 1;

/** Central differences of the scalar f at x, element by element, in float64. */
function numericGradient(f: (x: Tensor) => number, x: Tensor, h = 1e-6): number[] {
  return Array.from(x.data, (_, i) => {
    const at = (d: number): number => {
      const data = Float64Array.from(x.data);
      data[i]! += d;
      return f(new rt.Tensor(data, x.shape));
    };
    return (at(h) - at(-h)) / (2 * h);
  });
}

const scalar = (v: Tensor | number): number => (typeof v === "number" ? v : v.data[0]!);

/** Same values, NaN for NaN and the sign of zero included: what the per-operation calls give. */
function expectSameValues(actual: Tensor, expected: Tensor, tolerance = 0): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  Array.from(expected.data).forEach((e, i) => {
    const a = actual.data[i]!;
    if (tolerance === 0 || !Number.isFinite(e)) expect(Object.is(a, e), `element ${i}: ${a} vs ${e}`).toBe(true);
    else expectClose(a, e, tolerance);
  });
}

const SEED = `
  const modified = (x: Tensor) => sum(sub(add(mul(x, x), pow(x, 3)), stopGradient(pow(x, 3))));
  export const df = grad(modified);
`;

describe("fused elementwise loops", () => {
  it("the seed workload: one loop, the gradient 2x + 3x² in float64 and float32", () => {
    const { exports, js } = build(SEED);
    expect(loops(js)).toBe(1);
    const values = [0.5, -1.2, 3, 0, -0.25, 7];
    for (const dtype of ["float64", "float32"] as const) {
      const x = tensor(values, { dtype });
      const dx: Tensor = exports.df(x);
      expect(dx.dtype).toBe(dtype);
      const exact = values.map((v) => 2 * v + 3 * v * v);
      Array.from(dx.data).forEach((v, i) => expectClose(v, exact[i]!, dtype === "float32" ? 1e-6 : 1e-14));
    }
  });

  it("gradients of chains in both sweeps match finite differences, same-shape and broadcast", () => {
    const { exports, js } = build(`
      export const f = (x: Tensor, y: Tensor) => sum(mul(tanh(add(x, y)), exp(neg(mul(x, sigmoid(y))))));
      export const df = grad(f, { wrt: [0, 1] });
    `);
    expect(loops(js)).toBeGreaterThanOrEqual(2);
    const cases: [Tensor, Tensor][] = [
      // Same shapes: the loops.
      [
        tensor([
          [0.3, -0.8, 1.1],
          [0.05, 2, -1.4],
        ]),
        tensor([
          [1.2, 0.4, -0.6],
          [-2, 0.7, 0.1],
        ]),
      ],
      // Broadcasting: the per-operation calls.
      [
        tensor([
          [0.3, -0.8, 1.1],
          [0.05, 2, -1.4],
        ]),
        tensor([1.2, 0.4, -0.6]),
      ],
      // A 0-d tensor: the per-operation calls.
      [tensor([0.3, -0.8, 1.1]), tensor(0.4)],
    ];
    for (const [x, y] of cases) {
      const [dx, dy]: Tensor[] = exports.df(x, y);
      const fx = (v: Tensor): number => scalar(exports.f(v, y));
      const fy = (v: Tensor): number => scalar(exports.f(x, v));
      numericGradient(fx, x).forEach((g, i) => expectClose(dx!.data[i]!, g, 1e-6));
      numericGradient(fy, y).forEach((g, i) => expectClose(dy!.data[i]!, g, 1e-6));
    }
  });

  it("numbers and 0-d tensors mixed into a chain", () => {
    const { exports, js } = build(`
      export const f = (x: Tensor, c: number, s: Tensor) => sum(div(mul(exp(mul(x, c)), add(x, 2)), add(s, 3)));
      export const df = grad(f);
      export const dc = grad(f, { wrt: 1 });
    `);
    expect(loops(js)).toBeGreaterThanOrEqual(1);
    const x = tensor([0.2, -0.5, 1.5, 0.9]);
    for (const s of [tensor(0.5), tensor([0.5, -1, 2, 0.25])]) {
      const dx: Tensor = exports.df(x, 0.7, s);
      numericGradient((v) => scalar(exports.f(v, 0.7, s)), x).forEach((g, i) => expectClose(dx.data[i]!, g, 1e-6));
      const h = 1e-6;
      const numeric = (scalar(exports.f(x, 0.7 + h, s)) - scalar(exports.f(x, 0.7 - h, s))) / (2 * h);
      expectClose(exports.dc(x, 0.7, s), numeric, 1e-6);
    }
  });

  it("a value's dtype is what the per-operation calls give: float32 stays, float64 wins", () => {
    const { exports, js } = build(`
      export const vg = valueAndGrad((x: Tensor, y: Tensor) => sum(sub(mul(exp(x), y), square(x))), { wrt: [0, 1] });
    `);
    expect(loops(js)).toBeGreaterThanOrEqual(2);
    const values = [0.25, -1.5, 2, 0.1];
    for (const [dx, dy] of [
      ["float32", "float32"],
      ["float32", "float64"],
      ["float64", "float32"],
      ["float64", "float64"],
    ] as const) {
      const x = tensor(values, { dtype: dx });
      const y = tensor(
        values.map((v) => v - 0.3),
        { dtype: dy },
      );
      const unfused = rt.sub(rt.mul(rt.exp(x), y), rt.square(x));
      const tolerance = unfused.dtype === "float32" ? 1e-6 : 1e-15;
      const { value, grad } = exports.vg(x, y);
      expect(value.dtype).toBe(unfused.dtype);
      expectClose(scalar(value), scalar(rt.sum(unfused)), tolerance);
      expect(grad[0].dtype).toBe(dx);
      expect(grad[1].dtype).toBe(dy);
      // Each gradient is rounded to its parameter's dtype at the end.
      const near = (t: Tensor, expected: Tensor): void =>
        Array.from(expected.data).forEach((v, i) => expectClose(t.data[i]!, v, t.dtype === "float32" ? 1e-6 : 1e-15));
      near(grad[0], rt.sub(rt.mul(rt.exp(x), y), rt.mul(2, x)));
      near(grad[1], rt.exp(x));
    }
  });

  it("NaN, infinities and signed zeros come out as the per-operation calls give them", () => {
    const { exports, js } = build(`
      export const f = (x: Tensor, y: Tensor) =>
        add(relu(sub(log(abs(x)), sqrt(y))), mul(maximum(x, y), minimum(div(x, y), pow(y, 2))));
    `);
    expect(loops(js)).toBe(0); // f itself is not transformed: call it through a gradient below
    const { exports: g, js: gjs } = build(`
      export const vg = valueAndGrad((x: Tensor, y: Tensor) =>
        add(relu(sub(log(abs(x)), sqrt(y))), mul(maximum(x, y), minimum(div(x, y), pow(y, 2)))), { wrt: [0, 1] });
    `);
    expect(loops(gjs)).toBeGreaterThanOrEqual(2);
    const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2.5, 1e308, -1e-308];
    const xs: number[] = [];
    const ys: number[] = [];
    for (const a of special) for (const b of special) (xs.push(a), ys.push(b));
    for (const dtype of ["float64", "float32"] as const) {
      const x = tensor(xs, { dtype });
      const y = tensor(ys, { dtype });
      const unfused = exports.f(x, y) as Tensor;
      // The loop computes in float64 and rounds once; the calls round each step: equal in float64.
      const { value, grad } = g.vg(x, y);
      expectSameValues(value, unfused, dtype === "float64" ? 0 : 1e-6);
      expect(grad[0].shape).toEqual(x.shape);
    }
  });

  it("a reduction of a chain: the value and its gradient", () => {
    const { exports, js } = build(`
      export const f = (x: Tensor) => add(mean(tanh(mul(x, 2))), sum(square(sub(x, 1))));
      export const vg = valueAndGrad(f);
    `);
    expect(js).toContain("adjoint.fusedTotal(");
    const x = tensor([0.3, -1.2, 0.8, 2.5, -0.1, 0]);
    const { value, grad } = exports.vg(x);
    const t = rt.tanh(rt.mul(x, 2));
    expectClose(scalar(value), scalar(rt.mean(t)) + scalar(rt.sum(rt.square(rt.sub(x, 1)))), 1e-15);
    numericGradient((v) => scalar(exports.f(v)), x).forEach((d, i) => expectClose(grad.data[i], d, 1e-6));
  });

  it("a whole reduction read by a chain (centring, scaling) is a 0-d operand, read once before the loop", () => {
    const { exports, js } = build(`
      export const f = (x: Tensor, y: Tensor) =>
        sum(square(div(sub(x, mean(y)), add(sum(square(sub(x, mean(x)))), 1))));
      export const vg = valueAndGrad(f, { wrt: [0, 1] });
      export const g = (x: Tensor) => {
        const m = mean(x);
        return sum(mul(exp(sub(x, m)), add(mul(x, 2), m)));
      };
      export const dg = grad(g);
    `);
    // g's exp(sub(x, m)) is a loop reading m once; an unbroadcast to a 0-d value is a sum, never fused.
    expect(js).toContain("if (adjoint.sameShapes(x) && adjoint.allScalars(m)) {");
    expect(js).toContain("const mv = m.data[0];");
    const x1 = tensor([0.3, -1.2, 0.8, 2.5, -0.1]);
    numericGradient((v) => scalar(exports.g(v)), x1).forEach((d, i) => expectClose(exports.dg(x1).data[i], d, 1e-6));
    const values = [0.3, -1.2, 0.8, 2.5, -0.1];
    for (const [dx, dy] of [
      ["float64", "float64"],
      ["float32", "float32"],
      ["float32", "float64"],
    ] as const) {
      const x = tensor(values, { dtype: dx });
      const y = tensor(
        values.map((v) => 2 * v - 0.4),
        { dtype: dy },
      );
      const unfused: Tensor = exports.f(x, y);
      const { value, grad } = exports.vg(x, y);
      expect(value.dtype).toBe(unfused.dtype);
      expectClose(scalar(value), scalar(unfused), unfused.dtype === "float32" ? 1e-6 : 1e-14);
      const f64 = (t: Tensor): Tensor => tensor(Array.from(t.data));
      const [x64, y64] = [f64(x), f64(y)];
      const tolerance = dx === "float64" && dy === "float64" ? 1e-6 : 1e-4;
      numericGradient((v) => scalar(exports.f(v, y64)), x64).forEach((d, i) =>
        expectClose(grad[0].data[i], d, tolerance),
      );
      numericGradient((v) => scalar(exports.f(x64, v)), y64).forEach((d, i) =>
        expectClose(grad[1].data[i], d, tolerance),
      );
    }
  });
});
