// gradHook: the gradient reaching y is replaced by what the hook returns; the hook may read
// forward values.
import { gradHook } from "adjoint";
export function f(x) {
  const y = gradHook(Math.sin(x), (g) => g * x);
  return y * 2;
}
function f_grad(x) {
  const hook = (g) => g * x;
  const dx = hook(2) * Math.cos(x);
  return dx;
}
export const df = f_grad;
// The hook turns y's gradient 2 into 2x: the gradient is 2x·cos(x), the derivative of 2(x·sin(x) + cos(x)).
export const checks = [{ f, grad: df, reference: (x) => 2 * (x * Math.sin(x) + Math.cos(x)), at: [[0.7], [-1.5]] }];
