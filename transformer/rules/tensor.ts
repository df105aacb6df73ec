// Adjoint rules for the tensor primitives of the runtime (import "adjoint"). Their
// operands are numbers or tensors, broadcast as NumPy does; each rule reduces its
// contribution back to the operand over the result's shape (unbroadcast) and may leave it
// smaller than the operand when it still broadcasts, as a scalar seed does (the invariant
// is stated in runtime/adjoints.ts). Kinks follow PyTorch: relu'(0) = 0, abs'(0) = 0, ties
// in maximum and minimum split the gradient evenly.
import { num, rt, type Expr } from "../js";
import type { Rule, RuleContext } from "./types";

/** Adjoint of an elementwise operation of one operand: the operand has the result's shape. */
const unary = (fn: string, adjoint: (g: Expr, x: Expr, y: Expr) => Expr, summary: string): Rule => ({
  arity: 1,
  primal: (args) => rt(fn, ...args),
  adjoint: ({ g, args, y }) => adjoint(g, args[0]!, y),
  summary,
});

/**
 * Adjoint of a broadcasting binary operation: each contribution is reduced to its operand
 * over the result's shape (unbroadcast is given both operands), unless the operand is known
 * to have the result's shape already (shapes.ts: mul(x, x), add(t, 2), exp(x) + x, ...).
 */
const binary = (fn: string, adjoint: (c: RuleContext) => Expr, summary: string): Rule => ({
  arity: 2,
  primal: (args) => rt(fn, ...args),
  adjoint: (c) => (c.hasResultShape(c.i) ? adjoint(c) : rt("unbroadcast", adjoint(c), c.args[c.i]!, c.args[1 - c.i]!)),
  summary,
});

/** Operands after the first are options (axis, keepDims, shape, perm): no gradient flows into them. */
const firstOnly = (i: number): boolean => i === 0;

/** The mask of positions where operand i wins in maximum/minimum: 1, or 1/2 on a tie. */
const winner = (c: RuleContext, larger: boolean): Expr => {
  const [a, b] = c.i === 0 ? [c.args[0]!, c.args[1]!] : [c.args[1]!, c.args[0]!];
  return rt("add", larger ? rt("greater", a, b) : rt("greater", b, a), rt("mul", num(0.5), rt("equal", a, b)));
};

