// An inner loop whose trip count depends on the outer counter, with a branch inside.
import { grad } from "adjoint";

export function f(x: number, y: number) {
  let s = 0;
  for (let i = 1; i <= 3; i++) {
    let inner = x;
    for (let j = 0; j < i; j++) {
      if (inner > 1) inner = Math.sqrt(inner) * y;
      else inner = inner * inner + x * j;
    }
    s += inner * i;
  }
  return s;
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.3, 0.9],
      [1.4, 0.8],
      [-0.5, 0.3],
    ],
  },
];
