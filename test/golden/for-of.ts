// for...of over a number[] parameter: a hidden counter, the element read as xs[index].
import { grad } from "adjoint";

export function f(xs: number[], w: number) {
  let total = 0;
  for (const v of xs) total = total * w + v * v;
  return total;
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [[0.2, -1.5, 0.4], 0.8],
      [[], 2],
    ],
  },
];
