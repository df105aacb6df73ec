// customGradient: the backward given replaces the derivative of the forward (here a stable one).
import { customGradient, grad } from "adjoint";

const log1pexp = customGradient(
  (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x))),
  (g: number, x: number) => g / (1 + Math.exp(-x)),
);

export const f = (x: number, y: number) => log1pexp(x * y) * y;

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.7, 1.2],
      [-1.5, 0.4],
    ],
  },
];
