// Adjoint rules for number code: the arithmetic operators and the Math functions of
// API.md. At kinks and ties the rules follow PyTorch: abs'(0) = 0, and a tie in max or
// min splits the gradient evenly between the tied operands.
import { add, binary, conditional, div, math, mathConstant, mul, neg, num, pow, sub, sum, type Expr } from "../js";
import type { Rule } from "./types";

const unary = (primal: (a: Expr) => Expr, adjoint: (g: Expr, a: Expr, y: Expr) => Expr, summary: string): Rule => ({
  arity: 1,
  primal: ([a]) => primal(a!),
  adjoint: ({ g, args, y }) => adjoint(g, args[0]!, y),
  summary,
});

const mathUnary = (fn: string, adjoint: (g: Expr, a: Expr, y: Expr) => Expr, summary: string): Rule =>
  unary((a) => math(fn, a), adjoint, summary);

/** The gradient of a piecewise-constant function is zero: nothing flows through it. */
const constant = (fn: string): Rule => ({
  arity: 1,
  primal: ([a]) => math(fn, a!),
  differentiable: () => false,
  adjoint: () => num(0),
  summary: "zero gradient",
});

/** d(a ** b): da = g * b * a ** (b - 1) (zero where b == 0, as PyTorch); db = g * y * log(a) (zero where a == 0 and b >= 0). */
const power = (write: (a: Expr, b: Expr) => Expr): Rule => ({
  arity: 2,
  primal: ([a, b]) => write(a!, b!),
  adjoint: ({ g, args: [a, b], y, i }) => {
    if (i === 0) {
      if (b!.kind === "num") return b!.value === 0 ? num(0) : mul(g, mul(b!, pow(a!, num(b!.value - 1))));
      return conditional(binary("===", b!, num(0)), num(0), mul(g, mul(b!, pow(a!, sub(b!, num(1))))));
    }
    const zeroBase = a!.kind === "num" && a!.value === 0;
    if (zeroBase) return num(0);
    return mul(g, mul(y, math("log", a!)));
  },
  summary: "da = g·b·a^(b−1), db = g·y·ln a",
});

/** Math.max / Math.min over any number of operands: the gradient goes to the operands equal to the result, split evenly on ties. */
const extremum = (fn: "max" | "min"): Rule => ({
  arity: "variadic",
  primal: (args) => math(fn, ...args),
  adjoint: ({ g, args, y, i }) => {
    const a = args[i]!;
    if (args.length === 1) return g;
    if (args.length === 2) {
      const other = args[1 - i]!;
      // Ties split evenly; otherwise all to the larger (smaller) operand.
      return conditional(binary("===", a, other), div(g, num(2)), conditional(binary("===", a, y), g, num(0)));
    }
    const ties = sum(args.map((b) => conditional(binary("===", b, y), num(1), num(0))));
    return conditional(binary("===", a, y), div(g, ties), num(0));
  },
  summary: `gradient to the ${fn}imum, split evenly on ties`,
});

