// + - * / % on numbers, constants and a parameter outside wrt.
import { grad } from "adjoint";

export function f(x: number, y: number, k: number) {
  return (x * y - 3) / (x + k) + (x % 2) * y;
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.7, -1.3, 2],
      [3.4, 0.5, -1],
    ],
  },
];
