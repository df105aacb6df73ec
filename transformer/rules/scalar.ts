// Adjoint rules for number code: the arithmetic operators and the Math functions of
// API.md. Those whose algebra tensors share are made from elementwise.ts in the number
// algebra; the others are written here. At kinks and ties the rules follow PyTorch:
// abs'(0) = 0, and a tie in max or min splits the gradient evenly between the tied operands.
import { add, binary, conditional, div, math, mathConstant, mul, neg, num, sub, sum, type Expr } from "../js";
import { numberAlgebra } from "./algebra";
import * as elementwise from "./elementwise";
import type { Elementwise } from "./elementwise";
import type { Adjoint, Rule, RuleContext } from "./types";

/** The number rule of an operation whose adjoints tensors share. */
const shared = (definition: Elementwise, primal: (args: readonly Expr[]) => Expr): Rule => {
  const adjoints = definition.adjoints(numberAlgebra);
  return {
    arity: adjoints.length,
    primal,
    adjoints,
    tangent: "linear",
    elementwise: definition,
    summary: definition.summary,
  };
};
const operator = (op: "+" | "-" | "*" | "/" | "**", definition: Elementwise): Rule =>
  shared(definition, ([a, b]) => binary(op, a!, b!));
const mathShared = (fn: string, definition: Elementwise): Rule => shared(definition, (args) => math(fn, ...args));

/** A Math function of one operand, with its adjoint over g, the operand and the result. */
const mathUnary = (fn: string, adjoint: (g: Expr, a: Expr, y: Expr) => Expr, summary: string): Rule => ({
  arity: 1,
  primal: ([a]) => math(fn, a!),
  adjoints: [({ g, args: [a], y }) => adjoint(g, a!, y)],
  tangent: "linear",
  summary,
});

/** A Math function of two operands, with the adjoint of each. */
const mathBinary = (fn: string, da: Adjoint, db: Adjoint, summary: string): Rule => ({
  arity: 2,
  primal: ([a, b]) => math(fn, a!, b!),
  adjoints: [da, db],
  tangent: "linear",
  summary,
});

/** The gradient of a piecewise-constant function is zero: nothing flows through it. */
const constant = (fn: string): Rule => ({
  arity: 1,
  primal: ([a]) => math(fn, a!),
  adjoints: [null],
  tangent: null,
  summary: "zero gradient",
});

/** Math.max / Math.min over any number of operands: the gradient goes to the operands equal to the result, split evenly on ties. */
const extremum = (fn: "max" | "min"): Rule => ({
  arity: "variadic",
  primal: (args) => math(fn, ...args),
  adjoints: ({ g, args, y }: RuleContext, i: number) => {
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
  tangent: "linear",
  summary: `gradient to the ${fn}imum, split evenly on ties`,
});

/** a² + b², the denominator of atan2's adjoints. */
const radius2 = (a: Expr, b: Expr): Expr => add(mul(a, a), mul(b, b));

export const scalarRules: Record<string, Rule> = {
  "+": operator("+", elementwise.add),
  "-": operator("-", elementwise.sub),
  "*": operator("*", elementwise.mul),
  "/": operator("/", elementwise.div),
  "%": {
    arity: 2,
    primal: ([a, b]) => binary("%", a!, b!),
    adjoints: [({ g }) => g, ({ g, args: [a, b] }) => neg(mul(g, math("trunc", div(a!, b!))))],
    tangent: "linear",
    summary: "da = g, db = −g·trunc(a/b)",
  },
  "**": operator("**", elementwise.pow),
  "Math.pow": mathShared("pow", elementwise.pow),
  "unary -": shared(elementwise.neg, ([a]) => neg(a!)),
  "Math.exp": mathShared("exp", elementwise.exp),
  "Math.expm1": mathUnary("expm1", (g, _a, y) => mul(g, add(y, num(1))), "g·(y + 1)"),
  "Math.log": mathShared("log", elementwise.log),
  // Not shared with the tensor log1p, which writes its denominator x + 1.
  "Math.log1p": mathUnary("log1p", (g, a) => div(g, add(num(1), a)), "g/(1 + a)"),
  "Math.log2": mathUnary("log2", (g, a) => div(g, mul(a, mathConstant("LN2"))), "g/(a·ln 2)"),
  "Math.log10": mathUnary("log10", (g, a) => div(g, mul(a, mathConstant("LN10"))), "g/(a·ln 10)"),
  "Math.sin": mathShared("sin", elementwise.sin),
  "Math.cos": mathShared("cos", elementwise.cos),
  "Math.tan": mathUnary("tan", (g, _a, y) => mul(g, add(num(1), mul(y, y))), "g·(1 + y²)"),
  "Math.asin": mathUnary("asin", (g, a) => div(g, math("sqrt", sub(num(1), mul(a, a)))), "g/√(1 − a²)"),
  "Math.acos": mathUnary("acos", (g, a) => neg(div(g, math("sqrt", sub(num(1), mul(a, a))))), "−g/√(1 − a²)"),
  "Math.atan": mathUnary("atan", (g, a) => div(g, add(num(1), mul(a, a))), "g/(1 + a²)"),
  "Math.sinh": mathUnary("sinh", (g, a) => mul(g, math("cosh", a)), "g·cosh a"),
  "Math.cosh": mathUnary("cosh", (g, a) => mul(g, math("sinh", a)), "g·sinh a"),
  "Math.tanh": mathShared("tanh", elementwise.tanh),
  "Math.sqrt": mathShared("sqrt", elementwise.sqrt),
  "Math.cbrt": mathUnary("cbrt", (g, _a, y) => div(g, mul(num(3), mul(y, y))), "g/(3y²)"),
  "Math.abs": mathShared("abs", elementwise.abs),
  "Math.atan2": mathBinary(
    "atan2",
    ({ g, args: [a, b] }) => div(mul(g, b!), radius2(a!, b!)),
    ({ g, args: [a, b] }) => neg(div(mul(g, a!), radius2(a!, b!))),
    "da = g·b/(a² + b²), db = −g·a/(a² + b²)",
  ),
  "Math.hypot": {
    arity: "variadic",
    primal: (args) => math("hypot", ...args),
    adjoints: ({ g, args, y }, i) => div(mul(g, args[i]!), y),
    tangent: "linear",
    summary: "da_i = g·a_i/y",
  },
  "Math.max": extremum("max"),
  "Math.min": extremum("min"),
  "Math.floor": constant("floor"),
  "Math.ceil": constant("ceil"),
  "Math.round": constant("round"),
  "Math.trunc": constant("trunc"),
  "Math.sign": constant("sign"),
  // What forward mode's tangents of Math.max, Math.min and the like are written with (no
  // source code lowers to them): a choice between two numbers, and the comparison it reads.
  select: {
    arity: 3,
    primal: ([c, a, b]) => conditional(c!, a!, b!),
    adjoints: [
      null,
      ({ g, args: [c] }) => conditional(c!, g, num(0)),
      ({ g, args: [c] }) => conditional(c!, num(0), g),
    ],
    tangent: "linear",
    summary: "da = c ? g : 0, db = c ? 0 : g",
  },
  // a === b, the condition of select in max's and min's tangents.
  "===": {
    arity: 2,
    primal: ([a, b]) => binary("===", a!, b!),
    adjoints: [null, null],
    tangent: null,
    summary: "a comparison",
  },
};
