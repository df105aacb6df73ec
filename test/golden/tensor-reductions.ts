// Reductions: sum, mean and logSumExp, whole and along an axis, with and without keepDims.
import { add, grad, logSumExp, mean, mul, sub, sum, tensor, type Tensor } from "adjoint";

export function f(x: Tensor) {
  const rows = sum(x, 1);
  const centered = sub(x, mean(x, 0, true));
  const logProbabilities = sub(x, logSumExp(x, 1, true));
  return add(add(sum(mul(rows, rows)), mean(mul(centered, centered))), sum(logProbabilities, [0, 1]));
}

export const df = grad(f);

export const checks = [
  {
    f,
    grad: df,
    at: [
      [
        tensor([
          [0.5, -1, 2],
          [2, 0.3, -0.6],
        ]),
      ],
    ],
  },
];
