// Forward mode and second derivatives (transformer/forward.ts): jvp, grad of grad, hvp,
// hessian and jacobian, compiled in memory and run, against closed forms and against finite
// differences of the first derivative.
import path from "node:path";
import * as prettier from "prettier";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../runtime";
import { compile, expectClose, finiteDifference } from "./harness";

function build(source: string): Record<string, any> {
  const compiled = compile(source);
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return compiled.run();
}

const POINTS = [-2.3, -1.1, -0.4, 0.3, 0.9, 1.7];

/** Central differences of a tensor function's output along a direction of its input (float64). */
function tensorDirectional(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor, h = 1e-6): number[] {
  const shift = (s: number): Tensor =>
    tensor(
      Float64Array.from(x.data, (xi, i) => xi + s * v.data[i]!),
      { shape: x.shape },
    );
  const plus = f(shift(h)).data;
  const minus = f(shift(-h)).data;
  return Array.from(plus, (p, i) => (p - minus[i]!) / (2 * h));
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expectClose(actual[i]!, expected[i]!, tolerance);
}

describe("numbers: closed forms of second and third derivatives", () => {
  const p = build(`
    import { grad, jvp } from "adjoint";
    export const poly = (x: number) => 3 * x ** 4 - 2 * x ** 3 + x * x - 7 * x + 1;
    export const d2poly = grad(grad(poly));
    export const d3poly = grad(grad(grad(poly)));
    export const comp = (x: number) => Math.exp(Math.sin(x)) * x;
    export const d2comp = grad(grad(comp));
    export const jcomp = jvp(comp);
    export const jd = jvp(grad(comp));
    export const two = (x: number, y: number) => x * x * y + Math.sin(x * y);
    export const dxdy = grad(grad(two, { wrt: 0 }), { wrt: 1 });
    export const dydx = grad(grad(two, { wrt: 1 }), { wrt: 0 });
  `);

  it("grad(grad(poly)) and grad(grad(grad(poly))) are 36x² − 12x + 2 and 72x − 12", () => {
    for (const x of POINTS) {
      expectClose(p.d2poly(x), 36 * x * x - 12 * x + 2, 1e-12);
      expectClose(p.d3poly(x), 72 * x - 12, 1e-12);
    }
  });

  it("grad(grad(exp(sin x)·x)) is its closed form", () => {
    for (const x of POINTS) {
      const e = Math.exp(Math.sin(x));
      const first = e * Math.cos(x);
      const second = e * (Math.cos(x) ** 2 - Math.sin(x));
      expectClose(p.d2comp(x), second * x + 2 * first, 1e-12);
    }
  });

  it("jvp gives the value and the derivative times the tangent; jvp of grad gives f' and f''·v", () => {
    for (const x of POINTS) {
      const { value, tangent } = p.jcomp(x, 0.5);
      expectClose(value, p.comp(x), 1e-14);
      expectClose(tangent, 0.5 * finiteDifference(p.comp, [x], 0), 1e-7);
      const second = p.jd(x, 2);
      expectClose(second.value, finiteDifference(p.comp, [x], 0), 1e-7);
      expectClose(second.tangent, 2 * p.d2comp(x), 1e-12);
    }
  });

  it("mixed partials agree with each other and with finite differences", () => {
    for (const [x, y] of [
      [0.3, -1.2],
      [1.1, 0.7],
    ] as const) {
      const dydxFd = finiteDifference((b: number) => finiteDifference(p.two, [x, b], 0, 1e-5), [y], 0, 1e-5);
      expectClose(p.dxdy(x, y), dydxFd, 1e-5);
      expectClose(p.dydx(x, y), p.dxdy(x, y), 1e-12);
    }
  });
});

