// Broadcasting: a bias row, a column times a row, and a number operand; each operand's
// gradient is summed back to its own shape.
import { add, grad, mul, relu, sum, tensor, type Tensor } from "adjoint";

export function f(x: Tensor, bias: Tensor, column: Tensor, scale: number) {
  const h = relu(add(x, bias));
  return sum(mul(mul(h, column), scale));
}

export const df = grad(f, { wrt: [0, 1, 2, 3] });

const x = tensor([
  [0.5, -1],
  [2, 0.3],
  [-0.4, 1.1],
]);

export const checks = [
  { f, grad: df, wrt: [0, 1, 2, 3], at: [[x, tensor([0.1, -0.2]), tensor([[1], [-2], [0.5]]), 1.5]] },
];
