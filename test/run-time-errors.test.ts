// What a user sees at run time when something is wrong: a marker that ran untransformed names
// every way to run the transformer and the file that called it; a primitive given a missing
// argument names itself and the argument; a generated gradient called with arguments whose
// shapes do not fit names the operation and both shapes. Never an internal helper's name
// (fitGradient, unbroadcast, broadcastLike) and never `Cannot read properties of undefined`.
import { describe, expect, it } from "vitest";
import * as adjoint from "../runtime";
import {
  checkGrad,
  grad,
  hessian,
  hvp,
  jacobian,
  jvp,
  tensor,
  valueAndGrad,
  vjp,
  zeros,
  type Tensor,
} from "../runtime";
import { compile } from "./harness";

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a throw");
}

/** No message names the runtime's internals or comes from reading a property of undefined. */
function expectUserFacing(message: string): void {
  expect(message).not.toMatch(/fitGradient|unbroadcast|broadcastLike|expandReduced|hessianOf|jacobianForward/);
  expect(message).not.toMatch(/Cannot read properties|is not a function|operand \d/);
}

describe("a marker that ran untransformed", () => {
  const f = (x: number): number => x * x;

  it("names every route to the transformer, in a few lines", () => {
    const message = messageOf(() => grad(f));
    for (const route of [
      'import adjoint from "adjoint/vite"',
      "plugins: [adjoint()]",
      "vite.config / vitest.config",
      '"adjoint/esbuild"',
      '"adjoint/rollup"',
      '"adjoint/webpack"',
      '"adjoint/rolldown"',
      "npx adjoint build -p tsconfig.json",
      "TypeScript 7",
      '"plugins": [{ "transform": "adjoint/transform" }]',
      "tspc",
      '"ts-node": { "compiler": "ts-patch/compiler" }',
      "npx adjoint setup",
    ]) {
      expect(message).toContain(route);
    }
    expect(message.split("\n").length).toBeLessThanOrEqual(8);
  });

  it("names the marker and the file that called it", () => {
    const markers: [string, () => unknown][] = [
      ["grad", () => grad(f)],
      ["vjp", () => vjp(f)],
      ["valueAndGrad", () => valueAndGrad(f)],
      ["jvp", () => jvp(f)],
      ["hvp", () => hvp(f)],
      ["hessian", () => hessian(f)],
      ["jacobian", () => jacobian(f)],
      ["checkGrad", () => checkGrad(f, [1])],
    ];
    for (const [name, call] of markers) {
      expect(messageOf(call)).toMatch(
        new RegExp(
          `^adjoint: ${name}\\(\\) was called at run time, so the adjoint transformer did not run on this file ` +
            `\\([^()]*run-time-errors\\.test\\.ts:\\d+\\)\\.\\n`,
        ),
      );
    }
  });
});