export const scalarRules: Record<string, Rule> = {
  "+": { arity: 2, primal: ([a, b]) => binary("+", a!, b!), adjoint: ({ g }) => g, summary: "da = g, db = g" },
  "-": {
    arity: 2,
    primal: ([a, b]) => binary("-", a!, b!),
    adjoint: ({ g, i }) => (i === 0 ? g : neg(g)),
    summary: "da = g, db = −g",
  },
  "*": {
    arity: 2,
    primal: ([a, b]) => binary("*", a!, b!),
    adjoint: ({ g, args, i }) => mul(g, args[1 - i]!),
    summary: "da = g·b, db = g·a",
  },
  "/": {
    arity: 2,
    primal: ([a, b]) => binary("/", a!, b!),
    adjoint: ({ g, args: [, b], y, i }) => (i === 0 ? div(g, b!) : neg(div(mul(g, y), b!))),
    summary: "da = g/b, db = −g·y/b",
  },
  "%": {
    arity: 2,
    primal: ([a, b]) => binary("%", a!, b!),
    adjoint: ({ g, args: [a, b], i }) => (i === 0 ? g : neg(mul(g, math("trunc", div(a!, b!))))),
    summary: "da = g, db = −g·trunc(a/b)",
  },
  "**": power((a, b) => binary("**", a, b)),
  "Math.pow": power((a, b) => math("pow", a, b)),
  "unary -": unary(neg, (g) => neg(g), "da = −g"),
  "Math.exp": mathUnary("exp", (g, _a, y) => mul(g, y), "g·y"),
  "Math.expm1": mathUnary("expm1", (g, _a, y) => mul(g, add(y, num(1))), "g·(y + 1)"),
  "Math.log": mathUnary("log", (g, a) => div(g, a), "g/a"),
  "Math.log1p": mathUnary("log1p", (g, a) => div(g, add(num(1), a)), "g/(1 + a)"),
  "Math.log2": mathUnary("log2", (g, a) => div(g, mul(a, mathConstant("LN2"))), "g/(a·ln 2)"),
  "Math.log10": mathUnary("log10", (g, a) => div(g, mul(a, mathConstant("LN10"))), "g/(a·ln 10)"),
  "Math.sin": mathUnary("sin", (g, a) => mul(g, math("cos", a)), "g·cos a"),
  "Math.cos": mathUnary("cos", (g, a) => neg(mul(g, math("sin", a))), "−g·sin a"),
  "Math.tan": mathUnary("tan", (g, _a, y) => mul(g, add(num(1), mul(y, y))), "g·(1 + y²)"),
  "Math.asin": mathUnary("asin", (g, a) => div(g, math("sqrt", sub(num(1), mul(a, a)))), "g/√(1 − a²)"),
  "Math.acos": mathUnary("acos", (g, a) => neg(div(g, math("sqrt", sub(num(1), mul(a, a))))), "−g/√(1 − a²)"),
  "Math.atan": mathUnary("atan", (g, a) => div(g, add(num(1), mul(a, a))), "g/(1 + a²)"),
  "Math.sinh": mathUnary("sinh", (g, a) => mul(g, math("cosh", a)), "g·cosh a"),
  "Math.cosh": mathUnary("cosh", (g, a) => mul(g, math("sinh", a)), "g·sinh a"),
  "Math.tanh": mathUnary("tanh", (g, _a, y) => mul(g, sub(num(1), mul(y, y))), "g·(1 − y²)"),
  "Math.sqrt": mathUnary("sqrt", (g, _a, y) => div(g, mul(num(2), y)), "g/(2y)"),
  "Math.cbrt": mathUnary("cbrt", (g, _a, y) => div(g, mul(num(3), mul(y, y))), "g/(3y²)"),
  "Math.abs": mathUnary("abs", (g, a) => mul(g, math("sign", a)), "g·sign a (0 at 0)"),
  "Math.atan2": {
    arity: 2,
    primal: ([a, b]) => math("atan2", a!, b!),
    adjoint: ({ g, args: [a, b], i }) => {
      const r2 = add(mul(a!, a!), mul(b!, b!));
      return i === 0 ? div(mul(g, b!), r2) : neg(div(mul(g, a!), r2));
    },
    summary: "da = g·b/(a² + b²), db = −g·a/(a² + b²)",
  },
  "Math.hypot": {
    arity: "variadic",
    primal: (args) => math("hypot", ...args),
    adjoint: ({ g, args, y, i }) => div(mul(g, args[i]!), y),
    summary: "da_i = g·a_i/y",
  },
  "Math.max": extremum("max"),
  "Math.min": extremum("min"),
  // x[i] of a number array: the adjoint g goes into element i of the array's adjoint.
  index: {
    arity: 2,
    primal: ([array, i]) => ({ kind: "element", array: array!, index: i! }),
    differentiable: (i) => i === 0,
    adjoint: ({ g }) => g,
    scatterIndex: 1,
    summary: "dx[i] += g",
  },
  // x[i] inside a loop, of an array the function writes: the primal also logs the value at
  // the read counter (operand 2), and the backward sweep's recomputed iteration reads it back.
  loggedIndex: {
    arity: 3,
    primal: ([array, i]) => ({ kind: "element", array: array!, index: i! }),
    differentiable: (i) => i === 0,
    adjoint: ({ g }) => g,
    scatterIndex: 1,
    summary: "da[i] += g",
  },
  // [x, y, z]: an array the function creates; element j's adjoint is da[j].
  arrayOf: {
    arity: "variadic",
    primal: (args) => ({ kind: "array", elements: args }),
    adjoint: ({ g, i }) => ({ kind: "element", array: g, index: num(i) }),
    summary: "dx_j = da[j]",
  },
  "Math.floor": constant("floor"),
  "Math.ceil": constant("ceil"),
  "Math.round": constant("round"),
  "Math.trunc": constant("trunc"),
  "Math.sign": constant("sign"),
};
