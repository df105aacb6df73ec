// valueAndGrad: the value and the gradient from one forward pass.
import { valueAndGrad } from "adjoint";

export function f(x: number, y: number) {
  const t = Math.exp(x * y);
  return t / (1 + t);
}

export const vg = valueAndGrad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    valueAndGrad: vg,
    wrt: [0, 1],
    at: [
      [0.7, -1.3],
      [2, 0.5],
    ],
  },
];
