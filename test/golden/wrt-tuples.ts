// wrt: one index gives one gradient, an array of indices a tuple in that order; other
// parameters are constants.
import { grad } from "adjoint";

export function f(x: number, y: number, z: number) {
  return x * y * y + Math.sin(z) * x;
}

export const dy = grad(f, { wrt: 1 });
export const dzx = grad(f, { wrt: [2, 0] });

export const checks = [
  { f, grad: dy, wrt: 1, at: [[0.7, -1.3, 2.1]] },
  { f, grad: dzx, wrt: [2, 0], at: [[0.7, -1.3, 2.1]] },
];