describe("numbers: loops, branches and calls, against finite differences of the first derivative", () => {
  const p = build(`
    import { grad, jvp, hvp } from "adjoint";
    function step(s: number, x: number): number {
      return s > 1 ? Math.log(s) + x : s * x + Math.tanh(s);
    }
    export function orbit(x: number, n: number): number {
      let s = x;
      for (let i = 0; i < n; i++) {
        s = step(s, x) + Math.max(s, 0.5 * x);
        if (s > 4) s = s / 2;
      }
      return s * s;
    }
    export const dOrbit = grad(orbit);
    export const d2Orbit = grad(grad(orbit));
    export const jOrbit = jvp(orbit);
    export function sumsq(xs: number[]): number {
      let total = 0;
      for (const x of xs) total += Math.sin(x) * x;
      return total * total;
    }
    export const hvpSumsq = hvp(sumsq);
    export const dSumsq = grad(sumsq);
  `);

  it("grad(grad) of a long loop through a helper and a branch matches differences of grad", () => {
    for (const x of [0.31, 0.77, 1.13]) {
      for (const n of [1, 7, 40]) {
        expectClose(
          p.d2Orbit(x, n),
          finiteDifference((y: number) => p.dOrbit(y, n), [x], 0),
          1e-5,
        );
        expectClose(p.jOrbit(x, n, 1).tangent, p.dOrbit(x, n), 1e-12);
      }
    }
  });

  it("hvp of a number array function is the difference of its gradient along v", () => {
    const xs = [0.3, -1.2, 0.8];
    const v = [0.5, 1, -2];
    const h = 1e-6;
    const plus: number[] = p.dSumsq(xs.map((x, i) => x + h * v[i]!));
    const minus: number[] = p.dSumsq(xs.map((x, i) => x - h * v[i]!));
    expectAllClose(
      p.hvpSumsq(xs, v),
      plus.map((a, i) => (a - minus[i]!) / (2 * h)),
      1e-6,
    );
  });
});

describe("arrays and tensors: hessian, hvp, jacobian", () => {
  const p = build(`
    import { grad, jvp, hvp, hessian, jacobian, tensor, Tensor, matmul, mul, sum, exp, logSumExp, tanh, add } from "adjoint";
    const A = tensor([[2, 1, 0], [1, 3, -1], [0, -1, 4]]);
    export const quadratic = (x: Tensor) => mul(0.5, sum(mul(x, matmul(A, x))));
    export const hQuadratic = hessian(quadratic);
    export function arrayQuadratic(x: Float64Array): number {
      let s = 0;
      for (let i = 0; i < x.length; i++) for (let j = 0; j < x.length; j++) s += x[i]! * x[j]! * (i + j + 1);
      return s;
    }
    export const hArray = hessian(arrayQuadratic);
    export const M = tensor([[1, 2, 3], [4, 5, 6]]);
    export const linear = (x: Tensor) => matmul(M, x);
    export const jReverse = jacobian(linear);
    export const jForward = jacobian(linear, { mode: "forward" });
    export const soft = (x: Tensor) => logSumExp(mul(tanh(x), tensor([[1], [2]])));
    export const dSoft = grad(soft);
    export const hvpSoft = hvp(soft);
    export const hSoft = hessian(soft);
    export const ggSoft = grad(grad(soft));
    export const jvpSoft = jvp(soft);
    export const jvpDSoft = jvp(grad(soft));
    export const broadcastAdd = (x: Tensor) => sum(exp(add(x, tensor([[0.1], [0.2], [0.3]]))));
    export const jvpBroadcast = jvp(broadcastAdd);
    export const ggBroadcast = grad(grad(broadcastAdd));
  `);

  it("the Hessian of ½xᵀAx is A, as a tensor of shape [3, 3]", () => {
    const H: Tensor = p.hQuadratic(tensor([0.3, -1, 2]));
    expect(H.shape).toEqual([3, 3]);
    expectAllClose(H.data, [2, 1, 0, 1, 3, -1, 0, -1, 4], 1e-12);
  });

  it("the Hessian of a Float64Array function is an array of rows", () => {
    const H: Float64Array[] = p.hArray(new Float64Array([1, 2, 3]));
    expect(H).toHaveLength(3);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expectClose(H[i]![j]!, 2 * (i + j + 1), 1e-12);
  });

  it("the Jacobian of a linear map is its matrix, in both modes", () => {
    for (const J of [p.jReverse(tensor([1, -1, 2])), p.jForward(tensor([1, -1, 2]))] as Tensor[]) {
      expect(J.shape).toEqual([2, 3]);
      expectAllClose(J.data, [1, 2, 3, 4, 5, 6], 1e-12);
    }
  });

  it("hvp, hessian, grad(grad) and jvp(grad) of a broadcasting tensor function match differences of its gradient", () => {
    const x = tensor([[0.2, -0.5, 0.9]]);
    const v = tensor([[1, 0.5, -0.25]]);
    const fd = tensorDirectional(p.dSoft, x, v);
    expectAllClose(p.hvpSoft(x, v).data, fd, 1e-6);
    const both = p.jvpDSoft(x, v);
    expectAllClose(both.value.data, p.dSoft(x).data, 1e-14);
    expectAllClose(both.tangent.data, fd, 1e-6);
    const H: Tensor = p.hSoft(x);
    expect(H.shape).toEqual([1, 3, 1, 3]);
    // grad(grad(f)) is the gradient of the sum of the gradient: H·1.
    const ones = tensor([[1, 1, 1]]);
    expectAllClose(p.ggSoft(x).data, tensorDirectional(p.dSoft, x, ones), 1e-6);
    expectClose(p.jvpSoft(x, v).tangent.item(), tensorDirectional((y) => p.soft(y), x, v)[0]!, 1e-7);
  });

  it("a tangent that broadcasts keeps the result's whole shape (sum counts every copy)", () => {
    const x = tensor([0.1, 0.4]);
    const v = tensor([1, -2]);
    expectClose(p.jvpBroadcast(x, v).tangent.item(), tensorDirectional((y) => p.broadcastAdd(y), x, v)[0]!, 1e-7);
    expectAllClose(
      p.ggBroadcast(x).data,
      tensorDirectional((y) => grad1(p, y), x, tensor([1, 1])),
      1e-6,
    );
  });
});

