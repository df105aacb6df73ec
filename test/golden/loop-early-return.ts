// A return inside a loop ends it like a break, leaving its value for after the loop.
import { grad } from "adjoint";

export function f(x: number, limit: number) {
  let y = x;
  for (let i = 0; i < 20; i++) {
    y = y * 1.3 + Math.sin(y);
    if (y > limit) return y * x;
  }
  return -y;
}

export const df = grad(f);

export const checks = [
  {
    f,
    grad: df,
    at: [
      [0.4, 3],
      [1.1, 3],
      [0.05, 1e9],
    ],
  },
];
