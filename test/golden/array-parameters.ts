// Array parameters, number[] and Float64Array, read by index and length: their gradients are
// arrays of the same kind.
import { grad } from "adjoint";

export function f(a: number[], b: Float64Array) {
  let s = 0;
  for (let i = 0; i + 1 < a.length; i++) s += a[i]! * b[i + 1]! - a[i + 1]! ** 2;
  return s * s;
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [{ f, grad: df, wrt: [0, 1], at: [[[1, 2, -0.5], Float64Array.from([0.5, -1, 2])]] }];
