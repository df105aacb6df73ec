// reverseGradient: the gradient through it is multiplied by -lambda, a value known at run time.
import { reverseGradient } from "adjoint";
export const f = (x, lambda) => reverseGradient(x * x, lambda) + x;
function f_grad(x, lambda) {
  const dx = 1 - lambda * x - lambda * x;
  return dx;
}
export const df = f_grad;
export const checks = [
  {
    f,
    grad: df,
    reference: (x, lambda) => -lambda * x * x + x,
    at: [
      [0.7, 0.5],
      [-1.5, 2],
    ],
  },
];
