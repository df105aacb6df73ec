// reverseGradient: the gradient through it is multiplied by -lambda, a value known at run time.
import { grad, reverseGradient } from "adjoint";

export const f = (x: number, lambda: number) => reverseGradient(x * x, lambda) + x;

export const df = grad(f);

export const checks = [
  {
    f,
    grad: df,
    reference: (x: number, lambda: number) => -lambda * x * x + x,
    at: [
      [0.7, 0.5],
      [-1.5, 2],
    ],
  },
];