export const tensorRules: Record<string, Rule> = {
  add: binary("add", ({ g }) => g, "da = g, db = g"),
  sub: binary("sub", ({ g, i }) => (i === 0 ? g : rt("neg", g)), "da = g, db = −g"),
  mul: binary("mul", ({ g, args, i }) => rt("mul", g, args[1 - i]!), "da = g·b, db = g·a"),
  div: binary(
    "div",
    ({ g, args: [, b], y, i }) => (i === 0 ? rt("div", g, b!) : rt("neg", rt("div", rt("mul", g, y), b!))),
    "da = g/b, db = −g·y/b",
  ),
  pow: binary(
    "pow",
    ({ g, args: [a, b], y, i }) => {
      if (i === 1) return rt("powGradExponent", g, a!, b!, y);
      // A literal exponent folds: d(x^3) = 3·x^2; x^0 has no gradient (PyTorch).
      if (b!.kind === "num")
        return b!.value === 0
          ? num(0)
          : rt("mul", g, rt("mul", b!, b!.value === 2 ? a! : rt("pow", a!, num(b!.value - 1))));
      return rt("powGradBase", g, a!, b!);
    },
    "da = g·b·a^(b−1) (0 where b = 0), db = g·y·ln a (0 where a = 0, b ≥ 0)",
  ),
  maximum: binary(
    "maximum",
    (c) => rt("mul", c.g, winner(c, true)),
    "gradient to the larger operand, half each on a tie",
  ),
  minimum: binary(
    "minimum",
    (c) => rt("mul", c.g, winner(c, false)),
    "gradient to the smaller operand, half each on a tie",
  ),
  neg: unary("neg", (g) => rt("neg", g), "−g"),
  exp: unary("exp", (g, _x, y) => rt("mul", g, y), "g·y"),
  log: unary("log", (g, x) => rt("div", g, x), "g/x"),
  log1p: unary("log1p", (g, x) => rt("div", g, rt("add", x, num(1))), "g/(x + 1)"),
  sin: unary("sin", (g, x) => rt("mul", g, rt("cos", x)), "g·cos x"),
  cos: unary("cos", (g, x) => rt("neg", rt("mul", g, rt("sin", x))), "−g·sin x"),
  tanh: unary("tanh", (g, _x, y) => rt("mul", g, rt("sub", num(1), rt("square", y))), "g·(1 − y²)"),
  sqrt: unary("sqrt", (g, _x, y) => rt("div", g, rt("mul", num(2), y)), "g/(2y)"),
  abs: unary("abs", (g, x) => rt("mul", g, rt("sign", x)), "g·sign x (0 at 0)"),
  square: unary("square", (g, x) => rt("mul", g, rt("mul", num(2), x)), "g·2x"),
  sigmoid: unary("sigmoid", (g, _x, y) => rt("mul", g, rt("mul", y, rt("sub", num(1), y))), "g·y·(1 − y)"),
  relu: unary("relu", (g, x) => rt("mul", g, rt("greater", x, num(0))), "g·[x > 0]"),
  softplus: unary("softplus", (g, x) => rt("mul", g, rt("sigmoid", x)), "g·sigmoid x"),
  sum: {
    arity: "variadic",
    primal: (args) => rt("sum", ...args),
    differentiable: firstOnly,
    adjoint: ({ g, args: [x, axis, keepDims], y }) => rt("sumGrad", g, x!, y, ...options(axis, keepDims)),
    summary: "g spread over the summed axes",
  },
  mean: {
    arity: "variadic",
    primal: (args) => rt("mean", ...args),
    differentiable: firstOnly,
    adjoint: ({ g, args: [x, axis, keepDims], y }) =>
      rt("div", rt("sumGrad", g, x!, y, ...options(axis, keepDims)), rt("reductionSize", x!, ...(axis ? [axis] : []))),
    summary: "g spread over the averaged axes, divided by their size",
  },
  logSumExp: {
    arity: "variadic",
    primal: (args) => rt("logSumExp", ...args),
    differentiable: firstOnly,
    // softmax(x) along the axes, times g spread back.
    adjoint: ({ g, args: [x, axis, keepDims], y }) =>
      rt(
        "mul",
        rt("sumGrad", g, x!, y, ...options(axis, keepDims)),
        rt("exp", rt("sub", x!, rt("sumGrad", y, x!, y, ...options(axis, keepDims)))),
      ),
    summary: "g·softmax(x)",
  },
  reshape: {
    arity: 2,
    primal: (args) => rt("reshape", ...args),
    differentiable: firstOnly,
    adjoint: ({ g, args: [x], y }) => rt("reshapeGrad", g, x!, y),
    summary: "g in x's shape",
  },
  transpose: {
    arity: "variadic",
    primal: (args) => rt("transpose", ...args),
    differentiable: firstOnly,
    adjoint: ({ g, args: [, perm], y }) => rt("transposeGrad", g, y, ...(perm ? [perm] : [])),
    summary: "g transposed back",
  },
  matmul: {
    arity: 2,
    primal: (args) => rt("matmul", ...args),
    adjoint: ({ g, args: [a, b], y, i }) =>
      rt(i === 0 ? "matmulGradA" : "matmulGradB", rt("fitGradient", g, y), a!, b!),
    summary: "da = g·bᵀ, db = aᵀ·g (NumPy's 1-D cases included)",
  },
  dot: {
    arity: 2,
    primal: (args) => rt("dot", ...args),
    adjoint: ({ g, args: [a, b], y, i }) =>
      rt(i === 0 ? "matmulGradA" : "matmulGradB", rt("fitGradient", g, y), a!, b!),
    summary: "as matmul",
  },
  where: {
    arity: 3,
    primal: (args) => rt("where", ...args),
    differentiable: (i) => i > 0,
    adjoint: ({ g, args: [cond, a, b], i, hasResultShape }) => {
      const share = i === 1 ? rt("where", cond!, g, num(0)) : rt("where", cond!, num(0), g);
      return hasResultShape(i) ? share : rt("unbroadcast", share, (i === 1 ? a : b)!, cond!, (i === 1 ? b : a)!);
    },
    summary: "g where cond holds to a, elsewhere to b",
  },
  logSoftmax: {
    arity: "variadic",
    primal: (args) => rt("logSoftmax", ...args),
    differentiable: firstOnly,
    adjoint: ({ g, args: [, axis], y }) => rt("logSoftmaxGrad", g, y, ...(axis ? [axis] : [])),
    summary: "g − softmax(x)·Σg along the axis",
  },
  gather: {
    arity: 2,
    primal: (args) => rt("gather", ...args),
    differentiable: firstOnly,
    adjoint: ({ g, args: [x, indices], y }) => rt("gatherGrad", g, x!, y, indices!),
    summary: "g's rows added back into the rows they came from",
  },
  argmax: {
    arity: "variadic",
    primal: (args) => rt("argmax", ...args),
    differentiable: () => false,
    adjoint: () => num(0),
    summary: "zero gradient",
  },
  sign: {
    arity: 1,
    primal: (args) => rt("sign", ...args),
    differentiable: () => false,
    adjoint: () => num(0),
    summary: "zero gradient",
  },
  greater: {
    arity: 2,
    primal: (args) => rt("greater", ...args),
    differentiable: () => false,
    adjoint: () => num(0),
    summary: "zero gradient",
  },
  equal: {
    arity: 2,
    primal: (args) => rt("equal", ...args),
    differentiable: () => false,
    adjoint: () => num(0),
    summary: "zero gradient",
  },
};

/** The reduction options as written, so the adjoint reduces over the same axes. */
function options(axis: Expr | undefined, keepDims: Expr | undefined): Expr[] {
  if (keepDims) return [axis ?? { kind: "name", name: "undefined" }, keepDims];
  return axis ? [axis] : [];
}
