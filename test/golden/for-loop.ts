// A for loop: the variable it reassigns is taped each iteration, the counter is recomputed.
import { grad } from "adjoint";

export function f(x: number, n: number) {
  let y = 1;
  for (let i = 0; i < n; i++) y = y * x + Math.sin(y);
  return y;
}

export const df = grad(f);

export const checks = [
  {
    f,
    grad: df,
    at: [
      [0.7, 3],
      [-1.2, 4],
      [0.5, 0],
    ],
  },
];
