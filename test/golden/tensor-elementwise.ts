// Elementwise tensor primitives of two tensors of the same shape; the result's sum is differentiated.
import { add, div, exp, grad, log, mul, neg, sigmoid, sqrt, square, sub, tanh, tensor, type Tensor } from "adjoint";

export function f(x: Tensor, y: Tensor) {
  const a = add(mul(x, y), div(exp(x), add(square(y), 1)));
  return sub(tanh(a), mul(log(sqrt(add(square(x), 1))), neg(sigmoid(y))));
}

export const df = grad(f, { wrt: [0, 1] });

export const checks = [
  {
    f,
    grad: df,
    wrt: [0, 1],
    at: [
      [
        tensor([
          [0.5, -1],
          [2, 0.3],
        ]),
        tensor([
          [1.5, 0.2],
          [-0.7, 1],
        ]),
      ],
    ],
  },
];