describe("a primitive given a missing or wrong argument", () => {
  const t = zeros([2]);
  const CASES: [string, () => unknown, string][] = [
    ["add", () => adjoint.add(t, undefined as never), "add: argument 2 is undefined (a missing argument?)"],
    ["mul", () => adjoint.mul(undefined as never, t), "mul: argument 1 is undefined (a missing argument?)"],
    ["mul of a number", () => adjoint.mul(2, undefined as never), "mul: argument 2 is undefined (a missing argument?)"],
    ["pow", () => adjoint.pow(t, undefined as never), "pow: argument 2 is undefined (a missing argument?)"],
    ["exp", () => adjoint.exp(undefined as never), "exp: argument 1 is undefined (a missing argument?)"],
    ["maximum", () => adjoint.maximum(t, undefined as never), "maximum: argument 2 is undefined (a missing argument?)"],
    ["where", () => (adjoint.where as any)(t, 1), "where: argument 3 is undefined (a missing argument?)"],
    ["sum", () => adjoint.sum(undefined as never), "sum: argument 1 is undefined (a missing argument?)"],
    ["mean", () => adjoint.mean(undefined as never), "mean: argument 1 is undefined (a missing argument?)"],
    [
      "reshape",
      () => adjoint.reshape(undefined as never, [2]),
      "reshape: argument 1 is undefined (a missing argument?)",
    ],
    [
      "transpose",
      () => adjoint.transpose(undefined as never),
      "transpose: argument 1 is undefined (a missing argument?)",
    ],
    ["matmul", () => adjoint.matmul(t, undefined as never), "matmul: argument 2 is undefined (a missing argument?)"],
    ["dot", () => adjoint.dot(2, undefined as never), "dot: argument 2 is undefined (a missing argument?)"],
    [
      "logSoftmax",
      () => adjoint.logSoftmax(undefined as never),
      "logSoftmax: argument 1 is undefined (a missing argument?)",
    ],
    ["gather", () => (adjoint.gather as any)(t), "gather: argument 2 is undefined (a missing argument?)"],
    ["null", () => adjoint.add(t, null as never), "add: argument 2 must be a number or a Tensor, got null"],
    [
      "an array",
      () => adjoint.add([1, 2] as never, 1),
      "add: argument 1 must be a number or a Tensor, got an array (wrap it with tensor())",
    ],
    ["a string", () => adjoint.sub(t, "1" as never), "sub: argument 2 must be a number or a Tensor, got a string"],
  ];
  it.each(CASES)("%s names itself and the argument", (_name, call, expected) => {
    const message = messageOf(call);
    expect(message).toBe(expected);
    expectUserFacing(message);
  });
});

