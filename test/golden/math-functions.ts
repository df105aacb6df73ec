// Math functions with a derivative, and the ones of gradient zero (floor, sign, ...).
import { grad } from "adjoint";

export function f(x: number, y: number) {
  const a = Math.exp(x) * Math.log(y) + Math.sin(x) * Math.cos(y) + Math.tanh(x - y);
  const b = Math.sqrt(y) + Math.atan2(x, y) + Math.hypot(x, y) + Math.pow(y, x);
  return a + b * Math.abs(x) + Math.max(x, y) * Math.floor(y) + Math.sign(x);
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.4, 1.7],
      [-1.2, 0.6],
    ],
  },
];