/** broadcastAdd's gradient is its own exp terms summed over the broadcast rows. */
function grad1(p: Record<string, any>, x: Tensor): Tensor {
  const rows = [0.1, 0.2, 0.3];
  return tensor(Array.from(x.data, (xi) => rows.reduce((s, r) => s + Math.exp(xi + r), 0)));
}

describe("a loss built from a gradient (physics-informed)", () => {
  const p = build(`
    import { grad, Tensor, add, mul, sub, sum, tanh } from "adjoint";
    export interface Net { w1: Tensor; b1: Tensor; w2: Tensor }
    export function u(t: number, p: Net): Tensor {
      return sum(mul(tanh(add(mul(t, p.w1), p.b1)), p.w2));
    }
    const du = grad(u);
    const ddu = grad(grad(u));
    export function residual(p: Net): Tensor {
      let total: Tensor | number = 0;
      for (let i = 0; i < 5; i++) {
        const t = i * 0.4;
        const r = add(ddu(t, p), u(t, p));
        total = add(total, mul(r, r));
      }
      const start = sub(u(0, p), 1);
      return add(total, add(mul(start, start), mul(du(0, p), du(0, p))));
    }
    export const dResidual = grad(residual);
  `);

  it("its gradient with respect to the weights matches finite differences", () => {
    const net = { w1: tensor([0.1, -0.3, 0.5]), b1: tensor([0.2, 0.1, -0.1]), w2: tensor([1, 0.5, -0.7]) };
    const g = p.dResidual(net);
    for (const key of ["w1", "b1", "w2"] as const) {
      for (let i = 0; i < 3; i++) {
        const at = (s: number): number => {
          const data = Float64Array.from(net[key].data);
          data[i]! += s;
          return p.residual({ ...net, [key]: tensor(data) }).item();
        };
        expectClose(g[key].data[i], (at(1e-6) - at(-1e-6)) / 2e-6, 1e-6);
      }
    }
  });
});

describe("a gradient with respect to a number, of a function that returns a tensor, used as a value", () => {
  const p = build(`
    import { grad, mul, sum, Tensor } from "adjoint";
    export function u(t: number, w: Tensor): Tensor {
      return sum(mul(w, t * t));
    }
    const du = grad(u);
    export function loss(w: Tensor): number {
      const s = du(1, w);
      return s * s;
    }
    export const dLoss = grad(loss);
  `);

  it("is a number, as grad's is, and its square differentiates", () => {
    // du(1, w) = 2·Σw, so loss = 4·(Σw)² and its gradient is 8·Σw in every element.
    expect(p.loss(tensor([1, 2]))).toBe(36);
    expectAllClose(p.dLoss(tensor([1, 2])).data, [24, 24], 1e-12);
  });
});

