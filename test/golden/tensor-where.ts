// where: the gradient goes to the value each element was taken from, none to the condition.
import { greater, grad, mul, square, sum, tensor, where, type Tensor } from "adjoint";

export const f = (x: Tensor, y: Tensor) => sum(where(greater(x, y), square(x), mul(x, y)));

export const df = grad(f, { wrt: [0, 1] });

export const checks = [{ f, grad: df, wrt: [0, 1], at: [[tensor([0.5, -1, 2]), tensor([0.3, 0.4, 2.5])]] }];
