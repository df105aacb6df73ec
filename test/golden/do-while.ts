// do...while: the body runs before the first test; two carried variables swap each iteration.
import { grad } from "adjoint";

export function f(x: number, y: number) {
  let a = x;
  let b = y;
  let i = 0;
  do {
    const t = a + Math.sin(b);
    a = b;
    b = t;
    i += 1;
  } while (i < 3);
  return a * b;
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.3, -0.7],
      [1.1, 0.4],
    ],
  },
];