describe("structures: jvp and hvp with respect to a parameter object", () => {
  const p = build(`
    import { grad, jvp, hvp, Tensor, add, mul, sum, tanh } from "adjoint";
    export interface Layer { w: Tensor; b: number; scale: { k: number } }
    export function loss(p: Layer, x: Tensor): Tensor {
      const h = tanh(add(mul(x, p.w), p.b));
      return sum(mul(mul(h, h), p.scale.k));
    }
    export const dLoss = grad(loss);
    export const jLoss = jvp(loss);
    export const hLoss = hvp(loss);
  `);

  it("the tangent is a structure of the same fields; H·v is a gradient of the same structure", () => {
    const x = tensor([0.3, -0.8, 1.1]);
    const at = { w: tensor([0.5, -0.2, 0.9]), b: 0.1, scale: { k: 1.5 } };
    const v = { w: tensor([1, 0.5, -1]), b: -0.3, scale: { k: 0.7 } };
    const shifted = (h: number) => ({
      w: tensor(Float64Array.from(at.w.data, (wi, i) => wi + h * v.w.data[i]!)),
      b: at.b + h * v.b,
      scale: { k: at.scale.k + h * v.scale.k },
    });
    const h = 1e-6;
    const fd = (p.loss(shifted(h), x).item() - p.loss(shifted(-h), x).item()) / (2 * h);
    const { value, tangent } = p.jLoss(at, x, v);
    expectClose(value.item(), p.loss(at, x).item(), 1e-14);
    expectClose(tangent.item(), fd, 1e-7);
    const hv = p.hLoss(at, x, v);
    const [plus, minus] = [p.dLoss(shifted(1e-5), x), p.dLoss(shifted(-1e-5), x)];
    expectAllClose(
      hv.w.data,
      Array.from(plus.w.data as Float64Array, (a, i) => (a - minus.w.data[i]!) / 2e-5),
      1e-6,
    );
    expectClose(hv.b, (plus.b - minus.b) / 2e-5, 1e-6);
    expectClose(hv.scale.k, (plus.scale.k - minus.scale.k) / 2e-5, 1e-6);
  });
});

describe("arrays the function allocates", () => {
  const p = build(`
    import { grad, jvp } from "adjoint";
    export function filled(x: number): number {
      const a = new Array(3).fill(2);
      a[1] = x * x;
      let s = 0;
      for (let i = 0; i < 3; i++) s += a[i]! * x;
      return s;
    }
    export const jFilled = jvp(filled);
    export const ddFilled = grad(grad(filled));
  `);

  it("an allocation filled with a constant has a zero tangent where nothing varied was stored", () => {
    for (const x of [0.5, -1.5]) {
      // filled(x) = 4x + x³: derivative 4 + 3x², second derivative 6x.
      expectClose(p.jFilled(x, 1).tangent, 4 + 3 * x * x, 1e-12);
      expectClose(p.ddFilled(x), 6 * x, 1e-12);
    }
  });
});

describe("a branch that replaces a varied tensor by an outer constant", () => {
  const p = build(`
    import { jvp, hvp, tensor, Tensor, reshape, sum, mul, exp } from "adjoint";
    const C = tensor([[0.5, -1], [2, 0.25]]);
    export function f(x: Tensor, flag: number): Tensor {
      let b = reshape(x, [2, 2]);
      if (flag > 0) b = C;
      return sum(exp(mul(b, reshape(x, [2, 2]))));
    }
    export const jf = jvp(f);
    export const hf = hvp(f);
  `);

  it("gives the constant a zero tangent of its shape, not the number 0", () => {
    const x = tensor([0.1, -0.4, 0.3, 0.8]);
    const v = tensor([1, -1, 0.5, 2]);
    for (const flag of [1, -1]) {
      const fd = tensorDirectional((y) => p.f(y, flag), x, v)[0]!;
      expectClose(p.jf(x, flag, v).tangent.item(), fd, 1e-7);
      expect(p.hf(x, flag, v).shape).toEqual([4]);
    }
  });
});

describe("a derivative imported from another module", () => {
  const compiled = compile({
    "cube.ts": `
      import { grad } from "adjoint";
      export function cube(x: number): number {
        return x * x * x;
      }
      export const dCube = grad(cube);
    `,
    "main.ts": `
      import { grad, jvp } from "adjoint";
      import { dCube } from "./cube";
      export const ddCube = grad(dCube);
      export const jdCube = jvp(dCube);
      export const h = (x: number) => dCube(x) * x;
      export const dh = grad(h);
    `,
  });

  it("is differentiated again and called inside differentiated code, through its own import", () => {
    expect(compiled.codes).toEqual([]);
    const p = compiled.run();
    expectClose(p.ddCube(2), 12, 1e-12);
    expect(p.jdCube(2, 1)).toEqual({ value: 12, tangent: 12 });
    expectClose(p.dh(2), 36, 1e-12);
  });
});

