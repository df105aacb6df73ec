// A number[] literal the function creates, overwritten in place and read back.
import { grad } from "adjoint";

export function f(x: number, y: number) {
  const a = [x, y, x * y];
  for (let i = 1; i < 3; i++) a[i] = a[i]! * a[i - 1]! + 1;
  a[0] -= Math.sin(a[2]!);
  return a[0]! + 2 * a[1]! + a[2]!;
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [0.7, 1.2],
      [-0.5, 0.8],
    ],
  },
];
