// An array parameter passed to a helper: the helper's gradient for it is added into the caller's.
import { grad } from "adjoint";

function dot(a: Float64Array, b: Float64Array) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function f(w: Float64Array, x: Float64Array) {
  const r = dot(w, x) - 1;
  return r * r + 0.1 * dot(w, w);
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  { f, grad: df, wrt: [0, 1], at: [[Float64Array.from([0.5, -1, 2]), Float64Array.from([1.5, 0.25, -0.5])]] },
];