describe("inline arrows", () => {
  const p = build(`
    import { grad, jvp, hessian, jacobian, tensor, Tensor, matmul, mul, sum } from "adjoint";
    function square(t: number): number {
      return t * t;
    }
    export const H = hessian((x: Float64Array) => square(x[0]!) * x[1]! + Math.sin(x[1]!));
    export const J = jacobian((x: Tensor) => mul(matmul(tensor([[1, 2], [3, 4]]), x), 2), { mode: "forward" });
    export const JR = jacobian((x: Tensor) => sum(mul(x, x)));
    export const jg = jvp(grad((x: number) => x ** 4));
  `);

  it("hessian, jacobian and jvp of grad take an inline arrow", () => {
    const H: Float64Array[] = p.H(new Float64Array([0.5, 2]));
    expectAllClose(H[0]!, [2 * 2, 2 * 0.5], 1e-12);
    expectAllClose(H[1]!, [2 * 0.5, -Math.sin(2)], 1e-12);
    expectAllClose(p.J(tensor([1, 1])).data, [2, 4, 6, 8], 1e-12);
    expectAllClose(p.JR(tensor([1, -2, 3])).data, [2, -4, 6], 1e-12);
    const { value, tangent } = p.jg(1.5, 2);
    expectClose(value, 4 * 1.5 ** 3, 1e-12);
    expectClose(tangent, 2 * 12 * 1.5 ** 2, 1e-12);
  });
});

describe("refusals", () => {
  it("customGradient has no forward rule; gradHook cannot be differentiated twice; a value gradient must be of a number", () => {
    const compiled = compile(`
      import { grad, jvp, customGradient, gradHook, Tensor, sum, mul } from "adjoint";
      const clip = customGradient((x: number) => x, (g: number) => g);
      export const viaCustom = (x: number) =>
        clip(x) * x;
      export const j = jvp(viaCustom);
      export const hooked = (x: number) =>
        gradHook(x * x, (g) => 2 * g);
      export const gg = grad(grad(hooked));
      export const jh = jvp(hooked);
      const energy = (x: Tensor) => sum(mul(x, x));
      const dEnergy = grad(energy);
      export const outer = (x: Tensor) =>
        sum(dEnergy(x));
      export const dOuter = grad(outer);
    `);
    expect(compiled.codes).toEqual(["ADJ215@5", "ADJ215@8", "ADJ215@11"]);
    const messages = compiled.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(messages[0]).toMatch(/customGradient/);
    expect(messages[1]).toMatch(/gradHook changes the backward sweep only/);
    expect(messages[2]).toMatch(/must be with respect to a number/);
  });
});

