// Adjoint rules for the tensor primitives of the runtime (import "adjoint"): those whose
// algebra numbers share are made from elementwise.ts in the tensor algebra; reductions,
// shape and linear algebra, and the rest are written here. Their operands are numbers or
// tensors, broadcast as NumPy does; each rule reduces its contribution back to the operand
// over the result's shape (unbroadcast) and may leave it smaller than the operand when it
// still broadcasts, as a scalar seed does (the invariant is stated in runtime/internal/adjoints.ts).
// Kinks follow PyTorch: relu'(0) = 0, abs'(0) = 0, ties in maximum and minimum split the
// gradient evenly.
import { num, rt, type Expr, type RuntimeName } from "../js";
import { tensorAlgebra } from "./algebra";
import * as elementwise from "./elementwise";
import type { Elementwise } from "./elementwise";
import ts from "typescript";
import type { Atom } from "../ir";
import type { Adjoint, Rule, RuleContext, Tangent } from "./types";

/** A tensor primitive's call of the runtime function of the same name. */
const call =
  (fn: RuntimeName) =>
  (args: readonly Expr[]): Expr =>
    rt(fn, ...args);

/**
 * Operand i's adjoint of a broadcasting binary operation: its contribution reduced to the
 * operand over the result's shape (unbroadcast is given both operands), unless the operand
 * is known to have the result's shape already (shapes.ts: mul(x, x), add(t, 2), exp(x) + x, ...).
 */
const reducedTo =
  (i: number, adjoint: Adjoint): Adjoint =>
  (c) =>
    c.hasResultShape(i) ? adjoint(c) : rt("unbroadcast", adjoint(c), c.args[i]!, c.args[1 - i]!);

/** The tensor rule of an operation whose adjoints numbers share; a binary one reduces each operand's share. */
const shared = (fn: RuntimeName, definition: Elementwise): Rule => {
  const adjoints = definition.adjoints(tensorAlgebra);
  return {
    arity: adjoints.length,
    primal: call(fn),
    adjoints: adjoints.length === 2 ? adjoints.map((adjoint, i) => reducedTo(i, adjoint)) : adjoints,
    tangent: "linear",
    shape: "elementwise",
    elementwise: definition,
    summary: definition.summary,
  };
};

/** Adjoint of an elementwise operation of one operand: the operand has the result's shape. */
const unary = (fn: RuntimeName, adjoint: (g: Expr, x: Expr, y: Expr) => Expr, summary: string): Rule => ({
  arity: 1,
  primal: call(fn),
  adjoints: [({ g, args: [x], y }) => adjoint(g, x!, y)],
  tangent: "linear",
  shape: "elementwise",
  summary,
});

/** A broadcasting binary operation written for tensors only (maximum, minimum). */
const binary = (fn: RuntimeName, da: Adjoint, db: Adjoint, summary: string): Rule => ({
  arity: 2,
  primal: call(fn),
  adjoints: [reducedTo(0, da), reducedTo(1, db)],
  tangent: "linear",
  shape: "elementwise",
  summary,
});

/** An elementwise function whose result carries no gradient (a sign, a comparison): no operand gets one. */
const constant = (fn: RuntimeName, operands: number): Rule => ({
  arity: operands,
  primal: call(fn),
  adjoints: Array.from({ length: operands }, () => null),
  tangent: null,
  shape: "elementwise",
  summary: "zero gradient",
});

/** The mask of positions where `a` wins over `b` in maximum/minimum: 1, or 1/2 on a tie. */
const winner = (a: Expr, b: Expr, larger: boolean): Expr =>
  rt("add", larger ? rt("greater", a, b) : rt("greater", b, a), rt("mul", num(0.5), rt("equal", a, b)));

/** maximum / minimum: the gradient to the winning operand, half each on a tie. */
const extremum = (fn: "maximum" | "minimum", larger: boolean): Rule =>
  binary(
    fn,
    ({ g, args: [a, b] }: RuleContext) => rt("mul", g, winner(a!, b!, larger)),
    ({ g, args: [a, b] }: RuleContext) => rt("mul", g, winner(b!, a!, larger)),
    `gradient to the ${larger ? "larger" : "smaller"} operand, half each on a tie`,
  );

/**
 * matmul and dot: da = g·bᵀ, db = aᵀ·g, on the whole gradient. matmul's result has a shape
 * of its own (no `shape` claim: a batch broadcasts), and matmulGradA/B sum the products over
 * the batch for an operand every product shared. They broadcast g to the result's shape
 * themselves (from the operands' shapes), so a g that does not fit is reported as matmul's.
 */
