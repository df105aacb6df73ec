// A while loop with a counter incremented in the body: x^n.
import { grad } from "adjoint";

export function f(x: number, n: number) {
  let y = 1;
  let k = 0;
  while (k < n) {
    y = y * x;
    k++;
  }
  return y;
}

export const df = grad(f);

export const checks = [
  {
    f,
    grad: df,
    at: [
      [1.3, 5],
      [-0.8, 2],
      [2, 0],
    ],
  },
];
