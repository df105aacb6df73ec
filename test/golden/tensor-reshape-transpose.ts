// reshape and transpose move each element's gradient back to where the element came from.
import { grad, mul, reshape, sum, tensor, transpose, type Tensor } from "adjoint";

export function f(x: Tensor) {
  const columns = transpose(reshape(x, [2, 3]));
  return sum(mul(columns, tensor([[1], [2], [3]])), 0);
}

export const df = grad(f);

export const checks = [{ f, grad: df, at: [[tensor([0.5, -1, 2, 0.3, -0.6, 1.1])]] }];
