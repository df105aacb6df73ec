// vjp: the gradient of sum(seed · f(x)), for a number and for a tensor result; the seed is
// the last argument.
import { exp, mul, tensor, vjp, type Tensor } from "adjoint";

export const f = (x: number) => x * Math.sin(x);
export const tensorF = (x: Tensor) => mul(exp(x), x);

export const pullback = vjp(f);
export const tensorPullback = vjp(tensorF);

export const checks = [
  {
    f,
    vjp: pullback,
    at: [
      [0.7, 3],
      [-1.5, -0.5],
    ],
  },
  { f: tensorF, vjp: tensorPullback, at: [[tensor([0.1, -0.4, 2]), tensor([1, 0, -3])]] },
];
