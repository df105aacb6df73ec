// The arithmetic an adjoint is written in, once for numbers (operators and Math, `g * b`,
// `Math.cos(a)`) and once for tensors (runtime calls, `adjoint.mul(g, b)`), so that a rule
// whose algebra is the same for both is written once against this interface
// (elementwise.ts). Both build through the folding constructors of js.ts.
import { binary, conditional, math, mul, num, pow, rt, sub, type Expr } from "../js";
import * as js from "../js";

export interface Algebra {
  add(a: Expr, b: Expr): Expr;
  sub(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  div(a: Expr, b: Expr): Expr;
  neg(a: Expr): Expr;
  /** a ** b; a ** 1 is a. */
  pow(a: Expr, b: Expr): Expr;
  square(a: Expr): Expr;
  exp(a: Expr): Expr;
  log(a: Expr): Expr;
  sin(a: Expr): Expr;
  cos(a: Expr): Expr;
  sign(a: Expr): Expr;
  /** g·b·a^(b−1) for an exponent b known only at run time, zero where b = 0 (PyTorch). */
  powGradBase(g: Expr, a: Expr, b: Expr): Expr;
  /** g·y·ln a, the exponent's share of a ** b = y (zero where a = 0 and b ≥ 0). */
  powGradExponent(g: Expr, a: Expr, b: Expr, y: Expr): Expr;
}

export const numberAlgebra: Algebra = {
  add: js.add,
  sub: js.sub,
  mul: js.mul,
  div: js.div,
  neg: js.neg,
  pow: js.pow,
  square: (a) => mul(a, a),
  exp: (a) => math("exp", a),
  log: (a) => math("log", a),
  sin: (a) => math("sin", a),
  cos: (a) => math("cos", a),
  sign: (a) => math("sign", a),
  powGradBase: (g, a, b) => conditional(binary("===", b, num(0)), num(0), mul(g, mul(b, pow(a, sub(b, num(1)))))),
  // Only a literal zero base is known to give no gradient when written inline.
  powGradExponent: (g, a, _b, y) => (a.kind === "num" && a.value === 0 ? num(0) : mul(g, mul(y, math("log", a)))),
};

export const tensorAlgebra: Algebra = {
  add: (a, b) => rt("add", a, b),
  sub: (a, b) => rt("sub", a, b),
  mul: (a, b) => rt("mul", a, b),
  div: (a, b) => rt("div", a, b),
  neg: (a) => rt("neg", a),
  pow: (a, b) => (b.kind === "num" && b.value === 1 ? a : rt("pow", a, b)),
  square: (a) => rt("square", a),
  exp: (a) => rt("exp", a),
  log: (a) => rt("log", a),
  sin: (a) => rt("sin", a),
  cos: (a) => rt("cos", a),
  sign: (a) => rt("sign", a),
  powGradBase: (g, a, b) => rt("powGradBase", g, a, b),
  powGradExponent: (g, a, b, y) => rt("powGradExponent", g, a, b, y),
};

/** The algebra of a value: the runtime's for a tensor (or a value that may be one), the operators' for a number. */
export const algebraFor = (tensor: boolean): Algebra => (tensor ? tensorAlgebra : numberAlgebra);
