// stopGradient: its value is a constant for the backward sweep, and no code is emitted for it.
import { stopGradient } from "adjoint";
export const f = (x) => stopGradient(x * x) * x + Math.sin(x);
function f_grad(x) {
  const dx = Math.cos(x) + x * x;
  return dx;
}
export const df = f_grad;
// x² held constant: the gradient is x² + cos(x), the derivative of x³/3 + sin(x).
export const checks = [{ f, grad: df, reference: (x) => x ** 3 / 3 + Math.sin(x), at: [[0.7], [-1.5]] }];
