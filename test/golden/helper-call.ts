// Calls to functions of the program: each callee gets a vjp, called from the backward sweep.
import { grad } from "adjoint";

function h(t: number) {
  return Math.exp(t) / (1 + t * t);
}

function g(a: number, b: number) {
  return h(a) * b + a * b;
}

export function f(x: number, y: number) {
  return g(x, y) + g(y, x * x) + h(3);
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.7, 0.45],
      [-1.1, -0.45],
    ],
  },
];
