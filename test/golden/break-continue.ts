// continue ends an iteration (the for's update still runs), break leaves the loop.
import { grad } from "adjoint";

export function f(x: number) {
  let y = 1;
  for (let i = 0; i < 10; i++) {
    if (i === 2) continue;
    y = y * x + Math.sin(y);
    if (y > 4) break;
  }
  return y;
}

export const df = grad(f);

export const checks = [{ f, grad: df, at: [[0.5], [1.3], [-0.7]] }];