describe("across modules and through helpers", () => {
  const compiled = compile({
    "physics.ts": `
      export function drag(v: number, c: number): number {
        return c * v * Math.abs(v);
      }
      export function fall(v0: number, steps: number): number {
        let v = v0;
        const trace = new Float64Array(steps);
        for (let i = 0; i < steps; i++) {
          v = v - 0.01 * (9.81 - drag(v, 0.3));
          trace[i] = v * v;
        }
        let total = 0;
        for (let i = 0; i < steps; i++) total += trace[i]!;
        return total;
      }
    `,
    "main.ts": `
      import { grad, jvp, hvp } from "adjoint";
      import { fall } from "./physics";
      export { fall };
      export const jFall = jvp(fall);
    `,
    "second.ts": `
      import { grad, hvp } from "adjoint";
      import { drag } from "./physics";
      export function fall2(v0: number, steps: number): number {
        let v = v0;
        let total = 0;
        for (let i = 0; i < steps; i++) {
          v = v - 0.01 * (9.81 - drag(v, 0.3));
          total += v * v;
        }
        return total;
      }
      export const ddFall = grad(grad(fall2));
      export const hFall = hvp(fall2);
    `,
  });
  // A second derivative through an array the function writes and reads back in loops: the
  // tangent array's reads are logged beside the primal's, each in its own log.
  const logged = compile(`
    import { grad, hvp } from "adjoint";
    export function smooth(x: number, steps: number): number {
      const a = new Float64Array(4);
      for (let i = 0; i < 4; i++) a[i] = Math.sin(x * (i + 1));
      let s = 0;
      for (let k = 0; k < steps; k++) {
        for (let i = 1; i < 4; i++) a[i] = 0.5 * (a[i]! + a[i - 1]! * a[i - 1]!);
        s += a[3]! * x;
      }
      return s;
    }
    export const dSmooth = grad(smooth);
    export const ddSmooth = grad(grad(smooth));
    export const hSmooth = hvp(smooth);
  `);

  it("jvp, grad of grad and hvp of an imported function with a helper call, and of a local array written and read back in loops", () => {
    expect(compiled.codes).toEqual([]);
    expect(logged.codes).toEqual([]);
    const r = logged.run();
    for (const x of [0.3, -0.8, 1.4]) {
      expectClose(
        r.ddSmooth(x, 5),
        finiteDifference((y: number) => r.dSmooth(y, 5), [x], 0),
        1e-6,
      );
      expectClose(r.hSmooth(x, 5, -1.5), -1.5 * r.ddSmooth(x, 5), 1e-12);
    }
    expect(logged.js["main.ts"]).toContain("tangentReadLog");
    const p = compiled.run();
    const q = compiled.run("second.ts");
    const { fall } = p;
    for (const v0 of [-1.5, 0.4, 2.2]) {
      const d = finiteDifference((v: number) => fall(v, 30), [v0], 0);
      const { value, tangent } = p.jFall(v0, 30, 1);
      expectClose(value, fall(v0, 30), 1e-14);
      expectClose(tangent, d, 1e-6);
      const dd = finiteDifference(
        (v: number) => finiteDifference((w: number) => q.fall2(w, 30), [v], 0, 1e-4),
        [v0],
        0,
        1e-4,
      );
      expectClose(q.ddFall(v0, 30), dd, 1e-4);
      expectClose(q.hFall(v0, 30, 2), 2 * q.ddFall(v0, 30), 1e-12);
    }
  });

  it("the emitted forward-mode and second-order code reads like hand-written code (snapshot)", async () => {
    const esm = compile(
      `
      import { grad, jvp, hvp, Tensor, sum, mul, tanh, matmul } from "adjoint";
      export function horner(x: number, coefficients: number[]): number {
        let y = 0;
        for (const c of coefficients) y = y * x + c;
        return Math.sin(y);
      }
      export const jHorner = jvp(horner);
      export const ddHorner = grad(grad(horner));
      export function energy(x: Tensor, w: Tensor): Tensor {
        return sum(tanh(matmul(x, w)));
      }
      export const hEnergy = hvp(energy, { wrt: 1 });
    `,
      { module: ts.ModuleKind.ES2022 },
    );
    expect(esm.codes).toEqual([]);
    const js = await prettier.format(esm.js["main.ts"]!, { parser: "babel", printWidth: 100 });
    await expect(js).toMatchFileSnapshot(path.join(__dirname, "__snapshots__", "higher-order.js"));
  });
});

describe("forward mode through helpers that return objects", () => {
  const p = build(`
    import { jvp, Tensor, tensor, add, mul, tanh, sigmoid, sum } from "adjoint";
    function cell(x: Tensor, h: Tensor, c: Tensor): { h: Tensor; c: Tensor } {
      const gate = sigmoid(add(x, h));
      const next = add(mul(gate, c), mul(sub1(gate), tanh(x)));
      return { h: tanh(next), c: next };
    }
    function sub1(g: Tensor): Tensor {
      return add(mul(g, -1), 1);
    }
    export function run(x: Tensor): Tensor {
      let h = tensor([0, 0]);
      let c = tensor([0.5, -0.5]);
      for (let t = 0; t < 3; t++) {
        const out = cell(x, h, c);
        h = out.h;
        c = out.c;
      }
      return sum(mul(h, c));
    }
    export const jRun = jvp(run);
  `);

  it("jvp of a loop over an LSTM-like cell returning { h, c } matches finite differences", () => {
    const x = tensor([0.3, -0.7]);
    const v = tensor([1, 0.5]);
    const { value, tangent } = p.jRun(x, v);
    expectClose(value.item(), p.run(x).item(), 1e-14);
    expectClose(tangent.item(), tensorDirectional((y) => p.run(y), x, v)[0]!, 1e-7);
  });
});
