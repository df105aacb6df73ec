// if / else if / else; a variable assigned in some branches only meets the others after.
import { grad } from "adjoint";

export function f(x: number) {
  let y = x;
  let z = 1;
  if (x < -1) {
    y = x * x;
  } else if (x < 1) {
    y = Math.sin(x) * 3;
    z = x;
  } else {
    z = Math.exp(x);
  }
  return y * z;
}

export const df = grad(f);

export const checks = [{ f, grad: df, at: [[-2.3], [0.4], [1.7]] }];
