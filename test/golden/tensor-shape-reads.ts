// Shape reads are constants: x.size, x.shape[i], onesLike(x), a loop to x.shape[0].
import { add, div, grad, mul, onesLike, sum, tensor, type Tensor, zeros } from "adjoint";

export function f(x: Tensor) {
  let acc = zeros([x.shape[1]!]);
  for (let i = 0; i < x.shape[0]!; i++) acc = add(acc, mul(x, i + 1));
  return div(sum(mul(acc, add(x, onesLike(x)))), x.size);
}

export const df = grad(f);

export const checks = [
  {
    f,
    grad: df,
    at: [
      [
        tensor([
          [0.5, -1],
          [2, 0.3],
          [-0.4, 1.1],
        ]),
      ],
    ],
  },
];
