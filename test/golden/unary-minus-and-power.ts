// Unary minus and `**`, with a number and with a differentiated exponent.
import { grad } from "adjoint";

export function f(x: number, y: number) {
  return -(x ** 3) + x ** y - -y;
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [1.3, 0.5],
      [2.1, -1.4],
    ],
  },
];
