// gradHook: the gradient reaching y is replaced by what the hook returns; the hook may read
// forward values.
import { grad, gradHook } from "adjoint";

export function f(x: number) {
  const y = gradHook(Math.sin(x), (g) => g * x);
  return y * 2;
}

export const df = grad(f);

// The hook turns y's gradient 2 into 2x: the gradient is 2x·cos(x), the derivative of 2(x·sin(x) + cos(x)).
export const checks = [
  { f, grad: df, reference: (x: number) => 2 * (x * Math.sin(x) + Math.cos(x)), at: [[0.7], [-1.5]] },
];
