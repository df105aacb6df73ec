// The elementwise rules whose algebra is the same for numbers and tensors, each written
// once against an Algebra (algebra.ts): scalar.ts makes the number rule of each ("*",
// Math.exp) and tensor.ts the tensor rule (mul, exp), which also reduces a broadcast
// operand's share (unbroadcast). The adjoints list one entry per operand.
import { num } from "../js";
import type { Algebra } from "./algebra";
import type { Adjoint } from "./types";

export interface Elementwise {
  /** The adjoint of each operand, in the given algebra. */
  readonly adjoints: (A: Algebra) => readonly Adjoint[];
  readonly summary: string;
}

export const add: Elementwise = {
  adjoints: () => [({ g }) => g, ({ g }) => g],
  summary: "da = g, db = g",
};

export const sub: Elementwise = {
  adjoints: (A) => [({ g }) => g, ({ g }) => A.neg(g)],
  summary: "da = g, db = −g",
};

export const mul: Elementwise = {
  adjoints: (A) => [({ g, args: [, b] }) => A.mul(g, b!), ({ g, args: [a] }) => A.mul(g, a!)],
  summary: "da = g·b, db = g·a",
};

export const div: Elementwise = {
  adjoints: (A) => [({ g, args: [, b] }) => A.div(g, b!), ({ g, args: [, b], y }) => A.neg(A.div(A.mul(g, y), b!))],
  summary: "da = g/b, db = −g·y/b",
};

/** a ** b. A literal exponent folds: d(x^3) = 3·x^2; x^0 has no gradient (PyTorch). */
export const pow: Elementwise = {
  adjoints: (A) => [
    ({ g, args: [a, b] }) => {
      if (b!.kind !== "num") return A.powGradBase(g, a!, b!);
      return b!.value === 0 ? num(0) : A.mul(g, A.mul(b!, A.pow(a!, num(b!.value - 1))));
    },
    ({ g, args: [a, b], y }) => A.powGradExponent(g, a!, b!, y),
  ],
  summary: "da = g·b·a^(b−1) (0 where b = 0), db = g·y·ln a (0 where a = 0, b ≥ 0)",
};

export const neg: Elementwise = { adjoints: (A) => [({ g }) => A.neg(g)], summary: "da = −g" };
export const exp: Elementwise = { adjoints: (A) => [({ g, y }) => A.mul(g, y)], summary: "g·y" };
export const log: Elementwise = { adjoints: (A) => [({ g, args: [a] }) => A.div(g, a!)], summary: "g/a" };
export const sin: Elementwise = { adjoints: (A) => [({ g, args: [a] }) => A.mul(g, A.cos(a!))], summary: "g·cos a" };
export const cos: Elementwise = {
  adjoints: (A) => [({ g, args: [a] }) => A.neg(A.mul(g, A.sin(a!)))],
  summary: "−g·sin a",
};
export const tanh: Elementwise = {
  adjoints: (A) => [({ g, y }) => A.mul(g, A.sub(num(1), A.square(y)))],
  summary: "g·(1 − y²)",
};
export const sqrt: Elementwise = { adjoints: (A) => [({ g, y }) => A.div(g, A.mul(num(2), y))], summary: "g/(2y)" };
export const abs: Elementwise = {
  adjoints: (A) => [({ g, args: [a] }) => A.mul(g, A.sign(a!))],
  summary: "g·sign a (0 at 0)",
};
