// Returns from several depths become one result; a throwing path has no backward.
import { grad } from "adjoint";

export function f(x: number) {
  if (x < -10) throw new Error("out of range");
  const a = x * 3;
  if (x > 2) return a * a;
  if (x > 0) {
    const b = Math.log(x + 1);
    if (x > 1) return b * a;
    return b + a;
  }
  return Math.cos(a);
}

export const df = grad(f);

export const checks = [{ f, grad: df, at: [[2.5], [1.5], [0.5], [-0.7]] }];