const matmulAdjoints: readonly Adjoint[] = [
  ({ g, args: [a, b] }) => rt("matmulGradA", g, a!, b!),
  ({ g, args: [a, b] }) => rt("matmulGradB", g, a!, b!),
];

export const tensorRules: Record<string, Rule> = {
  add: shared("add", elementwise.add),
  sub: shared("sub", elementwise.sub),
  mul: shared("mul", elementwise.mul),
  div: shared("div", elementwise.div),
  pow: shared("pow", elementwise.pow),
  maximum: extremum("maximum", true),
  minimum: extremum("minimum", false),
  neg: shared("neg", elementwise.neg),
  exp: shared("exp", elementwise.exp),
  log: shared("log", elementwise.log),
  // Not shared with Math.log1p, which writes its denominator 1 + a.
  log1p: unary("log1p", (g, x) => rt("div", g, rt("add", x, num(1))), "g/(x + 1)"),
  sin: shared("sin", elementwise.sin),
  cos: shared("cos", elementwise.cos),
  tanh: shared("tanh", elementwise.tanh),
  sqrt: shared("sqrt", elementwise.sqrt),
  abs: shared("abs", elementwise.abs),
  square: unary("square", (g, x) => rt("mul", g, rt("mul", num(2), x)), "g·2x"),
  sigmoid: unary("sigmoid", (g, _x, y) => rt("mul", g, rt("mul", y, rt("sub", num(1), y))), "g·y·(1 − y)"),
  relu: unary("relu", (g, x) => rt("mul", g, rt("greater", x, num(0))), "g·[x > 0]"),
  softplus: unary("softplus", (g, x) => rt("mul", g, rt("sigmoid", x)), "g·sigmoid x"),
  // Reductions: sum(x, axis?, keepDims?) and the like; no gradient flows into the options.
  sum: {
    arity: "variadic",
    primal: call("sum"),
    adjoints: [
      ({ g, args: [x, axis, keepDims], y }) => rt("sumGrad", g, x!, y, ...options(axis, keepDims)),
      null,
      null,
    ],
    tangent: ({ tangents: [dx], args: [, ...options], emit }) => emit("sum", [dx!, ...options]),
    summary: "g spread over the summed axes",
  },
  mean: {
    arity: "variadic",
    primal: call("mean"),
    adjoints: [
      ({ g, args: [x, axis, keepDims], y }) =>
        rt(
          "div",
          rt("sumGrad", g, x!, y, ...options(axis, keepDims)),
          rt("reductionSize", x!, ...(axis ? [axis] : [])),
        ),
      null,
      null,
    ],
    tangent: ({ tangents: [dx], args: [, ...options], emit }) => emit("mean", [dx!, ...options]),
    summary: "g spread over the averaged axes, divided by their size",
  },
  logSumExp: {
    arity: "variadic",
    primal: call("logSumExp"),
    // softmax(x) along the axes, times g spread back.
    adjoints: [
      ({ g, args: [x, axis, keepDims], y }) =>
        rt(
          "mul",
          rt("sumGrad", g, x!, y, ...options(axis, keepDims)),
          rt("exp", rt("sub", x!, rt("sumGrad", y, x!, y, ...options(axis, keepDims)))),
        ),
      null,
      null,
    ],
    // ẏ = Σ ẋ·softmax(x) over the axes: softmax from the result, kept with the axes so it broadcasts.
    tangent: ({ tangents: [dx], args: [x, axis, keepDims], y, emit }) => {
      const lse = axis ? emit("logSumExp", [x!, axis, TRUE]) : y;
      const softmax = emit("exp", [emit("sub", [x!, lse])]);
      return emit("sum", [emit("mul", [dx!, softmax]), ...(axis ? [axis] : []), ...(keepDims ? [keepDims] : [])]);
    },
    summary: "g·softmax(x)",
  },
  reshape: {
    arity: 2,
    primal: call("reshape"),
    adjoints: [({ g, args: [x], y }) => rt("reshapeGrad", g, x!, y), null],
    tangent: ({ tangents: [dx], args: [, shape], emit }) => emit("reshape", [dx!, shape!]),
    summary: "g in x's shape",
  },
  transpose: {
    arity: "variadic",
    primal: call("transpose"),
    adjoints: [({ g, args: [, perm], y }) => rt("transposeGrad", g, y, ...(perm ? [perm] : [])), null],
    tangent: ({ tangents: [dx], args: [, ...perm], emit }) => emit("transpose", [dx!, ...perm]),
    summary: "g transposed back",
  },
  matmul: {
    arity: 2,
    primal: call("matmul"),
    adjoints: matmulAdjoints,
    tangent: productTangent("matmul"),
    summary:
      "da = g·bᵀ, db = aᵀ·g per product of the batch, summed over it for a shared operand (NumPy's 1-D cases included)",
  },
  dot: {
    arity: 2,
    primal: call("dot"),
    adjoints: matmulAdjoints,
    tangent: productTangent("dot"),
    summary: "as matmul",
  },
  // where(cond, a, b): each branch's share is reduced over the shape of all three operands.
  where: {
    arity: 3,
    primal: call("where"),
    shape: "elementwise",
    adjoints: [
      null,
      ({ g, args: [cond, a, b], hasResultShape }) => {
        const share = rt("where", cond!, g, num(0));
        return hasResultShape(1) ? share : rt("unbroadcast", share, a!, cond!, b!);
      },
      ({ g, args: [cond, a, b], hasResultShape }) => {
        const share = rt("where", cond!, num(0), g);
        return hasResultShape(2) ? share : rt("unbroadcast", share, b!, cond!, a!);
      },
    ],
    tangent: "linear",
    summary: "g where cond holds to a, elsewhere to b",
  },
  logSoftmax: {
    arity: "variadic",
    primal: call("logSoftmax"),
    adjoints: [({ g, args: [, axis], y }) => rt("logSoftmaxGrad", g, y, ...(axis ? [axis] : [])), null],
    // ẏ = ẋ − Σ softmax·ẋ along the axis (the last by default), kept so that it broadcasts.
    tangent: ({ tangents: [dx], args: [, axis], y, emit }) =>
      emit("sub", [
        dx!,
        emit("sum", [emit("mul", [emit("exp", [y]), dx!]), axis ?? { kind: "number", value: -1 }, TRUE]),
      ]),
    summary: "g − softmax(x)·Σg along the axis",
  },
  gather: {
    arity: 2,
    primal: call("gather"),
    adjoints: [({ g, args: [x, indices], y }) => rt("gatherGrad", g, x!, y, indices!), null],
    tangent: ({ tangents: [dx], args: [, indices], emit }) => emit("gather", [dx!, indices!]),
    summary: "g's rows added back into the rows they came from",
  },
  // argmax(x, axis?): an index, and of its own shape.
  argmax: {
    arity: "variadic",
    primal: call("argmax"),
    adjoints: [null, null],
    tangent: null,
    summary: "zero gradient",
  },
  sign: constant("sign", 1),
  greater: constant("greater", 2),
  equal: constant("equal", 2),
  // What forward mode's tangents are written with (no source code lowers to them). A tangent
  // must have its value's whole shape (a sum over it counts every copy), so the tangent of
  // add(a, b) along a alone is a's tangent broadcast to the result.
  broadcastLike: {
    arity: 2,
    primal: call("broadcastLike"),
    adjoints: [
      ({ g, args: [t, like], hasResultShape }) => (hasResultShape(0) ? g : rt("unbroadcast", g, t!, like!)),
      null,
    ],
    tangent: "linear",
    shape: "elementwise",
    summary: "dt = g reduced to t's shape",
  },
  // A size-1 tensor as a number: the gradient with respect to a number of a function that returns a tensor.
  toNumber: {
    arity: 1,
    primal: call("toNumber"),
    adjoints: [({ g }) => g],
    tangent: "linear",
    summary: "dx = g (a number stands for the uniform adjoint)",
  },
  zeroTangent: {
    arity: 1,
    primal: call("zeroTangent"),
    adjoints: [null],
    tangent: null,
    shape: "firstOperand",
    summary: "zeros of x's shape; no gradient",
  },
  onesTangent: {
    arity: 1,
    primal: call("onesTangent"),
    adjoints: [null],
    tangent: null,
    shape: "firstOperand",
    summary: "ones of x's shape; no gradient",
  },
};

/** keepDims = true, for tangents that broadcast a reduction back over its axes. */
const TRUE: Atom = { kind: "constant", node: ts.factory.createTrue() };

/** The product rule of matmul and dot: ȧ·b + a·ḃ, each term only where its tangent is not zero. */
function productTangent(fn: "matmul" | "dot"): Tangent {
  return ({ tangents: [da, db], args: [a, b], emit }) => {
    const terms = [...(da ? [emit(fn, [da, b!])] : []), ...(db ? [emit(fn, [a!, db])] : [])];
    return terms.length === 2 ? emit("add", terms) : terms[0]!;
  };
}

/** The reduction options as written, so the adjoint reduces over the same axes. */
function options(axis: Expr | undefined, keepDims: Expr | undefined): Expr[] {
  if (keepDims) return [axis ?? { kind: "name", name: "undefined" }, keepDims];
  return axis ? [axis] : [];
}