describe("a generated gradient given arguments that do not fit", () => {
  const HEADER = `import { grad, vjp, jvp, hessian, gradHook, customGradient, add, mul, exp, sum, matmul, reshape, where, zeros, type Tensor } from "adjoint";`;
  const t = (...shape: number[]): Tensor => zeros(shape);
  const run = (source: string) => {
    const compiled = compile(`${HEADER}\n${source}\n`);
    expect(compiled.codes).toEqual([]);
    return compiled.run();
  };

  const CASES: [string, string, (m: Record<string, any>) => unknown, string | RegExp][] = [
    [
      "a forward operation that runs names itself and both shapes",
      `export const d = grad((a: Tensor, b: Tensor) => sum(exp(add(a, b))));`,
      (m) => m.d(t(2), t(3)),
      "add: shapes [2] and [3] cannot be broadcast",
    ],
    [
      "an operation whose value the gradient does not need names the elementwise operations and both shapes",
      `export const d = grad((w: Tensor, x: Tensor) => sum(mul(w, x)));`,
      (m) => m.d(t(2), t(3)),
      "an elementwise operation (add, sub, mul, div, pow, maximum or minimum): shapes [2] and [3] cannot be broadcast",
    ],
    [
      "where names its three shapes",
      `export const d = grad((a: Tensor, b: Tensor, c: Tensor) => sum(where(c, a, b)), { wrt: [0, 1] });`,
      (m) => m.d(t(2), t(3), t(2)),
      "where: shapes [2], [2] and [3] cannot be broadcast",
    ],
    [
      "a vjp seed of the wrong shape through matmul",
      `export const d = vjp((a: Tensor, b: Tensor) => matmul(a, b), { wrt: [0, 1] });`,
      (m) => m.d(t(2, 2), t(2, 2), t(3)),
      "matmul: a gradient of shape [3] does not fit the result's shape [2,2] (of shapes [2,2] and [2,2]) (a vjp seed, a gradHook result or a customGradient backward of the wrong shape?)",
    ],
    [
      "a vjp seed of the wrong shape through reshape",
      `export const d = vjp((a: Tensor) => reshape(a, [4]));`,
      (m) => m.d(t(2, 2), t(3)),
      "reshape: a gradient of shape [3] does not fit the result's shape [4] (a vjp seed, a gradHook result or a customGradient backward of the wrong shape?)",
    ],
    [
      "a vjp seed of the wrong shape through a partial sum",
      `export const d = vjp((a: Tensor) => sum(a, 0));`,
      (m) => m.d(t(2, 2), t(3)),
      /^sum, mean or logSumExp: a gradient of shape \[3\] does not fit the result's shape \[2\]/,
    ],
    [
      "a vjp seed of the wrong shape straight to the parameter",
      `export const d = vjp((a: Tensor) => add(a, 1));`,
      (m) => m.d(t(2), t(3)),
      "A gradient of shape [3] does not fit its value's shape [2] (a vjp seed, a gradHook result or a customGradient backward of the wrong shape?)",
    ],
    [
      "a gradHook that returns the wrong shape",
      `export const d = grad((a: Tensor) => sum(gradHook(mul(a, a), () => zeros([3]))));`,
      (m) => m.d(t(2)),
      /^A gradient of shape \[3\] does not fit its value's shape \[2\] \(.*gradHook result/,
    ],
    [
      "a customGradient backward that returns the wrong shape",
      `const twice = customGradient((a: Tensor) => mul(a, 2), (g: Tensor, a: Tensor) => add(zeros([3]), 2));
       export const d = grad((a: Tensor) => sum(twice(a)));`,
      (m) => m.d(t(2)),
      "customGradient: the backward's gradient for argument 1 has shape [3], which does not fit the argument's shape [2]",
    ],
    [
      "a jvp tangent of the wrong shape",
      `export const d = jvp((a: Tensor, c: Tensor) => add(a, c));`,
      (m) => m.d(t(2), t(2), t(3)),
      "A tangent of shape [3] does not fit its value's shape [2] (a jvp tangent or an hvp vector of the wrong shape?)",
    ],
    [
      "a missing argument of an elementwise operation",
      `export const d = grad((a: Tensor, b: Tensor) => sum(mul(a, b)));`,
      (m) => m.d(t(2)),
      "an elementwise operation (add, sub, mul, div, pow, maximum or minimum): an argument is undefined (a missing argument?)",
    ],
    [
      "a missing argument of an operation that runs",
      `export const d = grad((a: Tensor, b: Tensor) => sum(exp(mul(a, b))));`,
      (m) => m.d(t(2)),
      "mul: argument 2 is undefined (a missing argument?)",
    ],
    [
      "a missing vjp seed",
      `export const d = vjp((a: Tensor, b: Tensor) => matmul(a, b), { wrt: [0, 1] });`,
      (m) => m.d(t(2, 2), t(2, 2)),
      "matmul: its gradient is undefined (a missing argument?)",
    ],
    [
      "a missing jvp tangent",
      `export const d = jvp((a: Tensor) => mul(a, a));`,
      (m) => m.d(t(2)),
      "mul: argument 1 is undefined (a missing argument?)",
    ],
    [
      "a missing number array",
      `export const d = grad((xs: number[]) => xs[0]! * xs[1]!);`,
      (m) => m.d(),
      "the generated gradient: an array argument is undefined (a missing argument?)",
    ],
    [
      "a missing argument of a Hessian",
      `export const d = hessian((a: Tensor) => sum(mul(a, a)));`,
      (m) => m.d(),
      "hessian: the parameter (argument 1) is undefined (a missing argument?)",
    ],
  ];
  it.each(CASES)("%s", (_name, source, call, expected) => {
    const message = messageOf(() => call(run(source)));
    if (typeof expected === "string") expect(message).toBe(expected);
    else expect(message).toMatch(expected);
    expectUserFacing(message);
  });

  it("the same programs with arguments that fit run", () => {
    expect(
      run(`export const d = grad((w: Tensor, x: Tensor) => sum(mul(w, x)));`)
        .d(t(2), tensor([1, 2]))
        .toArray(),
    ).toEqual([1, 2]);
    const m = run(`export const d = vjp((a: Tensor, b: Tensor) => matmul(a, b), { wrt: [0, 1] });`);
    expect(
      m
        .d(
          t(2, 2),
          t(2, 2),
          tensor([
            [1, 1],
            [1, 1],
          ]),
        )
        .map((g: Tensor) => g.shape),
    ).toEqual([
      [2, 2],
      [2, 2],
    ]);
  });
});
