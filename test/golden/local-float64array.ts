// A Float64Array the function allocates: prefix sums written in one loop, read in another.
import { grad } from "adjoint";

export function f(x: Float64Array, w: number) {
  const s = new Float64Array(x.length);
  let acc = 0;
  for (let i = 0; i < x.length; i++) {
    acc += x[i]! * w;
    s[i] = acc;
  }
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    total += v * v;
  }
  return total;
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [{ f, grad: df, wrt: [0, 1], at: [[Float64Array.from([0.5, -1.25, 2]), 1.5]] }];
