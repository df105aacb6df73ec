// customGradient: the backward given replaces the derivative of the forward (here a stable one).
import { customGradient } from "adjoint";
import * as adjoint from "adjoint/internal";
const log1pexp = customGradient(
  (x) => (x > 30 ? x : Math.log1p(Math.exp(x))),
  (g, x) => g / (1 + Math.exp(-x)),
);
export const f = (x, y) => log1pexp(x * y) * y;
function f_grad_x_y(x, y) {
  const t1 = x * y;
  const [dt1] = adjoint.customGradients(log1pexp, y, t1);
  const dx = dt1 * y;
  const dy = log1pexp(t1) + dt1 * x;
  return [dx, dy];
}
export const df = f_grad_x_y;
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
