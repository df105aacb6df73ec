// let reassigned and compound-assigned, x++ as a statement: each version is an SSA name.
import { grad } from "adjoint";

export function f(x: number) {
  let y = x * 2;
  y = y * y;
  y += Math.sin(x);
  y *= x;
  y++;
  const z = y;
  return z * x;
}

export const df = grad(f);

export const checks = [{ f, grad: df, at: [[0.3], [-1.7]] }];
