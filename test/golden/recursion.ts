// A recursive function: its vjp calls itself, once per level.
import { grad } from "adjoint";

export function power(x: number, n: number): number {
  if (n === 0) return 1;
  return x * power(x, n - 1);
}

export const df = grad(power);

export const checks = [
  {
    f: power,
    grad: df,
    at: [
      [1.3, 4],
      [-0.6, 1],
      [2, 0],
    ],
  },
];
