// Control over the backward pass: hooks (on parameters, intermediates and outputs; stacked;
// reading forward values), gradient reversal with a run-time lambda, and customGradient
// for numbers and tensors with one or several parameters: a numerically stable
// log(1 + e^x) and JAX's clip_gradient recipe.
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../runtime";
import { compile } from "./harness";

const HEADER = `import { grad, valueAndGrad, gradHook, reverseGradient, customGradient, stopGradient, Tensor, tensor, add, sub, mul, exp, log1p, sigmoid, sum, square, minimum, maximum } from "adjoint";\n`;

function build(source: string): Record<string, any> {
  const compiled = compile(HEADER + source);
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return compiled.run();
}

const values = (t: Tensor | number): number[] => (typeof t === "number" ? [t] : Array.from(t.data));

describe("gradHook", () => {
  const p = build(`
    // The notebook's cells 35 and 37 on numbers: a hook on the output, a hook on the input.
    export const onOutput = grad((x: number) => gradHook(x * x, (g) => -g));
    export const onInput = grad((x: number) => { const h = gradHook(x, (g) => g + 3 * x * x); return h * h; });
    export const onIntermediate = grad((x: number) => { const y = gradHook(Math.sin(x), (g) => 2 * g); return y * x; });
    export const seen: number[] = [];
    export const inOrder = grad((x: number) => gradHook(gradHook(x * 5, (g) => { seen.push(g); return g + 1; }), (g) => { seen.push(g); return g * 10; }));
    export const tensorHooks = grad((x: Tensor) => sum(mul(gradHook(square(x), (g) => mul(g, x)), 2)));
  `);

  it("on an output, an input and an intermediate, numbers", () => {
    expect(p.onOutput(1.5)).toBe(-3);
    expect(p.onInput(1.5)).toBeCloseTo(2 * 1.5 + 3 * 1.5 * 1.5, 12);
    expect(p.onIntermediate(0.7)).toBeCloseTo(2 * Math.cos(0.7) * 0.7 + Math.sin(0.7), 12);
  });

  it("stacked hooks each see the gradient as it reaches them, outermost first", () => {
    p.seen.length = 0;
    expect(p.inOrder(1)).toBe(55); // outer: 1 -> 10; inner: 10 -> 11; times 5
    expect(p.seen).toEqual([1, 10]);
  });

  it("on tensors, a hook that reads a forward value", () => {
    // d/dx sum(2 x²) = 4x, hooked as g·x on the square: 2·x · 2x = 4x²
    expect(values(p.tensorHooks(tensor([1, -2, 3])))).toEqual([4, 16, 36]);
  });
});

describe("reverseGradient", () => {
  const p = build(`
    export const f = (x: Tensor, lambda: number) => sum(reverseGradient(square(x), lambda));
    export const df = grad(f);
    export const schedule = (step: number) => 2 / (1 + Math.exp(-10 * step)) - 1;
  `);
  it("multiplies the gradient by -lambda for a lambda known only at run time", () => {
    for (const step of [0, 0.25, 1]) {
      const lambda = p.schedule(step);
      const [d1, d2] = values(p.df(tensor([1, 2]), lambda));
      expect(d1).toBeCloseTo(-2 * lambda, 14);
      expect(d2).toBeCloseTo(-4 * lambda, 14);
    }
    expect(values(p.f(tensor([1, 2]), 0.5))).toEqual([5]); // the forward value is untouched
  });
});

describe("customGradient", () => {
  const p = build(`
    const naive = (x: number) => Math.log1p(Math.exp(x));
    // log(1 + e^x) whose derivative e^x / (1 + e^x) overflows to NaN for large x; the
    // custom backward is the stable sigmoid.
    const log1pexp = customGradient(
      (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x))),
      (g: number, x: number) => g / (1 + Math.exp(-x)),
    );
    const log1pexpTensor = customGradient(
      (x: Tensor) => log1p(exp(x)),
      (g: Tensor, x: Tensor) => mul(g, sigmoid(x)),
    );
    // JAX's clip_gradient: identity forward, gradient clipped to [lo, hi].
    const clipGradient = customGradient(
      (lo: number, hi: number, x: number) => x,
      (g: number, lo: number, hi: number, x: number) => [null, null, Math.min(Math.max(g, lo), hi)],
    );
    const clipGradientTensor = customGradient(
      (x: Tensor, lo: number, hi: number) => x,
      (g: Tensor, x: Tensor, lo: number, hi: number) => [minimum(maximum(g, lo), hi), null, null],
    );
    export const dNaive = grad(naive);
    export const dStable = grad((x: number) => log1pexp(x));
    export const vStable = valueAndGrad((x: number) => 3 * log1pexp(x));
    export const dStableTensor = grad((x: Tensor) => sum(log1pexpTensor(x)));
    export const dClip = grad((x: number) => 5 * clipGradient(-1, 1, x * x));
    export const dClipTensor = grad((x: Tensor) => sum(mul(clipGradientTensor(x, -1, 1), tensor([0.5, 4, -7]))));
    export const dTwo = grad(
      (a: number, b: number) => customGradient((u: number, v: number) => u * v, (g: number, u: number, v: number) => [g * v, 100 * g * u])(a, b),
      { wrt: [0, 1] },
    );
  `);

  it("a stable log(1 + e^x): finite where the naive derivative overflows", () => {
    expect(p.dNaive(1000)).toBeNaN();
    expect(p.dStable(1000)).toBe(1);
    expect(p.dStable(0)).toBe(0.5);
    const { value, grad } = p.vStable(2);
    expect(value).toBeCloseTo(3 * Math.log1p(Math.exp(2)), 12);
    expect(grad).toBeCloseTo(3 / (1 + Math.exp(-2)), 12);
    expect(values(p.dStableTensor(tensor([-1000, 0, 1000])))).toEqual([0, 0.5, 1]);
  });

  it("clip_gradient: the forward is the identity, the gradient is clipped", () => {
    expect(p.dClip(2)).toBe(4); // g = 5 clipped to 1, times d(x²) = 4
    expect(p.dClip(-0.5)).toBe(-1);
    expect(values(p.dClipTensor(tensor([1, 2, 3])))).toEqual([0.5, 1, -1]);
  });

  it("several parameters: backward returns one gradient each, and replaces the true derivative", () => {
    expect(p.dTwo(2, 3)).toEqual([3, 200]);
  });
});

describe("wrt tuples over tensors", () => {
  it("are typed precisely", () => {
    const compiled = compile(`${HEADER}
      const loss = (w: Tensor, b: Tensor, x: Tensor, lr: number) => sum(square(add(mul(x, w), b)));
      const both: [Tensor, Tensor] = grad(loss, { wrt: [0, 1] })(tensor([1]), tensor([2]), tensor([3]), 0.1);
      const withValue: { value: Tensor; grad: [Tensor, number] } = valueAndGrad(loss, { wrt: [1, 3] })(tensor([1]), tensor([2]), tensor([3]), 0.1);
      export { both, withValue };
    `);
    expect(compiled.typeErrors).toEqual([]);
    const { both, withValue } = compiled.run();
    expect(values(both[0])).toEqual([30]);
    expect(values(withValue.grad[0])).toEqual([10]);
    expect(withValue.grad[1]).toBe(0);
  });
});
